use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::model::AccountKind;
use portal_domain::documents::{Achievement, Reference, jobs};
use portal_http::{ApiRequest, ApiResponse, Problem, auth};
use serde::Serialize;

/// A learner's achievements with their documents (DOC-3).
#[derive(Serialize, utoipa::ToSchema)]
pub struct AchievementList {
    pub items: Vec<Achievement>,
    pub next_cursor: Option<String>,
}

/// One document and the achievement it belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    #[schema(value_type = String)]
    pub reference: Reference,
    #[serde(rename = "type")]
    pub kind: jobs::DocumentKind,
    pub status: jobs::DocumentStatus,
    pub achievement: Achievement,
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal =
        auth::signed_in_as(ctx, &req, &[AccountKind::Learner, AccountKind::Admin]).await?;
    let own = principal
        .account
        .enrolment_number
        .as_ref()
        .map(|n| n.as_str().to_owned());
    let reference = req.param("reference");
    if reference.is_empty() {
        // The list is the learner's own; administrators look documents up by reference.
        let Some(own) = own.filter(|_| principal.account.kind == AccountKind::Learner) else {
            return Err(portal_domain::Error::Forbidden.into());
        };
        let items = jobs::of_learner(ctx, &own).await?;
        return Ok(ApiResponse::json(
            StatusCode::OK,
            &AchievementList {
                items,
                next_cursor: None,
            },
        ));
    }
    // A malformed reference is answered like an unknown one: nothing to learn from the difference.
    let reference = Reference::parse(reference).map_err(|_| Problem::not_found())?;
    let (record, achievement) = jobs::document(ctx, &reference)
        .await?
        .ok_or_else(Problem::not_found)?;
    let allowed = principal.account.kind == AccountKind::Admin
        || own.as_deref() == Some(record.enrolment_number.as_str());
    if !allowed {
        return Err(Problem::not_found());
    }
    Ok(ApiResponse::json(
        StatusCode::OK,
        &DocumentView {
            reference: record.reference,
            kind: record.kind,
            status: record.status,
            achievement,
        },
    ))
}
