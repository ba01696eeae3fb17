//! `yetitop calls list|show|terminate` through the real binary against the simulator, with the output
//! parsed back; exit codes; and a hostile server whose strings carry control characters.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use common::{SimProcess, http, scratch_dir, yt};

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A simulator with a frozen set of calls, and a home to run against it.
struct Env {
    sim: SimProcess,
    home: PathBuf,
}

impl Env {
    fn new(calls: usize) -> Env {
        let sim = SimProcess::start(&["--calls", &calls.to_string(), "--no-churn"]);
        Env {
            sim,
            home: scratch_dir("headless"),
        }
    }

    /// `yetitop --url SIM ARGS` logged in as admin/admin (user and password from the environment).
    fn run(&self, args: &[&str]) -> Output {
        let mut all = vec!["--url", self.sim.url.as_str()];
        all.extend(args);
        yt(
            &self.home,
            &all,
            &[("YETI_USER", "admin"), ("YETI_PASSWORD", "admin")],
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
        stdout(&o)
    }

    /// The ids of the live calls, from the control endpoint.
    fn ids(&self) -> Vec<String> {
        let (status, body) = http(&self.sim.url, "GET", "/_sim/calls", "");
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap().to_owned())
            .collect()
    }
}

/// Splits CSV text into records of fields (RFC 4180 quoting).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "unterminated csv"
    );
    rows
}

const RELATIONSHIPS: [&str; 9] = [
    "customer",
    "vendor",
    "customer-acc",
    "vendor-acc",
    "orig-gw",
    "term-gw",
    "dst-country",
    "dst-network",
    "node",
];

#[test]
fn list_json_is_one_array_of_full_call_objects() {
    let env = Env::new(12);
    let out = env.ok(&["calls", "list", "-o", "json"]);
    let calls: Value = serde_json::from_str(&out).expect("json output parses");
    let calls = calls.as_array().expect("an array");
    let ids: BTreeSet<String> = calls
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, env.ids().into_iter().collect::<BTreeSet<_>>());
    for c in calls {
        let o = c.as_object().unwrap();
        for attr in yetitop::api::types::CALL_ATTRIBUTES {
            assert!(o.contains_key(attr), "{attr} missing in {c}");
        }
        for rel in RELATIONSHIPS {
            let r = &c[rel];
            assert!(r["id"].is_string(), "{rel} of {c}");
            assert!(r["name"].is_string(), "{rel} has a name: {c}");
        }
        for computed in ["customer-price", "vendor-cost", "margin"] {
            let v = c[computed].as_str().unwrap_or_else(|| panic!("{computed}"));
            v.parse::<f64>()
                .unwrap_or_else(|_| panic!("{computed} = {v}"));
        }
        assert!(c["duration"].is_i64() || c["duration"].is_null());
    }
}

