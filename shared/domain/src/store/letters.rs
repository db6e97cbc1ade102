//! Letters bought from the store (the confirmation of award, the proof of qualification) are
//! issued when their order is paid: each a document of its own — a new reference and QR code,
//! verifiable on the verify page like any document — in the same transaction as the payment.
//!
//! A learner's letter joins their achievement's documents (they see it with the others). A third
//! party's proof of qualification is theirs: it is not listed among the learner's documents, but
//! its record names the buyer, who opens and downloads it as its owner from the order.

use std::collections::BTreeMap;

use super::catalogue::{Buyer, Fulfilment};
use super::orders::Order;
use crate::ctx::Ctx;
use crate::documents::Reference;
use crate::documents::jobs::{
    Achievement, DocumentKind, DocumentRecord, DocumentStatus, IssuedDocument,
};
use crate::error::{Error, Result};
use crate::items::{from_item, to_item};
use crate::keys;
use crate::ports::{Condition, Key, Write};

/// The writes that issue the order's letters (and marks each line with its letter's reference).
pub(super) async fn issue(ctx: &Ctx, order: &mut Order) -> Result<Vec<Write>> {
    let digital: Vec<usize> = (0..order.lines.len())
        .filter(|&i| {
            order.lines[i].fulfilment == Fulfilment::Digital && order.lines[i].letter.is_none()
        })
        .collect();
    if digital.is_empty() {
        return Ok(Vec::new());
    }
    let learners_own = order.buyer_kind == Buyer::Learner;
    // The learner's achievements the letters join, read at once.
    let mut achievements: BTreeMap<Key, (Achievement, usize)> = BTreeMap::new();
    if learners_own {
        let keys_wanted: Vec<Key> = digital
            .iter()
            .map(|&i| {
                let l = &order.lines[i];
                keys::achievement(&l.enrolment_number, &l.job_id, l.achievement)
            })
            .collect();
        let found = ctx.table.get_many(&keys_wanted).await?;
        for ((key, item), &i) in keys_wanted.into_iter().zip(found).zip(&digital) {
            let item = item.ok_or_else(|| {
                Error::Internal(format!("the achievement of order line {i} is missing"))
            })?;
            achievements.insert(key, (from_item(item)?, order.lines[i].achievement));
        }
    }
    let mut writes = Vec::new();
    for &i in &digital {
        let line = &mut order.lines[i];
        let reference = Reference::new(ctx.random.as_ref());
        let mut record = DocumentRecord::new(
            reference.clone(),
            DocumentKind::Letter,
            &line.enrolment_number,
            &line.job_id,
            line.achievement,
        );
        record.order_id = Some(order.id.clone());
        if !learners_own {
            record.ordered_by = Some(order.buyer_id.clone());
        }
        writes.push(Write::put_new(to_item(
            &keys::document(reference.as_str()),
            &record,
        )?));
        if learners_own {
            let key = keys::achievement(&line.enrolment_number, &line.job_id, line.achievement);
            if let Some((achievement, _)) = achievements.get_mut(&key) {
                achievement.documents.push(IssuedDocument {
                    kind: DocumentKind::Letter,
                    reference: reference.clone(),
                    status: DocumentStatus::Valid,
                });
            }
        }
        line.letter = Some(reference.as_str().to_owned());
    }
    for (achievement, index) in achievements.into_values() {
        let expected = achievement.version;
        let mut changed = achievement;
        changed.version += 1;
        let unchanged = if expected == 0 {
            Condition::Exists
        } else {
            Condition::version_is(expected)
        };
        writes.push(Write::put_if(
            crate::documents::jobs::achievement_item(&changed, index)?,
            unchanged,
        ));
    }
    Ok(writes)
}
