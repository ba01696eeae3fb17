//! Responsiveness of the real binary on a pseudo-terminal (issue #5), read back through vt100:
//!
//! 1. Key latency while big polls run: 100,000 calls (`CALLS`), list every 3 s, so a poll is being fetched,
//!    decoded or applied most of the time. `?` is pressed at random moments; the time until the help
//!    overlay is on the screen is measured (target: under 50 ms).
//! 2. Idle CPU with a call open: 300 calls, no churn, a call view open (polled every second), nothing
//!    pressed for `IDLE` seconds (default 60); utime+stime from /proc (target: under 1 % of one core).
//!
//! `cargo bench --bench responsiveness` (release build). Not a criterion bench: it prints its figures.
//! Without `--bench` (as `cargo test --benches` runs it) it does nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{SimProcess, Tui, cpu_seconds};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn monitor(url: &str, interval: &str) -> Tui {
    Tui::spawn(
        &["--url", url, "--user", "admin", "--interval", interval],
        &[("YETI_PASSWORD", "admin")],
        200,
        50,
    )
}

/// Milliseconds until `pred` holds on screen, polling every millisecond.
fn time_until(tui: &Tui, timeout: Duration, pred: impl Fn(&str) -> bool) -> Option<f64> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if pred(&tui.screen()) {
            return Some(start.elapsed().as_secs_f64() * 1000.0);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let calls = env_num("CALLS", 100_000).to_string();
    let presses = env_num("PRESSES", 40);
    let idle = env_num("IDLE", 60);

    // 1. Key latency during big polls.
    let big = SimProcess::start(&["--no-churn", "--calls", &calls]);
    let mut tui = monitor(&big.url, "3");
    tui.wait_for("the first list", Duration::from_secs(300), |s| {
        s.contains("updated")
    });
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut lat = Vec::new();
    for _ in 0..presses {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(200 + seed % 2300));
        tui.send("?");
        if let Some(ms) = time_until(&tui, Duration::from_secs(20), |s| s.contains("Keys (")) {
            lat.push(ms);
        }
        tui.send("\x1b");
        time_until(&tui, Duration::from_secs(20), |s| !s.contains("Keys ("));
    }
    tui.send("\x03");
    drop(tui);
    drop(big);
    lat.sort_by(f64::total_cmp);
    if lat.is_empty() {
        println!("key latency: no press answered");
    } else {
        let p = |q: f64| lat[((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1];
        println!(
            "key latency, {calls} calls polled every 3 s: {} presses, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            lat.len(),
            p(0.5),
            p(0.95),
            p(1.0)
        );
    }

    // 2. Idle CPU with a call open.
    let small = SimProcess::start(&["--no-churn", "--calls", "300"]);
    let mut tui = monitor(&small.url, "5");
    tui.wait_for("the list", Duration::from_secs(60), |s| {
        s.contains("updated")
    });
    tui.send("\r");
    tui.wait_for("the call view", Duration::from_secs(20), |s| {
        s.contains("Timing")
    });
    std::thread::sleep(Duration::from_secs(3));
    let pid = tui.pid().expect("pid");
    let (c0, t0) = (cpu_seconds(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(idle));
    let (c1, t1) = (cpu_seconds(pid), t0.elapsed());
    println!(
        "idle with a call open: {:.2} % of one core over {:.0} s",
        100.0 * (c1 - c0) / t1.as_secs_f64(),
        t1.as_secs_f64()
    );
    tui.send("\x03");
}
