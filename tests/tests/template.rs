//! `template.yaml` and `events/` hold to the one list of functions and routes,
//! `functions::routes` (`FUNCTIONS`, `ROUTES`).
//!
//! Every check collects all the differences it finds and fails once, listing them, so one run
//! shows everything to fix.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::dynamodb::Event as StreamEvent;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use functions::routes::{FUNCTIONS, Function, ROUTES, Trigger, match_path};
use serde_yaml::{Mapping, Value};

const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";
const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
const RUNTIME: &str = "provided.al2023";
const ARCHITECTURE: &str = "arm64";
/// The partition key prefix a stream-triggered function's filter selects.
fn stream_prefix(function: &Function) -> Option<&'static str> {
    match function.trigger {
        Trigger::ScheduleAndStream {
            stream_pk_prefix, ..
        } => Some(stream_pk_prefix),
        _ => None,
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the repository")
        .to_path_buf()
}

/// Fails with every problem found, one per line.
fn assert_none(what: &str, problems: &[String]) {
    if !problems.is_empty() {
        let mut message = format!(
            "{what}: {} difference(s) (the source of truth is functions/src/routes.rs)\n",
            problems.len()
        );
        for problem in problems {
            let _ = writeln!(message, "  - {problem}");
        }
        panic!("{message}");
    }
}

/// `verify-email` -> `VerifyEmail`.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The template
// ---------------------------------------------------------------------------------------------

struct Template {
    resources: Mapping,
    globals: Mapping,
}

/// One `AWS::Serverless::Function` of the template.
struct TemplateFunction<'a> {
    logical_id: &'a str,
    /// `Metadata.BuildProperties.Binary`.
    binary: Option<&'a str>,
    build_method: Option<&'a str>,
    properties: &'a Mapping,
}

fn template() -> Template {
    let path = repo_root().join("template.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let doc: Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|err| panic!("parsing {}: {err}", path.display()));
    let section = |name: &str| {
        doc.get(name)
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default()
    };
    Template {
        resources: section("Resources"),
        globals: section("Globals"),
    }
}

impl Template {
    fn resources_of_type<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Mapping)> {
        self.resources.iter().filter_map(move |(id, resource)| {
            let resource = resource.as_mapping()?;
            (resource.get("Type")?.as_str()? == kind).then_some(())?;
            Some((id.as_str()?, resource))
        })
    }

    fn functions(&self) -> Vec<TemplateFunction<'_>> {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        self.resources_of_type(SERVERLESS_FUNCTION)
            .map(|(logical_id, resource)| {
                let metadata = resource.get("Metadata");
                TemplateFunction {
                    logical_id,
                    binary: metadata
                        .and_then(|m| m.get("BuildProperties"))
                        .and_then(|p| p.get("Binary"))
                        .and_then(Value::as_str),
                    build_method: metadata
                        .and_then(|m| m.get("BuildMethod"))
                        .and_then(Value::as_str),
                    properties: resource
                        .get("Properties")
                        .and_then(Value::as_mapping)
                        .unwrap_or_else(|| EMPTY.get_or_init(Mapping::new)),
                }
            })
            .collect()
    }

    /// A function property, or else its `Globals.Function` value.
    fn effective<'a>(&'a self, function: &TemplateFunction<'a>, key: &str) -> Option<&'a Value> {
        function.properties.get(key).or_else(|| {
            self.globals
                .get("Function")
                .and_then(|globals| globals.get(key))
        })
    }
}

