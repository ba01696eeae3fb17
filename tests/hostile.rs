//! Hostile input: the decoder, the model builder and the sanitizer against arbitrary bytes, arbitrary JSON
//! and documents with wrong types, `null`s, missing keys, huge arrays, 10 KB names and invalid UTF-8.
//! Nothing may panic; a bad document is a decode error or a tolerated value; and no string of the model
//! ever holds a C0/C1 control, a bidi override or a zero-width character.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use yetitop::api::ApiError;
use yetitop::api::client::decode;
use yetitop::api::types::{
    CALL_ATTRIBUTES, CALL_RELATIONSHIPS, CallDocument, CallListDocument, RecordDocument,
    RecordListDocument, RelationshipDocument,
};
use yetitop::model::{Call, Record, build_call, build_calls, build_record};
use yetitop::sanitize::{is_invisible, sanitize, sanitize_max};

/// True when `s` holds a C0/C1 control, DEL, a bidi control or a zero-width character.
fn dirty(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() || is_invisible(*c) || matches!(*c, '\u{200b}'..='\u{200f}'))
}

fn assert_clean(what: &str, s: &str) {
    if let Some(c) = dirty(s) {
        panic!("{what} holds U+{:04X}: {s:?}", c as u32);
    }
}

fn check_call(c: &Call) {
    assert_clean("id", &c.id);
    for s in [
        &c.dst_prefix_in,
        &c.dst_prefix_routing,
        &c.dst_prefix_out,
        &c.lrn,
        &c.src_prefix_in,
        &c.src_prefix_routing,
        &c.src_prefix_out,
        &c.diversion_in,
        &c.diversion_out,
        &c.orig_call_id,
        &c.local_tag,
        &c.term_call_id,
    ]
    .into_iter()
    .flatten()
    {
        assert_clean("call attribute", s);
        assert!(s.chars().count() <= 256, "uncapped: {} chars", s.len());
    }
    for ep in [
        &c.leg_a_remote,
        &c.leg_a_local,
        &c.leg_b_local,
        &c.leg_b_remote,
    ] {
        assert_clean("endpoint", &ep.to_string());
    }
    // What the list and the call view compute from a call must not panic either, at any time.
    let far = Utc.with_ymd_and_hms(2262, 1, 1, 0, 0, 0).unwrap();
    let past = Utc.with_ymd_and_hms(1971, 1, 1, 0, 0, 0).unwrap();
    for now in [Utc::now(), far, past] {
        let d = c.duration_at(now);
        let _ = c.rating(d);
        let _ = c.rating(Some(i64::MAX));
        let _ = c.rating(Some(i64::MIN));
        let _ = c.time_left(d);
        let _ = c.ringing_for(now);
        let _ = c.pdd();
        let _ = c.node_id();
    }
}

fn check_record(r: &Record) {
    assert_clean("record kind", &r.key.kind);
    assert_clean("record id", &r.key.id);
    assert_clean("record name", &r.name);
    for a in &r.attributes {
        assert_clean("attribute name", &a.name);
        assert_clean("attribute value", &a.value);
    }
    for l in &r.relationships {
        assert_clean("relationship name", &l.name);
    }
}

/// Decodes `body` as every document the client reads; builds the model of what decodes.
fn decode_everything(body: &[u8]) {
    if let Ok(doc) = decode::<CallListDocument>(body, "list") {
        let batch = build_calls(doc);
        batch.calls.iter().for_each(check_call);
        batch.records.iter().for_each(check_record);
    }
    if let Ok(doc) = decode::<CallDocument>(body, "call") {
        let (call, records) = build_call(doc);
        check_call(&call);
        records.iter().for_each(check_record);
    }
    if let Ok(doc) = decode::<RecordDocument>(body, "record")
        && let Some(r) = doc.data
    {
        check_record(&build_record(r));
    }
    if let Ok(doc) = decode::<RecordListDocument>(body, "records") {
        for r in doc.data {
            check_record(&build_record(r));
        }
    }
    let _ = decode::<RelationshipDocument>(body, "relationship");
    // Error bodies: whatever the status, the message is one clean line of bounded size.
    for status in [400u16, 401, 404, 422, 500, 502] {
        let e = ApiError::from_status(status, "Reason", body);
        let msg = e.to_string();
        assert_clean("error message", &msg);
        assert!(msg.chars().count() < 500, "{} chars", msg.len());
    }
    if let Err(e) = decode::<CallListDocument>(body, "list") {
        let msg = e.to_string();
        assert_clean("decode error", &msg);
        assert!(msg.chars().count() < 800, "{} chars", msg.len());
    }
}

