//! Orders placed by the awarding body's staff on a learner's or a centre's behalf (ORD-6; the
//! guides' "Created by admin2"): the same rules as the buyer's own checkout — what the buyer
//! may order, their address book, their payment methods — with the items given in the request
//! instead of the buyer's basket (which is left alone). The order keeps who created it and as
//! what kind of user; the buyer is e-mailed a link to pay it (or to see it, when it is charged
//! to their centre's account).

use serde::Deserialize;

use super::basket::{self, AddInput};
use super::checkout::{self, CheckoutInput, Placed};
use crate::accounts::model::{AccountKind, AccountStatus};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OnBehalfInput {
    /// The account of the learner or centre user the order is for.
    pub buyer_id: Option<String>,
    /// What to order: as a basket item (`product_id`, `reference`, `quantity`, and `reason`
    /// for a centre).
    pub items: Option<Vec<AddInput>>,
    /// One of the buyer's addresses.
    pub billing_address_id: Option<String>,
    /// One of the buyer's addresses; needed when something is posted (not for a collection).
    pub delivery_address_id: Option<String>,
    pub delivery_option: Option<String>,
    /// `card` (the buyer is e-mailed a link to pay) or, for a centre, `centre_credit`.
    pub payment_method: Option<String>,
}

/// The buyer as checkout sees them: their account, under the administrator's session (no
/// session of the buyer's is made or used).
async fn buyer(ctx: &Ctx, admin: &Principal, raw: Option<&str>) -> Result<Principal> {
    let id = raw
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::field("buyer_id", "is required: whom the order is for"))?;
    let account = if crate::secrets::is_id(id) {
        crate::accounts::load(ctx, id).await?
    } else {
        None
    };
    let account = account
        .filter(|a| matches!(a.kind, AccountKind::Learner | AccountKind::Centre))
        .ok_or_else(|| Error::field("buyer_id", "is not a learner's or a centre's account"))?;
    if account.status != AccountStatus::Active {
        return Err(Error::field(
            "buyer_id",
            "is an account that is not active: it cannot be ordered for",
        ));
    }
    Ok(Principal {
        account,
        session_key: admin.session_key.clone(),
        session: admin.session.clone(),
    })
}

/// Places the order (`POST /api/admin/orders`, with an `Idempotency-Key` as at checkout).
pub async fn place(
    ctx: &Ctx,
    admin: &Principal,
    input: &OnBehalfInput,
    raw_key: Option<&str>,
) -> Result<Placed> {
    admin.require(&[AccountKind::Admin])?;
    let buyer = buyer(ctx, admin, input.buyer_id.as_deref()).await?;
    let lines =
        basket::given_lines(ctx, &buyer, input.items.as_deref().unwrap_or_default()).await?;
    let checkout_input = CheckoutInput {
        billing_address_id: input.billing_address_id.clone(),
        delivery_address_id: input.delivery_address_id.clone(),
        delivery_option: input.delivery_option.clone(),
        payment_method: input.payment_method.clone(),
    };
    let placed =
        checkout::place_as(ctx, &buyer, admin, &checkout_input, raw_key, Some(lines)).await?;
    let order = super::orders::load(ctx, &placed.id)
        .await?
        .ok_or(Error::NotFound)?;
    // Once per order: a retry with the same key finds the e-mail queued already.
    ctx.table
        .transact(vec![crate::outbox::enqueue_once(
            ctx,
            &format!("order-for:{}", order.id),
            crate::messages::order_placed_for(&ctx.settings, &order),
            &order.buyer_email,
        )?])
        .await
        .or_else(|e| match e {
            crate::ports::TableError::ConditionFailed { .. } => Ok(()),
            other => Err(other),
        })?;
    Ok(placed)
}
