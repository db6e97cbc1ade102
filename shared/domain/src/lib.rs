//! The Digital Achievement Portal's domain: types, rules and services. It talks to the world
//! only through [`ports`], and knows nothing of AWS, Lambda or HTTP.

pub mod accounts;
pub mod audit;
pub mod centre;
pub mod config;
pub mod connections;
pub mod ctx;
pub mod documents;
pub mod error;
pub mod filtered;
pub mod items;
pub mod keys;
pub mod messages;
pub mod outbox;
pub mod ports;
pub mod rate_limit;
pub mod records;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod values;

pub use ctx::Ctx;
pub use error::{Error, FieldError, Fields, Result};
pub use settings::Settings;
