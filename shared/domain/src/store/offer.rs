//! What this buyer may buy, and for which of their documents (ORD-1): a learner's products for
//! their own valid documents; a third party's for the documents a connection shares with them now.

use serde::Serialize;

use super::catalogue::{Buyer, Fulfilment};
use crate::accounts::sessions::Principal;
use crate::ctx::Ctx;
use crate::documents::jobs::{self, DocumentKind, DocumentStatus};
use crate::error::{Error, Result};
use crate::values::format_date;

/// A document a product may be ordered for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderableDocument {
    pub reference: String,
    pub kind: DocumentKind,
    pub qualification_title: String,
    pub learner_name: String,
    /// `YYYY-MM-DD`.
    pub award_date: String,
    /// For a third party: the connection it is shared through.
    pub connection_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OfferedProduct {
    pub id: String,
    pub name: String,
    pub description: String,
    /// VAT included, in pence.
    pub price: i64,
    pub vat_rate: String,
    pub fulfilment: Fulfilment,
    pub document_kinds: Vec<DocumentKind>,
    /// Sold at most once per candidate's achievement to one buyer.
    pub once_per_achievement: bool,
    /// The buyer's documents it may be ordered for.
    pub documents: Vec<OrderableDocument>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub products: Vec<OfferedProduct>,
    /// The reasons a centre picks from for each duplicate it orders (CEN-6).
    pub duplicate_reasons: Vec<String>,
    /// Whether this buyer may pay on account (centres).
    pub on_account: bool,
}

/// The products for this buyer; a third party names the connection whose documents to offer for.
pub async fn offer(ctx: &Ctx, principal: &Principal, connection_id: Option<&str>) -> Result<Offer> {
    let buyer = Buyer::of(principal.kind()).ok_or(Error::Forbidden)?;
    let documents = match buyer {
        Buyer::Learner => learners_documents(ctx, principal).await?,
        Buyer::ThirdParty => match connection_id.map(str::trim).filter(|c| !c.is_empty()) {
            Some(id) => shared_documents(ctx, principal, id).await?,
            None => Vec::new(),
        },
        // Centres order for their learners from their records (the back office's centre store).
        Buyer::Centre => Vec::new(),
    };
    let products = ctx
        .settings
        .store
        .products
        .iter()
        .filter(|p| p.buyers.contains(&buyer))
        .map(|p| OfferedProduct {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            price: p.price,
            vat_rate: p.vat_rate.clone(),
            fulfilment: p.fulfilment,
            document_kinds: p.document_kinds.clone(),
            once_per_achievement: p.once_per_achievement,
            documents: documents
                .iter()
                .filter(|d| p.document_kinds.contains(&d.kind))
                .cloned()
                .collect(),
        })
        .collect();
    Ok(Offer {
        products,
        duplicate_reasons: if buyer == Buyer::Centre {
            ctx.settings.store.duplicate_reasons.clone()
        } else {
            Vec::new()
        },
        on_account: buyer == Buyer::Centre,
    })
}

async fn learners_documents(ctx: &Ctx, principal: &Principal) -> Result<Vec<OrderableDocument>> {
    let Some(number) = principal.account.enrolment_number.as_ref() else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for achievement in jobs::of_learner(ctx, number.as_str()).await? {
        for document in &achievement.documents {
            if document.status == DocumentStatus::Valid && document.kind != DocumentKind::Badge {
                found.push(OrderableDocument {
                    reference: document.reference.to_string(),
                    kind: document.kind,
                    qualification_title: achievement.qualification_title.clone(),
                    learner_name: format!("{} {}", achievement.first_name, achievement.last_name),
                    award_date: format_date(achievement.award_date),
                    connection_id: None,
                });
            }
        }
    }
    Ok(found)
}

async fn shared_documents(
    ctx: &Ctx,
    principal: &Principal,
    connection_id: &str,
) -> Result<Vec<OrderableDocument>> {
    let shared =
        crate::connections::actions::shared_documents(ctx, principal, connection_id).await?;
    Ok(shared
        .items
        .into_iter()
        .filter(|d| d.status == DocumentStatus::Valid)
        .map(|d| OrderableDocument {
            reference: d.reference,
            kind: d.kind,
            qualification_title: d.qualification_title,
            learner_name: d.learner_name,
            award_date: d.award_date,
            connection_id: Some(connection_id.to_owned()),
        })
        .collect())
}
