//! Digital badges (DOC-7): "Add to LinkedIn" opens LinkedIn's add-to-profile form pre-filled with
//! the certification, the awarding body, the dates, the reference as credential ID and the verify
//! page as credential URL, so anyone who sees it on a profile can check it.

use url::Url;

use super::jobs::{Achievement, DocumentRecord, DocumentStatus};
use crate::error::{Error, Result};
use crate::settings::Settings;

const LINKEDIN_ADD: &str = "https://www.linkedin.com/profile/add";

/// The document's public verify page (VER-1): what its QR code opens.
pub fn verify_url(settings: &Settings, reference: &str) -> String {
    settings.link(&format!("/verify/{reference}"))
}

/// LinkedIn's add-to-profile URL for a document that stands.
pub fn linkedin_url(
    settings: &Settings,
    record: &DocumentRecord,
    achievement: &Achievement,
) -> Result<String> {
    if record.status != DocumentStatus::Valid {
        return Err(Error::Conflict(format!(
            "this document is {}; only a valid document can be added to a profile",
            record.status.as_str()
        )));
    }
    let mut url = Url::parse(LINKEDIN_ADD).map_err(|e| Error::Internal(e.to_string()))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("startTask", "CERTIFICATION_NAME")
            .append_pair("name", &achievement.qualification_title)
            .append_pair("organizationName", &settings.organisation_name)
            .append_pair("issueYear", &achievement.award_date.year().to_string())
            .append_pair(
                "issueMonth",
                &u8::from(achievement.award_date.month()).to_string(),
            );
        if let Some(expires) = achievement.expires_on {
            q.append_pair("expirationYear", &expires.year().to_string())
                .append_pair("expirationMonth", &u8::from(expires.month()).to_string());
        }
        q.append_pair("certUrl", &verify_url(settings, record.reference.as_str()))
            .append_pair("certId", record.reference.as_str());
    }
    Ok(url.into())
}
