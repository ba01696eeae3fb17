//! JSON of calls for the clipboard and for export files.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value, json};

use crate::api::types::{CALL_RELATIONSHIPS, format_yeti_time};
use crate::app::rows::{Lookup, Shown, money};
use crate::model::Call;

/// One call as a JSON object: its id, attributes (as the model has them), shown duration, rating and the
/// relationships with ids and names.
pub fn call_json(
    call: &Call,
    links: &[crate::model::Link; 18],
    lk: &Lookup<'_>,
    shown: Shown,
) -> Value {
    let t = |v: &Option<crate::model::Text>| {
        v.as_deref()
            .map_or(Value::Null, |s| Value::String(s.to_owned()))
    };
    let time = |v: &Option<chrono::DateTime<chrono::Utc>>| {
        v.as_ref()
            .map_or(Value::Null, |t| Value::String(format_yeti_time(t)))
    };
    let ep = |e: &crate::model::Endpoint| {
        if e.is_set() {
            Value::String(e.to_string())
        } else {
            Value::Null
        }
    };
    let rating = call.rating(shown.duration());
    let mut rels = Map::new();
    for (i, (name, kind)) in CALL_RELATIONSHIPS.iter().enumerate() {
        let v = match links[i] {
            crate::model::Link::Unknown => continue,
            crate::model::Link::Empty => Value::Null,
            crate::model::Link::Id(id) => json!({
                "type": kind,
                "id": id.to_string(),
                "name": lk.rel_name(links, i),
            }),
        };
        rels.insert((*name).to_owned(), v);
    }
    let tariff = |t: &crate::rating::Tariff| {
        json!({
            "initial-rate": t.initial_rate.to_string(),
            "next-rate": t.next_rate.to_string(),
            "initial-interval": t.initial_interval,
            "next-interval": t.next_interval,
            "fee": t.fee.to_string(),
        })
    };
    json!({
        "id": &*call.id,
        "start-time": time(&call.start_time),
        "connect-time": time(&call.connect_time),
        "duration": shown.duration(),
        "time-limit": call.time_limit,
        "src-prefix-in": t(&call.src_prefix_in),
        "src-prefix-routing": t(&call.src_prefix_routing),
        "src-prefix-out": t(&call.src_prefix_out),
        "dst-prefix-in": t(&call.dst_prefix_in),
        "dst-prefix-routing": t(&call.dst_prefix_routing),
        "dst-prefix-out": t(&call.dst_prefix_out),
        "lrn": t(&call.lrn),
        "diversion-in": t(&call.diversion_in),
        "diversion-out": t(&call.diversion_out),
        "customer-tariff": tariff(&call.customer),
        "vendor-tariff": tariff(&call.vendor),
        "rate-policy-id": call.rate_policy_id,
        "price": money(rating.price.amount),
        "cost": money(rating.cost.amount),
        "margin": money(rating.margin),
        "leg-a-remote": ep(&call.leg_a_remote),
        "leg-a-local": ep(&call.leg_a_local),
        "leg-b-local": ep(&call.leg_b_local),
        "leg-b-remote": ep(&call.leg_b_remote),
        "orig-call-id": t(&call.orig_call_id),
        "term-call-id": t(&call.term_call_id),
        "local-tag": t(&call.local_tag),
        "relationships": Value::Object(rels),
    })
}

/// `yetitop-calls-YYYYMMDD-HHMMSS.json` (or `yetitop-call-...` for one call), in the display time zone.
pub fn file_name(prefix: &str, at: DateTime<FixedOffset>) -> String {
    format!("{prefix}-{}.json", at.format("%Y%m%d-%H%M%S"))
}

/// Pretty JSON text; never fails (falls back to the compact form).
pub fn to_text(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}
