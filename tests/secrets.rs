//! Secrets: the password and the token never appear in the log file, on screen, in an error message or in
//! panic output; gateway secrets are masked in the record view and absent from every headless output.
//!
//! Every run logs at `trace` to its own `--log-file`, the most that can be written, and the log must not be
//! empty (a log that was never written proves nothing).

mod common;

use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Duration;

use common::{BIN, SimProcess, Tui, api_get, http, scratch_dir, sim_token};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const PASSWORD: &str = "S3cr3t-Sw1tch-Pa55-q7";
/// Every token the simulator issues is a JWT; its header encodes to `eyJ…`.
const JWT_PREFIX: &str = "eyJ";
const LONG: Duration = Duration::from_secs(40);

fn sim() -> SimProcess {
    SimProcess::start(&[
        "--no-churn",
        "--calls",
        "60",
        "--seed",
        "5",
        "--password",
        PASSWORD,
    ])
}

/// Runs the binary headless with a fresh `--log-file` at trace level; returns its output and log.
fn run(args: &[&str], envs: &[(&str, &str)]) -> (Output, String) {
    let dir = scratch_dir("secrets");
    let log = dir.join("yetitop.log");
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .arg("--log-file")
        .arg(&log)
        .env("YETITOP_LOG", "trace")
        .env("XDG_STATE_HOME", &dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("YETI_URL")
        .env_remove("YETI_USER")
        .env_remove("YETI_TOKEN")
        .env_remove("YETI_PASSWORD")
        .current_dir(&dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run yetitop");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    (out, log)
}

fn assert_absent(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !text.contains(s),
            "{what} holds the secret {s:?}:\n{}",
            text.chars().take(4000).collect::<String>()
        );
    }
}

#[test]
fn a_wrong_password_is_neither_printed_nor_logged() {
    let _g = serial();
    let sim = sim();
    let wrong = "Wr0ng-Guess-Pa55-z9";
    let (out, log) = run(
        &["calls", "list", "--url", &sim.url, "--user", "admin"],
        &[("YETI_PASSWORD", wrong)],
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("authentication refused: Incorrect login or password."),
        "{stderr}"
    );
    assert!(!log.is_empty(), "nothing was logged");
    for (what, text) in [
        ("stderr", &*stderr),
        ("stdout", &*String::from_utf8_lossy(&out.stdout)),
        ("the log", &*log),
    ] {
        assert_absent(what, text, &[wrong, PASSWORD]);
    }
}

#[test]
fn a_refused_token_is_not_echoed() {
    let _g = serial();
    let sim = sim();
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.Zm9yZ2VkLXNpZ25hdHVyZS14eXo";
    let (out, log) = run(
        &["calls", "list", "--url", &sim.url],
        &[("YETI_TOKEN", token)],
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("authentication refused"), "{stderr}");
    assert!(!log.is_empty(), "nothing was logged");
    assert_absent("stderr", &stderr, &[token, "Zm9yZ2VkLXNpZ25hdHVyZS14eXo"]);
    assert_absent("the log", &log, &[token, "Zm9yZ2VkLXNpZ25hdHVyZS14eXo"]);
}

/// Every gateway secret of the simulated switch, and a call linked to a gateway that has one (with the
/// relationship's index among the call's relationships).
fn gateway_secrets(sim: &SimProcess) -> (Vec<String>, String, usize) {
    let token = sim_token(&sim.url);
    let (status, body) = api_get(
        &sim.url,
        "/api/rest/admin/active-calls?include=orig-gw,term-gw",
        &token,
    );
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).expect("list json");
    let mut secrets = Vec::new();
    let mut with_secret = Vec::new();
    for r in doc["included"].as_array().expect("included") {
        if r["type"] != "gateways" {
            continue;
        }
        let mut has = false;
        for key in ["auth-password", "incoming-auth-password"] {
            if let Some(s) = r["attributes"][key].as_str().filter(|s| s.len() >= 8) {
                secrets.push(s.to_owned());
                has |= key == "auth-password";
            }
        }
        if has {
            with_secret.push(r["id"].as_str().expect("gateway id").to_owned());
        }
    }
    for c in doc["data"].as_array().expect("data") {
        for (rel, index) in [("term-gw", 11usize), ("orig-gw", 10)] {
            if let Some(gw) = c["relationships"][rel]["data"]["id"].as_str()
                && with_secret.iter().any(|g| g == gw)
            {
                let id = c["id"].as_str().expect("call id").to_owned();
                return (secrets, id, index);
            }
        }
    }
    panic!("no call uses a gateway with a password");
}

