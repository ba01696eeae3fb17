//! Behaviour of `App::update`: every test drives events in and checks state and commands out.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use super::*;
use crate::api::ListQuery;
use crate::api::types::{CallResource, RecordResource};
use crate::model::call::CallBatch;
use crate::model::{Link, build_record};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

/// A call connected `connected_ago` seconds before `t0` (ringing when `None`), linked to customer
/// `customer` (contractors), with the given tags.
fn call(id: &str, connected_ago: Option<i64>, customer: u32) -> Call {
    let start = t0() - secs(connected_ago.unwrap_or(0) + 5);
    let mut attrs = json!({
        "start-time": start.to_rfc3339(),
        "time-limit": 3600,
        "src-prefix-routing": "10317",
        "dst-prefix-routing": format!("38050{customer}0000"),
        "destination-initial-rate": "0.11",
        "destination-next-rate": "0.11",
        "destination-initial-interval": 1,
        "destination-next-interval": 1,
        "destination-fee": "0",
        "dialpeer-initial-rate": "0.005",
        "dialpeer-next-rate": "0.001",
        "dialpeer-initial-interval": 1,
        "dialpeer-next-interval": 1,
        "dialpeer-fee": "0",
        "local-tag": format!("tag-{id}"),
        "orig-call-id": format!("orig-{id}"),
        "term-call-id": format!("term-{id}"),
    });
    if let Some(ago) = connected_ago {
        attrs["connect-time"] = json!((t0() - secs(ago)).to_rfc3339());
        attrs["duration"] = json!(ago);
    }
    let res: CallResource = serde_json::from_value(json!({
        "id": id,
        "type": "active-calls",
        "attributes": attrs,
        "relationships": {
            "customer": {"data": {"type": "contractors", "id": customer.to_string()}},
            "vendor": {"data": {"type": "contractors", "id": "900"}},
            "orig-gw": {"data": {"type": "gateways", "id": "70"}},
            "node": {"data": {"type": "nodes", "id": "1"}},
        }
    }))
    .unwrap();
    Call::from_resource(&res)
}

fn record(kind: &str, id: &str, attrs: Value) -> Record {
    let res: RecordResource =
        serde_json::from_value(json!({"type": kind, "id": id, "attributes": attrs})).unwrap();
    build_record(res)
}

fn names() -> Vec<Record> {
    vec![
        record("contractors", "5", json!({"name": "Kyivstar"})),
        record("contractors", "6", json!({"name": "Lifecell"})),
        record("contractors", "7", json!({"name": "Vodafone"})),
        record("contractors", "900", json!({"name": "Carrier"})),
    ]
}

fn loaded(calls: Vec<Call>, at: DateTime<Utc>) -> Event {
    Event::ListLoaded(Box::new(Ok(ListSnapshot {
        batch: CallBatch {
            calls,
            records: names(),
        },
        bytes: 1234,
        latency: Duration::from_millis(142),
        server_date: Some(at),
        received_at: at,
    })))
}

/// A poll due at `at`: the tick starts it, the snapshot answers it.
fn reload(a: &mut App, calls: Vec<Call>, at: DateTime<Utc>) {
    let cmds = a.update(Event::Tick(at));
    assert_eq!(polls(&cmds), 1, "no poll due at {at}");
    a.update(loaded(calls, at));
}

fn failed(e: ApiError) -> Event {
    Event::ListLoaded(Box::new(Err(e)))
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn app() -> App {
    let mut a = App::new(AppConfig::default(), t0());
    a.set_time_zone(chrono::FixedOffset::east_opt(0).unwrap());
    a
}

fn polls(cmds: &[Command]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Command::PollList(_)))
        .count()
}

/// An app whose first poll answered with calls a (100 s), b (50 s), c (10 s) at t0.
fn with_calls() -> App {
    let mut a = app();
    assert_eq!(polls(&a.start()), 1);
    a.update(loaded(
        vec![
            call("1*a", Some(100), 5),
            call("1*b", Some(50), 6),
            call("1*c", Some(10), 7),
        ],
        t0(),
    ));
    a
}

