//! The real yeti-web response of `GET /active-calls/:id` (tests/fixtures), decoded with every field checked.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;

use yetitop::api::client::decode;
use yetitop::api::types::{CALL_RELATIONSHIPS, CallDocument};
use yetitop::model::{Link, build_call};

fn seed_body() -> String {
    let text = include_str!("fixtures/active-calls-get-specific-entry.txt");
    let at = text
        .find("\nBody\n")
        .expect("the fixture has a Body section");
    text[at + "\nBody\n".len()..].trim().to_owned()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn seed_show_response_decodes_field_by_field() {
    let doc: CallDocument = decode(seed_body().as_bytes(), "seed").unwrap();
    assert_eq!(doc.data.kind, "active-calls");
    let a = &doc.data.attributes;
    assert_eq!(a.start_time, Some(t("2026-01-02T12:43:43Z")));
    assert_eq!(a.connect_time, Some(t("2026-01-02T12:44:00Z")));
    assert_eq!(a.duration, Some(47));
    assert_eq!(a.time_limit, Some(4909));
    assert_eq!(a.dst_prefix_in.as_deref(), Some("9810441492550028"));
    assert_eq!(a.dst_prefix_routing.as_deref(), Some("3800000000000000000"));
    assert_eq!(a.lrn, None);
    assert_eq!(a.dst_prefix_out.as_deref(), Some("3800000000000000000"));
    assert_eq!(a.src_prefix_in.as_deref(), Some("10317"));
    assert_eq!(a.src_prefix_routing.as_deref(), Some("10317"));
    assert_eq!(a.src_prefix_out.as_deref(), Some("10317"));
    assert_eq!(a.diversion_in, None);
    assert_eq!(a.diversion_out, None);
    assert_eq!(a.destination_initial_rate, Some(d("0.11")));
    assert_eq!(a.destination_next_rate, Some(d("0.11")));
    assert_eq!(a.destination_initial_interval, Some(1));
    assert_eq!(a.destination_next_interval, Some(1));
    assert_eq!(a.destination_fee, Some(d("0.0")));
    assert_eq!(a.destination_rate_policy_id, Some(1));
    assert_eq!(a.dialpeer_initial_rate, Some(d("0.005")));
    assert_eq!(a.dialpeer_next_rate, Some(d("0.001")));
    assert_eq!(a.dialpeer_initial_interval, Some(1));
    assert_eq!(a.dialpeer_next_interval, Some(1));
    assert_eq!(a.dialpeer_fee, Some(d("0.0")));
    assert_eq!(a.leg_a_remote_ip.as_deref(), Some("192.168.88.23"));
    assert_eq!(a.leg_a_remote_port, Some(5060));
    assert_eq!(
        a.orig_call_id.as_deref(),
        Some("2141402782-1223087865-286388420")
    );
    assert_eq!(a.leg_a_local_ip.as_deref(), Some("192.168.88.23"));
    assert_eq!(a.leg_a_local_port, Some(5061));
    assert_eq!(
        a.local_tag.as_deref(),
        Some("A2-A9D0-B7F2759D05D01498A3A37F37D1284ED0-7316B661B6CE8545")
    );
    assert_eq!(a.leg_b_local_ip.as_deref(), Some(""));
    assert_eq!(a.leg_b_local_port, Some(0));
    assert_eq!(
        a.term_call_id.as_deref(),
        Some("8-5D73A55A-5CFB77360000494D-19C01700")
    );
    assert_eq!(a.leg_b_remote_ip.as_deref(), Some(""));
    assert_eq!(a.leg_b_remote_port, Some(0));

    // Relationships: all 18, links only, no linkage (the request had no include=).
    let rels = doc.data.relationships.as_array();
    for (i, (name, _)) in CALL_RELATIONSHIPS.iter().enumerate() {
        let rel = rels[i].as_ref().unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(rel.data, None, "{name}");
        let links = rel.links.as_ref().unwrap();
        assert!(
            links
                .related
                .as_deref()
                .unwrap()
                .ends_with(&format!("/{name}"))
        );
    }

    // The model: typed, B leg not set up, links unknown.
    let (call, records) = build_call(doc);
    assert!(records.is_empty());
    assert_eq!(
        &*call.id,
        "2*A2-A9D0-B7F2759D05D01498A3A37F37D1284ED0-7316B661B6CE8545"
    );
    assert_eq!(call.node_id(), Some(2));
    assert!(call.is_answered());
    assert_eq!(call.pdd(), Some(17));
    assert!(!call.leg_b_local.is_set() && !call.leg_b_remote.is_set());
    assert_eq!(call.leg_a_remote.to_string(), "192.168.88.23:5060");
    assert_eq!(call.leg_a_local.to_string(), "192.168.88.23:5061");
    assert_eq!(call.time_left(call.duration), Some(4909 - 47));
    assert!(call.links.iter().all(|l| *l == Link::Unknown));
    // 47 s at 0.11 / min = 0.086166..., vendor 0.005/60 + 46 * 0.001/60.
    let r = call.rating(call.duration);
    assert_eq!(r.price.amount.round_dp(6), d("0.086167"));
    assert_eq!(r.cost.amount.round_dp(6), d("0.000850"));
    // The duration ticks from the connect time, never below what the server said.
    assert_eq!(call.duration_at(t("2026-01-02T12:44:50Z")), Some(50));
    assert_eq!(call.duration_at(t("2026-01-02T12:44:10Z")), Some(47));
}
