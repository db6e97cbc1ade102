//! Documents: what the awarding body issues (certificates, unit certificates, letters, badges),
//! their references, and the jobs that issue them.

pub mod reference;

pub use reference::Reference;