fn shown_ids(a: &App) -> Vec<String> {
    let l = a.active_list();
    l.index
        .iter()
        .map(|i| l.entries[*i].call.id.to_string())
        .collect()
}

fn selected(a: &App) -> Option<String> {
    a.active_list().selected.as_ref().map(|s| s.to_string())
}

#[test]
fn start_polls_the_sparse_list_once() {
    let mut a = app();
    let cmds = a.start();
    assert_eq!(cmds, vec![Command::PollList(poll::list_query(None))]);
    // In flight: neither a tick nor Ctrl-R emits another.
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(10)))), 0);
    assert_eq!(polls(&a.update(ctrl('r'))), 0);
}

#[test]
fn selection_stays_on_the_same_call_across_refreshes() {
    let mut a = with_calls();
    assert_eq!(shown_ids(&a), ["1*a", "1*b", "1*c"]);
    a.update(ch('j'));
    assert_eq!(selected(&a).as_deref(), Some("1*b"));
    // A longer call arrives on top: the selection follows 1*b, not the row number.
    reload(
        &mut a,
        vec![
            call("1*z", Some(500), 5),
            call("1*a", Some(105), 5),
            call("1*b", Some(55), 6),
            call("1*c", Some(15), 7),
        ],
        t0() + secs(5),
    );
    assert_eq!(shown_ids(&a), ["1*z", "1*a", "1*b", "1*c"]);
    assert_eq!(selected(&a).as_deref(), Some("1*b"));
    assert_eq!(a.active_list().sel, 2);
    // And when coming back from the call view.
    a.update(key(KeyCode::Enter));
    assert!(a.top_call_view().is_some());
    a.update(key(KeyCode::Esc));
    assert_eq!(selected(&a).as_deref(), Some("1*b"));
}

#[test]
fn ended_calls_stay_five_seconds_then_go() {
    let mut a = with_calls();
    a.update(ch('j'));
    reload(
        &mut a,
        vec![call("1*a", Some(105), 5), call("1*c", Some(15), 7)],
        t0() + secs(5),
    );
    let l = a.active_list();
    let b = l.get("1*b").unwrap();
    assert!(b.ended_at.is_some());
    assert_eq!(l.live(), 2);
    assert_eq!(l.totals.answered, 2);
    // Its clock stopped.
    let frozen = b.shown(a.clock.server_now());
    a.update(Event::Tick(t0() + secs(9)));
    let l = a.active_list();
    assert_eq!(l.get("1*b").unwrap().shown(a.clock.server_now()), frozen);
    assert_eq!(selected(&a).as_deref(), Some("1*b"));
    a.update(Event::Tick(t0() + secs(10)));
    assert!(a.active_list().get("1*b").is_none());
    assert_eq!(shown_ids(&a), ["1*a", "1*c"]);
    // The selection moved to the row where it was.
    assert_eq!(selected(&a).as_deref(), Some("1*c"));
}

#[test]
fn the_filter_narrows_as_you_type_over_ids_tags_call_ids_and_columns() {
    let mut a = with_calls();
    a.update(ch('/'));
    assert_eq!(a.mode, Mode::Filter);
    for c in "tag-1*".chars() {
        a.update(ch(c));
    }
    assert_eq!(shown_ids(&a).len(), 3);
    a.update(ch('b'));
    assert_eq!(shown_ids(&a), ["1*b"]);
    // q is text while typing, not quit.
    a.update(ch('q'));
    assert!(!a.should_quit());
    assert!(shown_ids(&a).is_empty());
    a.update(key(KeyCode::Backspace));
    a.update(key(KeyCode::Enter));
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(shown_ids(&a), ["1*b"]);
    let filter = |a: &mut App, text: &str| {
        a.update(key(KeyCode::Esc));
        a.update(ch('/'));
        for c in text.chars() {
            a.update(ch(c));
        }
        a.update(key(KeyCode::Enter));
        shown_ids(a)
    };
    assert_eq!(filter(&mut a, "ORIG-1*C"), ["1*c"]);
    assert_eq!(filter(&mut a, "term-1*a"), ["1*a"]);
    assert_eq!(filter(&mut a, "1*a"), ["1*a"]);
    // Columns: customer name, destination number.
    assert_eq!(filter(&mut a, "lifecell"), ["1*b"]);
    assert_eq!(filter(&mut a, "3805070000"), ["1*c"]);
    // The filter survives refreshes; Esc at the list clears it.
    reload(
        &mut a,
        vec![
            call("1*a", Some(105), 5),
            call("1*c", Some(15), 7),
            call("1*d", Some(1), 6),
        ],
        t0() + secs(5),
    );
    assert_eq!(shown_ids(&a), ["1*c"]);
    a.update(key(KeyCode::Esc));
    assert!(a.active_list().filter.is_empty());
    assert_eq!(shown_ids(&a).len(), 4);
    assert!(!a.should_quit());
}