impl TemplateFunction<'_> {
    fn name(&self) -> String {
        self.binary.map_or_else(
            || format!("<{} has no BuildProperties.Binary>", self.logical_id),
            str::to_owned,
        )
    }

    /// `(event name, type, properties)` of each entry of `Events`.
    fn events(&self) -> Vec<(&str, &str, Option<&Mapping>)> {
        self.properties
            .get("Events")
            .and_then(Value::as_mapping)
            .map(|events| {
                events
                    .iter()
                    .map(|(name, event)| {
                        (
                            name.as_str().unwrap_or("<non-string event name>"),
                            event
                                .get("Type")
                                .and_then(Value::as_str)
                                .unwrap_or("<no Type>"),
                            event.get("Properties").and_then(Value::as_mapping),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The resource a `!Ref X` (or `{Ref: X}`) names.
fn ref_target(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        Value::Mapping(map) if map.len() == 1 => map.get("Ref")?.as_str(),
        _ => None,
    }
}

/// The `(resource, attribute)` a `!GetAtt R.A` (or `{Fn::GetAtt: [R, A]}`) names.
fn get_att_target(value: &Value) -> Option<(String, String)> {
    let target = match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => &tagged.value,
        Value::Mapping(map) if map.len() == 1 => map.get("Fn::GetAtt")?,
        _ => return None,
    };
    match target {
        Value::String(dotted) => {
            let (resource, attribute) = dotted.split_once('.')?;
            Some((resource.to_owned(), attribute.to_owned()))
        }
        Value::Sequence(parts) if parts.len() == 2 => {
            Some((parts[0].as_str()?.to_owned(), parts[1].as_str()?.to_owned()))
        }
        _ => None,
    }
}

fn string_list(value: Option<&Value>) -> Option<Vec<&str>> {
    match value? {
        Value::String(one) => Some(vec![one.as_str()]),
        Value::Sequence(many) => many.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Template checks
// ---------------------------------------------------------------------------------------------

#[test]
fn template_declares_exactly_the_functions_of_routes_rs() {
    let template = template();
    let mut problems = Vec::new();
    let expected: BTreeSet<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    let mut declared = BTreeSet::new();
    for function in template.functions() {
        let Some(binary) = function.binary else {
            problems.push(format!(
                "{} has no Metadata.BuildProperties.Binary naming its [[bin]]",
                function.logical_id
            ));
            continue;
        };
        if !declared.insert(binary) {
            problems.push(format!("the binary {binary} is declared by two functions"));
        }
        let logical_id = format!("{}Function", pascal_case(binary));
        if function.logical_id != logical_id {
            problems.push(format!(
                "the function of binary {binary} is {}, expected the logical id {logical_id}",
                function.logical_id
            ));
        }
        if function.build_method != Some("rust-cargolambda") {
            problems.push(format!(
                "{}: Metadata.BuildMethod is {:?}, expected rust-cargolambda",
                function.logical_id, function.build_method
            ));
        }
        if template
            .effective(&function, "Handler")
            .and_then(Value::as_str)
            != Some("bootstrap")
        {
            problems.push(format!(
                "{}: Handler must be bootstrap",
                function.logical_id
            ));
        }
    }
    for missing in expected.difference(&declared) {
        problems.push(format!(
            "missing from template.yaml: the function {missing}"
        ));
    }
    for extra in declared.difference(&expected) {
        problems.push(format!(
            "in template.yaml but not in FUNCTIONS: the function {extra}"
        ));
    }
    assert_none("template.yaml functions vs FUNCTIONS", &problems);
}

/// `sam build` and `cargo lambda build` build each function from the `[[bin]]` of its name.
#[test]
fn every_function_is_a_bin_of_the_functions_package() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(repo_root().join("functions/Cargo.toml"))
        .output()
        .unwrap_or_else(|err| panic!("running {cargo} metadata: {err}"));
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let bins: BTreeSet<&str> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|package| package["name"] == "functions")
        .flat_map(|package| package["targets"].as_array().into_iter().flatten())
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|target| target["name"].as_str())
        .collect();
    let expected: BTreeSet<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    let mut problems = Vec::new();
    for missing in expected.difference(&bins) {
        problems.push(format!(
            "the functions package has no [[bin]] {missing} (functions/src/bin/{missing}.rs)"
        ));
    }
    for extra in bins.difference(&expected) {
        problems.push(format!(
            "the [[bin]] {extra} is not a function of FUNCTIONS"
        ));
    }
    assert_none("functions' [[bin]]s vs FUNCTIONS", &problems);
}

#[test]
fn template_http_routes_equal_routes_rs() {
    let template = template();
    let mut problems = Vec::new();
    let api_ids: Vec<&str> = template
        .resources_of_type("AWS::Serverless::HttpApi")
        .map(|(id, _)| id)
        .collect();
    if api_ids != ["HttpApi"] {
        problems.push(format!(
            "expected exactly one AWS::Serverless::HttpApi named HttpApi, found {api_ids:?}"
        ));
    }

    let expected: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.to_owned(),
                r.function.to_owned(),
            )
        })
        .collect();
    let mut declared = BTreeSet::new();
    for function in template.functions() {
        for (event, kind, properties) in function.events() {
            if kind != "HttpApi" {
                continue;
            }
            let get = |key: &str| properties.and_then(|p| p.get(key)).and_then(Value::as_str);
            let (Some(method), Some(path)) = (get("Method"), get("Path")) else {
                problems.push(format!(
                    "{}.{event}: an HttpApi event needs Method and Path",
                    function.logical_id
                ));
                continue;
            };
            if properties.and_then(|p| p.get("ApiId")).and_then(ref_target) != Some("HttpApi") {
                problems.push(format!(
                    "{}.{event}: ApiId must be !Ref HttpApi",
                    function.logical_id
                ));
            }
            let route = (method.to_uppercase(), path.to_owned(), function.name());
            if !declared.insert(route.clone()) {
                problems.push(format!(
                    "declared twice: {} {} -> {}",
                    route.0, route.1, route.2
                ));
            }
        }
    }
    for (method, path, function) in expected.difference(&declared) {
        problems.push(format!(
            "missing from template.yaml: {method} {path} -> {function}"
        ));
    }
    for (method, path, function) in declared.difference(&expected) {
        problems.push(format!(
            "in template.yaml but not in ROUTES: {method} {path} -> {function}"
        ));
    }
    assert_none("template.yaml HTTP routes vs ROUTES", &problems);
}

