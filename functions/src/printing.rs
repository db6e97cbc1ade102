//! Documents as the awarding body prints them (DOC-4, VER-2): what goes on the page, read from
//! the document and its achievement, rendered by `portal-render` off the async runtime. Used by
//! every route that hands out a PDF.

use portal_domain::accounts::addresses::Address;
use portal_domain::documents::access::Opened;
use portal_domain::documents::badges::verify_url;
use portal_domain::documents::jobs::{Achievement, DocumentKind, DocumentRecord, DocumentStatus};
use portal_domain::ports::Printer;
use portal_domain::store::catalogue::Fulfilment;
use portal_domain::store::credit::{EntryKind, PrintableStatement};
use portal_domain::store::print_pack::PackedOrder;
use portal_domain::values::long_date;
use portal_domain::{Ctx, Error, records};
use portal_http::Problem;
use portal_render as render;
use tokio::sync::OnceCell;

/// Where the awarding body's logo for printed documents is kept (a PNG in the blob store).
pub const LOGO_KEY: &str = "branding/logo.png";

/// The document's PDF as `copy`, marked when it no longer stands. A badge has no PDF.
pub async fn pdf(ctx: &Ctx, opened: &Opened, copy: render::Copy) -> Result<Vec<u8>, Problem> {
    let centre_name = records::centre(ctx, &opened.achievement.centre_number)
        .await?
        .map(|c| c.name);
    Ok(render_pdf(ctx, &opened.record, &opened.achievement, centre_name, copy).await?)
}

/// Centres' copies for their zips (CEN-4): view-only, the centre's name read once per zip.
pub struct PdfPrinter;

#[async_trait::async_trait]
impl Printer for PdfPrinter {
    async fn centre_copy(
        &self,
        ctx: &Ctx,
        document: &DocumentRecord,
        achievement: &Achievement,
        centre_name: Option<&str>,
    ) -> Result<Vec<u8>, Error> {
        render_pdf(
            ctx,
            document,
            achievement,
            centre_name.map(str::to_owned),
            render::Copy::ViewOnly,
        )
        .await
    }

    async fn print_pack(&self, ctx: &Ctx, orders: &[PackedOrder]) -> Result<Vec<u8>, Error> {
        let pack = render::PrintPack {
            brand: brand(ctx).await,
            return_address: ctx.settings.store.seller.address.clone(),
            issued_on: long_date(ctx.now().date()),
            orders: orders.iter().map(|o| pack_order(ctx, o)).collect(),
        };
        let what = format!("a print pack of {} orders", orders.len());
        off_runtime(pack, render::print_pack, |p| p.brand.logo_png = None, what).await
    }
}

async fn render_pdf(
    ctx: &Ctx,
    record: &DocumentRecord,
    achievement: &Achievement,
    centre_name: Option<String>,
    copy: render::Copy,
) -> Result<Vec<u8>, Error> {
    let Some(kind) = printed_kind(record.kind) else {
        return Err(Error::Conflict(
            "a digital badge is an image, not a PDF: see its /badge".into(),
        ));
    };
    let printed = printed(ctx, record, achievement, centre_name, kind);
    let brand = brand(ctx).await;
    let marking = marking(record.status);
    let what = record.reference.as_str().to_owned();
    off_runtime(
        (printed, brand),
        move |(printed, brand)| render::pdf(printed, brand, copy, marking),
        |(_, brand)| brand.logo_png = None,
        what,
    )
    .await
}

fn printed_kind(kind: DocumentKind) -> Option<render::Kind> {
    match kind {
        DocumentKind::Certificate => Some(render::Kind::Certificate),
        DocumentKind::UnitCertificate => Some(render::Kind::UnitCertificate),
        DocumentKind::Letter => Some(render::Kind::Letter),
        DocumentKind::Badge => None,
    }
}

fn marking(status: DocumentStatus) -> Option<&'static str> {
    match status {
        DocumentStatus::Valid => None,
        DocumentStatus::Revoked => Some("REVOKED"),
        DocumentStatus::Withdrawn => Some("WITHDRAWN"),
        DocumentStatus::Superseded => Some("SUPERSEDED"),
    }
}

