//! End-to-end: the real binary on a pseudo-terminal against `yetitop sim`, read back through vt100.
//! These tests drive the monitor the way an operator does and assert what the screen shows.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{SimProcess, Tui, http};

/// One pty test at a time: two cores also build and run the other test binaries.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn sim() -> SimProcess {
    SimProcess::start(&["--no-churn", "--calls", "40", "--seed", "3"])
}

fn monitor(sim: &SimProcess, extra: &[&str]) -> Tui {
    let mut args = vec![
        "--url",
        sim.url.as_str(),
        "--user",
        "admin",
        "--interval",
        "2",
    ];
    args.extend_from_slice(extra);
    Tui::spawn(&args, &[("YETI_PASSWORD", "admin")], 160, 45)
}

/// Adds an answered call to the simulator and returns its id.
fn add_call(sim: &SimProcess) -> String {
    let (status, body) = http(&sim.url, "POST", "/_sim/calls", r#"{"answered":true}"#);
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["id"].as_str().expect("id").to_owned()
}

fn sim_has_call(sim: &SimProcess, id: &str) -> bool {
    let (_, body) = http(&sim.url, "GET", "/_sim/calls", "");
    body.contains(&format!("\"{id}\""))
}

/// Narrows the list to one call by typing its local tag into the `/` filter.
fn filter_to(tui: &mut Tui, id: &str) {
    let tag = id.split_once('*').map(|(_, t)| t).unwrap_or(id);
    tui.send("/");
    tui.send(tag);
    tui.wait_for("one row left", Duration::from_secs(10), |s| {
        s.contains("1 of ")
    });
    tui.send("\r");
}

/// The monitor on a fresh simulator with one added call, its list narrowed to that call.
fn one_call(extra: &[&str]) -> (SimProcess, Tui, String) {
    let sim = sim();
    let id = add_call(&sim);
    let mut tui = monitor(&sim, extra);
    tui.wait_text("Calls 41");
    filter_to(&mut tui, &id);
    (sim, tui, id)
}

/// The `HH:MM:SS` after `Duration` in the timing pane, as seconds.
fn shown_duration(screen: &str) -> Option<i64> {
    let line = screen.lines().find(|l| l.contains("│Duration"))?;
    let after = &line[line.find("Duration")? + "Duration".len()..];
    let hms = after.split_whitespace().next()?;
    let parts: Vec<i64> = hms
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() == 3).then(|| parts[0] * 3600 + parts[1] * 60 + parts[2])
}

