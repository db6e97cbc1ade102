//! Builds the web app (`web/` → `web/dist`) when its sources change, so that
//! `cargo run -p portal-local` serves the current app. Needs Node.js 20+ and npm;
//! `PORTAL_SKIP_WEB_BUILD=1` skips it (the portal then serves a page saying how to build it).

use std::path::Path;
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    for source in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "vite.config.ts",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(source).display());
    }
    println!("cargo:rerun-if-env-changed=PORTAL_SKIP_WEB_BUILD");
    if std::env::var_os("PORTAL_SKIP_WEB_BUILD").is_some_and(|v| v != "0") {
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    // `npm ci` only when the installed packages are older than the lock file.
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        modified(&installed),
        modified(&web.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    };
    if stale {
        run(Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&web));
    }
    run(Command::new(npm).args(["run", "build"]).current_dir(&web));
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn run(command: &mut Command) {
    let shown = format!("{command:?}");
    match command.output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "building the web app failed: {shown}\n{}\n{}\n(set PORTAL_SKIP_WEB_BUILD=1 to build the portal without it)",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "building the web app needs Node.js 20+ and npm on the PATH ({shown}: {e}); \
             set PORTAL_SKIP_WEB_BUILD=1 to build the portal without it"
        ),
    }
}
