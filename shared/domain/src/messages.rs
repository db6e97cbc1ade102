//! The words of every e-mail, in one place. Text and HTML bodies, names escaped.

use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Builds a message from paragraphs, with at most one call to action link.
fn compose(
    settings: &Settings,
    subject: String,
    greeting: &str,
    paragraphs: &[String],
    action: Option<(&str, &str)>,
) -> Message {
    let org = &settings.organisation_name;
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem\"><p>{}</p>",
        escape(greeting)
    );
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        // A paragraph's lines (a list of documents) stay lines in HTML.
        html.push_str(&format!("<p>{}</p>", escape(p).replace('\n', "<br>")));
    }
    if let Some((label, url)) = action {
        text.push_str(&format!("{label}: {url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p><p style=\"font-size:0.9em\">{}</p>",
            escape(url),
            escape(label),
            escape(url)
        ));
    }
    let signature = format!("{org}\nNeed help? Write to {}", settings.support_email);
    text.push_str(&signature);
    text.push('\n');
    html.push_str(&format!(
        "<p>{}<br>Need help? Write to {}</p></body></html>",
        escape(org),
        escape(&settings.support_email)
    ));
    Message {
        subject,
        text,
        html,
    }
}

pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn hello(first_name: &str) -> String {
    format!("Hello {first_name},")
}

pub fn verify_email(s: &Settings, first_name: &str, link: &str) -> Message {
    compose(
        s,
        format!("Confirm your e-mail address for {}", s.organisation_name),
        &hello(first_name),
        &["Please confirm your e-mail address to finish creating your account. The link works once and expires in 24 hours.".to_owned(),
          "If you did not ask for an account, ignore this e-mail.".to_owned()],
        Some(("Confirm my e-mail address", link)),
    )
}

pub fn already_registered(s: &Settings, first_name: &str, sign_in: &str, reset: &str) -> Message {
    compose(
        s,
        format!("Someone tried to register with your address at {}", s.organisation_name),
        &hello(first_name),
        &["Somebody, probably you, tried to create an account with this e-mail address, which already has one.".to_owned(),
          format!("If it was you, sign in at {sign_in}, or set a new password if you have forgotten it."),
          "If it was not you, you can ignore this e-mail: nothing has changed.".to_owned()],
        Some(("Set a new password", reset)),
    )
}

pub fn pending_review(s: &Settings, first_name: &str) -> Message {
    compose(
        s,
        "Your registration will be checked".to_owned(),
        &hello(first_name),
        &["Thank you for confirming your e-mail address.".to_owned(),
          "The details you gave did not exactly match our records, so an administrator will check your registration. We will e-mail you as soon as it has been reviewed.".to_owned()],
        None,
    )
}

pub fn registration_approved(s: &Settings, first_name: &str, sign_in: &str) -> Message {
    compose(
        s,
        "Your account is ready".to_owned(),
        &hello(first_name),
        &[
            "An administrator has checked your registration and your account is now active."
                .to_owned(),
        ],
        Some(("Sign in", sign_in)),
    )
}

pub fn registration_rejected(s: &Settings, first_name: &str, reason: &str) -> Message {
    compose(
        s,
        "Your registration could not be approved".to_owned(),
        &hello(first_name),
        &[
            format!(
                "An administrator checked your registration and could not match it to our records: {reason}"
            ),
            format!(
                "If you think this is a mistake, write to {} or register again with the details on your certificate.",
                s.support_email
            ),
        ],
        None,
    )
}

pub fn reset_password(s: &Settings, first_name: &str, link: &str) -> Message {
    compose(
        s,
        format!("Set a new password for {}", s.organisation_name),
        &hello(first_name),
        &["Somebody asked to set a new password for your account. The link works once and expires in one hour. Setting a new password also unlocks your account and signs you out everywhere.".to_owned(),
          "If it was not you, ignore this e-mail: your password has not changed.".to_owned()],
        Some(("Set a new password", link)),
    )
}

pub fn password_changed(s: &Settings, first_name: &str) -> Message {
    compose(
        s,
        "Your password was changed".to_owned(),
        &hello(first_name),
        &["The password of your account was just changed, and your other sessions were signed out.".to_owned(),
          format!("If you did not do this, set a new password now from the sign-in page and tell us at {}.", s.support_email)],
        None,
    )
}