#[test]
fn list_appears_and_a_filter_narrows_it() {
    let _g = serial();
    let sim = sim();
    let id = add_call(&sim);
    let mut tui = monitor(&sim, &[]);
    let screen = tui.wait_text("Calls 41");
    assert!(
        screen.contains("Customer") && screen.contains("Margin/min"),
        "{screen}"
    );
    filter_to(&mut tui, &id);
    let screen = tui.wait_text("1 of 41 calls");
    assert!(
        screen.contains("00:00:"),
        "the one row left is the fresh call:\n{screen}"
    );
    // Esc clears the filter: every call is back.
    tui.send("\x1b");
    tui.wait_for("filter cleared", Duration::from_secs(10), |s| {
        !s.contains("of 41 calls")
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(Duration::from_secs(10)), 0);
    assert!(!tui.alternate_screen(), "the terminal is restored");
}

#[test]
fn an_open_call_ticks_one_second_per_second_and_drills_into_its_customer() {
    let _g = serial();
    // `_sim` keeps the simulator running until the end of the test.
    let (_sim, mut tui, _id) = one_call(&[]);
    tui.send("\r");
    // The relationships are loaded when their ids (`#N`) show.
    let first = tui.wait_for("the timing pane", Duration::from_secs(10), |s| {
        s.contains("Timing") && shown_duration(s).is_some() && s.contains('#')
    });
    let d0 = shown_duration(&first).unwrap();
    std::thread::sleep(Duration::from_millis(3000));
    let d1 = shown_duration(&tui.screen()).unwrap();
    assert!(
        (2..=4).contains(&(d1 - d0)),
        "duration went {d0} -> {d1} in 3 s"
    );

    // The relationship cursor starts on customer: Enter opens it, Esc comes back.
    let screen = tui.wait_text("customer-acc");
    assert!(screen.contains("Relationships"), "{screen}");
    tui.send("\r");
    let record = tui.wait_text("› customer ›");
    assert!(record.contains("contractors"), "{record}");
    tui.send("\x1b");
    tui.wait_for("back on the call", Duration::from_secs(10), |s| {
        !s.contains("› customer ›") && s.contains("Timing")
    });
    tui.send("\x1b");
    tui.wait_for("back on the list", Duration::from_secs(10), |s| {
        s.contains("Margin/min")
    });
}

#[test]
fn terminate_with_d_and_y_ends_the_call_and_audits_it() {
    let _g = serial();
    let (sim, mut tui, id) = one_call(&[]);
    tui.send("D");
    let dialog = tui.wait_text("Terminate");
    assert!(dialog.contains("y"), "{dialog}");
    tui.send("y");
    tui.wait_text("terminated");
    assert!(!sim_has_call(&sim, &id), "the simulator still has {id}");
    let audit =
        std::fs::read_to_string(tui.state_dir.join("yetitop/audit.log")).expect("audit log");
    assert!(
        audit.contains(&id) && audit.contains("terminated"),
        "{audit}"
    );
}

#[test]
fn any_other_key_cancels_terminate() {
    let _g = serial();
    let (sim, mut tui, id) = one_call(&[]);
    tui.send("D");
    tui.wait_text("Terminate");
    tui.send("n");
    tui.wait_for("dialog closed", Duration::from_secs(5), |s| {
        !s.contains("Terminate call")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(sim_has_call(&sim, &id));
}

#[test]
fn the_open_call_shows_ended_when_the_switch_ends_it() {
    let _g = serial();
    let (sim, mut tui, id) = one_call(&[]);
    tui.send("\r");
    tui.wait_text("Timing");
    let (status, _) = http(&sim.url, "POST", &format!("/_sim/calls/{id}/end"), "");
    assert_eq!(status, 204);
    let screen = tui.wait_text("ENDED");
    // The clock stops: the duration no longer moves.
    let d0 = shown_duration(&screen);
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(shown_duration(&tui.screen()), d0);
}

#[test]
fn readonly_refuses_to_terminate() {
    let _g = serial();
    let (sim, mut tui, id) = one_call(&["--readonly"]);
    tui.send("D");
    tui.wait_text("read-only");
    std::thread::sleep(Duration::from_millis(300));
    assert!(sim_has_call(&sim, &id));
}

#[test]
fn a_wrong_password_is_one_line_and_exit_code_3() {
    let _g = serial();
    let sim = sim();
    let mut tui = Tui::spawn(
        &["--url", &sim.url, "--user", "admin"],
        &[("YETI_PASSWORD", "wrong")],
        120,
        30,
    );
    assert_eq!(tui.wait_exit(Duration::from_secs(20)), 3);
    let screen = tui.screen();
    assert!(
        screen.contains("authentication refused: Incorrect login or password."),
        "{screen}"
    );
    assert!(
        !screen.contains("wrong"),
        "the password never reaches the screen:\n{screen}"
    );
}

#[test]
fn demo_runs_the_monitor_on_the_built_in_simulator() {
    let _g = serial();
    let mut tui = Tui::spawn(&["--demo"], &[], 160, 45);
    let screen = tui.wait_text("demo");
    assert!(screen.contains("yetitop"), "{screen}");
    tui.wait_for("calls listed", Duration::from_secs(20), |s| {
        s.contains("Calls 3") || s.contains("Calls 2")
    });
    tui.send("\x03");
    assert_eq!(tui.wait_exit(Duration::from_secs(10)), 0);
    assert!(!tui.alternate_screen());
}

#[test]
fn sigterm_restores_the_terminal() {
    let _g = serial();
    let sim = sim();
    let mut tui = monitor(&sim, &[]);
    tui.wait_text("Calls 40");
    let pid = tui.pid().expect("pid");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    tui.wait_exit(Duration::from_secs(10));
    assert!(!tui.alternate_screen(), "still on the alternate screen");
}

#[test]
fn a_panic_restores_the_terminal() {
    let _g = serial();
    let sim = sim();
    let mut tui = Tui::spawn(
        &["--url", &sim.url, "--user", "admin"],
        &[("YETI_PASSWORD", "admin"), ("YETITOP_TEST_PANIC", "1")],
        120,
        30,
    );
    let code = tui.wait_exit(Duration::from_secs(20));
    assert_ne!(code, 0);
    assert!(!tui.alternate_screen(), "still on the alternate screen");
    let screen = tui.screen();
    assert!(screen.contains("test-only panic"), "{screen}");
    assert!(!screen.contains("admin\n"), "{screen}");
}

#[test]
fn c_switches_context_and_each_context_keeps_its_filter() {
    let _g = serial();
    let lab = SimProcess::start(&["--no-churn", "--calls", "40", "--seed", "3"]);
    let prod = SimProcess::start(&["--no-churn", "--calls", "25", "--seed", "4"]);
    let dir = common::scratch_dir("contexts");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_context = \"lab\"\n\
             [contexts.lab]\nurl = \"{}\"\nuser = \"admin\"\npassword_command = \"echo admin\"\n\
             [contexts.prod]\nurl = \"{}\"\nuser = \"admin\"\npassword_command = \"echo admin\"\n",
            lab.url, prod.url
        ),
    )
    .expect("write the config");
    let config = config.to_string_lossy().to_string();
    let mut tui = Tui::spawn(&["--config", &config, "--interval", "2"], &[], 160, 45);
    tui.wait_text("Calls 40");
    assert!(tui.screen().contains("lab"));
    // A filter in lab...
    let id = add_call(&lab);
    tui.wait_text("Calls 41");
    filter_to(&mut tui, &id);
    tui.wait_text("(1 of 41)");
    // ...then C, down, Enter: prod, with its own calls and no filter.
    tui.send("C");
    tui.wait_text("Context");
    tui.send("j");
    tui.send("\r");
    let screen = tui.wait_text("Calls 25");
    assert!(screen.contains("prod"), "{screen}");
    assert!(!screen.contains("filter:"), "prod has no filter:\n{screen}");
    // Back to lab: its filter is still there.
    tui.send("C");
    tui.wait_text("Context");
    tui.send("k");
    tui.send("\r");
    tui.wait_text("(1 of 41)");
    tui.send("\x03");
    assert_eq!(tui.wait_exit(Duration::from_secs(10)), 0);
}

#[test]
fn keys_from_the_config_rebind_the_monitor() {
    let _g = serial();
    let sim = sim();
    let dir = common::scratch_dir("keys");
    let config = dir.join("config.toml");
    std::fs::write(&config, "[keys]\nterminate = \"X\"\n").expect("write the config");
    let config = config.to_string_lossy().to_string();
    let mut tui = monitor(&sim, &["--config", &config]);
    tui.wait_text("Calls 40");
    // The hint bar names the new key.
    tui.wait_text("X terminate call");
    tui.send("D");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !tui.screen().contains("Terminate call"),
        "D no longer terminates"
    );
    tui.send("X");
    tui.wait_text("Terminate");
    tui.send("n");
}
