//! Smart Verify (VER-1, VER-3): anyone with a reference — usually from the QR code on a paper
//! certificate — learns whether the document is genuine and current, and the few facts needed to
//! tell that it is the one in their hand. Nothing more: no enrolment number, no date of birth.

use serde::Serialize;
use time::Date;

use super::Reference;
use super::jobs::{self, DocumentKind, DocumentStatus, Unit};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::keys;
use crate::rate_limit;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    #[schema(value_type = String)]
    pub reference: Reference,
    pub status: DocumentStatus,
    #[serde(rename = "type")]
    pub kind: DocumentKind,
    pub learner_name: String,
    pub qualification_title: String,
    #[serde(with = "crate::items::date")]
    #[schema(value_type = String, format = Date)]
    pub award_date: Date,
    pub awarding_body: String,
    /// When the certification expires, if it does.
    #[serde(with = "crate::items::date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
    /// Whether it has expired (a valid document past its expiry date).
    pub expired: bool,
    /// The document that replaced this one, when it was reissued.
    #[schema(value_type = Option<String>)]
    pub superseded_by: Option<Reference>,
    /// The document's own contents, when the awarding body shows them (VER-1) and it stands.
    pub document: Option<DocumentContents>,
}

/// What the document itself says beyond the key facts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DocumentContents {
    pub qualification_code: String,
    pub course: Option<String>,
    /// The units, for a unit certificate.
    pub units: Vec<Unit>,
}

/// Looks a reference up for `client`, within the per-address limit. A malformed reference costs
/// the same store read as an unknown one, so neither answer nor timing tells them apart.
pub async fn verify(ctx: &Ctx, raw: &str, client: &str) -> Result<Option<Verification>> {
    rate_limit::enforce(ctx, "verify-ip", client, ctx.settings.limits.verify_per_ip).await?;
    let Ok(reference) = Reference::parse(raw) else {
        ctx.table.get(&keys::document("00000000-00-0000")).await?;
        return Ok(None);
    };
    let Some((record, achievement)) = jobs::document(ctx, &reference).await? else {
        return Ok(None);
    };
    let shown = ctx.settings.documents.verify_shows_document
        && record.status == DocumentStatus::Valid
        && record.kind != DocumentKind::Badge;
    let document = shown.then(|| DocumentContents {
        qualification_code: achievement.qualification_code.clone(),
        course: achievement.course.clone(),
        units: if record.kind == DocumentKind::UnitCertificate {
            achievement.units.clone()
        } else {
            Vec::new()
        },
    });
    let expired = achievement
        .expires_on
        .is_some_and(|expires| expires < ctx.now().date());
    Ok(Some(Verification {
        expires_on: achievement.expires_on,
        expired,
        reference: record.reference,
        superseded_by: record.superseded_by,
        document,
        status: record.status,
        kind: record.kind,
        learner_name: format!("{} {}", achievement.first_name, achievement.last_name),
        qualification_title: achievement.qualification_title,
        award_date: achievement.award_date,
        awarding_body: ctx.settings.organisation_name.clone(),
    }))
}