/// `until`: when signing in works again, in words ("at 14:05 UTC").
pub fn account_locked(s: &Settings, first_name: &str, until: &str, reset: &str) -> Message {
    compose(
        s,
        "Sign-in to your account is paused".to_owned(),
        &hello(first_name),
        &[format!("Someone typed a wrong password or code for your account several times in a row, so signing in is paused until {until}. You can sign in as usual after that; anywhere you are already signed in stays signed in."),
          "If this was not you, you may want to set a new password, which also lets you sign in straight away.".to_owned()],
        Some(("Set a new password", reset)),
    )
}

/// An administrator removed the person's second factor (two-step sign-in).
pub fn second_factor_reset(s: &Settings, first_name: &str, sign_in: &str) -> Message {
    compose(
        s,
        "Your two-step sign-in was reset".to_owned(),
        &hello(first_name),
        &["An administrator removed the authenticator app from your account, as you asked. Set it up again from your profile when you next sign in (administrators and centre users are asked to straight away).".to_owned(),
          "If you did not ask for this, please contact support.".to_owned()],
        Some(("Sign in", sign_in)),
    )
}

pub fn confirm_new_email(s: &Settings, first_name: &str, link: &str) -> Message {
    compose(
        s,
        format!("Confirm your new e-mail address for {}", s.organisation_name),
        &hello(first_name),
        &["You asked to use this address for your account. Confirm it to make the change; until then your old address stays in use. The link works once and expires in 24 hours.".to_owned(),
          "If you did not ask for this, ignore this e-mail.".to_owned()],
        Some(("Confirm my new e-mail address", link)),
    )
}

/// To the old address once the new one is confirmed; `cancel` undoes the change.
pub fn email_changed(s: &Settings, first_name: &str, new_email: &str, cancel: &str) -> Message {
    compose(
        s,
        "Your e-mail address was changed".to_owned(),
        &hello(first_name),
        &[
            format!(
                "Your account now uses {new_email}; this address will no longer receive its e-mails, and everywhere your account was signed in has been signed out."
            ),
            "If you did not do this, undo it with the link below (it works for 7 days): your account goes back to this address and is signed out everywhere. Then set a new password.".to_owned(),
        ],
        Some(("Undo this change", cancel)),
    )
}

/// To the old address when a change is asked for; `cancel` stops it (also once confirmed).
pub fn email_change_requested(
    s: &Settings,
    first_name: &str,
    new_email: &str,
    cancel: &str,
) -> Message {
    compose(
        s,
        "Somebody asked to change your e-mail address".to_owned(),
        &hello(first_name),
        &[
            format!(
                "Somebody signed in to your account asked to move it to {new_email}. It moves once that address confirms it."
            ),
            "If this was not you, cancel it with the link below (it works for 7 days, also after the change): your account stays at this address and is signed out everywhere. Then set a new password.".to_owned(),
        ],
        Some(("Cancel this change", cancel)),
    )
}

/// To the address kept when a change was cancelled.
pub fn email_change_cancelled(s: &Settings, first_name: &str, reset: &str) -> Message {
    compose(
        s,
        "The change of your e-mail address was cancelled".to_owned(),
        &hello(first_name),
        &[
            "Your account keeps this e-mail address, and everywhere it was signed in has been signed out.".to_owned(),
            "Whoever asked for the change knew your password: please set a new one now.".to_owned(),
        ],
        Some(("Set a new password", reset)),
    )
}

/// To a centre's central address: a person asks to use the centre's records.
pub struct CentreRequest<'a> {
    pub centre_name: &'a str,
    pub person_name: &'a str,
    pub person_email: &'a str,
    /// Whether the person's address is at the centre's own domain (never for freemail).
    pub at_centre_domain: bool,
}