fn printed(
    ctx: &Ctx,
    record: &DocumentRecord,
    a: &Achievement,
    centre_name: Option<String>,
    kind: render::Kind,
) -> render::Printed {
    render::Printed {
        kind,
        reference: record.reference.as_str().to_owned(),
        learner_name: format!("{} {}", a.first_name, a.last_name),
        enrolment_number: a.enrolment_number.clone(),
        qualification_title: a.qualification_title.clone(),
        qualification_code: a.qualification_code.clone(),
        course: a.course.clone(),
        award_date: long_date(a.award_date),
        issued_on: long_date(a.issued_at.date()),
        centre_name,
        units: a
            .units
            .iter()
            .map(|u| render::Unit {
                code: u.code.clone(),
                title: u.title.clone(),
                grade: u.grade.clone(),
            })
            .collect(),
        verify_url: verify_url(&ctx.settings, record.reference.as_str()),
    }
}

/// The awarding body as printed: its name, support address and, when one is kept, its logo
/// (read once per process).
async fn brand(ctx: &Ctx) -> render::Brand {
    static LOGO: OnceCell<Option<Vec<u8>>> = OnceCell::const_new();
    // Kept once read (present or not); a failed read is not kept, so the next request tries again.
    let logo = LOGO
        .get_or_try_init(|| async {
            ctx.blobs
                .get(LOGO_KEY)
                .await
                .map(|found| found.map(|blob| blob.bytes.to_vec()))
        })
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "the logo for printed documents cannot be read; printing without it");
        })
        .ok()
        .cloned()
        .flatten();
    render::Brand {
        organisation_name: ctx.settings.organisation_name.clone(),
        logo_png: logo,
        support_email: ctx.settings.support_email.clone(),
    }
}

/// One order of a print pack: its slip's lines and its documents, a copy per quantity.
fn pack_order(ctx: &Ctx, packed: &PackedOrder) -> render::PackOrder {
    let order = &packed.order;
    let delivery = order.delivery.as_ref();
    let address = delivery.and_then(|d| d.address.as_ref());
    let mut documents = Vec::new();
    for d in &packed.documents {
        if let Some(kind) = printed_kind(d.record.kind) {
            let printed = printed(ctx, &d.record, &d.achievement, d.centre_name.clone(), kind);
            documents.extend(std::iter::repeat_n(printed, d.quantity as usize));
        }
    }
    render::PackOrder {
        number: order.number.clone(),
        placed_on: long_date(order.created_at.date()),
        buyer_name: order.buyer_name.clone(),
        delivery_name: address.map_or_else(|| order.buyer_name.clone(), |a| a.recipient.clone()),
        delivery_option: delivery.map(|d| d.name.clone()).unwrap_or_default(),
        collection: delivery.is_some_and(|d| d.collection),
        // The recipient heads the label on its own line.
        address: address
            .map(|a| address_lines(a).split_off(1))
            .unwrap_or_default(),
        items: order
            .lines
            .iter()
            .filter(|l| l.fulfilment == Fulfilment::Post)
            .map(|l| render::PackItem {
                description: format!("{} — {}", l.product_name, l.qualification_title),
                learner_name: l.learner_name.clone(),
                reference: l.reference.clone(),
                quantity: u32::try_from(l.quantity).unwrap_or(1),
                reason: l.reason.clone(),
            })
            .collect(),
        documents,
    }
}

