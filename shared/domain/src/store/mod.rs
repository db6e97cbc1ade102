//! The store (ORD-1..5): products for documents, the basket, checkout with delivery and VAT,
//! card payment through the payments port with its signed webhook, and the buyer's orders.

pub mod basket;
pub mod catalogue;
pub mod checkout;
pub mod credit;
pub mod letters;
pub mod money;
pub mod offer;
pub mod on_behalf;
pub mod orders;
pub mod print_pack;
pub mod processing;
pub mod webhook;

pub use catalogue::{Buyer, DeliveryOption, Fulfilment, Product, StoreSettings};
pub use money::format_gbp;
pub use orders::{Order, OrderStatus, OrderView};
