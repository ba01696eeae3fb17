//! JSON of calls for the clipboard and for export files.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::app::rows::{Lookup, Shown};
use crate::model::Call;

/// One call as the JSON object every output uses ([`crate::model::json::call_json`]), at the duration the
/// monitor shows, with the names it knows.
pub fn call_json(
    call: &Call,
    links: &[crate::model::Link; 18],
    lk: &Lookup<'_>,
    shown: Shown,
) -> Value {
    crate::model::json::call_json(call, links, shown.duration(), |i| {
        lk.rel_name(links, i).map(str::to_owned)
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