#[test]
fn sort_by_column_and_reverse() {
    let mut a = with_calls();
    assert_eq!(a.active_list().sort, rows::Column::Duration);
    assert!(a.active_list().descending);
    a.update(ch('S'));
    assert_eq!(shown_ids(&a), ["1*c", "1*b", "1*a"]);
    // s: the next column, Customer (A→Z).
    a.update(ch('s'));
    assert_eq!(a.active_list().sort, rows::Column::Customer);
    assert_eq!(shown_ids(&a), ["1*a", "1*b", "1*c"]); // Kyivstar, Lifecell, Vodafone
    a.update(ch('S'));
    assert_eq!(shown_ids(&a), ["1*c", "1*b", "1*a"]);
    // Every column can be the sort column and the cycle comes back.
    for _ in 0..12 {
        a.update(ch('s'));
    }
    assert_eq!(a.active_list().sort, rows::Column::Duration);
}

#[test]
fn pause_blocks_polls_and_ctrl_r_polls_now() {
    let mut a = with_calls();
    a.update(ch('p'));
    assert!(a.paused);
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(30)))), 0);
    // Ctrl-R is an explicit request: one poll, even while paused.
    assert_eq!(polls(&a.update(ctrl('r'))), 1);
    assert_eq!(polls(&a.update(ctrl('r'))), 0, "never two in flight");
    // The queued Ctrl-R runs as soon as the first finished...
    let cmds = a.update(loaded(vec![], t0() + secs(31)));
    assert_eq!(polls(&cmds), 1);
    a.update(loaded(vec![], t0() + secs(32)));
    // ...and then paused again.
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(60)))), 0);
    // Resuming polls at once when one is due.
    assert_eq!(polls(&a.update(ch('p'))), 1);
    assert!(!a.paused);
}

#[test]
fn ctrl_r_while_in_flight_polls_right_after() {
    let mut a = app();
    a.start();
    assert_eq!(polls(&a.update(ctrl('r'))), 0);
    let cmds = a.update(loaded(vec![], t0() + secs(1)));
    assert_eq!(
        polls(&cmds),
        1,
        "the queued refresh starts when the poll in flight finished"
    );
}

#[test]
fn the_next_poll_is_scheduled_an_interval_after_the_last_finished() {
    let mut a = app();
    a.start();
    // The poll took 3 s.
    a.update(Event::Tick(t0() + secs(3)));
    a.update(loaded(vec![], t0() + secs(3)));
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(5)))), 0);
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(7)))), 0);
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(8)))), 1);
    assert_eq!(polls(&a.update(Event::Tick(t0() + secs(20)))), 0);
}

