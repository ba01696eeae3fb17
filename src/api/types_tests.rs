//! Unit tests of `api/types.rs`.

use super::*;

#[test]
fn relationship_distinguishes_absent_null_and_set() {
    let absent: Relationship = serde_json::from_str(r#"{"links":{"self":"x"}}"#).unwrap();
    assert_eq!(absent.data, None);
    let null: Relationship = serde_json::from_str(r#"{"data":null}"#).unwrap();
    assert_eq!(null.data, Some(None));
    let set: Relationship =
        serde_json::from_str(r#"{"data":{"type":"contractors","id":"5"}}"#).unwrap();
    assert_eq!(
        set.data,
        Some(Some(ResourceId {
            kind: "contractors".into(),
            id: "5".into()
        }))
    );
}

#[test]
fn decimals_accept_strings_and_numbers_exactly() {
    let a: CallAttributes = serde_json::from_str(
        r#"{"destination-initial-rate":"0.11","dialpeer-next-rate":0.001,"dialpeer-fee":null}"#,
    )
    .unwrap();
    assert_eq!(a.destination_initial_rate.unwrap().to_string(), "0.11");
    assert_eq!(a.dialpeer_next_rate.unwrap().to_string(), "0.001");
    assert_eq!(a.dialpeer_fee, None);
    assert!(serde_json::from_str::<CallAttributes>(r#"{"dialpeer-fee":"abc"}"#).is_err());
}

#[test]
fn times_serialize_like_yeti() {
    let t = DateTime::parse_from_rfc3339("2026-01-02T12:43:43Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(format_yeti_time(&t), "2026-01-02T12:43:43.000Z");
    let a: CallAttributes =
        serde_json::from_str(r#"{"start-time":"2026-01-02T14:43:43.000+02:00"}"#).unwrap();
    assert_eq!(a.start_time, Some(t));
}
