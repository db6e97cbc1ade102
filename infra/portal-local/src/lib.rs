//! The whole portal on one machine: every function's handler on one HTTP server (routed from
//! the one route table), embedded adapters in a data folder, the scheduled and background
//! functions on timers, and — locally only — the outbox readable at `/dev/mail`.

mod dev_mail;
mod dev_pay;
mod secrets_file;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use functions::routes::{FUNCTIONS, Trigger};
use http::StatusCode;
use portal_adapters::embedded::{EmbeddedTable, FolderBlobs, LocalPayments, OutboxMailer};
use portal_domain::ports::{Clock, Mailer, Payments, SystemClock, SystemRandom};
use portal_domain::{Ctx, Settings};
use portal_http::{ApiRequest, ApiResponse, Problem};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The largest request body the local server reads (the biggest route limit is below it).
const MAX_BODY: usize = 8 * 1024 * 1024;

pub struct Options {
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    /// `None`: `http://{addr}` once bound.
    pub public_url: Option<String>,
    /// Settings over which the environment was read; `public_url` is filled in at start.
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    /// Replaces the outbox mailer (tests inject failures); the outbox still backs `/dev/mail`.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Replaces the local payment provider (tests put Stripe against a fake here); its page
    /// at `/dev/pay` stays the local provider's.
    pub payments: Option<Arc<dyn Payments>>,
    /// The first administrator, created on first start.
    pub admin: Option<(String, String)>,
    /// Run scheduled functions on timers (tests may drive them by hand instead).
    pub timers: bool,
    /// The built web app (`web/dist`), served at `/`; `None` or not built: a page saying how.
    pub web_dir: Option<PathBuf>,
    /// Serve `/dev/mail` even when listening beyond loopback. It shows every reset and
    /// verification link sent, so anyone who can reach it can take over any account.
    pub dev_mail_beyond_loopback: bool,
}

