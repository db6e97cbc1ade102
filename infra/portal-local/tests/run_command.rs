//! The binary the README's run command starts, as a person meets it: a first start in an empty
//! data folder generates the administrator's password into a file (and prints where, never the
//! password), serves the app and the API, and stops cleanly on Ctrl+C or SIGTERM; a second
//! start keeps the same password. (Building this test also builds `target/debug/portal-local`
//! with the tests' features, which the browser tests then run as it is.)

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_portal-local");

struct Started {
    child: Child,
    url: String,
    printed: String,
}

/// Starts the portal on a free port with only `extra` of the portal's settings in its
/// environment, and waits for the line that says where it runs.
fn start(data_dir: &Path, extra: &[(&str, &str)]) -> Started {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PORTAL_ADDR", "127.0.0.1:0")
        .env("PORTAL_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in extra {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("portal-local starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut printed = String::new();
    let mut url = None;
    while Instant::now() < deadline {
        match received.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("The portal is running at ") {
                    url = Some(rest.trim().to_owned());
                }
                printed.push_str(&line);
                printed.push('\n');
                if line.starts_with("Stop it with") {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let Some(url) = url else {
        let _ = child.kill();
        let output = child.wait_with_output().expect("portal-local output");
        panic!(
            "portal-local did not say where it runs; it printed:\n{printed}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    Started {
        child,
        url,
        printed,
    }
}

/// Sends a signal as a terminal (Ctrl+C) or a service manager would, and waits for the exit.
fn stop(mut started: Started, signal: &str) -> ExitStatus {
    let sent = Command::new("kill")
        .args([signal, &started.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill {signal} was not delivered");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = started.child.try_wait().expect("wait for portal-local") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = started.child.kill();
            panic!("portal-local did not stop within 20 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn sign_in(url: &str, email: &str, password: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{url}/api/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password, "session": "token"}))
        .send()
        .await
        .expect("login answers")
        .status()
}

#[tokio::test]
async fn a_first_start_makes_the_administrator_and_a_second_keeps_the_password() {
    let data = tempfile::tempdir().expect("temp dir");
    let first = start(data.path(), &[]);
    let password_file = data.path().join("admin-password.txt");
    let password = std::fs::read_to_string(&password_file).expect("the password is written");
    let password = password.trim();
    assert!(password.len() >= 20, "a generated password is long");
    assert!(
        first.printed.contains("admin@example.org")
            && first.printed.contains(&password_file.display().to_string()),
        "it says whom to sign in as and where the password is:\n{}",
        first.printed
    );
    assert!(
        !first.printed.contains(password),
        "the password itself is never printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&password_file)
            .expect("password file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the password file");
    }

    let health = reqwest::get(format!("{}/api/health", first.url))
        .await
        .expect("health answers");
    assert_eq!(health.status(), 200);
    let page = reqwest::get(format!("{}/", first.url))
        .await
        .expect("the app's page answers");
    assert!(
        page.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html")),
        "/ is the app's HTML page"
    );
    assert_eq!(
        sign_in(&first.url, "admin@example.org", password).await,
        200
    );
    assert_eq!(
        sign_in(&first.url, "admin@example.org", "not the password at all").await,
        401
    );
    assert!(stop(first, "-INT").success(), "Ctrl+C stops it cleanly");

    let second = start(data.path(), &[]);
    let again = std::fs::read_to_string(&password_file).expect("the password file stays");
    assert_eq!(again.trim(), password, "a second start keeps the password");
    assert_eq!(
        sign_in(&second.url, "admin@example.org", password).await,
        200
    );
    assert!(stop(second, "-TERM").success(), "SIGTERM stops it cleanly");
}

#[test]
fn an_address_that_is_not_one_is_refused_by_name() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PORTAL_ADDR", "localhost:port")
        .env("PORTAL_DATA_DIR", data.path())
        .output()
        .expect("portal-local runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("PORTAL_ADDR"), "the setting is named: {said}");
}
