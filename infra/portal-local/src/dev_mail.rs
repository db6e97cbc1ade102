//! The local outbox for a person (`/dev/mail`, links clickable) and for tools
//! (`/dev/mail.json`). Local portal only: these routes do not exist in AWS.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use portal_domain::messages::escape;
use serde::Serialize;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dev/mail", get(list))
        .route("/dev/mail.json", get(json))
        .route("/dev/mail/{id}", get(message))
}

#[derive(Serialize)]
struct Item {
    id: String,
    to: String,
    subject: String,
    text: String,
    html: String,
    sent_at: String,
}

#[derive(Serialize)]
struct Items {
    items: Vec<Item>,
}

async fn json(State(state): State<AppState>) -> Response {
    match state.outbox.list().await {
        Ok(sent) => {
            let items = sent
                .into_iter()
                .map(|s| Item {
                    id: s.email.id,
                    to: s.email.to,
                    subject: s.email.subject,
                    text: s.email.text,
                    html: s.email.html,
                    sent_at: s
                        .sent_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                })
                .collect();
            match serde_json::to_vec(&Items { items }) {
                Ok(body) => ([("content-type", "application/json")], body).into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;line-height:1.5}}li{{margin:.5rem 0}}pre{{white-space:pre-wrap}}</style></head>\
         <body><p><a href=\"/dev/mail\">Local outbox</a></p>{body}</body></html>",
        escape(title)
    ))
}

async fn list(State(state): State<AppState>) -> Response {
    let Ok(sent) = state.outbox.list().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut body = String::from(
        "<h1>Local outbox</h1><p>Every e-mail the portal sent, newest first. This page exists only in the local portal.</p><ul>",
    );
    if sent.is_empty() {
        body.push_str("<li>No e-mails yet.</li>");
    }
    for s in sent.iter().rev() {
        body.push_str(&format!(
            "<li><a href=\"/dev/mail/{}\">{}</a><br><small>to {} · {}</small></li>",
            escape(&s.email.id),
            escape(&s.email.subject),
            escape(&s.email.to),
            s.sent_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        ));
    }
    body.push_str("</ul>");
    page("Local outbox", &body).into_response()
}

async fn message(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.outbox.get(&id).await {
        Ok(Some(s)) => {
            let body = format!(
                "<h1>{}</h1><p>To: {}</p><pre>{}</pre>",
                escape(&s.email.subject),
                escape(&s.email.to),
                linkify(&s.email.text)
            );
            page(&s.email.subject, &body).into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The text body, escaped, with its http(s) links made clickable.
fn linkify(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                format!(
                    "<a href=\"{0}\">{0}</a>{1}",
                    escape(trimmed),
                    &word[trimmed.len()..]
                )
            } else {
                escape(word)
            }
        })
        .collect()
}
