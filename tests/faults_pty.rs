//! The fault suite: the real binary on a pseudo-terminal against `yetitop sim` with its fault modes armed
//! through the control endpoint, plus the terminal and process paths (SIGHUP, resize, Ctrl-Z + fg) and the
//! client-level timeouts that are too slow for a pty test.
//!
//! For every fault the monitor must stay up and answer keys; the last good data stays on screen, marked
//! STALE with a one-line cause (never an HTML dump) and `retry in Ns`; retries back off without a busy
//! loop; and the first good poll after the fault clears removes the mark.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{SimProcess, Tui, children_of, cpu_seconds, http, proc_state, signal};

/// One pty test at a time: two cores also build and run the other test binaries.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const SIM_ARGS: [&str; 5] = ["--no-churn", "--calls", "40", "--seed", "3"];
const LONG: Duration = Duration::from_secs(40);

fn sim() -> SimProcess {
    SimProcess::start(&SIM_ARGS)
}

/// The monitor polling every second.
fn monitor(url: &str, cols: u16, rows: u16) -> Tui {
    Tui::spawn(
        &["--url", url, "--user", "admin", "--interval", "1"],
        &[("YETI_PASSWORD", "admin")],
        cols,
        rows,
    )
}

fn arm(sim_url: &str, spec: &str) {
    let (status, body) = http(sim_url, "POST", "/_sim/fault", spec);
    assert_eq!(status, 201, "arming {spec}: {body}");
}

fn disarm(sim_url: &str) {
    let (status, body) = http(sim_url, "DELETE", "/_sim/fault", "");
    assert_eq!(status, 204, "{body}");
}

/// The line of the screen holding `needle`.
fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}

/// Waits for `STALE: <cause>` with a retry countdown, and checks what the whole screen shows with it.
fn wait_stale(tui: &Tui, cause: &str) -> String {
    let want = format!("STALE: {cause}");
    let screen = tui.wait_for(&format!("{want:?} and a retry countdown"), LONG, |s| {
        line_with(s, &want).is_some_and(|l| l.contains("retry in "))
    });
    let line = line_with(&screen, &want).unwrap();
    assert!(
        line.contains("last good data updated"),
        "the age of the last good data is shown:\n{screen}"
    );
    assert!(
        screen.contains("Calls 40"),
        "the last good data stays on screen:\n{screen}"
    );
    for html in ["<html", "<center", "</", "nginx", "<body"] {
        assert!(!screen.contains(html), "HTML on screen ({html}):\n{screen}");
    }
    assert_eq!(
        screen.matches("STALE").count(),
        1,
        "the cause is one line:\n{screen}"
    );
    screen
}

/// Waits until a good poll removed the STALE mark.
fn wait_fresh(tui: &Tui) -> String {
    tui.wait_for("the STALE mark to go", LONG, |s| {
        !s.contains("STALE") && s.contains("updated ") && s.contains("Calls 40")
    })
}

/// Keys are answered while a poll is stuck: `?` opens the help within a second or two, Esc closes it.
fn assert_responsive(tui: &mut Tui) {
    let t0 = Instant::now();
    tui.send("?");
    tui.wait_for("the help to open", Duration::from_secs(5), |s| {
        s.contains("Keys (Esc/?/q closes)")
    });
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(3), "help took {took:?}");
    tui.send("\x1b");
    tui.wait_for("the help to close", Duration::from_secs(5), |s| {
        !s.contains("Keys (Esc/?/q closes)")
    });
}

/// Ctrl-C quits from any view.
fn quit(mut tui: Tui) {
    tui.send("\x03");
    assert_eq!(tui.wait_exit(Duration::from_secs(15)), 0);
    assert!(!tui.alternate_screen(), "the terminal is restored");
}