#[test]
fn template_schedules_and_streams_equal_routes_rs() {
    let template = template();
    let mut problems = Vec::new();
    let by_name: BTreeMap<String, TemplateFunction<'_>> = template
        .functions()
        .into_iter()
        .map(|f| (f.name(), f))
        .collect();
    for expected in FUNCTIONS {
        let Some(function) = by_name.get(expected.name) else {
            continue; // reported by template_declares_exactly_the_functions_of_routes_rs
        };
        let mut schedules = BTreeSet::new();
        let mut streams = 0;
        for (event, kind, properties) in function.events() {
            let get = |key: &str| properties.and_then(|p| p.get(key));
            match kind {
                "HttpApi" => {}
                "Schedule" | "ScheduleV2" => {
                    let key = if kind == "Schedule" {
                        "Schedule"
                    } else {
                        "ScheduleExpression"
                    };
                    match get(key).and_then(Value::as_str) {
                        Some(expression) => {
                            schedules.insert(expression.to_owned());
                        }
                        None => problems.push(format!(
                            "{}.{event}: a {kind} event needs {key}",
                            function.logical_id
                        )),
                    }
                }
                "DynamoDB" => {
                    streams += 1;
                    let stream = get("Stream").and_then(get_att_target);
                    if stream != Some(("PortalTable".to_owned(), "StreamArn".to_owned())) {
                        problems.push(format!(
                            "{}.{event}: Stream must be !GetAtt PortalTable.StreamArn",
                            function.logical_id
                        ));
                    }
                    let filters = serde_yaml::to_string(&get("FilterCriteria")).unwrap_or_default();
                    let prefix = stream_prefix(expected).unwrap_or("(no stream)");
                    if !filters.contains(&format!("{{\"prefix\":\"{prefix}\"}}")) {
                        problems.push(format!(
                            "{}.{event}: FilterCriteria must select its work list ({prefix}…)",
                            function.logical_id
                        ));
                    }
                }
                other => problems.push(format!(
                    "{}.{event}: unexpected event type {other}",
                    function.logical_id
                )),
            }
        }
        let (expected_schedule, expected_streams) = match expected.trigger {
            Trigger::Http => (None, 0),
            Trigger::Schedule { expression, .. } => (Some(expression), 0),
            Trigger::ScheduleAndStream { expression, .. } => (Some(expression), 1),
        };
        let expected_schedules: BTreeSet<String> =
            expected_schedule.into_iter().map(str::to_owned).collect();
        if schedules != expected_schedules {
            problems.push(format!(
                "{}: schedules in template.yaml {schedules:?}, in routes.rs {expected_schedules:?}",
                expected.name
            ));
        }
        if streams != expected_streams {
            problems.push(format!(
                "{}: {streams} DynamoDB stream event(s) in template.yaml, expected {expected_streams}",
                expected.name
            ));
        }
    }
    assert_none(
        "template.yaml schedules and streams vs FUNCTIONS",
        &problems,
    );
}