#[test]
fn backoff_grows_is_capped_and_success_clears_the_mark() {
    let mut a = app();
    a.start();
    let mut now = t0();
    let mut waits = Vec::new();
    for _ in 0..8 {
        a.update(Event::Tick(now));
        a.update(failed(ApiError::Connect("connection refused".into())));
        let list = a.active_list();
        assert_eq!(
            list.poll.error.as_deref(),
            Some("cannot connect: connection refused")
        );
        let next = list.poll.next_at.unwrap();
        waits.push((next - now).num_milliseconds());
        // Not before it is due.
        assert_eq!(polls(&a.update(Event::Tick(next - secs(1)))), 0);
        now = next;
        assert_eq!(polls(&a.update(Event::Tick(now))), 1);
    }
    assert!(waits[0] >= 4500 && waits[0] <= 5000, "{waits:?}");
    assert!(
        waits[1] > waits[0] && waits[2] > waits[1] && waits[3] > waits[2],
        "{waits:?}"
    );
    assert!(waits.iter().all(|w| *w <= 60_000), "{waits:?}");
    assert!(waits[7] >= 54_000, "{waits:?}");
    // Old data stay while failing; the first good poll clears the mark.
    a.update(loaded(vec![call("1*a", Some(1), 5)], now));
    let list = a.active_list();
    assert!(list.poll.error.is_none());
    assert_eq!(list.poll.failures, 0);
    assert_eq!(list.poll.next_at, Some(now + secs(5)));
}

#[test]
fn failing_polls_keep_the_last_good_data() {
    let mut a = with_calls();
    a.update(Event::Tick(t0() + secs(5)));
    a.update(failed(ApiError::Timeout("after 30 s".into())));
    assert_eq!(shown_ids(&a).len(), 3);
    assert!(a.active_list().get("1*a").unwrap().ended_at.is_none());
}

fn full_snapshot(c: Call, at: DateTime<Utc>) -> Event {
    Event::CallLoaded {
        id: c.id.to_string(),
        result: Box::new(Ok(CallSnapshot {
            call: c,
            records: vec![
                record(
                    "contractors",
                    "5",
                    json!({"name": "Kyivstar", "enabled": true}),
                ),
                record(
                    "gateways",
                    "70",
                    json!({"name": "GW one", "auth-password": "hunter2", "host": "10.0.0.1"}),
                ),
            ],
            server_date: Some(at),
            received_at: at,
        })),
    }
}

fn bare_snapshot(mut c: Call, at: DateTime<Utc>) -> Event {
    c.links = Default::default();
    Event::CallLoaded {
        id: c.id.to_string(),
        result: Box::new(Ok(CallSnapshot {
            call: c,
            records: vec![],
            server_date: Some(at),
            received_at: at,
        })),
    }
}