#[test]
fn server_faults_mark_the_data_stale_and_the_next_good_poll_clears_it() {
    let _g = serial();
    let sim = sim();
    let mut tui = monitor(&sim.url, 160, 45);
    tui.wait_text("Calls 40");
    let cases = [
        ("500", "server error 500: Internal Server Error"),
        ("502", "server error 502: 502 Bad Gateway"),
        ("malformed", "bad response: active-calls list:"),
        ("truncated", "bad response:"),
        // Over the 512 MB limit: refused from Content-Length, nothing is buffered.
        ("huge:600000000", "response too large: over 536870912 bytes"),
    ];
    for (mode, cause) in cases {
        arm(&sim.url, &format!(r#"{{"mode":"{mode}","scope":"list"}}"#));
        let screen = wait_stale(&tui, cause);
        let pid = tui.pid().expect("pid");
        assert!(proc_state(pid).is_some(), "{mode}: the monitor died");
        assert_responsive(&mut tui);
        disarm(&sim.url);
        let after = wait_fresh(&tui);
        assert!(
            after.contains("Calls 40"),
            "{mode}: data back after the fault:\n{after}\nwas:\n{screen}"
        );
    }
    quit(tui);
}

/// The `N` of `retry in Ns` on the screen.
fn retry_in(screen: &str) -> Option<u64> {
    let at = screen.find("retry in ")? + "retry in ".len();
    let digits: String = screen[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[test]
fn retries_back_off_exponentially_without_a_busy_loop() {
    let _g = serial();
    let sim = sim();
    let mut tui = monitor(&sim.url, 160, 45);
    tui.wait_text("Calls 40");
    let pid = tui.pid().expect("pid");
    arm(&sim.url, r#"{"mode":"500","scope":"list"}"#);
    // Each failure restarts the countdown at a longer wait: record the first value after each rise.
    let mut peaks: Vec<u64> = Vec::new();
    let mut last: Option<u64> = None;
    let start = Instant::now();
    let mut cpu_window: Option<(Instant, f64)> = None;
    let mut cpu_used = None;
    while start.elapsed() < Duration::from_secs(26) {
        let screen = tui.screen();
        if let Some(n) = retry_in(&screen) {
            if last.is_none_or(|l| n > l) {
                peaks.push(n);
            }
            last = Some(n);
        }
        // Measure CPU over 5 s in the middle of a long wait.
        if cpu_window.is_none() && start.elapsed() > Duration::from_secs(8) {
            cpu_window = Some((Instant::now(), cpu_seconds(pid)));
        }
        if let Some((t0, c0)) = cpu_window
            && cpu_used.is_none()
            && t0.elapsed() >= Duration::from_secs(5)
        {
            cpu_used = Some((cpu_seconds(pid) - c0) / t0.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let big: Vec<u64> = peaks.iter().copied().filter(|p| *p >= 2).collect();
    assert!(big.len() >= 3, "too few retries seen: {peaks:?}");
    for w in big.windows(2) {
        let ratio = w[1] as f64 / w[0] as f64;
        assert!(
            (1.5..=2.5).contains(&ratio),
            "waits do not double: {peaks:?}"
        );
    }
    assert!(
        *big.last().unwrap() >= 7 && *big.last().unwrap() <= 60,
        "{peaks:?}"
    );
    let cpu = cpu_used.expect("cpu measured");
    assert!(
        cpu < 0.2,
        "{:.0}% of a core while waiting to retry",
        cpu * 100.0
    );
    // The cap and the jitter, which take minutes to reach on screen.
    for n in [7u32, 10, 40, u32::MAX] {
        let d = yetitop::app::poll::backoff_delay(Duration::from_secs(1), n);
        assert!(
            d <= Duration::from_secs(60) && d >= Duration::from_secs(54),
            "{n}: {d:?}"
        );
    }
    // Clear the fault and ask for a poll now (Ctrl-R) rather than wait out the backoff.
    disarm(&sim.url);
    tui.send("\x12");
    wait_fresh(&tui);
    quit(tui);
}

#[test]
fn a_slow_answer_is_not_an_error_and_keys_still_work() {
    let _g = serial();
    let sim = sim();
    let mut tui = monitor(&sim.url, 160, 45);
    tui.wait_text("Calls 40");
    arm(&sim.url, r#"{"mode":"slow:4000","scope":"list","times":1}"#);
    tui.wait_for("the slow poll", LONG, |s| s.contains("polling…"));
    assert_responsive(&mut tui);
    // Over the next 8 s the slow poll finishes and the data never turns stale.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(8) {
        let s = tui.screen();
        assert!(!s.contains("STALE"), "a 4 s answer is not a failure:\n{s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_fresh(&tui);
    quit(tui);
}

#[test]
fn a_hanging_server_does_not_freeze_the_monitor() {
    let _g = serial();
    let sim = sim();
    let mut tui = monitor(&sim.url, 160, 45);
    tui.wait_text("Calls 40");
    arm(&sim.url, r#"{"mode":"hang","scope":"list"}"#);
    std::thread::sleep(Duration::from_secs(2));
    tui.wait_for("a poll in flight", LONG, |s| s.contains("polling…"));
    assert_responsive(&mut tui);
    let pid = tui.pid().expect("pid");
    let c0 = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(4));
    let cpu = (cpu_seconds(pid) - c0) / 4.0;
    assert!(cpu < 0.2, "{:.0}% of a core while hanging", cpu * 100.0);
    // The 15 s read timeout gives up on it.
    wait_stale(&tui, "timed out");
    disarm(&sim.url);
    tui.send("\x12");
    wait_fresh(&tui);
    quit(tui);
}

#[test]
fn connection_refused_then_the_server_back_on_the_same_port() {
    let _g = serial();
    let sim = sim();
    let addr = sim.addr();
    let url = sim.url.clone();
    let mut tui = monitor(&url, 160, 45);
    tui.wait_text("Calls 40");
    sim.stop();
    wait_stale(&tui, "cannot connect");
    assert_responsive(&mut tui);
    // The same switch comes back on the same port, with none of the old tokens: the monitor logs in
    // again by itself.
    let sim = SimProcess::start_on(&addr, &SIM_ARGS);
    assert_eq!(sim.url, url);
    tui.send("\x12");
    wait_fresh(&tui);
    let (_, state) = http(&sim.url, "GET", "/_sim/state", "");
    assert!(!state.contains("\"tokens\":0"), "no login: {state}");
    quit(tui);
}

#[test]
fn a_revoked_token_logs_in_again_by_itself() {
    let _g = serial();
    let sim = sim();
    let tui = monitor(&sim.url, 160, 45);
    tui.wait_text("Calls 40");
    let (status, body) = http(&sim.url, "POST", "/_sim/revoke-tokens", "");
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("\"revoked\":0"), "nothing revoked: {body}");
    // Polls go on without a visible error.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        let s = tui.screen();
        assert!(
            !s.contains("STALE") && !s.contains("authentication"),
            "the 401 showed:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, state) = http(&sim.url, "GET", "/_sim/state", "");
    assert!(!state.contains("\"tokens\":0"), "no new login: {state}");
    tui.wait_for("a fresh poll", LONG, |s| {
        s.contains("updated 0s ago") || s.contains("updated 1s ago")
    });
    quit(tui);
}

/// Narrows the list to one call by typing its local tag into the `/` filter.
fn filter_to(tui: &mut Tui, id: &str) {
    let tag = id.split_once('*').map(|(_, t)| t).unwrap_or(id);
    tui.send("/");
    tui.send(tag);
    tui.wait_for("one row left", LONG, |s| s.contains("1 of "));
    tui.send("\r");
}

#[test]
fn a_rejected_terminate_shows_the_server_message_and_an_ended_call_shows_ended() {
    let _g = serial();
    let sim = sim();
    let (status, body) = http(&sim.url, "POST", "/_sim/calls", r#"{"answered":true}"#);
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let id = v["id"].as_str().expect("id").to_owned();
    let mut tui = monitor(&sim.url, 160, 45);
    tui.wait_text("Calls 41");
    filter_to(&mut tui, &id);
    tui.send("\r");
    tui.wait_text("Timing");
    arm(
        &sim.url,
        r#"{"mode":"422:SEMS refused: dialog is terminating","scope":"delete"}"#,
    );
    tui.send("D");
    tui.wait_text("Terminate");
    tui.send("y");
    let screen = tui.wait_text("SEMS refused: dialog is terminating");
    let line = line_with(&screen, "SEMS refused").unwrap();
    assert!(line.contains("failed") && line.contains("422"), "{screen}");
    assert!(
        !screen.contains("ENDED"),
        "a refused terminate does not end the call:\n{screen}"
    );
    disarm(&sim.url);
    // The switch ends it: the open call's poll gets 404 and shows ENDED; the list is not stale.
    let (status, _) = http(&sim.url, "POST", &format!("/_sim/calls/{id}/end"), "");
    assert_eq!(status, 204);
    let screen = tui.wait_text("ENDED");
    assert!(!screen.contains("STALE"), "{screen}");
    quit(tui);
}

#[test]
fn sighup_restores_the_terminal() {
    let _g = serial();
    let sim = sim();
    let mut tui = monitor(&sim.url, 120, 30);
    tui.wait_text("Calls 40");
    assert!(tui.alternate_screen());
    signal(tui.pid().expect("pid"), "HUP");
    tui.wait_exit(Duration::from_secs(15));
    assert!(!tui.alternate_screen(), "still on the alternate screen");
}

#[test]
fn a_resize_redraws_the_whole_screen() {
    let _g = serial();
    let sim = sim();
    let tui = monitor(&sim.url, 100, 24);
    tui.wait_text("Calls 40");
    let last_row = |t: &Tui| t.rows().last().cloned().unwrap_or_default();
    assert!(
        !last_row(&tui).trim().is_empty(),
        "the hint bar is at the bottom"
    );
    // Larger: the frame fills the new rows and columns (the bottom row was blank right after resizing).
    tui.resize(150, 40);
    tui.wait_for("a redraw at 150x40", LONG, |_| {
        let rows = tui.rows();
        rows.len() == 40
            && !rows[39].trim().is_empty()
            && rows.iter().any(|r| r.trim_end().chars().count() > 110)
    });
    // Smaller.
    tui.resize(80, 20);
    tui.wait_for("a redraw at 80x20", LONG, |s| {
        let rows = tui.rows();
        rows.len() == 20 && !rows[19].trim().is_empty() && s.contains("Calls 40")
    });
    quit(tui);
}

#[test]
fn ctrl_z_suspends_and_fg_resumes_with_a_full_redraw() {
    let _g = serial();
    let sim = sim();
    // A job-control shell runs the monitor as its foreground job (a process whose parent is outside its
    // session ignores SIGTSTP), waits for a line once the job stops, then `fg`s it.
    let script = format!(
        "set -m; {} --url {} --user admin --interval 1; echo SHELL-SAW-STOP; read line; fg; echo JOB-DONE; sleep 5",
        common::BIN,
        sim.url
    );
    let mut tui = Tui::spawn_program(
        "bash",
        &["--norc", "--noprofile", "-c", &script],
        &[("YETI_PASSWORD", "admin")],
        120,
        30,
    );
    tui.wait_text("Calls 40");
    let shell = tui.pid().expect("shell pid");
    let pid = *children_of(shell).first().expect("the monitor's pid");
    tui.send("\x1a");
    // Suspended: the terminal is given back and the process is stopped.
    tui.wait_for("the shell to see the stop", LONG, |s| {
        s.contains("SHELL-SAW-STOP")
    });
    assert!(!tui.alternate_screen(), "the terminal was not restored");
    let start = Instant::now();
    while proc_state(pid) != Some('T') && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(proc_state(pid), Some('T'), "the monitor is not stopped");
    // fg: resumed on the alternate screen with everything drawn again.
    tui.send("\r");
    tui.wait_for("the redraw after fg", LONG, |s| {
        s.contains("Calls 40") && s.contains("Customer")
    });
    assert!(tui.alternate_screen());
    assert_responsive(&mut tui);
    tui.send("q");
    tui.wait_for("the job to end", LONG, |s| s.contains("JOB-DONE"));
    assert!(!tui.alternate_screen());
    signal(shell, "KILL");
}

/// The client itself against hang and slow faults, with short timeouts (the pty tests cannot shorten the
/// binary's 15 s read timeout).
#[test]
fn the_client_gives_up_on_a_hang_at_the_read_timeout_but_not_on_a_slow_body() {
    use yetitop::api::{ApiError, Client, ClientConfig, Credentials, Secret};
    use yetitop::sim::{Fault, FaultMode, FaultScope, SimConfig};

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let cfg = SimConfig {
            calls: 20,
            churn: false,
            ..SimConfig::default()
        };
        let sim = yetitop::sim::start(([127, 0, 0, 1], 0).into(), cfg)
            .await
            .expect("sim");
        let mut cc = ClientConfig::new(
            sim.url.clone(),
            Credentials::Password {
                user: "admin".into(),
                password: Secret::new("admin"),
            },
        );
        cc.read_timeout = Duration::from_secs(1);
        cc.timeout = Duration::from_secs(6);
        let client = Client::new(cc).expect("client");
        let q = yetitop::app::poll::list_query(None);
        client.list_calls(&q).await.expect("a good poll first");

        sim.control()
            .set_fault(Fault::always(FaultMode::Hang).scope(FaultScope::List));
        let t0 = Instant::now();
        let err = client.list_calls(&q).await.expect_err("a hang fails");
        let took = t0.elapsed();
        assert!(matches!(err, ApiError::Timeout(_)), "{err:?}");
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(5),
            "gave up after {took:?}"
        );
        assert!(err.is_transient());
        sim.control().clear_faults();

        // A body trickled over 3 s in 20 pieces never waits 1 s for the next bytes: it succeeds.
        sim.control()
            .set_fault(Fault::always(FaultMode::Slow(3000)).scope(FaultScope::List));
        let t0 = Instant::now();
        let ok = client.list_calls(&q).await.expect("a slow body is fine");
        assert!(t0.elapsed() >= Duration::from_secs(2), "{:?}", t0.elapsed());
        assert_eq!(ok.doc.data.len(), 20);
        sim.control().clear_faults();

        // Nothing listening: a connect error, fast.
        let dead = Client::new(ClientConfig::new(
            "http://127.0.0.1:9",
            Credentials::Token(Secret::new("t")),
        ))
        .expect("client");
        let err = dead.list_calls(&q).await.expect_err("refused");
        assert!(matches!(err, ApiError::Connect(_)), "{err:?}");
        assert!(!err.to_string().contains('\n'));

        // A body over the limit is refused without being read.
        let mut small = ClientConfig::new(
            sim.url.clone(),
            Credentials::Password {
                user: "admin".into(),
                password: Secret::new("admin"),
            },
        );
        small.max_body = 1000;
        let small = Client::new(small).expect("client");
        let err = small.list_calls(&q).await.expect_err("too large");
        assert_eq!(err, ApiError::TooLarge { limit: 1000 });
        sim.shutdown().await;
    });
}
