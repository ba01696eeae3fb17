//! A call as one JSON object, the same for every output: `calls list -o json|ndjson`, `calls show -o json`,
//! the monitor's `e` export and its `Y` "call as JSON". Built from the sanitized model, so it carries no
//! control character that came from the API.

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::api::types::{CALL_RELATIONSHIPS, format_yeti_time};
use crate::model::{Call, Endpoint, Link};

/// The JSON object of a call: `id`, every attribute under its API name, the relationships of `links` as
/// `{id, name}` (`null` when empty, absent when unknown), and the computed `customer-price`, `vendor-cost`
/// and `margin` at `duration` (which is also the `duration` shown). `name(i)` names the record of
/// relationship `i` (in `CALL_RELATIONSHIPS` order), when known.
pub fn call_json(
    call: &Call,
    links: &[Link; 18],
    duration: Option<i64>,
    name: impl Fn(usize) -> Option<String>,
) -> Value {
    let ip = |e: &Endpoint| opt_text(&e.ip);
    let port = |e: &Endpoint| json!(e.port.unwrap_or(0));
    let mut m = Map::new();
    m.insert("id".into(), json!(&*call.id));
    let t = |v: Option<chrono::DateTime<Utc>>| {
        v.map(|t| json!(format_yeti_time(&t)))
            .unwrap_or(Value::Null)
    };
    let a: [(&str, Value); 35] = [
        ("start-time", t(call.start_time)),
        ("connect-time", t(call.connect_time)),
        ("duration", json!(duration)),
        ("time-limit", json!(call.time_limit)),
        ("dst-prefix-in", opt_text(&call.dst_prefix_in)),
        ("dst-prefix-routing", opt_text(&call.dst_prefix_routing)),
        ("lrn", opt_text(&call.lrn)),
        ("dst-prefix-out", opt_text(&call.dst_prefix_out)),
        ("src-prefix-in", opt_text(&call.src_prefix_in)),
        ("src-prefix-routing", opt_text(&call.src_prefix_routing)),
        ("src-prefix-out", opt_text(&call.src_prefix_out)),
        ("diversion-in", opt_text(&call.diversion_in)),
        ("diversion-out", opt_text(&call.diversion_out)),
        ("destination-initial-rate", dec(call.customer.initial_rate)),
        ("destination-next-rate", dec(call.customer.next_rate)),
        (
            "destination-initial-interval",
            json!(call.customer.initial_interval),
        ),
        (
            "destination-next-interval",
            json!(call.customer.next_interval),
        ),
        ("destination-fee", dec(call.customer.fee)),
        ("destination-rate-policy-id", json!(call.rate_policy_id)),
        ("dialpeer-initial-rate", dec(call.vendor.initial_rate)),
        ("dialpeer-next-rate", dec(call.vendor.next_rate)),
        (
            "dialpeer-initial-interval",
            json!(call.vendor.initial_interval),
        ),
        ("dialpeer-next-interval", json!(call.vendor.next_interval)),
        ("dialpeer-fee", dec(call.vendor.fee)),
        ("leg-a-remote-ip", ip(&call.leg_a_remote)),
        ("leg-a-remote-port", port(&call.leg_a_remote)),
        ("orig-call-id", opt_text(&call.orig_call_id)),
        ("leg-a-local-ip", ip(&call.leg_a_local)),
        ("leg-a-local-port", port(&call.leg_a_local)),
        ("local-tag", opt_text(&call.local_tag)),
        ("leg-b-local-ip", ip(&call.leg_b_local)),
        ("leg-b-local-port", port(&call.leg_b_local)),
        ("term-call-id", opt_text(&call.term_call_id)),
        ("leg-b-remote-ip", ip(&call.leg_b_remote)),
        ("leg-b-remote-port", port(&call.leg_b_remote)),
    ];
    for (k, v) in a {
        m.insert(k.into(), v);
    }
    for (i, (rel, _)) in CALL_RELATIONSHIPS.iter().enumerate() {
        if let Some(id) = links[i].id() {
            m.insert(
                (*rel).into(),
                json!({"id": id.to_string(), "name": name(i)}),
            );
        } else if links[i] == Link::Empty {
            m.insert((*rel).into(), Value::Null);
        }
    }
    let r = call.rating(duration);
    m.insert("customer-price".into(), dec(r.price.amount.round_dp(6)));
    m.insert("vendor-cost".into(), dec(r.cost.amount.round_dp(6)));
    m.insert("margin".into(), dec(r.margin.round_dp(6)));
    Value::Object(m)
}

fn opt_text(v: &Option<Box<str>>) -> Value {
    v.as_deref()
        .map(|s| Value::String(s.to_owned()))
        .unwrap_or(Value::Null)
}

fn dec(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
}