fn call_polls(cmds: &[Command]) -> Vec<(String, usize)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::PollCall { id, include } => Some((id.clone(), include.len())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_call_view_polls_once_with_all_includes_then_without() {
    let mut a = with_calls();
    let cmds = a.update(key(KeyCode::Enter));
    let Some(Command::PollCall { id, include }) =
        cmds.iter().find(|c| matches!(c, Command::PollCall { .. }))
    else {
        panic!("no PollCall in {cmds:?}");
    };
    assert_eq!(id, "1*a");
    let names: Vec<&str> = CALL_RELATIONSHIPS.iter().map(|(n, _)| *n).collect();
    assert_eq!(include, &names);
    // In flight: no second poll.
    assert!(call_polls(&a.update(Event::Tick(t0() + secs(2)))).is_empty());
    a.update(full_snapshot(call("1*a", Some(102), 5), t0() + secs(2)));
    assert!(call_polls(&a.update(Event::Tick(t0() + secs(2)))).is_empty());
    assert_eq!(
        call_polls(&a.update(Event::Tick(t0() + secs(3)))),
        [("1*a".to_owned(), 0)]
    );
    // The bare poll keeps the links of the full one.
    a.update(bare_snapshot(call("1*a", Some(103), 5), t0() + secs(3)));
    let v = a.top_call_view().unwrap();
    assert_eq!(v.links[0], Link::Id(5));
    assert_eq!(v.call.as_ref().unwrap().links[0], Link::Id(5));
    assert_eq!(a.lookup().rel_name(&v.links, 0), Some("Kyivstar"));
    assert_eq!(
        call_polls(&a.update(Event::Tick(t0() + secs(4)))),
        [("1*a".to_owned(), 0)]
    );
    // Leaving the view stops the polls.
    a.update(bare_snapshot(call("1*a", Some(104), 5), t0() + secs(4)));
    a.update(key(KeyCode::Esc));
    assert!(call_polls(&a.update(Event::Tick(t0() + secs(9)))).is_empty());
}

#[test]
fn not_found_means_ended_and_the_clock_stops() {
    let mut a = with_calls();
    a.update(key(KeyCode::Enter));
    a.update(full_snapshot(call("1*a", Some(101), 5), t0() + secs(1)));
    a.update(Event::Tick(t0() + secs(2)));
    a.update(Event::CallLoaded {
        id: "1*a".into(),
        result: Box::new(Err(ApiError::NotFound("gone".into()))),
    });
    let v = a.top_call_view().unwrap();
    let e = v.ended.as_ref().unwrap();
    assert_eq!(e.last_seen, Some(t0() + secs(1)));
    let d = a.call_view_shown(v);
    assert_eq!(d, Shown::Answered(103));
    // No more polls, the clock stays.
    let cmds = a.update(Event::Tick(t0() + secs(30)));
    assert!(call_polls(&cmds).is_empty());
    assert_eq!(a.call_view_shown(a.top_call_view().unwrap()), d);
    // The list dropped it (as an ended tombstone, then gone).
    let l = &a.list;
    assert!(l.get("1*a").is_none_or(|e| e.ended_at.is_some()));
}

#[test]
fn a_transient_call_poll_error_keeps_values_and_marks_stale() {
    let mut a = with_calls();
    a.update(key(KeyCode::Enter));
    a.update(full_snapshot(call("1*a", Some(101), 5), t0() + secs(1)));
    a.update(Event::Tick(t0() + secs(2)));
    a.update(Event::CallLoaded {
        id: "1*a".into(),
        result: Box::new(Err(ApiError::Server {
            status: 502,
            message: "Bad Gateway".into(),
        })),
    });
    let v = a.top_call_view().unwrap();
    assert!(v.ended.is_none());
    assert_eq!(v.error.as_deref(), Some("server error 502: Bad Gateway"));
    assert!(v.call.is_some());
    // It retries, and a good answer clears the mark.
    assert_eq!(call_polls(&a.update(Event::Tick(t0() + secs(3)))).len(), 1);
    a.update(bare_snapshot(call("1*a", Some(103), 5), t0() + secs(3)));
    assert!(a.top_call_view().unwrap().error.is_none());
}

#[test]
fn durations_never_go_back_when_the_clock_offset_changes() {
    let mut a = app();
    a.start();
    // The server's clock is 10 s ahead.
    let ev = Event::ListLoaded(Box::new(Ok(ListSnapshot {
        batch: CallBatch {
            calls: vec![call("1*a", Some(100), 5)],
            records: vec![],
        },
        bytes: 1,
        latency: Duration::from_millis(5),
        server_date: Some(t0() + secs(10)),
        received_at: t0(),
    })));
    a.update(ev);
    let shown = |a: &App| {
        a.list
            .get("1*a")
            .unwrap()
            .shown(a.clock.server_now())
            .duration()
            .unwrap()
    };
    let first = shown(&a);
    assert_eq!(first, 110);
    let mut last = first;
    // Now it says it is 10 s behind (and reports a duration consistent with that).
    for (i, off) in [(5, -10), (6, -10), (10, 0), (11, 3)] {
        let ev = Event::ListLoaded(Box::new(Ok(ListSnapshot {
            batch: CallBatch {
                calls: vec![call("1*a", Some(100), 5)],
                records: vec![],
            },
            bytes: 1,
            latency: Duration::from_millis(5),
            server_date: Some(t0() + secs(i + off)),
            received_at: t0() + secs(i),
        })));
        a.update(Event::Tick(t0() + secs(i)));
        let d = shown(&a);
        assert!(d >= last, "tick {i}: {d} < {last}");
        last = d;
        a.update(ev);
        let d = shown(&a);
        assert!(d >= last, "poll {i}: {d} < {last}");
        last = d;
        for s in 0..3 {
            a.update(Event::Tick(
                t0() + secs(i) + TimeDelta::milliseconds(300 * s),
            ));
            let d = shown(&a);
            assert!(d >= last, "tick {i}.{s}: {d} < {last}");
            last = d;
        }
    }
    // It keeps counting once the local clock passes the old estimate.
    a.update(Event::Tick(t0() + secs(40)));
    assert!(shown(&a) > last);
}

#[test]
fn read_only_refuses_to_terminate() {
    let cfg = AppConfig {
        readonly: true,
        ..AppConfig::default()
    };
    let mut a = App::new(cfg, t0());
    a.start();
    a.update(loaded(vec![call("1*a", Some(100), 5)], t0()));
    let cmds = a.update(ch('D'));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Terminate { .. })));
    assert_eq!(a.mode, Mode::Normal);
    let s = a.status.as_ref().unwrap();
    assert!(s.text.contains("read-only"), "{}", s.text);
    assert_eq!(s.text, "read-only mode: terminate is disabled");
    // Also y in what would be a dialog copies instead (no dialog is open).
    let cmds = a.update(ch('y'));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Terminate { .. })));
}

