//! The portal's functions. Each `[[bin]]` is one Lambda function: a short `main` that builds
//! its clients once ([`lambda`]) and hands every request to [`app::dispatch`], which routes by
//! [`routes`] to the function's handler. The local portal calls the same dispatch.

pub mod app;
pub mod config;
pub mod handlers;
pub mod lambda;
pub mod openapi;
pub mod printing;
pub mod routes;
pub mod scheduled;