impl Options {
    pub fn new(data_dir: PathBuf, addr: SocketAddr) -> Self {
        Self {
            data_dir,
            addr,
            public_url: None,
            settings: Settings::local(String::new()),
            clock: Arc::new(SystemClock),
            mailer: None,
            payments: None,
            admin: None,
            timers: true,
            web_dir: None,
            dev_mail_beyond_loopback: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the table: {0}")]
    Table(#[from] portal_domain::ports::TableError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the first administrator: {0}")]
    Admin(portal_domain::Error),
}

/// A running portal.
pub struct Running {
    pub addr: SocketAddr,
    pub ctx: Ctx,
    pub outbox: OutboxMailer,
    pub table: Arc<EmbeddedTable>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        self.ctx.settings.public_url.clone()
    }

    /// Runs a scheduled function now, as its timer would.
    pub async fn run_scheduled(
        &self,
        function: &str,
    ) -> Result<serde_json::Value, portal_domain::Error> {
        functions::scheduled::run(function, &self.ctx).await
    }

    /// Stops serving and the timers (dropping it does the same).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[derive(Clone)]
struct AppState {
    web_dir: Option<Arc<PathBuf>>,
    ctx: Ctx,
    blobs: FolderBlobs,
    outbox: OutboxMailer,
    /// The local payment provider, whose page is `/dev/pay/{session}`.
    payments: LocalPayments,
    /// One per stream-triggered function: what a write request wakes (as the table's stream
    /// would in AWS).
    wake_after_writes: Arc<Vec<Arc<Notify>>>,
}

/// Opens the data folder, binds, and serves in the background.
pub async fn start(options: Options) -> Result<Running, StartError> {
    let data = options.data_dir.clone();
    let io = |source| StartError::DataDir {
        path: data.clone(),
        source,
    };
    tokio::fs::create_dir_all(&data).await.map_err(io)?;
    let secrets = secrets_file::load_or_create(&data.join("secrets.json")).map_err(io)?;

    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: options.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: options.addr,
        source,
    })?;
    let public_url = options
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));

    let table = Arc::new(EmbeddedTable::open(&data.join("table.redb"))?);
    let blobs = FolderBlobs::new(
        data.join("blobs"),
        public_url.clone(),
        secrets.blob_signing_key,
        Arc::clone(&options.clock),
    );
    let outbox = OutboxMailer::new(data.join("outbox"));
    let local_payments = LocalPayments::new(
        table.clone(),
        Arc::new(SystemRandom),
        public_url.clone(),
        generated_secret(&data.join("payments-webhook-secret.txt")).map_err(io)?,
    );
    let mut settings = options.settings;
    settings.public_url = public_url;
    let ctx = Ctx {
        table: table.clone(),
        blobs: Arc::new(blobs.clone()),
        mailer: options.mailer.unwrap_or_else(|| Arc::new(outbox.clone())),
        clock: options.clock,
        random: Arc::new(SystemRandom),
        payments: options
            .payments
            .unwrap_or_else(|| Arc::new(local_payments.clone())),
        settings: Arc::new(settings),
        config: Default::default(),
        client: None,
    };
    if let Some((email, password)) = &options.admin {
        portal_domain::accounts::ensure_admin(&ctx, email, password)
            .await
            .map_err(StartError::Admin)?;
    }
    portal_domain::secrets::warm_up();

    let wake_after_writes: Arc<Vec<Arc<Notify>>> = Arc::new(
        FUNCTIONS
            .iter()
            .filter(|f| matches!(f.trigger, Trigger::ScheduleAndStream { .. }))
            .map(|_| Arc::new(Notify::new()))
            .collect(),
    );
    let state = AppState {
        web_dir: options.web_dir.map(Arc::new),
        ctx: ctx.clone(),
        blobs,
        outbox: outbox.clone(),
        payments: local_payments,
        wake_after_writes: Arc::clone(&wake_after_writes),
    };
    let mut app = Router::new().route("/blobs/{*key}", get(signed_blob));
    if addr.ip().is_loopback() || options.dev_mail_beyond_loopback {
        app = app.merge(dev_mail::routes());
    } else {
        tracing::warn!("/dev/mail is off: the portal listens beyond loopback");
    }
    let app = app
        .merge(dev_pay::routes())
        .fallback(api_or_web)
        .with_state(state);
    let mut tasks = vec![tokio::spawn(async move {
        if let Err(e) = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        {
            tracing::error!(error = %e, "the server stopped");
        }
    })];
    if options.timers {
        tasks.extend(timers(&ctx, Arc::clone(&table), &wake_after_writes));
    }
    Ok(Running {
        addr,
        ctx,
        outbox,
        table,
        tasks,
    })
}

/// Every scheduled function on a timer of its period; the stream-triggered ones (e-mail
/// delivery, zip building) also wake after each write request, so their work starts at once.
fn timers(ctx: &Ctx, table: Arc<EmbeddedTable>, wakers: &[Arc<Notify>]) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    let mut wakers = wakers.iter();
    for function in FUNCTIONS {
        let period = match function.trigger {
            Trigger::Http => continue,
            Trigger::Schedule {
                local_period_secs, ..
            }
            | Trigger::ScheduleAndStream {
                local_period_secs, ..
            } => local_period_secs,
        };
        let ctx = ctx.clone();
        let wake = matches!(function.trigger, Trigger::ScheduleAndStream { .. })
            .then(|| wakers.next().map(Arc::clone))
            .flatten();
        let name = function.name;
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(period));
            loop {
                match &wake {
                    Some(wake) => tokio::select! { _ = tick.tick() => {}, () = wake.notified() => {} },
                    None => {
                        tick.tick().await;
                    }
                }
                if let Err(e) = functions::scheduled::run(name, &ctx).await {
                    tracing::warn!(function = name, error = %e, "scheduled run failed; the next run retries");
                }
            }
        }));
    }
    // DynamoDB deletes expired items on its own; the embedded store is swept.
    let clock = Arc::clone(&ctx.clock);
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = table.sweep_expired(clock.now().unix_timestamp()).await {
                tracing::warn!(error = %e, "sweeping expired items failed");
            }
        }
    }));
    tasks
}

