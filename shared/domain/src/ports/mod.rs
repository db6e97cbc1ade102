//! The ports: the only ways the domain talks to the world. Each has an AWS adapter and an
//! embedded adapter in `portal-adapters`, and one conformance suite (in `tests/`) that both pass.

pub mod blobs;
pub mod clock;
pub mod mailer;
pub mod payments;
pub mod printer;
pub mod table;

pub use blobs::{Blob, BlobError, Blobs, Upload};
pub use clock::{Clock, FixedClock, Random, SystemClock, SystemRandom, random_bytes};
pub use mailer::{Email, MailError, Mailer};
pub use payments::{PaymentError, Payments};
pub use printer::Printer;
pub use table::{Condition, Item, Key, Page, Query, SortCondition, Table, TableError, Write};
