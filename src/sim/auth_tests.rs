//! Unit tests of `sim/auth.rs`.

use super::*;

#[test]
fn tokens_look_like_yeti_jwts_and_expire() {
    let mut st = TokenStore::new(1, Some(600));
    let t = st.issue(1_000);
    let parts: Vec<&str> = t.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiJ9");
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        payload,
        serde_json::json!({"sub":1,"aud":["admin"],"exp":1600})
    );
    assert!(st.valid(&t, 1_599));
    assert!(!st.valid(&t, 1_600));
    assert!(!st.valid("forged", 1_000));
    assert_ne!(st.issue(1_000), st.issue(1_000));
    assert_eq!(st.revoke_all(), 3);
    assert!(!st.valid(&t, 1_000));
}

#[test]
fn permanent_tokens_have_no_exp() {
    let mut st = TokenStore::new(1, None);
    let t = st.issue(5);
    let payload = URL_SAFE_NO_PAD
        .decode(t.split('.').nth(1).unwrap())
        .unwrap();
    assert_eq!(payload, br#"{"sub":1,"aud":["admin"]}"#);
    assert!(st.valid(&t, i64::MAX));
}