#[test]
fn every_function_runs_on_provided_al2023_arm64() {
    let template = template();
    let mut problems = Vec::new();
    for function in template.functions() {
        let runtime = template
            .effective(&function, "Runtime")
            .and_then(Value::as_str);
        if runtime != Some(RUNTIME) {
            problems.push(format!(
                "{}: Runtime is {runtime:?}, expected {RUNTIME}",
                function.logical_id
            ));
        }
        let architectures = string_list(template.effective(&function, "Architectures"));
        if architectures != Some(vec![ARCHITECTURE]) {
            problems.push(format!(
                "{}: Architectures is {architectures:?}, expected [{ARCHITECTURE}]",
                function.logical_id
            ));
        }
    }
    assert_none("template.yaml runtimes", &problems);
}

/// Each function lists `Policies` itself (none in `Globals`, no shared `Role`): either nothing
/// (no AWS access beyond its logs) or only `!Ref <Name>Policy`, its own `AWS::IAM::ManagedPolicy`,
/// which no other function attaches. No policy grants a wildcard action.
#[test]
fn every_function_has_its_own_least_privilege_policy() {
    let template = template();
    let mut problems = Vec::new();
    if template
        .globals
        .get("Function")
        .is_some_and(|globals| globals.get("Policies").is_some() || globals.get("Role").is_some())
    {
        problems.push(
            "Globals.Function must not set Policies or Role (they would be shared)".to_owned(),
        );
    }
    let managed: BTreeMap<&str, &Mapping> = template.resources_of_type(MANAGED_POLICY).collect();
    let mut attached: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for function in template.functions() {
        let name = function.name();
        if function.properties.get("Role").is_some() {
            problems.push(format!(
                "{}: must not set Role; list its own policy in Policies",
                function.logical_id
            ));
        }
        let Some(policies) = function.properties.get("Policies") else {
            problems.push(format!(
                "{}: no Policies (write `Policies: []` when it needs no AWS access)",
                function.logical_id
            ));
            continue;
        };
        let Some(policies) = policies.as_sequence() else {
            problems.push(format!("{}: Policies must be a list", function.logical_id));
            continue;
        };
        let own = format!("{}Policy", pascal_case(&name));
        for policy in policies {
            match ref_target(policy) {
                Some(target) if target == own && managed.contains_key(target) => {
                    attached.entry(target).or_default().push(name.clone());
                }
                Some(target) if managed.contains_key(target) => {
                    attached.entry(target).or_default().push(name.clone());
                    problems.push(format!(
                        "{}: attaches {target}, not its own policy {own}",
                        function.logical_id
                    ));
                }
                _ => problems.push(format!(
                    "{}: Policies may only hold !Ref {own} (an AWS::IAM::ManagedPolicy), found {}",
                    function.logical_id,
                    serde_yaml::to_string(policy).unwrap_or_default().trim()
                )),
            }
        }
    }
    for (policy, resource) in &managed {
        match attached.get(policy).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("{policy} is attached to no function")),
            Some([_]) => {}
            Some(many) => problems.push(format!("{policy} is shared by {many:?}")),
        }
        let statements = resource
            .get("Properties")
            .and_then(|p| p.get("PolicyDocument"))
            .and_then(|d| d.get("Statement"))
            .and_then(Value::as_sequence)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if statements.is_empty() {
            problems.push(format!("{policy}: no PolicyDocument.Statement"));
        }
        for statement in statements {
            let actions = string_list(statement.get("Action")).unwrap_or_default();
            if actions.is_empty() || actions.iter().any(|action| action.contains('*')) {
                problems.push(format!(
                    "{policy}: every statement names its actions, without wildcards (found {actions:?})"
                ));
            }
            if statement.get("Resource").and_then(Value::as_str) == Some("*") {
                problems.push(format!("{policy}: a statement has Resource \"*\""));
            }
        }
    }
    assert_none("per-function policies", &problems);
}

