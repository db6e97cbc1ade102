use http::StatusCode;
use portal_domain::Ctx;
use portal_domain::accounts::model::AccountKind;
use portal_domain::documents::access::{self, Audience, Downloads};
use portal_domain::documents::{Achievement, Reference, badges, jobs};
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
    /// The reissued document that replaced this one.
    #[schema(value_type = Option<String>)]
    pub superseded_by: Option<Reference>,
    /// The learner's downloads of the PDF (DOC-5): for the learner it was issued to.
    pub downloads: Option<Downloads>,
    /// The public page its QR code opens.
    pub verify_url: String,
    pub achievement: Achievement,
}

/// LinkedIn's add-to-profile address for a document (DOC-7).
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkedIn {
    pub url: String,
}

pub async fn handle(ctx: &Ctx, req: ApiRequest) -> Result<ApiResponse, Problem> {
    let principal = auth::signed_in(ctx, &req).await?;
    let reference = req.param("reference");
    if reference.is_empty() {
        // The list is the learner's own; others look documents up by reference.
        let own = principal
            .account
            .enrolment_number
            .as_ref()
            .filter(|_| principal.account.kind == AccountKind::Learner)
            .ok_or(portal_domain::Error::Forbidden)?;
        let items = jobs::of_learner(ctx, own.as_str()).await?;
        return Ok(ApiResponse::json(
            StatusCode::OK,
            &AchievementList {
                items,
                next_cursor: None,
            },
        ));
    }
    let opened = access::open(
        ctx,
        &principal,
        reference,
        req.query_param("connection").as_deref(),
    )
    .await?;
    let record = &opened.record;
    if req.path.ends_with("/linkedin") {
        if opened.audience != Audience::Owner {
            return Err(Problem::not_found());
        }
        let url = badges::linkedin_url(&ctx.settings, record, &opened.achievement)?;
        return Ok(ApiResponse::json(StatusCode::OK, &LinkedIn { url }));
    }
    Ok(ApiResponse::json(
        StatusCode::OK,
        &DocumentView {
            reference: record.reference.clone(),
            kind: record.kind,
            status: record.status,
            superseded_by: record.superseded_by.clone(),
            downloads: (opened.audience == Audience::Owner)
                .then(|| Downloads::of(ctx, record))
                .flatten(),
            verify_url: badges::verify_url(&ctx.settings, record.reference.as_str()),
            achievement: opened.visible_achievement(),
        },
    ))
}
