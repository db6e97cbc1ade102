//! What the awarding body configures. Read once from the environment by the function layer.

use time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The awarding body's name, shown on pages and in e-mails.
    pub organisation_name: String,
    pub support_email: String,
    /// Shown beside the support e-mail when set.
    pub support_phone: Option<String>,
    /// The awarding body's logo for the web app's header (an https URL or a path on the site).
    pub logo_url: Option<String>,
    /// Where the portal is reached, without a trailing slash (links in e-mails start with it).
    pub public_url: String,
    /// A signed-in session ends after this long without a request…
    pub session_idle: Duration,
    /// …and after this long whatever happens.
    pub session_absolute: Duration,
    /// SHA-256 of the records system's API key; `None` turns the records API off.
    pub records_api_key_sha256: Option<[u8; 32]>,
    pub limits: Limits,
    pub documents: DocumentRules,
    pub connections: ConnectionRules,
    pub centres: CentreRules,
    /// Products, delivery options, VAT and the seller's details (ORD-1, ORD-3).
    pub store: crate::store::StoreSettings,
}

/// What centres may do in bulk (CEN-3, CEN-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CentreRules {
    /// The most documents one zip download may hold.
    pub max_download_documents: usize,
    /// A learner is not told twice about the same documents within this time.
    pub notify_interval: Duration,
}

impl Default for CentreRules {
    fn default() -> Self {
        Self {
            max_download_documents: 5_000,
            notify_interval: Duration::days(7),
        }
    }
}

/// How long learners may share documents with third parties (CON-1, CON-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionRules {
    /// The latest expiry date allowed, in days from today.
    pub max_days: i64,
}

impl Default for ConnectionRules {
    fn default() -> Self {
        Self { max_days: 365 }
    }
}

/// What the awarding body decides about its documents (ADM-4's document settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRules {
    /// How many times a learner may download each certificate, unit certificate and letter (DOC-5).
    pub download_limit: DownloadLimits,
    /// The reasons a person picks from when reporting a problem with a document (DOC-6).
    pub report_reasons: Vec<String>,
    /// Where reports go (the awarding body's team); the support address when unset.
    pub reports_email: Option<String>,
    /// Whether the public verify page shows the document itself (VER-1).
    pub verify_shows_document: bool,
}

/// Downloads allowed per document type (DOC-5); 0 means downloads are off for that type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadLimits {
    pub certificate: i64,
    pub unit_certificate: i64,
    pub letter: i64,
}

impl DocumentRules {
    fn defaults() -> Self {
        Self {
            download_limit: DownloadLimits {
                certificate: 3,
                unit_certificate: 3,
                letter: 3,
            },
            report_reasons: [
                "My name is wrong",
                "The qualification or units are wrong",
                "A date is wrong",
                "This is not my document",
                "Something else",
            ]
            .map(str::to_owned)
            .to_vec(),
            reports_email: None,
            verify_shows_document: true,
        }
    }
}

/// Rate limits: at most `n` attempts per window of `window` for each key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub n: i64,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub login_per_ip: Limit,
    pub login_per_account: Limit,
    pub register_per_ip: Limit,
    pub register_per_email: Limit,
    pub forgot_per_ip: Limit,
    pub forgot_per_email: Limit,
    /// Smart Verify look-ups per client address (VER-3: references cannot be enumerated).
    pub verify_per_ip: Limit,
    /// Wrong passwords in a row that lock an account.
    pub lockout_after: i64,
}

impl Default for Limits {
    fn default() -> Self {
        let per = |n, minutes| Limit {
            n,
            window: Duration::minutes(minutes),
        };
        Self {
            login_per_ip: per(30, 15),
            login_per_account: per(10, 15),
            register_per_ip: per(10, 60),
            register_per_email: per(3, 60),
            forgot_per_ip: per(10, 60),
            forgot_per_email: per(3, 60),
            verify_per_ip: per(60, 1),
            lockout_after: 5,
        }
    }
}

impl Settings {
    /// Settings fit for tests and the local portal's defaults.
    pub fn local(public_url: impl Into<String>) -> Self {
        Self {
            organisation_name: "Digital Achievement Portal".to_owned(),
            support_email: "support@example.org".to_owned(),
            support_phone: None,
            logo_url: None,
            public_url: public_url.into(),
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
            records_api_key_sha256: None,
            limits: Limits::default(),
            documents: DocumentRules::defaults(),
            connections: ConnectionRules::default(),
            centres: CentreRules::default(),
            store: crate::store::StoreSettings::default(),
        }
    }

    /// Where reports of problems with documents are sent (DOC-6).
    pub fn reports_to(&self) -> &str {
        self.documents
            .reports_email
            .as_deref()
            .unwrap_or(&self.support_email)
    }

    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_url)
    }
}