pub fn centre_approval_request(s: &Settings, request: &CentreRequest<'_>, link: &str) -> Message {
    let domain = if request.at_centre_domain {
        "Their address is at your centre's domain.".to_owned()
    } else {
        "Their address is NOT at your centre's domain: make sure you know who this is.".to_owned()
    };
    compose(
        s,
        format!("{} asks to use {}'s records", request.person_name, request.centre_name),
        &format!("Hello {},", request.centre_name),
        &[
            format!(
                "{} ({}) has registered as a user of {} at {}. Once approved, they see your centre's jobs, records and learners' documents, and can download them.",
                request.person_name, request.person_email, request.centre_name, s.organisation_name
            ),
            domain,
            "Open the link to approve or decline (it works once, for 7 days). If you do neither, the awarding body's administrators decide.".to_owned(),
        ],
        Some(("Approve or decline", link)),
    )
}

/// To a centre user after confirming their address: their centre is asked.
pub fn centre_approval_pending(s: &Settings, first_name: &str, centre_name: &str) -> Message {
    compose(
        s,
        "Your centre has been asked to approve you".to_owned(),
        &hello(first_name),
        &[format!(
            "Thank you for confirming your e-mail address. We have asked {centre_name}'s central e-mail address to approve your access; otherwise an administrator will check your registration. We will e-mail you as soon as it is decided."
        )],
        None,
    )
}

pub fn centre_approved(
    s: &Settings,
    first_name: &str,
    centre_name: &str,
    sign_in: &str,
) -> Message {
    compose(
        s,
        "Your account is ready".to_owned(),
        &hello(first_name),
        &[format!(
            "{centre_name} approved your access, and your account is now active."
        )],
        Some(("Sign in", sign_in)),
    )
}

pub fn centre_declined(s: &Settings, first_name: &str, centre_name: &str) -> Message {
    compose(
        s,
        "Your registration was declined".to_owned(),
        &hello(first_name),
        &[format!(
            "{centre_name} declined your request to use its records. If you think this is a mistake, ask your centre's exams office, or write to {}.",
            s.support_email
        )],
        None,
    )
}

/// To the address a learner record holds: the one-time code that claims it.
pub fn record_code(s: &Settings, first_name: &str, code: &str) -> Message {
    compose(
        s,
        format!("Your code for {}: {code}", s.organisation_name),
        &hello(first_name),
        &[
            format!("Somebody, probably you, registered an account with another e-mail address for the learner record that this address belongs to. To link it, enter this code on the page they are on: {code}"),
            "The code works for one hour. If this was not you, ignore this e-mail: nobody can see your documents without it.".to_owned(),
        ],
        None,
    )
}

/// DOC-2: a learner's new documents from one job.
pub fn documents_issued(
    s: &Settings,
    first_name: &str,
    documents: &[String],
    link: &str,
) -> Message {
    compose(
        s,
        format!("New documents from {}", s.organisation_name),
        &hello(first_name),
        &[
            format!(
                "{} issued to you {}:",
                if documents.len() == 1 {
                    "This document has been"
                } else {
                    "These documents have been"
                },
                "and can be seen in the portal now"
            ),
            documents.join("\n"),
        ],
        Some(("See your documents", link)),
    )
}

/// The most documents listed in a centre's e-mail; the portal's Jobs page lists them all.
pub const CENTRE_LIST_MAX: usize = 500;

/// DOC-2: to the centre's central address, everything one job issued.
pub fn centre_job_issued(
    s: &Settings,
    centre_name: &str,
    job_id: &str,
    documents: &[String],
) -> Message {
    let mut list = documents
        .iter()
        .take(CENTRE_LIST_MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if documents.len() > CENTRE_LIST_MAX {
        list.push_str(&format!(
            "\n… and {} more: the centre portal's Jobs page lists them all.",
            documents.len() - CENTRE_LIST_MAX
        ));
    }
    compose(
        s,
        format!("Job {job_id}: {} documents issued", documents.len()),
        &format!("Hello {centre_name},"),
        &[
            format!(
                "{} issued job {job_id} to your centre's learners: {} documents.",
                s.organisation_name,
                documents.len()
            ),
            list,
        ],
        None,
    )
}

/// DOC-6: to the awarding body's team, a report on a document.
pub struct ReportFacts<'a> {
    pub reporter_name: &'a str,
    pub reporter_email: &'a str,
    pub enrolment_number: &'a str,
    pub qualification_title: &'a str,
    pub reference: &'a str,
    pub reason: &'a str,
    pub description: &'a str,
}

