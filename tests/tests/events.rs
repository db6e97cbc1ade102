//! Every sample event in `events/` runs through its function's handler, as
//! `cargo lambda invoke --data-file` would, against the embedded adapters.

use std::path::Path;

use functions::routes::{FUNCTIONS, Trigger};
use portal_tests::portal::TestPortal;

fn events() -> Vec<(String, String, serde_json::Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut events: Vec<_> = std::fs::read_dir(&dir)
        .expect("events/ exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let function = file.split('.').next().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).expect("a readable event");
            let json =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
            (file, function, json)
        })
        .collect();
    events.sort_by(|a, b| a.0.cmp(&b.0));
    events
}

#[tokio::test]
async fn every_sample_event_reaches_its_handler_and_is_answered() {
    let portal = TestPortal::start().await;
    let events = events();
    for function in FUNCTIONS {
        assert!(
            events.iter().any(|(_, f, _)| f == function.name),
            "no sample event for {}",
            function.name
        );
    }
    for (file, name, json) in events {
        let function = FUNCTIONS
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{file} names no function"));
        match function.trigger {
            Trigger::Http => {
                let request = lambda_http::request::from_str(&json.to_string())
                    .unwrap_or_else(|e| panic!("{file} is not an HTTP API event: {e}"));
                let request = functions::lambda::from_lambda(request);
                assert_ne!(
                    request.client, "unknown",
                    "{file}: the source address is read from the request context"
                );
                let routed = functions::routes::find(request.method.as_str(), &request.path)
                    .map(|(route, _)| route.function);
                assert_eq!(
                    routed,
                    Some(function.name),
                    "{file}: {} {} is not a route of {}",
                    request.method,
                    request.path,
                    function.name
                );
                let response =
                    functions::app::dispatch(&portal.running.ctx, request, Some(function.name))
                        .await;
                // The sample holds a made-up session or token: the handler answers with success
                // or a problem about who is asking or what was sent, never a server error.
                let status = response.status.as_u16();
                assert!(
                    status < 500,
                    "{file}: {status} {}",
                    String::from_utf8_lossy(&response.body)
                );
            }
            Trigger::Schedule { .. } | Trigger::ScheduleAndStream { .. } => {
                let report = functions::scheduled::run(function.name, &portal.running.ctx)
                    .await
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                assert!(report.is_object(), "{file}: {report}");
            }
        }
    }
}