/// Everything but the local tools: the functions' routes (and anything under `/api/`, which
/// gets the API's own 404 or 405), else the web app.
async fn api_or_web(
    state: State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let path = request.uri().path();
    let reads = matches!(*request.method(), http::Method::GET | http::Method::HEAD);
    if path.starts_with("/api/") || !reads || functions::routes::path_exists(path) {
        api(state, peer, request).await
    } else {
        web::serve(state.web_dir.as_deref().map(|p| p.as_path()), request).await
    }
}

async fn api(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => {
            return respond(
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request too large",
                    "The request body is too large.",
                )
                .into_response(),
            );
        }
    };
    let mut req = ApiRequest::new(parts.method.clone(), parts.uri.path());
    req.query = parts.uri.query().unwrap_or_default().to_owned();
    req.headers = parts.headers;
    req.body = body;
    req.client = peer.ip().to_string();
    let write = !matches!(parts.method, http::Method::GET | http::Method::HEAD);
    let response = functions::app::dispatch(&state.ctx, req, None).await;
    if write {
        for wake in state.wake_after_writes.iter() {
            wake.notify_one();
        }
    }
    respond(response)
}

fn respond(response: ApiResponse) -> Response {
    let mut out = Response::new(Body::from(response.body));
    *out.status_mut() = response.status;
    *out.headers_mut() = response.headers;
    out
}

async fn signed_blob(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match state
        .blobs
        .open_signed(&key, query.as_deref().unwrap_or(""))
        .await
    {
        Ok(blob) => {
            let disposition = blob.content_disposition();
            let mut response = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(
                tokio::io::AsyncReadExt::take(blob.file, blob.length),
            )));
            let headers = response.headers_mut();
            let mut set = |name: &'static str, value: &str| {
                if let Ok(value) = http::HeaderValue::from_str(value) {
                    headers.insert(name, value);
                }
            };
            set("content-type", &blob.content_type);
            set("content-length", &blob.length.to_string());
            set("cache-control", "private, no-store");
            set("x-content-type-options", "nosniff");
            if let Some(disposition) = disposition {
                set("content-disposition", &disposition);
            }
            response
        }
        Err(refusal) => StatusCode::from_u16(refusal.status())
            .unwrap_or(StatusCode::FORBIDDEN)
            .into_response(),
    }
}

/// How to sign in as the first administrator.
pub struct FirstAdmin {
    pub email: String,
    pub password: String,
    /// Where the password is, for the start-up message (never the password itself).
    pub password_hint: String,
}

/// `PORTAL_ADMIN_EMAIL` / `PORTAL_ADMIN_PASSWORD`, or `admin@example.org` with a password
/// generated on first start into the data folder.
pub fn first_admin(
    env: &functions::config::Env<'_>,
    data_dir: &std::path::Path,
) -> std::io::Result<FirstAdmin> {
    let email = env
        .get("PORTAL_ADMIN_EMAIL")
        .unwrap_or_else(|| "admin@example.org".to_owned());
    if let Some(password) = env.get("PORTAL_ADMIN_PASSWORD") {
        return Ok(FirstAdmin {
            email,
            password,
            password_hint: "the password in PORTAL_ADMIN_PASSWORD".to_owned(),
        });
    }
    let path = data_dir.join("admin-password.txt");
    let password = generated_secret(&path)?;
    Ok(FirstAdmin {
        email,
        password,
        password_hint: format!("the password in {}", path.display()),
    })
}

/// The records system's key: `PORTAL_RECORDS_API_KEY` (hashed into the settings by the
/// configuration), or one generated on first start into the data folder. Says where it is.
pub fn records_key(data_dir: &std::path::Path, settings: &mut Settings) -> std::io::Result<String> {
    if settings.records_api_key_sha256.is_some() {
        return Ok("from PORTAL_RECORDS_API_KEY".to_owned());
    }
    let path = data_dir.join("records-api-key.txt");
    let key = generated_secret(&path)?;
    settings.records_api_key_sha256 = Some(
        sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(
            key.as_bytes(),
        ))
        .into(),
    );
    Ok(format!("in {}", path.display()))
}

fn generated_secret(path: &std::path::Path) -> std::io::Result<String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing.trim().to_owned());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let secret = portal_domain::secrets::new_token(&SystemRandom);
    secrets_file::write_private(path, format!("{secret}\n").as_bytes())?;
    Ok(secret)
}