#[test]
fn headless_outputs_and_logs_hold_no_secret() {
    let _g = serial();
    let sim = sim();
    let (gw_secrets, call_id, _) = gateway_secrets(&sim);
    assert!(!gw_secrets.is_empty());
    let mut secrets: Vec<&str> = gw_secrets.iter().map(String::as_str).collect();
    secrets.extend([PASSWORD, JWT_PREFIX]);
    let env = [("YETI_PASSWORD", PASSWORD)];
    let base = ["--url", sim.url.as_str(), "--user", "admin"];
    let runs: Vec<Vec<&str>> = vec![
        vec!["calls", "list", "-o", "json"],
        vec!["calls", "list", "-o", "csv"],
        vec!["calls", "show", &call_id, "-o", "json"],
        vec!["calls", "show", &call_id],
    ];
    for args in runs {
        let mut all = args.clone();
        all.extend(base);
        let (out, log) = run(&all, &env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stdout.is_empty(), "{args:?} printed nothing");
        assert!(!log.is_empty(), "{args:?}: nothing was logged");
        assert!(
            log.contains("logged in"),
            "{args:?}: the login is not in the log"
        );
        assert_absent(&format!("stdout of {args:?}"), &stdout, &secrets);
        assert_absent(&format!("stderr of {args:?}"), &stderr, &secrets);
        assert_absent(&format!("the log of {args:?}"), &log, &secrets);
    }
}

#[test]
fn the_monitor_masks_gateway_secrets_and_logs_no_credential() {
    let _g = serial();
    let sim = sim();
    let (gw_secrets, call_id, rel_index) = gateway_secrets(&sim);
    let mut secrets: Vec<&str> = gw_secrets.iter().map(String::as_str).collect();
    secrets.extend([PASSWORD, JWT_PREFIX]);
    let dir = scratch_dir("secrets-tui");
    let log = dir.join("tui.log");
    let log_arg = log.to_string_lossy().into_owned();
    let mut tui = Tui::spawn(
        &[
            "--url",
            &sim.url,
            "--user",
            "admin",
            "--interval",
            "1",
            "--log-file",
            &log_arg,
        ],
        &[("YETI_PASSWORD", PASSWORD), ("YETITOP_LOG", "trace")],
        160,
        50,
    );
    tui.wait_text("Calls 60");
    // A revoked token: the monitor logs in again with the password (which must not be logged either).
    let (status, _) = http(&sim.url, "POST", "/_sim/revoke-tokens", "");
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_secs(3));
    // Open the call, move to the gateway relationship, open the gateway.
    let tag = call_id.split_once('*').map(|(_, t)| t).unwrap_or(&call_id);
    tui.send("/");
    tui.send(tag);
    tui.wait_for("one row left", LONG, |s| s.contains("1 of "));
    tui.send("\r");
    tui.send("\r");
    tui.wait_for("the call view", LONG, |s| {
        s.contains("Timing") && s.contains("term-gw")
    });
    for _ in 0..rel_index {
        tui.send("j");
        std::thread::sleep(Duration::from_millis(30));
    }
    tui.send("\r");
    let screen = tui.wait_for("the gateway record", LONG, |s| {
        s.contains("gateways") && s.contains("auth-password") && s.contains("••••")
    });
    let line = screen
        .lines()
        .find(|l| l.contains("auth-password"))
        .expect("auth-password row");
    assert!(line.contains("••••"), "not masked: {line}");
    assert_absent("the screen", &screen, &secrets);
    tui.send("\x03");
    tui.wait_exit(Duration::from_secs(15));
    assert_absent("the screen after exit", &tui.screen(), &secrets);
    let log = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        log.contains("401: logging in again"),
        "no relogin logged:\n{log}"
    );
    assert_absent("the log", &log, &secrets);
}

#[test]
fn panic_output_holds_no_credential() {
    let _g = serial();
    let sim = sim();
    let mut tui = Tui::spawn(
        &["--url", &sim.url, "--user", "admin"],
        &[
            ("YETI_PASSWORD", PASSWORD),
            ("YETITOP_TEST_PANIC", "1"),
            ("RUST_BACKTRACE", "1"),
        ],
        160,
        50,
    );
    assert_ne!(tui.wait_exit(LONG), 0);
    let screen = tui.screen();
    assert!(screen.contains("test-only panic"), "{screen}");
    assert_absent("the panic output", &screen, &[PASSWORD, JWT_PREFIX]);
}

#[test]
fn debug_output_of_the_settings_hides_the_credentials() {
    use yetitop::api::{Client, ClientConfig, Credentials, Secret};
    let cfg = ClientConfig::new(
        "https://user:urlpass-91@yeti.example.net/",
        Credentials::Password {
            user: "noc".into(),
            password: Secret::new(PASSWORD),
        },
    );
    let text = format!("{cfg:?}");
    assert!(!text.contains(PASSWORD), "{text}");
    let client = Client::new(cfg).expect("client");
    let text = format!("{client:?} {}", client.base_url());
    assert!(
        !text.contains(PASSWORD) && !text.contains("urlpass-91"),
        "{text}"
    );
    let token = Credentials::Token(Secret::new("eyJtoken.payload.sig"));
    assert!(!format!("{token:?}").contains("eyJtoken"));
}
