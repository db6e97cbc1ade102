//! One-off administration of a deployed portal, run with AWS credentials:
//!
//! ```text
//! PORTAL_ADMIN_EMAIL=… PORTAL_ADMIN_PASSWORD=… \
//!   cargo run -p portal-local --bin portal-admin -- create-admin --table <TableName>
//! ```
//!
//! creates the first administrator in the deployed table (nothing happens if an account with
//! that e-mail exists). The password is read from the environment, never from the command line.

use std::sync::Arc;

use functions::config::Env;
use portal_adapters::aws::{self, DynamoTable};
use portal_domain::accounts::{AdminBootstrap, ensure_admin};
use portal_domain::ports::{SystemClock, SystemRandom};
use portal_domain::{Ctx, Settings};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(message) => {
            println!("{message}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("portal-admin: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<String, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = Env::process();
    let table = match args.as_slice() {
        [command, flag, table] if command == "create-admin" && flag == "--table" => table.clone(),
        [command] if command == "create-admin" => env.required("PORTAL_TABLE")?,
        _ => return Err("usage: portal-admin create-admin [--table <TableName>]  (PORTAL_ADMIN_EMAIL and PORTAL_ADMIN_PASSWORD in the environment)".into()),
    };
    let email = env.required("PORTAL_ADMIN_EMAIL")?;
    let password = env.required("PORTAL_ADMIN_PASSWORD")?;
    let sdk = aws::config::sdk_config(env.get("PORTAL_AWS_ENDPOINT").as_deref()).await;
    // Creating an account touches only the table; the other ports are the local ones, unused.
    let scratch = std::env::temp_dir().join("portal-admin");
    let ctx = Ctx {
        table: Arc::new(DynamoTable::new(
            aws::config::dynamodb_client(&sdk),
            table.clone(),
        )),
        blobs: Arc::new(portal_adapters::embedded::FolderBlobs::new(
            scratch.join("blobs"),
            String::new(),
            [0; 32],
            Arc::new(SystemClock),
        )),
        mailer: Arc::new(portal_adapters::embedded::OutboxMailer::new(
            scratch.join("outbox"),
        )),
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandom),
        payments: Arc::new(portal_adapters::NoPayments(
            "portal-admin takes no payments",
        )),
        settings: Arc::new(Settings::local(String::new())),
        config: Default::default(),
        client: None,
    };
    Ok(match ensure_admin(&ctx, &email, &password).await? {
        AdminBootstrap::Created => format!("Created the administrator {email} in {table}."),
        AdminBootstrap::AlreadyThere => {
            format!("An account with {email} already exists in {table}; nothing changed.")
        }
    })
}
