//! Helpers shared by the benches: a frozen simulator world, the exact bytes it serves, and an app loaded
//! with its calls, driven the way the runtime drives it.
#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use yetitop::app::{App, AppConfig, Event};
use yetitop::sim::world::World;
use yetitop::sim::{ListQuery as SimQuery, SimConfig};

#[path = "../../tests/common/sim_world.rs"]
mod sim_world;

pub use sim_world::{answer, sim_query};

pub const BASE: &str = "http://127.0.0.1:8080";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A frozen world of `calls` calls on 3 nodes.
pub fn world(calls: usize) -> World {
    let cfg = SimConfig {
        calls,
        nodes: 3,
        seed: 1,
        churn: false,
        ..SimConfig::default()
    };
    World::generate(&cfg, now())
}

/// What yeti sends to a bare `GET /active-calls`: every attribute, every relationship link.
pub fn full_query() -> SimQuery {
    SimQuery::new(BASE)
}

/// yetitop's own list poll: sparse fieldsets + includes.
pub fn sparse_query() -> SimQuery {
    sim_query(&yetitop::app::poll::list_query(None).to_pairs())
}

pub fn config() -> AppConfig {
    AppConfig {
        context: "bench".into(),
        url: BASE.into(),
        readonly: false,
        interval: Duration::from_secs(5),
        insecure: false,
        ..AppConfig::default()
    }
}

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// An app at `size` whose first list poll brought every call of `w`.
pub fn loaded_app(w: &World, size: (u16, u16)) -> App {
    let mut app = App::new(config(), now());
    app.set_time_zone(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    app.set_no_color(false);
    let mut cmds = app.start();
    cmds.extend(app.update(Event::Resize(size.0, size.1)));
    answer(&mut app, w, cmds, now());
    app
}