#[test]
fn d_then_y_terminates_and_anything_else_cancels() {
    let mut a = with_calls();
    a.update(ch('D'));
    let Mode::Confirm(c) = &a.mode else {
        panic!("no dialog: {:?}", a.mode);
    };
    assert_eq!(&*c.id, "1*a");
    assert_eq!(c.customer, "Kyivstar");
    assert_eq!(c.number, "3805050000");
    assert_eq!(c.duration, "00:01:40");
    let cmds = a.update(ch('n'));
    assert!(cmds.is_empty() || !cmds.iter().any(|c| matches!(c, Command::Terminate { .. })));
    assert_eq!(a.mode, Mode::Normal);
    // Esc cancels too, and does not leave the list nor quit.
    a.update(ch('D'));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.mode, Mode::Normal);
    assert!(!a.should_quit());
    // From the call view.
    a.update(key(KeyCode::Enter));
    a.update(ch('D'));
    let cmds = a.update(ch('y'));
    assert!(cmds.contains(&Command::Terminate { id: "1*a".into() }));
    assert_eq!(a.mode, Mode::Normal);
    a.update(Event::Terminated {
        id: "1*a".into(),
        result: Ok(true),
    });
    assert_eq!(a.status.as_ref().unwrap().text, "terminated 1*a");
    a.update(Event::Terminated {
        id: "1*a".into(),
        result: Ok(false),
    });
    assert!(a.status.as_ref().unwrap().text.starts_with("already ended"));
    a.update(Event::Terminated {
        id: "1*a".into(),
        result: Err(ApiError::Rejected {
            status: 422,
            title: "x".into(),
            detail: "cannot".into(),
        }),
    });
    let s = a.status.as_ref().unwrap();
    assert!(s.error && s.text.contains("422 x: cannot"), "{}", s.text);
}

/// Opens the call view on 1*a, loads it fully and opens its customer record.
fn in_record_view(a: &mut App) -> Vec<Command> {
    a.update(key(KeyCode::Enter));
    a.update(full_snapshot(call("1*a", Some(101), 5), t0() + secs(1)));
    a.update(key(KeyCode::Enter))
}

#[test]
fn esc_never_quits_and_q_quits_only_from_the_list() {
    let mut a = with_calls();
    in_record_view(&mut a);
    assert!(matches!(a.views.last(), Some(View::Record(_))));
    a.update(ch('q'));
    assert!(!a.should_quit());
    assert!(a.top_call_view().is_some());
    a.update(key(KeyCode::Esc));
    assert!(a.views.is_empty());
    for _ in 0..3 {
        a.update(key(KeyCode::Esc));
        assert!(!a.should_quit());
    }
    a.update(ch('?'));
    a.update(ch('q'));
    assert!(!a.should_quit(), "q closes the help");
    a.update(ch('q'));
    assert!(a.should_quit());
    let mut b = with_calls();
    b.update(key(KeyCode::Enter));
    let cmds = b.update(ctrl('c'));
    assert!(b.should_quit());
    assert!(cmds.contains(&Command::Quit));
}

