//! Shared test support: the port conformance suites and the AWS emulator connection.

pub mod centre;
pub mod conformance;
pub mod connections;
pub mod jobs;
pub mod moto;
pub mod portal;
pub mod store;
