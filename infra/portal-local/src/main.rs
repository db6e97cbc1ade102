//! `cargo run -p portal-local`: the whole portal on this machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use functions::config::{self, Env};
use portal_local::Options;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    functions::lambda::init_tracing();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portal-local: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let env = Env::process();
    let data_dir = PathBuf::from(
        env.get("PORTAL_DATA_DIR")
            .unwrap_or_else(|| "./data".to_owned()),
    );
    let addr: SocketAddr = env
        .get("PORTAL_ADDR")
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("PORTAL_ADDR is not an address like 127.0.0.1:3000: {e}"))?;
    let mut options = Options::new(data_dir.clone(), addr);
    options.public_url = env
        .get("PORTAL_PUBLIC_URL")
        .map(|u| u.trim_end_matches('/').to_owned());
    options.settings = config::settings(&env, options.settings)?;
    let dev_mail_beyond_loopback =
        env.get("PORTAL_DEV_MAIL_BEYOND_LOOPBACK").as_deref() == Some("1");
    options.dev_mail_beyond_loopback = dev_mail_beyond_loopback;
    // The app this checkout builds (see build.rs), unless told otherwise.
    options.web_dir = Some(PathBuf::from(env.get("PORTAL_WEB_DIR").unwrap_or_else(
        || concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist").to_owned(),
    )));
    let records_key = portal_local::records_key(&data_dir, &mut options.settings)?;
    let admin = portal_local::first_admin(&env, &data_dir)?;
    options.admin = Some((admin.email.clone(), admin.password.clone()));
    let running = portal_local::start(options).await?;

    println!("The portal is running at {}", running.url());
    println!("  Open it in your browser: {}/", running.url());
    println!(
        "  Sign in as the administrator: {} — {}",
        admin.email, admin.password_hint
    );
    if running.addr.ip().is_loopback() || dev_mail_beyond_loopback {
        println!("  E-mails it sends: {}/dev/mail", running.url());
    } else {
        println!("  E-mails it sends: not shown (/dev/mail is off beyond loopback)");
    }
    println!("  The records system's API key: {records_key}");
    println!("  Data folder: {}", data_dir.display());
    println!("Stop it with Ctrl+C.");
    stop_requested().await?;
    running.stop();
    Ok(())
}

/// Ctrl+C in a terminal, or SIGTERM from a service manager or CI: either stops the portal cleanly.
async fn stop_requested() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}