#[test]
fn drill_down_uses_the_cache_and_fetches_what_is_missing() {
    let mut a = with_calls();
    let cmds = in_record_view(&mut a);
    // The customer came with the full poll: no fetch.
    assert!(!cmds.iter().any(|c| matches!(c, Command::FetchRecord(_))));
    assert_eq!(a.crumbs(), ["calls", "1*a", "customer", "Kyivstar"]);
    a.update(key(KeyCode::Esc));
    // vendor (900) is only known by name from the list: fetch it, show loading, then the record.
    a.update(ch('j'));
    let cmds = a.update(key(KeyCode::Enter));
    let key900 = RecordKey::new("contractors", "900");
    assert!(cmds.contains(&Command::FetchRecord(key900.clone())));
    let Some(View::Record(r)) = a.views.last() else {
        panic!()
    };
    assert!(r.loading);
    a.update(Event::RecordLoaded {
        key: key900.clone(),
        result: Box::new(Err(ApiError::Timeout("10 s".into()))),
    });
    let Some(View::Record(r)) = a.views.last() else {
        panic!()
    };
    assert!(!r.loading);
    assert_eq!(r.error.as_deref(), Some("timed out: 10 s"));
}

fn list_filters(cmds: &[Command]) -> Vec<ListQuery> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::PollList(q) => Some(q.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn c_in_a_record_view_polls_a_scoped_list() {
    let mut a = with_calls();
    in_record_view(&mut a);
    let cmds = a.update(ch('c'));
    let qs = list_filters(&cmds);
    assert_eq!(qs.len(), 1, "{cmds:?}");
    assert_eq!(
        qs[0].filters,
        vec![CallFilter::new(FilterField::CustomerIdEq, 5)]
    );
    assert!(qs[0].include.iter().any(|i| i == "customer"));
    assert_eq!(
        a.crumbs().last().map(String::as_str),
        Some("calls of customer Kyivstar")
    );
    // yeti may ignore the filter: the list checks the linkage itself.
    a.update(Event::Tick(t0() + secs(5)));
    a.update(loaded(
        vec![
            call("1*a", Some(105), 5),
            call("1*b", Some(55), 6),
            call("1*x", Some(5), 5),
        ],
        t0() + secs(5),
    ));
    assert_eq!(shown_ids(&a), ["1*a", "1*x"]);
    // The home list is untouched by the scoped poll.
    assert_eq!(a.list.entries.len(), 3);
    assert!(a.list.get("1*x").is_none());
    // Back out: the home list polls again when due.
    let qs = list_filters(&a.update(key(KeyCode::Esc)));
    assert_eq!(qs.len(), 1);
    assert!(qs[0].filters.is_empty());
}

#[test]
fn c_on_a_deeper_record_picks_the_call_relationship_by_type() {
    let mut a = with_calls();
    a.update(key(KeyCode::Enter));
    a.update(full_snapshot(call("1*a", Some(101), 5), t0() + secs(1)));
    // A gateway reached from a contractor's relationships, not from the call.
    let key = RecordKey::new("gateways", "70");
    let mut out = Vec::new();
    a.push_record(key, "gateways", None, &mut out);
    let qs = list_filters(&a.update(ch('c')));
    assert_eq!(qs.len(), 1);
    assert_eq!(
        qs[0].filters,
        vec![CallFilter::new(FilterField::OrigGwIdEq, 70)]
    );
}

#[test]
fn copy_export_and_mouse() {
    let mut a = with_calls();
    let cmds = a.update(ch('y'));
    assert_eq!(
        cmds,
        vec![Command::Copy {
            what: "call id".into(),
            text: "1*a".into()
        }]
    );
    a.update(ch('Y'));
    assert_eq!(a.mode, Mode::CopyMenu(0));
    a.update(ch('j'));
    let cmds = a.update(key(KeyCode::Enter));
    assert_eq!(
        cmds,
        vec![Command::Copy {
            what: "term call-id".into(),
            text: "term-1*a".into()
        }]
    );
    let cmds = a.update(ch('e'));
    let Some(Command::Export {
        file_name,
        contents,
    }) = cmds.first()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(file_name, "yetitop-calls-20261203-120000.json");
    let v: Value = serde_json::from_str(contents).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(3));
    // The same object as `calls list -o json`: relationships as {id, name} under their names.
    assert_eq!(v[0]["customer"]["name"], "Kyivstar");
    assert_eq!(v[0]["customer"]["id"], "5");
    assert_eq!(a.update(ch('m')), vec![Command::SetMouseCapture(true)]);
    assert_eq!(a.update(ch('m')), vec![Command::SetMouseCapture(false)]);
    a.update(Event::Notice(Ok("copied call id".into())));
    assert_eq!(a.status.as_ref().unwrap().text, "copied call id");
}