// ---------------------------------------------------------------------------------------------
// Sample events
// ---------------------------------------------------------------------------------------------

/// `events/<function>.json` and `events/<function>.<variant>.json`, as (function, file name, JSON).
fn event_files() -> Vec<(String, String, serde_json::Value)> {
    let dir = repo_root().join("events");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .and_then(|name| name.to_str())
                .expect("UTF-8 file names")
                .to_owned();
            let function = file.split('.').next().unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
            let json = if file.ends_with(".json") {
                serde_json::from_str(&text)
                    .unwrap_or_else(|err| panic!("events/{file} is not JSON: {err}"))
            } else {
                serde_json::Value::Null
            };
            (function, file, json)
        })
        .collect()
}

#[test]
fn every_event_file_names_a_function_and_every_function_has_one() {
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    for (function, file, _) in event_files() {
        let parts: Vec<&str> = file.split('.').collect();
        let well_formed = matches!(parts.as_slice(), [_, "json"] | [_, _, "json"])
            && parts.iter().all(|part| !part.is_empty());
        if !well_formed {
            problems.push(format!(
                "events/{file}: expected <function>.json or <function>.<variant>.json"
            ));
        }
        if functions::routes::function(&function).is_none() {
            problems.push(format!(
                "events/{file}: {function} is not a function of FUNCTIONS"
            ));
        }
        covered.insert(function);
    }
    for function in FUNCTIONS {
        if !covered.contains(function.name) {
            problems.push(format!("{}: no sample event in events/", function.name));
        }
    }
    assert_none("events/ vs FUNCTIONS", &problems);
}

#[test]
fn event_files_are_valid_events_of_their_function() {
    let mut problems = Vec::new();
    let mut routes_covered = BTreeSet::new();
    let mut kinds: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (name, file, json) in event_files() {
        let Some(function) = functions::routes::function(&name) else {
            continue; // reported by every_event_file_names_a_function_and_every_function_has_one
        };
        match function.trigger {
            Trigger::Http => match check_http_event(function, &json) {
                Ok(route) => {
                    routes_covered.insert(route);
                }
                Err(problem) => problems.push(format!("events/{file}: {problem}")),
            },
            Trigger::Schedule { .. } | Trigger::ScheduleAndStream { .. } => {
                match check_background_event(function, &json) {
                    Ok(kind) => {
                        kinds.entry(name).or_default().insert(kind);
                    }
                    Err(problem) => problems.push(format!("events/{file}: {problem}")),
                }
            }
        }
    }
    for route in ROUTES {
        if !routes_covered.contains(&(route.method, route.path)) {
            problems.push(format!(
                "no sample event for {} {} ({})",
                route.method, route.path, route.function
            ));
        }
    }
    for function in FUNCTIONS {
        let needed: &[&str] = match function.trigger {
            Trigger::Http => &[],
            Trigger::Schedule { .. } => &["schedule"],
            Trigger::ScheduleAndStream { .. } => &["schedule", "stream"],
        };
        for kind in needed {
            if !kinds.get(function.name).is_some_and(|k| k.contains(kind)) {
                problems.push(format!("{}: no sample {kind} event", function.name));
            }
        }
    }
    assert_none("sample events", &problems);
}