pub fn report_received(s: &Settings, r: &ReportFacts<'_>, link: &str) -> Message {
    compose(
        s,
        format!("Report on {}: {}", r.reference, r.reason),
        "Hello,",
        &[
            format!(
                "{} ({}) reported a problem with document {}.",
                r.reporter_name, r.reporter_email, r.reference
            ),
            format!(
                "Enrolment number: {}\nQualification: {}\nReason: {}",
                r.enrolment_number, r.qualification_title, r.reason
            ),
            r.description.to_owned(),
        ],
        Some(("Answer the report", link)),
    )
}

/// ADM-3: to the person who reported, the awarding body's answer as the case closes.
pub fn report_answered(s: &Settings, first_name: &str, reference: &str, answer: &str) -> Message {
    compose(
        s,
        format!("Your report on {reference} has been answered"),
        &hello(first_name),
        &[
            format!(
                "{} has looked into the problem you reported with document {reference} and closed the report. Their answer:",
                s.organisation_name
            ),
            answer.to_owned(),
        ],
        None,
    )
}

/// CON-1..6, CON-10: news about a connection for one side. `name` is how the other side named
/// them; `lines` say what happened; the link leads to the connection (or to registering).
pub fn connection_news(
    s: &Settings,
    name: &str,
    subject: String,
    lines: &[String],
    action: (&str, &str),
) -> Message {
    compose(s, subject, &hello(name), lines, Some(action))
}

/// CEN-3: a centre tells a learner their documents are available. A learner with no account
/// yet is sent to register (their enrolment number links the account to the documents).
pub fn documents_available(
    s: &Settings,
    first_name: &str,
    centre_name: &str,
    documents: &[String],
    has_account: bool,
) -> Message {
    let (how, action) = if has_account {
        (
            "Sign in to the portal to see, share and order them.".to_owned(),
            ("See your documents", s.link("/documents")),
        )
    } else {
        (
            "Register for the portal with your enrolment number to see, share and order them."
                .to_owned(),
            ("Register", s.link("/register")),
        )
    };
    compose(
        s,
        format!("Your documents from {} are available", s.organisation_name),
        &hello(first_name),
        &[
            format!(
                "{centre_name} would like you to know that your documents from {} are available online:",
                s.organisation_name
            ),
            documents.join("\n"),
            how,
        ],
        Some((action.0, &action.1)),
    )
}

/// The lines of an order as an e-mail lists them, with its totals.
fn order_lines(order: &crate::store::Order) -> String {
    use crate::store::format_gbp;
    let mut lines: Vec<String> = order
        .lines
        .iter()
        .map(|l| {
            format!(
                "{} × {} — {} ({}): {}",
                l.quantity,
                l.product_name,
                l.qualification_title,
                l.reference,
                format_gbp(l.amounts.gross)
            )
        })
        .collect();
    if let Some(delivery) = &order.delivery {
        lines.push(format!(
            "Delivery: {} — {}",
            delivery.name,
            delivery
                .price
                .map_or_else(|| "to be priced".to_owned(), format_gbp)
        ));
    }
    for vat in &order.totals.vat {
        lines.push(format!(
            "VAT at {} ({}.{:02} %): {}",
            vat.rate_name,
            vat.basis_points / 100,
            vat.basis_points % 100,
            format_gbp(vat.amounts.vat)
        ));
    }
    lines.push(format!("Total paid: {}", format_gbp(order.totals.total)));
    lines.join("\n")
}

/// ORD-4: the order is paid; its VAT receipt is on the order's page.
pub fn order_paid(s: &Settings, order: &crate::store::Order) -> Message {
    compose(
        s,
        format!("Order {} confirmed — {}", order.number, s.organisation_name),
        &format!("Hello {},", order.buyer_name),
        &[
            format!(
                "Thank you: we have received your payment for order {}.",
                order.number
            ),
            order_lines(order),
            "Your VAT receipt, and any letters you ordered, are on the order's page. We will e-mail you as your order moves on.".to_owned(),
        ],
        Some((
            "See your order",
            &s.link(&format!("/orders/{}", order.id)),
        )),
    )
}