#[test]
fn mouse_clicks_select_rows() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut a = with_calls();
    a.update(Event::Resize(160, 45));
    a.update(ch('m'));
    let s = views::screen(Rect::new(0, 0, 160, 45), true);
    a.update(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row: s.body.y + 3,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected(&a).as_deref(), Some("1*c"));
}

#[test]
fn odd_data_does_not_panic() {
    let mut a = app();
    a.start();
    // Nothing loaded: every key in every view.
    for c in [
        'j', 'k', 'g', 'G', 's', 'S', 'D', 'y', 'Y', 'e', 'c', 'p', '/', 'x',
    ] {
        a.update(ch(c));
        a.update(key(KeyCode::Esc));
    }
    for k in [
        KeyCode::Enter,
        KeyCode::PageDown,
        KeyCode::PageUp,
        KeyCode::Home,
        KeyCode::End,
    ] {
        a.update(key(k));
    }
    // A call with nothing in it and huge numbers.
    let res: CallResource = serde_json::from_value(json!({
        "id": "x", "type": "active-calls",
        "attributes": {"duration": i64::MAX, "time-limit": i64::MIN, "connect-time": "2026-12-03T11:00:00Z"}
    }))
    .unwrap();
    a.update(loaded(vec![Call::from_resource(&res)], t0()));
    a.update(Event::Resize(0, 0));
    a.update(key(KeyCode::Enter));
    a.update(ch('D'));
    a.update(ch('n'));
    assert!(!a.should_quit());
}

#[test]
fn take_dirty_reports_changes_once() {
    let mut a = app();
    assert!(a.take_dirty());
    assert!(!a.take_dirty());
    a.update(Event::Tick(t0() + secs(1)));
    assert!(a.take_dirty());
    assert!(!a.take_dirty());
    a.update(ch('j'));
    assert!(a.take_dirty());
}

#[test]
fn c_opens_the_context_picker_and_enter_switches() {
    let mut a = App::new(
        AppConfig {
            context: "lab".into(),
            contexts: vec!["lab".into(), "prod".into(), "east".into()],
            ..AppConfig::default()
        },
        t0(),
    );
    a.update(ch('C'));
    // The cursor starts on the current context.
    assert_eq!(a.mode, Mode::ContextPicker(0));
    a.update(key(KeyCode::Down));
    assert_eq!(a.mode, Mode::ContextPicker(1));
    let out = a.update(key(KeyCode::Enter));
    assert_eq!(out, vec![Command::SwitchContext("prod".into())]);
    assert_eq!(a.mode, Mode::Normal);
    // Picking the current context does nothing; Esc cancels.
    a.update(ch('C'));
    assert!(a.update(key(KeyCode::Enter)).is_empty());
    a.update(ch('C'));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.mode, Mode::Normal);
    assert!(!a.should_quit());
}

#[test]
fn c_without_contexts_says_so() {
    let mut a = app();
    a.update(ch('C'));
    assert_eq!(a.mode, Mode::Normal);
    let s = a.status.clone().expect("a status line");
    assert!(s.text.contains("no contexts"), "{}", s.text);
}