/// An API Gateway HTTP API payload 2.0 request for one of the function's routes; returns the
/// route's (method, path template).
fn check_http_event(
    function: &Function,
    json: &serde_json::Value,
) -> Result<(&'static str, &'static str), String> {
    serde_json::from_value::<ApiGatewayV2httpRequest>(json.clone())
        .map_err(|err| format!("not an HTTP API request: {err}"))?;
    let text = |pointer: &str| json.pointer(pointer).and_then(serde_json::Value::as_str);
    if text("/version") != Some("2.0") {
        return Err("version must be \"2.0\" (payload format 2.0)".to_owned());
    }
    let route_key = text("/routeKey").ok_or("no routeKey")?;
    let route = ROUTES
        .iter()
        .find(|r| format!("{} {}", r.method, r.path) == route_key)
        .ok_or_else(|| format!("routeKey {route_key:?} is not a route of ROUTES"))?;
    if route.function != function.name {
        return Err(format!(
            "{route_key} belongs to {}, not {}",
            route.function, function.name
        ));
    }
    if text("/requestContext/routeKey") != Some(route_key) {
        return Err("requestContext.routeKey differs from routeKey".to_owned());
    }
    let raw_path = text("/rawPath").ok_or("no rawPath")?;
    let params = match_path(route.path, raw_path)
        .ok_or_else(|| format!("rawPath {raw_path} does not match {}", route.path))?;
    if text("/requestContext/http/method") != Some(route.method) {
        return Err(format!(
            "requestContext.http.method must be {}",
            route.method
        ));
    }
    if text("/requestContext/http/path") != Some(raw_path) {
        return Err("requestContext.http.path differs from rawPath".to_owned());
    }
    if text("/requestContext/http/sourceIp").is_none() || text("/headers/x-forwarded-for").is_none()
    {
        return Err("needs requestContext.http.sourceIp and the x-forwarded-for header".to_owned());
    }
    if text("/rawQueryString").is_none() {
        return Err("needs rawQueryString (empty when there is no query)".to_owned());
    }
    let expected_params: BTreeMap<&str, &str> =
        params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let actual_params: BTreeMap<&str, &str> = json
        .get("pathParameters")
        .and_then(serde_json::Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    if expected_params != actual_params {
        return Err(format!(
            "pathParameters {actual_params:?}, expected {expected_params:?}"
        ));
    }
    if json.get("isBase64Encoded") != Some(&serde_json::Value::Bool(false)) {
        return Err("isBase64Encoded must be false".to_owned());
    }
    if let Some(body) = text("/body") {
        serde_json::from_str::<serde_json::Value>(body)
            .map_err(|err| format!("body is not JSON: {err}"))?;
        if text("/headers/content-type").is_none_or(|ct| !ct.starts_with("application/json")) {
            return Err("a JSON body needs the content-type header application/json".to_owned());
        }
    }
    Ok((route.method, route.path))
}

/// An EventBridge scheduled event ("schedule") or a DynamoDB Streams event of queued e-mails
/// ("stream", only for functions the stream triggers).
fn check_background_event(
    function: &Function,
    json: &serde_json::Value,
) -> Result<&'static str, String> {
    if json.get("Records").is_some() {
        if !matches!(function.trigger, Trigger::ScheduleAndStream { .. }) {
            return Err(format!(
                "{} is not triggered by the table's stream",
                function.name
            ));
        }
        let event = serde_json::from_value::<StreamEvent>(json.clone())
            .map_err(|err| format!("not a DynamoDB Streams event: {err}"))?;
        if event.records.is_empty() {
            return Err("a stream event needs at least one record".to_owned());
        }
        for (i, record) in json["Records"].as_array().into_iter().flatten().enumerate() {
            let pk = record
                .pointer("/dynamodb/Keys/pk/S")
                .and_then(serde_json::Value::as_str);
            let prefix = stream_prefix(function).unwrap_or_default();
            if record["eventName"] != "INSERT" || !pk.is_some_and(|pk| pk.starts_with(prefix)) {
                return Err(format!(
                    "record {i}: the stream filter passes only INSERTs of {prefix}… items"
                ));
            }
            if record.pointer("/dynamodb/NewImage").is_some() {
                return Err(format!(
                    "record {i}: a NewImage (the stream is KEYS_ONLY: queued e-mails carry live links)"
                ));
            }
        }
        Ok("stream")
    } else {
        let event = serde_json::from_value::<EventBridgeEvent>(json.clone())
            .map_err(|err| format!("not an EventBridge event: {err}"))?;
        if event.detail_type != "Scheduled Event" || event.source != "aws.events" {
            return Err(
                "a scheduled event has detail-type \"Scheduled Event\" and source \"aws.events\""
                    .to_owned(),
            );
        }
        Ok("schedule")
    }
}