#[test]
fn list_ndjson_is_one_object_a_line() {
    let env = Env::new(10);
    let out = env.ok(&["calls", "list", "-o", "ndjson"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 10);
    let mut ids = BTreeSet::new();
    for l in lines {
        let c: Value = serde_json::from_str(l).expect("each line is JSON");
        assert!(c.is_object());
        assert!(c["customer"]["name"].is_string());
        assert!(c["margin"].is_string());
        ids.insert(c["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids, env.ids().into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn list_csv_has_a_header_and_full_rows() {
    let env = Env::new(10);
    let rows = parse_csv(&env.ok(&["calls", "list", "-o", "csv"]));
    let header = &rows[0];
    assert_eq!(header[0], "id");
    assert!(header.iter().any(|h| h == "customer"), "{header:?}");
    assert_eq!(rows.len(), 11, "a header and a row a call");
    for r in &rows[1..] {
        assert_eq!(r.len(), header.len(), "{r:?}");
    }
    let ids: BTreeSet<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, env.ids().into_iter().collect::<BTreeSet<_>>());

    let rows = parse_csv(&env.ok(&[
        "calls",
        "list",
        "-o",
        "csv",
        "--columns",
        "local-tag,duration,margin",
    ]));
    assert_eq!(rows[0], ["local-tag", "duration", "margin"]);
    for r in &rows[1..] {
        assert_eq!(r.len(), 3);
        assert!(
            r[2].parse::<f64>().is_ok() || r[2].starts_with("n/a"),
            "{r:?}"
        );
    }
}

#[test]
fn list_table_off_a_terminal_is_not_truncated() {
    let env = Env::new(8);
    let out = env.ok(&["calls", "list", "--columns", "id,local-tag,customer"]);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["Id", "Local", "tag", "Customer"]);
    assert!(!out.contains('…'), "nothing is cut off a terminal:\n{out}");
    let ids = env.ids();
    assert_eq!(lines.clone().count(), ids.len());
    let first_cells: BTreeSet<&str> = lines
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for id in &ids {
        assert!(id.chars().count() > 24, "the sim's ids are long: {id}");
        assert!(first_cells.contains(id.as_str()), "{id} in full:\n{out}");
    }
    // The default columns are the monitor's list.
    let out = env.ok(&["calls", "list"]);
    let header = out.lines().next().unwrap();
    for h in [
        "Node",
        "Duration",
        "Customer",
        "Vendor",
        "Margin/min",
        "Orig GW",
    ] {
        assert!(header.contains(h), "{h} in {header}");
    }
}

#[test]
fn filters_become_api_filters() {
    let env = Env::new(40);
    let all: Vec<Value> = serde_json::from_str(&env.ok(&["calls", "list", "-o", "json"])).unwrap();
    let customer = all[0]["customer"]["id"].as_str().unwrap().to_owned();
    let want: BTreeSet<&str> = all
        .iter()
        .filter(|c| c["customer"]["id"] == customer.as_str())
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(want.len() < all.len(), "the filter must narrow the list");
    let filter = format!("customer={customer}");
    let got: Vec<Value> =
        serde_json::from_str(&env.ok(&["calls", "list", "-o", "json", "--filter", &filter]))
            .unwrap();
    let got_ids: BTreeSet<&str> = got.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(got_ids, want);

    // duration>N with a second filter: all must match.
    let got: Vec<Value> = serde_json::from_str(&env.ok(&[
        "calls",
        "list",
        "-o",
        "json",
        "--filter",
        "duration>5",
        "--filter",
        &filter,
    ]))
    .unwrap();
    for c in &got {
        assert!(c["duration"].as_i64().unwrap() > 5, "{c}");
        assert_eq!(c["customer"]["id"], customer.as_str());
    }
    let none: Vec<Value> =
        serde_json::from_str(&env.ok(&["calls", "list", "-o", "json", "--filter", "duration<0"]))
            .unwrap();
    assert!(none.is_empty());
}

#[test]
fn show_prints_one_call() {
    let env = Env::new(5);
    let id = env.ids()[2].clone();
    let c: Value = serde_json::from_str(&env.ok(&["calls", "show", &id, "-o", "json"])).unwrap();
    assert_eq!(c["id"], id.as_str());
    // Show includes every relationship, not only the list's.
    for rel in RELATIONSHIPS.iter().chain(&["rateplan", "dialpeer", "pop"]) {
        assert!(c[*rel]["name"].is_string(), "{rel}: {c}");
    }
    let table = env.ok(&["calls", "show", &id]);
    assert!(table.starts_with("Field"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("id ") && l.trim_end().ends_with(&id)),
        "{table}"
    );
    let name = c["customer"]["name"].as_str().unwrap();
    assert!(table.contains(&format!("{name} (#")), "{table}");
}

#[test]
fn exit_code_4_for_an_unknown_or_ended_call() {
    let env = Env::new(3);
    // An id on a node that exists (an unknown node is a 500 on yeti, and in the sim).
    let node = env.ids()[0].split('*').next().unwrap().to_owned();
    let o = env.run(&["calls", "show", &format!("{node}*NO-SUCH-CALL")]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(
        stderr(&o).starts_with("yetitop: not found"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());

    let id = env.ids()[0].clone();
    let (status, _) = http(&env.sim.url, "POST", &format!("/_sim/calls/{id}/end"), "");
    assert_eq!(status, 204);
    let o = env.run(&["calls", "show", &id]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let o = env.run(&["calls", "terminate", &id, "--yes"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn terminate_with_yes_ends_the_call() {
    let env = Env::new(4);
    let (status, body) = http(&env.sim.url, "POST", "/_sim/calls", r#"{"answered":true}"#);
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(env.ids().contains(&id));
    let out = env.ok(&["calls", "terminate", &id, "--yes"]);
    assert_eq!(out, format!("terminated {id}\n"));
    assert!(!env.ids().contains(&id), "the sim no longer has {id}");
    assert_eq!(env.ids().len(), 4);
    // The audit log has it.
    let audit =
        std::fs::read_to_string(env.home.join("state/yetitop/audit.log")).expect("audit log");
    assert!(audit.contains(&id), "{audit}");
}

#[test]
fn terminate_refuses_without_yes_off_a_terminal() {
    let env = Env::new(3);
    let id = env.ids()[1].clone();
    let o = env.run(&["calls", "terminate", &id]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "yetitop: refusing to terminate without --yes: no terminal to ask on\n"
    );
    assert!(env.ids().contains(&id), "still there");
}

#[test]
fn read_only_refuses_to_terminate() {
    let env = Env::new(3);
    let id = env.ids()[0].clone();
    let o = env.run(&["calls", "terminate", &id, "--yes", "--readonly"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
    // A read-only context, the flag not given.
    let cfg = env.home.join("ro.toml");
    std::fs::write(
        &cfg,
        format!(
            "[contexts.ro]\nurl = \"{}\"\nuser = \"admin\"\nreadonly = true\n",
            env.sim.url
        ),
    )
    .unwrap();
    let o = yt(
        &env.home,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--context",
            "ro",
            "calls",
            "terminate",
            &id,
            "--yes",
        ],
        &[("YETI_PASSWORD", "admin")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
    assert!(env.ids().contains(&id), "still there");
}

#[test]
fn exit_code_3_for_a_wrong_password() {
    let env = Env::new(2);
    let o = yt(
        &env.home,
        &["calls", "list", "--url", &env.sim.url, "--user", "admin"],
        &[("YETI_PASSWORD", "wrong")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(
        stderr(&o).contains("authentication refused"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    // A bad token too.
    let o = yt(
        &env.home,
        &["calls", "list", "--url", &env.sim.url],
        &[("YETI_TOKEN", "not.a.token")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

#[test]
fn exit_code_5_for_a_dead_port() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
    drop(l);
    let h = scratch_dir("dead");
    for args in [
        vec!["calls", "list"],
        vec!["calls", "show", "1*x"],
        vec!["calls", "terminate", "1*x", "--yes"],
    ] {
        let mut all = vec!["--url", url.as_str()];
        all.extend(args.iter());
        let o = yt(&h, &all, &[("YETI_USER", "a"), ("YETI_PASSWORD", "b")]);
        assert_eq!(o.status.code(), Some(5), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains("cannot connect"), "{}", stderr(&o));
    }
}

// --- Hostile strings ---------------------------------------------------------------------------------

const HOSTILE: &str = "A\u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e}B\u{200b}\r\n\t\u{9b}31m\u{7f}Z";

/// A call document from the real yeti fixture, with hostile strings in its attributes, id and the
/// customer's name.
fn hostile_call() -> (Value, Vec<Value>) {
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/active-calls-get-specific-entry.txt"),
    )
    .unwrap();
    let body = &fixture[fixture.find("Body\n").unwrap() + 5..];
    let doc: Value = serde_json::from_str(body.trim()).unwrap();
    let mut call = doc["data"].clone();
    call["id"] = json!(format!("7*{HOSTILE}"));
    for a in [
        "dst-prefix-routing",
        "src-prefix-routing",
        "local-tag",
        "orig-call-id",
        "term-call-id",
        "dst-prefix-in",
        "leg-a-remote-ip",
    ] {
        call["attributes"][a] = json!(HOSTILE);
    }
    call["relationships"]["customer"]["data"] = json!({"type": "contractors", "id": "7"});
    call["relationships"]["orig-gw"]["data"] = json!({"type": "gateways", "id": "9"});
    call["relationships"]["customer-acc"]["data"] = json!({"type": "accounts", "id": "3"});
    let included = vec![
        json!({"type": "contractors", "id": "7", "attributes": {"name": HOSTILE}}),
        json!({"type": "gateways", "id": "9", "attributes": {"name": format!("gw{HOSTILE}")}}),
        json!({"type": "accounts", "id": "3", "attributes": {"name": "acc", "currency": HOSTILE}}),
    ];
    (call, included)
}

/// A server that answers every active-calls request with the hostile call. Runs until the test ends.
fn hostile_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (call, included) = hostile_call();
    let list = json!({"data": [call.clone()], "included": included.clone()}).to_string();
    let show = json!({"data": call, "included": included}).to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let path = path.split('?').next().unwrap_or("");
            let body = if path.starts_with("/api/rest/admin/active-calls/") {
                &show
            } else {
                &list
            };
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.api+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    url
}

/// True for characters no output may carry: controls (but the newline ending lines), C1, bidi and
/// zero-width characters.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n') || yetitop::sanitize::is_invisible(c)
}

fn assert_clean(what: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
        panic!("{what}: U+{:04X} at byte {i} in {text:?}", c as u32);
    }
}

/// Every string in a JSON value, decoded: a `\u001b` escape would be a control character to a consumer.
fn assert_json_clean(what: &str, v: &Value) {
    match v {
        Value::String(s) => assert_clean(what, s),
        Value::Array(a) => a.iter().for_each(|x| assert_json_clean(what, x)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            assert_clean(what, k);
            assert_json_clean(what, x);
        }),
        _ => {}
    }
}

#[test]
fn no_output_mode_writes_a_control_character() {
    let url = hostile_server();
    let h = scratch_dir("hostile");
    let run = |args: &[&str]| {
        let mut all = vec!["--url", url.as_str()];
        all.extend(args);
        let o = yt(&h, &all, &[("YETI_TOKEN", "t")]);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert_clean(&format!("{args:?} stdout"), &out);
        assert_clean(&format!("{args:?} stderr"), &stderr(&o));
        out
    };
    let all_columns: Vec<&str> = yetitop::headless::COLUMNS.iter().map(|(k, _)| *k).collect();
    let all_columns = all_columns.join(",");
    let json_out = run(&["calls", "list", "-o", "json"]);
    let v: Value = serde_json::from_str(&json_out).unwrap();
    assert_json_clean("json", &v);
    // The hostile text is there, made visible.
    assert_eq!(v[0]["customer"]["name"], "A␛[2J␛]0;pwned␇B␍␊␉\\u{9b}31m␡Z");
    assert_eq!(v[0]["local-tag"], v[0]["customer"]["name"]);
    let nd = run(&["calls", "list", "-o", "ndjson"]);
    assert_eq!(nd.lines().count(), 1);
    assert_json_clean("ndjson", &serde_json::from_str(nd.trim_end()).unwrap());
    let csv = run(&["calls", "list", "-o", "csv", "--columns", &all_columns]);
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 2, "{csv:?}");
    assert_eq!(rows[1].len(), yetitop::headless::COLUMNS.len());
    let table = run(&["calls", "list", "--columns", &all_columns]);
    assert_eq!(table.lines().count(), 2, "{table:?}");
    assert!(table.contains("A␛[2J"), "{table}");
    let show = run(&["calls", "show", "7*x", "-o", "json"]);
    assert_json_clean("show json", &serde_json::from_str(&show).unwrap());
    run(&["calls", "show", "7*x"]);
}

#[test]
fn the_renderer_sanitizes_a_hand_made_document() {
    let (call, included) = hostile_call();
    let doc: yetitop::api::types::CallListDocument =
        serde_json::from_value(json!({"data": [call], "included": included})).unwrap();
    let batch = yetitop::model::build_calls(doc);
    let names = yetitop::headless::Names::new(batch.records);
    let v = yetitop::headless::call_json(&batch.calls[0], &names);
    assert_json_clean("call_json", &v);
    let text = v.to_string();
    assert_clean("call_json text", &text);
    assert!(!text.contains("\\u001b"), "no escaped ESC either: {text}");
    assert_eq!(v["orig-gw"]["name"], "gwA␛[2J␛]0;pwned␇B␍␊␉\\u{9b}31m␡Z");
}
