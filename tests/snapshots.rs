//! Screens of every view and dialog, drawn from a frozen simulator world and a fixed clock.
//!
//! Regenerate with `INSTA_UPDATE=always cargo test --test snapshots`; CI runs them read-only. These are
//! also the README's screenshots.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use yetitop::api::ApiError;
use yetitop::app::{App, AppConfig, Command, Event, ListSnapshot};
use yetitop::sim::SimConfig;
use yetitop::sim::world::World;

#[path = "common/sim_world.rs"]
mod sim_world;

use sim_world::answer;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn at(secs: i64) -> DateTime<Utc> {
    now() + TimeDelta::seconds(secs)
}

fn world() -> World {
    let cfg = SimConfig {
        calls: 60,
        nodes: 2,
        seed: 7,
        churn: false,
        ..SimConfig::default()
    };
    World::generate(&cfg, now())
}

fn config() -> AppConfig {
    AppConfig {
        context: "demo".into(),
        url: "https://yeti.example/api/rest/admin".into(),
        readonly: false,
        interval: Duration::from_secs(5),
        insecure: false,
        contexts: Vec::new(),
        keys: Default::default(),
        columns: Vec::new(),
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

/// An app over the frozen world, first poll done, 2 s later.
fn app_with(cfg: AppConfig, w: &World, size: (u16, u16)) -> App {
    let mut app = App::new(cfg, now());
    app.set_time_zone(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    app.set_no_color(true);
    let cmds = app.start();
    assert!(
        matches!(cmds.as_slice(), [Command::PollList(_)]),
        "{cmds:?}"
    );
    answer(&mut app, w, cmds, now());
    let cmds = app.update(Event::Resize(size.0, size.1));
    answer(&mut app, w, cmds, now());
    app.update(Event::Tick(at(2)));
    app
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("{e}"));
    terminal
        .draw(|f| yetitop::ui::render(app, f))
        .unwrap_or_else(|e| panic!("{e}"));
    terminal
}

/// Sends a key and answers what it asks at `t`.
fn press(app: &mut App, w: &World, ev: Event, t: DateTime<Utc>) {
    let cmds = app.update(ev);
    answer(app, w, cmds, t);
}

fn screen(app: &App, w: u16, h: u16) -> String {
    draw(app, w, h).backend().to_string()
}

#[test]
fn list() {
    let w = world();
    for (width, height) in [(160, 45), (100, 30)] {
        let app = app_with(config(), &w, (width, height));
        let s = screen(&app, width, height);
        assert!(s.contains("Duration ▼"));
        assert!(s.contains("updated 2s ago"));
        insta::assert_snapshot!(
            format!("list_{width}x{height}"),
            draw(&app, width, height).backend()
        );
    }
}

#[test]
fn list_marks() {
    let w = world();
    let cfg = AppConfig {
        readonly: true,
        insecure: true,
        ..config()
    };
    let mut app = app_with(cfg, &w, (160, 45));
    app.update(ch('p'));
    let s = screen(&app, 160, 45);
    assert!(s.contains("READ-ONLY") && s.contains("INSECURE TLS") && s.contains("PAUSED"));
    insta::assert_snapshot!("list_marks_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn list_with_filter_input() {
    let w = world();
    let mut app = app_with(config(), &w, (160, 45));
    app.update(ch('/'));
    for c in "0.0".chars() {
        app.update(ch(c));
    }
    let s = screen(&app, 160, 45);
    assert!(s.contains("/0.0█"));
    insta::assert_snapshot!("list_filter_input_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn list_sorted_by_customer() {
    let w = world();
    let mut app = app_with(config(), &w, (100, 30));
    app.update(ch('s'));
    let s = screen(&app, 100, 30);
    assert!(s.contains("Customer ▲"));
    insta::assert_snapshot!("list_sorted_customer_100x30", draw(&app, 100, 30).backend());
}

#[test]
fn list_with_stale_error_mark() {
    let w = world();
    let mut app = app_with(config(), &w, (160, 45));
    let cmds = app.update(Event::Tick(at(5)));
    assert!(cmds.iter().any(|c| matches!(c, Command::PollList(_))));
    app.update(Event::ListLoaded(Box::new(Err(ApiError::Connect(
        "tcp connect error: Connection refused (os error 111)".into(),
    )))));
    app.update(Event::Tick(at(6)));
    let s = screen(&app, 160, 45);
    assert!(s.contains("STALE: cannot connect"));
    assert!(s.contains("retry in 4s"));
    insta::assert_snapshot!("list_stale_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn call_view_answered() {
    let w = world();
    for (width, height) in [(160, 45), (100, 30)] {
        let mut app = app_with(config(), &w, (width, height));
        press(&mut app, &w, key(KeyCode::Enter), at(2));
        app.update(Event::Tick(at(3)));
        let s = screen(&app, width, height);
        assert!(s.contains("Timing") && s.contains("Rating") && s.contains("SIP legs"));
        assert!(s.contains("customer-acc"));
        insta::assert_snapshot!(
            format!("call_answered_{width}x{height}"),
            draw(&app, width, height).backend()
        );
    }
}

#[test]
fn call_view_ringing() {
    let w = world();
    assert!(w.ringing_count() > 0, "the world needs a ringing call");
    let mut app = app_with(config(), &w, (160, 45));
    // Ringing calls sort last by duration.
    app.update(ch('G'));
    press(&mut app, &w, key(KeyCode::Enter), at(2));
    app.update(Event::Tick(at(3)));
    let s = screen(&app, 160, 45);
    assert!(s.contains("ringing"));
    assert!(s.contains("not set up"));
    insta::assert_snapshot!("call_ringing_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn call_view_ended() {
    let w = world();
    let mut app = app_with(config(), &w, (160, 45));
    press(&mut app, &w, key(KeyCode::Enter), at(2));
    let cmds = app.update(Event::Tick(at(3)));
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Command::PollCall { id, .. } => Some(id.clone()),
            _ => None,
        })
        .unwrap_or_default();
    app.update(Event::CallLoaded {
        id,
        result: Box::new(Err(ApiError::NotFound("Record not found".into()))),
    });
    app.update(Event::Tick(at(10)));
    let s = screen(&app, 160, 45);
    assert!(s.contains("ENDED"));
    insta::assert_snapshot!("call_ended_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn record_view_masks_secrets() {
    let w = world();
    let mut app = app_with(config(), &w, (160, 45));
    press(&mut app, &w, key(KeyCode::Enter), at(2));
    // orig-gw is the 11th relationship.
    for _ in 0..10 {
        app.update(ch('j'));
    }
    press(&mut app, &w, key(KeyCode::Enter), at(2));
    let s = screen(&app, 160, 45);
    assert!(s.contains("gateways"));
    assert!(s.contains("auth-password"));
    assert!(s.contains("••••"));
    assert!(s.contains("orig-gw"));
    insta::assert_snapshot!("record_gateway_160x45", draw(&app, 160, 45).backend());
    insta::assert_snapshot!("record_gateway_100x30", draw(&app, 100, 30).backend());
}

#[test]
fn terminate_dialog() {
    let w = world();
    let mut app = app_with(config(), &w, (160, 45));
    app.update(ch('D'));
    let s = screen(&app, 160, 45);
    assert!(s.contains("Terminate this call?"));
    assert!(s.contains("any other key"));
    insta::assert_snapshot!("terminate_dialog_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn read_only_refusal() {
    let w = world();
    let cfg = AppConfig {
        readonly: true,
        ..config()
    };
    let mut app = app_with(cfg, &w, (100, 30));
    app.update(ch('D'));
    let s = screen(&app, 100, 30);
    assert!(s.contains("read-only mode: terminate is disabled"));
    insta::assert_snapshot!("readonly_refusal_100x30", draw(&app, 100, 30).backend());
}

#[test]
fn help_overlay() {
    let w = world();
    let mut app = app_with(config(), &w, (160, 45));
    app.update(ch('?'));
    let s = screen(&app, 160, 45);
    assert!(s.contains("terminate call"));
    insta::assert_snapshot!("help_160x45", draw(&app, 160, 45).backend());
}

#[test]
fn copy_menu() {
    let w = world();
    let mut app = app_with(config(), &w, (100, 30));
    app.update(ch('Y'));
    insta::assert_snapshot!("copy_menu_100x30", draw(&app, 100, 30).backend());
}

#[test]
fn list_with_the_context_columns() {
    let w = world();
    let cfg = AppConfig {
        columns: ["duration", "customer", "to", "margin"]
            .iter()
            .filter_map(|n| yetitop::app::rows::Column::by_name(n))
            .collect(),
        ..config()
    };
    let app = app_with(cfg, &w, (100, 30));
    let screen = draw(&app, 100, 30);
    let text = format!("{}", screen.backend());
    assert!(
        !text.contains("Vendor") && !text.contains("Node "),
        "{text}"
    );
    insta::assert_snapshot!("list_context_columns_100x30", screen.backend());
}

#[test]
fn context_picker() {
    let w = world();
    let cfg = AppConfig {
        contexts: vec!["demo".into(), "lab".into(), "prod-east".into()],
        ..config()
    };
    let mut app = app_with(cfg, &w, (100, 30));
    app.update(ch('C'));
    app.update(key(KeyCode::Down));
    insta::assert_snapshot!("context_picker_100x30", draw(&app, 100, 30).backend());
}

#[test]
fn tiny_and_empty_terminals_do_not_panic() {
    let w = world();
    let mut app = app_with(config(), &w, (20, 5));
    for (width, height) in [(20, 5), (1, 1), (0, 0), (5, 20), (300, 3)] {
        draw(&app, width, height);
    }
    press(&mut app, &w, key(KeyCode::Enter), at(2));
    for (width, height) in [(20, 5), (1, 1), (0, 0), (5, 20), (300, 3)] {
        draw(&app, width, height);
    }
    app.update(ch('?'));
    draw(&app, 20, 5);
    insta::assert_snapshot!("call_20x5", draw(&app, 20, 5).backend());
    // An empty list.
    let mut empty = App::new(config(), now());
    empty.set_time_zone(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    draw(&empty, 80, 10);
    empty.start();
    empty.update(Event::ListLoaded(Box::new(Ok(ListSnapshot {
        batch: Default::default(),
        bytes: 0,
        latency: Duration::from_millis(3),
        server_date: None,
        received_at: now(),
    }))));
    assert!(screen(&empty, 80, 10).contains("no active calls"));
}
