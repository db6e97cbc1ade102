//! Adapters of the domain's ports: [`aws`] for deployment, [`embedded`] for the local portal.

pub mod aws;
pub mod embedded;