/// ORD-4: an order not paid in time is cancelled.
pub fn order_cancelled_unpaid(s: &Settings, order: &crate::store::Order) -> Message {
    compose(
        s,
        format!("Order {} cancelled — not paid", order.number),
        &format!("Hello {},", order.buyer_name),
        &[
            format!(
                "Your order {} was not paid within {} hours, so we have cancelled it. Nothing was charged.",
                order.number, s.store.unpaid_order_hours
            ),
            "You can order again from the portal at any time.".to_owned(),
        ],
        Some(("Go to the store", &s.link("/store"))),
    )
}

/// ORD-6: an administrator moved the order on (or gave money back); the buyer is told what,
/// with the carrier and tracking number once dispatched.
pub fn order_changed(s: &Settings, order: &crate::store::Order, what: &str) -> Message {
    let mut paragraphs = vec![format!("Your order {}: {what}", order.number)];
    if let (crate::store::OrderStatus::Dispatched, Some(dispatch)) = (order.status, &order.dispatch)
    {
        paragraphs.push(match &dispatch.tracking_number {
            Some(tracking) => format!(
                "It is on its way with {}; the tracking number is {tracking}.",
                dispatch.carrier
            ),
            None => format!("It is on its way with {}.", dispatch.carrier),
        });
    }
    if let Some(note) = order.log.last().and_then(|c| c.note.as_deref()) {
        paragraphs.push(format!("Note from our team: {note}"));
    }
    paragraphs.push(order_lines(order));
    compose(
        s,
        format!(
            "Order {}: {} — {}",
            order.number,
            order.status.label(),
            s.organisation_name
        ),
        &format!("Hello {},", order.buyer_name),
        &paragraphs,
        Some(("See your order", &s.link(&format!("/orders/{}", order.id)))),
    )
}

/// ORD-6: the delivery "priced by our team" is priced; the buyer pays from the order's page.
pub fn order_priced(s: &Settings, order: &crate::store::Order) -> Message {
    compose(
        s,
        format!(
            "Order {}: ready to pay — {}",
            order.number, s.organisation_name
        ),
        &format!("Hello {},", order.buyer_name),
        &[
            format!(
                "We have priced the delivery of your order {}: {} ({}). The order comes to {} in all.",
                order.number,
                crate::store::format_gbp(
                    order.delivery.as_ref().and_then(|d| d.price).unwrap_or(0)
                ),
                order
                    .delivery
                    .as_ref()
                    .map_or("delivery", |d| d.name.as_str()),
                crate::store::format_gbp(order.totals.total)
            ),
            format!(
                "Please pay within {} hours, or the order is cancelled.",
                s.store.unpaid_order_hours
            ),
            order_lines(order),
        ],
        Some((
            "Pay for your order",
            &s.link(&format!("/orders/{}", order.id)),
        )),
    )
}

/// ORD-6: the awarding body's staff placed an order for the buyer; they pay it (or see it
/// charged to their centre's account) from the order's page.
pub fn order_placed_for(s: &Settings, order: &crate::store::Order) -> Message {
    let awaits_payment = order.status == crate::store::OrderStatus::AwaitingPayment;
    compose(
        s,
        format!(
            "Order {}: placed for you — {}",
            order.number, s.organisation_name
        ),
        &format!("Hello {},", order.buyer_name),
        &[
            format!(
                "{} placed order {} for you: {} in all.",
                order.created_by.name,
                order.number,
                crate::store::format_gbp(order.totals.total)
            ),
            match order.status {
                crate::store::OrderStatus::AwaitingQuote => {
                    "Our team will price its delivery and e-mail you when it is.".to_owned()
                }
                _ if awaits_payment => format!(
                    "Please pay within {} hours, or the order is cancelled.",
                    s.store.unpaid_order_hours
                ),
                status => format!("It is {}.", status.label().to_lowercase()),
            },
            order_lines(order),
        ],
        Some((
            if awaits_payment {
                "Pay for your order"
            } else {
                "See your order"
            },
            &s.link(&format!("/orders/{}", order.id)),
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_people_type() {
        let s = Settings::local("http://127.0.0.1:3000");
        let m = verify_email(
            &s,
            "<script>",
            "http://127.0.0.1:3000/verify-email?token=a&b",
        );
        assert!(m.html.contains("&lt;script&gt;"));
        assert!(!m.html.contains("<script>"));
        assert!(
            m.text
                .contains("http://127.0.0.1:3000/verify-email?token=a&b")
        );
    }
}
