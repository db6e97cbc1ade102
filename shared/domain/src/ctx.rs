//! The ports and settings a service call needs, built once per process.

use std::sync::Arc;

use crate::ports::{Blobs, Clock, Mailer, Payments, Random, Table};
use crate::settings::Settings;

#[derive(Clone)]
pub struct Ctx {
    pub table: Arc<dyn Table>,
    pub blobs: Arc<dyn Blobs>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
    /// The card payment provider (ORD-4).
    pub payments: Arc<dyn Payments>,
    pub settings: Arc<Settings>,
    /// The configuration console's current version, read at most once a minute (ADM-4): each
    /// request runs with `config.current(ctx)`.
    pub config: Arc<crate::config::Live>,
    /// The network address of the client whose request this is, set per request by the
    /// dispatcher (None outside a request: timers, imports, tools). The audit log records it.
    pub client: Option<Arc<str>>,
}

impl Ctx {
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}