/// Any JSON value, a few levels deep, with hostile strings and extreme numbers.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        hostile_string().prop_map(Value::String),
        Just(json!("79228162514264337593543950335")),
        Just(json!("-79228162514264337593543950335")),
        Just(json!("1e400")),
        Just(json!("2026-13-45 99:99:99")),
        Just(json!("9999-12-31T23:59:59Z")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(hostile_string(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Strings that mix plain text with controls, bidi overrides, zero-width characters and long runs.
fn hostile_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 *._-]{0,12}",
        Just("\u{1b}[2J".to_owned()),
        Just("\u{1b}]0;pwned\u{7}".to_owned()),
        Just("\u{9b}31m".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("\u{2066}".to_owned()),
        Just("\u{200b}".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\u{85}".to_owned()),
        Just("\r\n\t\0".to_owned()),
        Just("Київстар 日本語".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// A call resource whose attributes each get a value of any type, or are left out.
fn call_resource() -> impl Strategy<Value = Value> {
    let attrs = prop::collection::vec(prop::option::of(any_json()), CALL_ATTRIBUTES.len());
    let rels = prop::collection::vec(
        prop::option::of(prop_oneof![
            Just(json!({"data": null})),
            any_json().prop_map(|id| json!({"data": {"type": "contractors", "id": id}})),
            any_json().prop_map(|d| json!({"data": d})),
            any_json(),
        ]),
        CALL_RELATIONSHIPS.len(),
    );
    (any_json(), attrs, rels, any::<bool>()).prop_map(|(id, attrs, rels, typed)| {
        let mut a = Map::new();
        for (name, v) in CALL_ATTRIBUTES.iter().zip(attrs) {
            if let Some(v) = v {
                a.insert((*name).to_owned(), v);
            }
        }
        let mut r = Map::new();
        for ((name, _), v) in CALL_RELATIONSHIPS.iter().zip(rels) {
            if let Some(v) = v {
                r.insert((*name).to_owned(), v);
            }
        }
        json!({
            "id": if typed { id } else { json!("1*abc") },
            "type": "active-calls",
            "attributes": a,
            "relationships": r,
        })
    })
}

/// A record resource with arbitrary attributes (secrets among them).
fn record_resource() -> impl Strategy<Value = Value> {
    (
        any_json(),
        prop::collection::btree_map(hostile_string(), any_json(), 0..10),
        any_json(),
    )
        .prop_map(|(id, mut attrs, pw)| {
            attrs.insert("auth-password".to_owned(), pw);
            json!({"id": id, "type": "gateways", "attributes": attrs})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        decode_everything(v.to_string().as_bytes());
        decode_everything(json!({"data": v}).to_string().as_bytes());
        decode_everything(json!({"data": [v], "included": [v]}).to_string().as_bytes());
        decode_everything(json!({"errors": [v]}).to_string().as_bytes());
    }

    #[test]
    fn call_documents_with_wrong_types_decode_or_fail_cleanly(
        calls in prop::collection::vec(call_resource(), 0..6),
        included in prop::collection::vec(record_resource(), 0..4),
    ) {
        let list = json!({"data": calls, "included": included, "meta": {"total-count": 0}});
        decode_everything(list.to_string().as_bytes());
        if let Some(first) = calls.first() {
            let one = json!({"data": first, "included": included});
            decode_everything(one.to_string().as_bytes());
        }
    }

    #[test]
    fn record_secrets_are_always_masked(mut rec in record_resource(), secret in "Zq[a-z0-9]{12}") {
        // A value found nowhere else in the document: it must not show anywhere in the record.
        rec["attributes"]["incoming-auth-password"] = json!(secret);
        let body = json!({"data": rec}).to_string();
        if let Ok(doc) = decode::<RecordDocument>(body.as_bytes(), "record")
            && let Some(res) = doc.data
        {
            let r = build_record(res);
            check_record(&r);
            prop_assert_eq!(r.attr("auth-password"), Some("••••"));
            prop_assert_eq!(r.attr("incoming-auth-password"), Some("••••"));
            let shown = format!("{r:?}");
            prop_assert!(!shown.contains(&secret), "secret {:?} leaked: {}", secret, shown);
        }
    }

    #[test]
    fn sanitized_strings_are_clean_and_capped(s in ".*", max in 1usize..300) {
        let out = sanitize_max(&s, max);
        assert_clean("sanitized", &out);
        prop_assert!(out.chars().count() <= max, "{} > {}", out.chars().count(), max);
    }

    #[test]
    fn sanitized_hostile_strings_are_clean(s in hostile_string()) {
        let out = sanitize(&s);
        assert_clean("sanitized", &out);
        prop_assert!(!out.contains('\u{1b}') && !out.contains('\u{9b}'), "escape left in {:?}", out);
        // Plain printable text passes through unchanged.
        let plain: String = s.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').collect();
        prop_assert_eq!(&*sanitize(&plain), plain.as_str());
    }

    #[test]
    fn invalid_utf8_in_strings_is_a_decode_error(prefix in "[a-z]{0,5}", bad in 0x80u8..=0xff) {
        let mut body = br#"{"data":[{"id":"1*a","type":"active-calls","attributes":{"local-tag":""#.to_vec();
        body.extend_from_slice(prefix.as_bytes());
        body.push(bad);
        body.extend_from_slice(br#""}}]}"#);
        // A lone byte >= 0x80 is never valid UTF-8 on its own.
        prop_assert!(decode::<CallListDocument>(&body, "list").is_err());
        decode_everything(&body);
    }
}

#[test]
fn wrong_types_are_errors_that_name_the_field() {
    let body = br#"{"data":[{"id":"1*a","type":"active-calls","attributes":{"local-tag":42}}]}"#;
    let msg = decode::<CallListDocument>(body, "list")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("data[0].attributes.local-tag"), "{msg}");
}

#[test]
fn null_everywhere_is_tolerated() {
    let mut attrs = Map::new();
    for name in CALL_ATTRIBUTES {
        attrs.insert(name.to_owned(), Value::Null);
    }
    let mut rels = Map::new();
    for (name, _) in CALL_RELATIONSHIPS {
        rels.insert(name.to_owned(), json!({"data": null}));
    }
    let body = json!({"data": [{"id": "1*a", "type": "active-calls", "attributes": attrs,
                                "relationships": rels}], "included": null, "meta": null});
    match decode::<CallListDocument>(body.to_string().as_bytes(), "list") {
        Ok(doc) => {
            let batch = build_calls(doc);
            assert_eq!(batch.calls.len(), 1);
            check_call(&batch.calls[0]);
        }
        Err(e) => assert_clean("error", &e.to_string()),
    }
    // Missing keys: a bare resource.
    let body = br#"{"data":[{"id":"1*a","type":"active-calls"}]}"#;
    let batch = build_calls(decode::<CallListDocument>(body, "list").expect("bare resource"));
    assert_eq!(batch.calls[0].duration, None);
}

#[test]
fn huge_arrays_and_10kb_names_are_capped() {
    let name = format!("{}\u{1b}[2J{}", "N".repeat(5000), "ж".repeat(5000));
    let calls: Vec<Value> = (0..20_000)
        .map(|i| {
            json!({"id": format!("1*{i}"), "type": "active-calls",
                   "attributes": {"local-tag": name, "duration": i, "dst-prefix-in": name}})
        })
        .collect();
    let included: Vec<Value> = (0..2_000)
        .map(|i| json!({"id": i.to_string(), "type": "contractors", "attributes": {"name": name}}))
        .collect();
    let body = json!({"data": calls, "included": included}).to_string();
    let batch = build_calls(decode::<CallListDocument>(body.as_bytes(), "list").expect("decodes"));
    assert_eq!(batch.calls.len(), 20_000);
    for c in batch.calls.iter().take(50) {
        check_call(c);
        assert!(c.local_tag.as_ref().unwrap().chars().count() <= 256);
    }
    for r in batch.records.iter().take(50) {
        check_record(r);
        assert!(r.name.chars().count() <= 256);
    }
}

#[test]
fn extreme_money_and_durations_never_overflow() {
    let max = "79228162514264337593543950335";
    let body = json!({"data": [{"id": "1*a", "type": "active-calls", "attributes": {
        "connect-time": "1971-01-01T00:00:00Z", "start-time": "1971-01-01T00:00:00Z",
        "duration": i64::MAX, "time-limit": i64::MIN,
        "destination-initial-rate": max, "destination-next-rate": max,
        "destination-initial-interval": i64::MAX, "destination-next-interval": i64::MIN,
        "destination-fee": max,
        "dialpeer-initial-rate": format!("-{max}"), "dialpeer-next-rate": max,
        "dialpeer-initial-interval": 0, "dialpeer-next-interval": 0, "dialpeer-fee": format!("-{max}"),
    }}]});
    let doc = decode::<CallListDocument>(body.to_string().as_bytes(), "list").expect("decodes");
    let calls = build_calls(doc).calls;
    assert_eq!(calls.len(), 1);
    check_call(&calls[0]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    decode_everything(deep.as_bytes());
    let deep_attr = [
        r#"{"data":{"id":"1","type":"gateways","attributes":{"x":"#,
        &"[".repeat(5000),
        "1",
        &"]".repeat(5000),
        "}}}",
    ]
    .concat();
    decode_everything(deep_attr.as_bytes());
}
