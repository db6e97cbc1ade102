//! Login latency over HTTP against the local portal, beside a bare argon2id verify at the same
//! parameters (the ratio is the figure: how much the portal adds), and the login time for a
//! known versus an unknown e-mail (they should be the same: timing must not tell).
//!
//! `cargo bench -p portal-tests --bench login` — prints, asserts nothing.

use std::time::{Duration, Instant};

use portal_tests::portal::{PASSWORD, TestPortal};

const ROUNDS: usize = 40;

fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
        mean,
    )
}

fn report(name: &str, samples: Vec<Duration>) -> f64 {
    let (median, p95, mean) = stats(samples);
    println!("{name:<42} median {median:>7.2} ms   p95 {p95:>7.2} ms   mean {mean:>7.2} ms");
    median
}

#[tokio::main]
async fn main() {
    let portal = TestPortal::start().await;
    portal.active_third_party("known@example.org").await;
    let hash = portal_domain::secrets::Password::parse(PASSWORD, None, &[])
        .expect("policy")
        .hash(&portal_domain::ports::SystemRandom)
        .await
        .expect("hash");

    let mut bare = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        assert!(
            portal_domain::secrets::verify_password(PASSWORD, Some(&hash))
                .await
                .expect("verify")
        );
        bare.push(start.elapsed());
    }
    let mut known = Vec::with_capacity(ROUNDS);
    let mut unknown = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        // Each round in a fresh rate-limit window, so the limits never answer instead.
        portal.advance(time::Duration::hours(25));
        let start = Instant::now();
        let answer = portal.login("known@example.org", PASSWORD).await;
        known.push(start.elapsed());
        assert_eq!(answer.status, 200);
        let start = Instant::now();
        let answer = portal
            .login(&format!("unknown{i}@example.org"), PASSWORD)
            .await;
        unknown.push(start.elapsed());
        assert_eq!(answer.status, 401);
    }
    println!("login latency, {ROUNDS} rounds each (argon2id m=19 MiB t=2 p=1)");
    let bare = report("bare argon2id verify", bare);
    let known = report("POST /api/auth/login, known e-mail", known);
    let unknown = report("POST /api/auth/login, unknown e-mail", unknown);
    println!("login / bare verify (median): {:.2}", known / bare);
    println!(
        "unknown / known e-mail login (median): {:.2}",
        unknown / known
    );
}
