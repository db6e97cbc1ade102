//! The local payment provider's page (`/dev/pay/{session}`): the amount and three buttons, Pay,
//! Decline and Cancel. A form POST of `outcome=paid|declined|cancelled` to the same URL does what
//! the buttons do: the provider records it, sends the portal's webhook route the event signed
//! exactly as Stripe signs (through the same dispatch as any request), and returns the browser to
//! the order. Local portal only: in AWS the page is Stripe's.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use http::{HeaderValue, Method, StatusCode};
use portal_adapters::embedded::{LocalPayError, Outcome, SessionStatus};
use portal_domain::messages::escape;
use portal_domain::store::format_gbp;
use portal_http::ApiRequest;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dev/pay/{session}", get(page).post(choose))
}

fn shell(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}}\
         main{{max-width:28rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:.75rem;\
         box-shadow:0 1px 3px rgba(0,0,0,.15)}}\
         .amount{{font-size:2rem;font-weight:700;margin:.5rem 0 1rem}}\
         .note{{color:#4a5260;font-size:.9rem}}\
         form{{display:flex;flex-direction:column;gap:.75rem;margin-top:1.5rem}}\
         button{{font:inherit;font-weight:600;padding:.8rem 1rem;border-radius:.5rem;border:2px solid #1d4ed8;cursor:pointer}}\
         button:focus-visible{{outline:3px solid #f59e0b;outline-offset:2px}}\
         .pay{{background:#1d4ed8;color:#fff}} .other{{background:#fff;color:#1d4ed8}}\
         </style></head><body><main>{body}</main></body></html>",
        title = escape(title),
    ))
}

async fn page(State(state): State<AppState>, Path(session): Path<String>) -> Response {
    match state.payments.session(&session).await {
        Ok(s) => {
            let closed = match s.status {
                SessionStatus::Open => None,
                SessionStatus::Complete => Some("This payment is complete."),
                SessionStatus::Expired => Some("This payment was cancelled."),
            };
            let actions = match closed {
                Some(said) => format!(
                    "<p>{said}</p><p><a href=\"{}\">Back to your order</a></p>",
                    escape(&s.cancel_url)
                ),
                None => "<form method=\"post\">\
                     <button class=\"pay\" name=\"outcome\" value=\"paid\">Pay</button>\
                     <button class=\"other\" name=\"outcome\" value=\"declined\">Decline (a refused card)</button>\
                     <button class=\"other\" name=\"outcome\" value=\"cancelled\">Cancel</button>\
                     </form>"
                    .to_owned(),
            };
            shell(
                "Pay for your order",
                &format!(
                    "<h1>Pay for order {number}</h1>\
                     <p class=\"amount\">{amount}</p>\
                     <p class=\"note\">This is the local portal's test payment page: no card is \
                     charged. Deployed, the portal sends buyers to Stripe's page instead.</p>{actions}",
                    number = escape(&s.order_number),
                    amount = format_gbp(s.amount),
                ),
            )
            .into_response()
        }
        Err(e) => refusal(&e),
    }
}

fn refusal(e: &LocalPayError) -> Response {
    let status = match e {
        LocalPayError::NotFound => StatusCode::NOT_FOUND,
        LocalPayError::Closed(_) => StatusCode::CONFLICT,
        LocalPayError::Table(_) | LocalPayError::Stored(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    (
        status,
        shell(
            "Payment",
            &format!("<h1>Payment</h1><p>{}</p>", escape(&e.to_string())),
        ),
    )
        .into_response()
}

async fn choose(
    State(state): State<AppState>,
    Path(session): Path<String>,
    body: String,
) -> Response {
    let outcome = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "outcome")
        .and_then(|(_, v)| Outcome::parse(&v));
    let Some(outcome) = outcome else {
        return (
            StatusCode::BAD_REQUEST,
            shell(
                "Payment",
                "<h1>Payment</h1><p>outcome must be paid, declined or cancelled.</p>",
            ),
        )
            .into_response();
    };
    let delivery = match state
        .payments
        .complete(&session, outcome, state.ctx.now())
        .await
    {
        Ok(delivery) => delivery,
        Err(e) => return refusal(&e),
    };
    let mut webhook = ApiRequest::new(Method::POST, "/api/payments/webhook");
    webhook
        .headers
        .insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(signature) = HeaderValue::from_str(&delivery.signature) {
        webhook.headers.insert("stripe-signature", signature);
    }
    webhook.body = delivery.body.into();
    webhook.client = "127.0.0.1".to_owned();
    let answered = functions::app::dispatch(&state.ctx, webhook, None).await;
    for wake in state.wake_after_writes.iter() {
        wake.notify_one();
    }
    if !answered.status.is_success() {
        tracing::warn!(
            status = answered.status.as_u16(),
            "the portal refused the local provider's webhook"
        );
        return (
            StatusCode::BAD_GATEWAY,
            shell(
                "Payment",
                &format!(
                    "<h1>Payment</h1><p>The portal refused the payment's webhook ({}).</p>",
                    answered.status
                ),
            ),
        )
            .into_response();
    }
    Redirect::to(&delivery.redirect).into_response()
}
