//! Documents: what the awarding body issues (certificates, unit certificates, letters, badges),
//! their references, and the jobs that issue them.

pub mod jobs;
pub mod reference;
pub mod verify;

pub use jobs::{Achievement, DocumentKind, JobInput, JobIssued};
pub use reference::Reference;
