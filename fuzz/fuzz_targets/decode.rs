//! Fuzzes the decoder and the model builder: any bytes as every document the client reads, and as an error
//! body. Nothing may panic, and no string of the model may hold a control, bidi or zero-width character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yetitop::api::ApiError;
use yetitop::api::client::decode;
use yetitop::api::types::{CallDocument, CallListDocument, RecordDocument, RecordListDocument};
use yetitop::model::{build_call, build_calls, build_record};
use yetitop::sanitize::is_clean;

fuzz_target!(|body: &[u8]| {
    if let Ok(doc) = decode::<CallListDocument>(body, "list") {
        let batch = build_calls(doc);
        for c in &batch.calls {
            assert!(is_clean(&c.id));
            for s in [
                &c.local_tag,
                &c.dst_prefix_in,
                &c.src_prefix_in,
                &c.orig_call_id,
            ]
            .into_iter()
            .flatten()
            {
                assert!(is_clean(s));
            }
            let d = c.duration_at(chrono::Utc::now());
            let _ = c.rating(d);
            let _ = c.rating(Some(i64::MAX));
            let _ = c.time_left(d);
        }
        for r in &batch.records {
            assert!(is_clean(&r.name));
            assert!(
                r.attributes
                    .iter()
                    .all(|a| is_clean(&a.name) && is_clean(&a.value))
            );
        }
    }
    if let Ok(doc) = decode::<CallDocument>(body, "call") {
        let (call, records) = build_call(doc);
        assert!(is_clean(&call.id));
        assert!(records.iter().all(|r| is_clean(&r.name)));
    }
    if let Ok(doc) = decode::<RecordDocument>(body, "record")
        && let Some(r) = doc.data
    {
        let r = build_record(r);
        assert!(is_clean(&r.name));
    }
    if let Ok(doc) = decode::<RecordListDocument>(body, "records") {
        for r in doc.data {
            let _ = build_record(r);
        }
    }
    for status in [401u16, 404, 422, 502] {
        let msg = ApiError::from_status(status, "Reason", body).to_string();
        assert!(is_clean(&msg));
    }
});
