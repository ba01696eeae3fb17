//! Answering the app's commands from a frozen simulator world, the way the runtime answers them from a
//! switch: shared by the screen snapshots (`tests/snapshots.rs`) and the benches (`benches/common`).

use std::time::Duration;

use chrono::{DateTime, Utc};

use yetitop::api::ApiError;
use yetitop::app::list::CallList;
use yetitop::app::{App, CallSnapshot, Command, Event, ListSnapshot};
use yetitop::model::{build_call, build_calls};
use yetitop::sim::ListQuery as SimQuery;
use yetitop::sim::world::World;

/// The base URL the world's documents link to (nothing reads the links).
const SIM_BASE: &str = "http://yeti.example";

/// The simulator's query for the pairs of ours.
pub fn sim_query(pairs: &[(String, String)]) -> SimQuery {
    let raw = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    SimQuery::parse(SIM_BASE, &raw).unwrap_or_else(|e| panic!("sim refused {raw}: {e:?}"))
}

/// Answers every command the way the runtime would, from the frozen world at `t`: list polls (built and
/// sorted by id as the runtime's model builder does), call polls (`NotFound` for a call the world no longer
/// has), and what those answers ask for in turn. A poll reports 142 ms and 1.2 MB.
pub fn answer(app: &mut App, w: &World, cmds: Vec<Command>, t: DateTime<Utc>) {
    for cmd in cmds {
        let ev = match cmd {
            Command::PollList(q) => {
                let doc = w.list_document(t, &sim_query(&q.to_pairs()));
                let mut batch = build_calls(doc);
                CallList::prepare(&mut batch.calls);
                Event::ListLoaded(Box::new(Ok(ListSnapshot {
                    batch,
                    bytes: 1_234_567,
                    latency: Duration::from_millis(142),
                    server_date: Some(t),
                    received_at: t,
                })))
            }
            Command::PollCall { id, include } => {
                let pairs = if include.is_empty() {
                    vec![]
                } else {
                    vec![("include".to_owned(), include.join(","))]
                };
                let result = match w.show_document(t, &id, &sim_query(&pairs)) {
                    Some(doc) => {
                        let (call, records) = build_call(doc);
                        Ok(CallSnapshot {
                            call,
                            records,
                            server_date: Some(t),
                            received_at: t,
                        })
                    }
                    None => Err(ApiError::NotFound("Record not found".into())),
                };
                Event::CallLoaded {
                    id,
                    result: Box::new(result),
                }
            }
            _ => continue,
        };
        let more = app.update(ev);
        answer(app, w, more, t);
    }
}