// ---------------------------------------------------------------------------------------------
// Hardening (issue 16)
// ---------------------------------------------------------------------------------------------

/// The YAML of a piece of the template, tags (`!If`, `!Ref`) included, for looking into.
fn yaml_text(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_default()
}

/// Queued e-mails carry live links: the stream, which only wakes functions, carries keys only.
#[test]
fn the_table_stream_carries_keys_only() {
    let template = template();
    let table = template
        .resources
        .get("PortalTable")
        .and_then(|t| t.get("Properties"))
        .and_then(|p| p.get("StreamSpecification"))
        .and_then(|s| s.get("StreamViewType"))
        .and_then(Value::as_str);
    assert_eq!(table, Some("KEYS_ONLY"));
}

/// The functions that run argon2 on a person's request.
const PASSWORD_HASHING: [&str; 5] = [
    "register",
    "login",
    "mfa",
    "reset-password",
    "change-password",
];

/// Every function that runs argon2 has reserved concurrency, so a flood of logins cannot take
/// the whole account's concurrency.
#[test]
fn password_hashing_functions_reserve_concurrency() {
    let template = template();
    let mut problems = Vec::new();
    let mut hashing = 0;
    for function in template.functions() {
        if !function
            .binary
            .is_some_and(|binary| PASSWORD_HASHING.contains(&binary))
        {
            continue;
        }
        hashing += 1;
        let reserved = function
            .properties
            .get("ReservedConcurrentExecutions")
            .map(yaml_text)
            .unwrap_or_default();
        if !reserved.contains("PasswordHashingConcurrency") {
            problems.push(format!(
                "{}: no ReservedConcurrentExecutions from PasswordHashingConcurrency",
                function.logical_id
            ));
        }
    }
    assert!(
        hashing >= 5,
        "only {hashing} password-hashing functions found"
    );
    assert_none("password-hashing concurrency", &problems);
}

/// The distribution takes an optional WAF web ACL, and with the portal's own domain and
/// certificate requires TLS 1.2 or later.
#[test]
fn the_distribution_takes_a_web_acl_and_a_tls_minimum() {
    let template = template();
    let config = template
        .resources
        .get("WebDistribution")
        .and_then(|d| d.get("Properties"))
        .and_then(|p| p.get("DistributionConfig"))
        .expect("WebDistribution has a DistributionConfig");
    let web_acl = config.get("WebACLId").map(yaml_text).unwrap_or_default();
    assert!(web_acl.contains("WebAclArn"), "WebACLId: {web_acl}");
    let certificate = config
        .get("ViewerCertificate")
        .map(yaml_text)
        .unwrap_or_default();
    assert!(
        certificate.contains("MinimumProtocolVersion: TLSv1.2_2021")
            && certificate.contains("CertificateArn"),
        "ViewerCertificate: {certificate}"
    );
    let aliases = config.get("Aliases").map(yaml_text).unwrap_or_default();
    assert!(aliases.contains("DomainName"), "Aliases: {aliases}");
}