/// An address as printed, one line each, the recipient first.
fn address_lines(a: &Address) -> Vec<String> {
    [
        Some(a.recipient.clone()),
        Some(a.line1.clone()),
        a.line2.clone(),
        Some(a.city.clone()),
        a.region.clone(),
        a.postcode.clone(),
        Some(a.country.clone()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Renders off the async runtime (PDFs take milliseconds of CPU). A logo that cannot be drawn
/// must not stop anything being printed: it is drawn again without the logo.
async fn off_runtime<T: Send + 'static>(
    mut input: T,
    render: impl Fn(&T) -> Result<Vec<u8>, render::RenderError> + Send + 'static,
    without_logo: fn(&mut T),
    what: String,
) -> Result<Vec<u8>, Error> {
    let about = what.clone();
    tokio::task::spawn_blocking(move || match render(&input) {
        Err(render::RenderError::Logo(reason)) => {
            tracing::warn!(%reason, what = about, "the logo cannot be drawn; printing without it");
            without_logo(&mut input);
            render(&input)
        }
        other => other,
    })
    .await
    .map_err(|e| Error::Internal(format!("rendering stopped: {e}")))?
    .map_err(|e| Error::Internal(format!("rendering {what} failed: {e}")))
}

/// An order's VAT receipt (ORD-4): what was paid, as fixed in the order, with the seller's
/// address and VAT number from the store's settings.
pub async fn receipt(ctx: &Ctx, order: &portal_domain::store::Order) -> Result<Vec<u8>, Error> {
    let paid_at = order
        .payment
        .paid_at
        .ok_or_else(|| Error::Conflict("the order is not paid yet: there is no receipt".into()))?;
    let store = &ctx.settings.store;
    let rate = |id: &str| store.vat_rate(id);
    let receipt = render::Receipt {
        seller: seller(ctx),
        logo_png: brand(ctx).await.logo_png,
        number: order.number.clone(),
        paid_on: long_date(paid_at.date()),
        buyer: render::ReceiptBuyer {
            name: order.buyer_name.clone(),
            address: address_lines(&order.billing),
        },
        delivery: order.delivery.as_ref().map(|d| render::ReceiptDelivery {
            name: d.name.clone(),
            price: d.price.unwrap_or(0),
        }),
        lines: order
            .lines
            .iter()
            .map(|l| render::ReceiptLine {
                description: format!("{} — {}", l.product_name, l.qualification_title),
                reference: l.letter.clone().unwrap_or_else(|| l.reference.clone()),
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_rate_name: rate(&l.vat_rate)
                    .map_or_else(|| l.vat_rate.clone(), |r| r.name.clone()),
                vat_basis_points: rate(&l.vat_rate).map_or(0, |r| r.basis_points),
                net: l.amounts.net,
                vat: l.amounts.vat,
                gross: l.amounts.gross,
            })
            .collect(),
        vat: order
            .totals
            .vat
            .iter()
            .map(|v| render::ReceiptVat {
                rate_name: v.rate_name.clone(),
                basis_points: v.basis_points,
                net: v.amounts.net,
                vat: v.amounts.vat,
                gross: v.amounts.gross,
            })
            .collect(),
        totals: render::ReceiptTotals {
            net: order.totals.net,
            vat: order.totals.vat_total,
            total: order.totals.total,
        },
        payment: render::ReceiptPayment {
            method: "Card".to_owned(),
            reference: order.payment.payment_id.clone().unwrap_or_default(),
        },
    };
    let what = format!("the receipt of {}", order.number);
    off_runtime(receipt, render::receipt, |r| r.logo_png = None, what).await
}

/// The seller as printed on receipts and statements: from the store's settings.
fn seller(ctx: &Ctx) -> render::ReceiptSeller {
    let store = &ctx.settings.store;
    render::ReceiptSeller {
        organisation_name: ctx.settings.organisation_name.clone(),
        address: store.seller.address.clone(),
        vat_number: store.seller.vat_number.clone(),
        support_email: ctx.settings.support_email.clone(),
    }
}

/// A centre's statement of account for a month (CEN-6), as a PDF.
pub async fn statement(ctx: &Ctx, printable: &PrintableStatement) -> Result<Vec<u8>, Error> {
    let s = &printable.statement;
    let statement = render::Statement {
        seller: seller(ctx),
        logo_png: brand(ctx).await.logo_png,
        centre_name: printable.centre_name.clone(),
        centre_number: s.centre_number.clone(),
        month: month_label(&s.month),
        issued_on: long_date(ctx.now().date()),
        opening: s.opening,
        charges: s.charges,
        credits: s.credits,
        payments: s.payments,
        closing: s.closing,
        limit: printable.account.limit,
        available: printable.account.available,
        entries: s
            .entries
            .iter()
            .map(|e| render::StatementEntry {
                date: long_date(e.at.date()),
                kind: match e.kind {
                    EntryKind::Charge => "Charge",
                    EntryKind::CreditNote => "Credit note",
                    EntryKind::Payment => "Payment",
                }
                .to_owned(),
                reference: e.reference.clone(),
                description: e.description.clone(),
                amount: e.amount,
                balance: e.balance,
            })
            .collect(),
    };
    let what = format!("the statement of {} for {}", s.centre_number, s.month);
    off_runtime(statement, render::statement, |s| s.logo_png = None, what).await
}

/// `2026-11` as "November 2026".
fn month_label(month: &str) -> String {
    time::Date::parse(
        &format!("{month}-01"),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_or_else(
        |_| month.to_owned(),
        |d| format!("{} {}", d.month(), d.year()),
    )
}
