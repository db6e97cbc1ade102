//! Documents: what the awarding body issues (certificates, unit certificates, letters, badges),
//! their references, the jobs that issue them, who may see them, and how they change.

pub mod access;
pub mod badges;
pub mod jobs;
pub mod lifecycle;
pub mod reference;
pub mod reports;
pub mod verify;

pub use jobs::{Achievement, DocumentKind, JobInput, JobIssued};
pub use reference::Reference;
