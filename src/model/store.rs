//! The cache of related records, keyed by (type, id), each with the time it was fetched.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::record::{Record, RecordKey};

/// How long a related record counts as fresh.
pub const RECORD_TTL: Duration = Duration::from_secs(60);

/// Related records by key. Bounded: [`RecordCache::evict`] drops what is older than a limit.
///
/// Records whose id is a canonical `u32` (every relationship of a call) are kept per kind by number, so the
/// list can look them up by `(kind, id)` without building a key.
#[derive(Debug, Default, Clone)]
pub struct RecordCache {
    /// Records with a numeric id, by kind then id.
    numeric: HashMap<Box<str>, HashMap<u32, Stored>>,
    /// The others.
    other: HashMap<RecordKey, Stored>,
}

/// A record and when it was fetched.
type Stored = (Record, DateTime<Utc>);

/// The id as a `u32` when it is exactly how a `u32` prints (`"5"`, not `"05"` or `"+5"`).
fn numeric_id(id: &str) -> Option<u32> {
    let b = id.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    id.parse().ok()
}

impl RecordCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a record fetched at `now`.
    pub fn insert(&mut self, record: Record, now: DateTime<Utc>) {
        match numeric_id(&record.key.id) {
            Some(id) => match self.numeric.get_mut(&*record.key.kind) {
                Some(m) => {
                    m.insert(id, (record, now));
                }
                None => {
                    let kind = record.key.kind.clone();
                    self.numeric
                        .insert(kind, HashMap::from([(id, (record, now))]));
                }
            },
            None => {
                self.other.insert(record.key.clone(), (record, now));
            }
        }
    }

    fn entry(&self, key: &RecordKey) -> Option<&Stored> {
        match numeric_id(&key.id) {
            Some(id) => self.numeric.get(&*key.kind)?.get(&id),
            None => self.other.get(key),
        }
    }

    pub fn get(&self, key: &RecordKey) -> Option<&Record> {
        self.entry(key).map(|(r, _)| r)
    }

    /// The record of type `kind` with numeric id `id`; no allocation.
    pub fn get_num(&self, kind: &str, id: u32) -> Option<&Record> {
        self.numeric.get(kind)?.get(&id).map(|(r, _)| r)
    }

    /// The record, only when fetched within [`RECORD_TTL`] of `now`.
    pub fn get_fresh(&self, key: &RecordKey, now: DateTime<Utc>) -> Option<&Record> {
        self.entry(key)
            .filter(|(_, at)| {
                (now - *at)
                    .to_std()
                    .map(|age| age <= RECORD_TTL)
                    .unwrap_or(true)
            })
            .map(|(r, _)| r)
    }

    /// The name of a record, if known.
    pub fn name(&self, kind: &str, id: u32) -> Option<&str> {
        self.get_num(kind, id).map(|r| &*r.name)
    }

    /// Drops records fetched more than `max_age` before `now`.
    pub fn evict(&mut self, now: DateTime<Utc>, max_age: Duration) {
        let keep = |at: &DateTime<Utc>| {
            (now - *at)
                .to_std()
                .map(|age| age <= max_age)
                .unwrap_or(true)
        };
        self.other.retain(|_, (_, at)| keep(at));
        for m in self.numeric.values_mut() {
            m.retain(|_, (_, at)| keep(at));
        }
        self.numeric.retain(|_, m| !m.is_empty());
    }

    pub fn len(&self) -> usize {
        self.other.len() + self.numeric.values().map(HashMap::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::RecordResource;
    use crate::model::record::build_record;

    #[test]
    fn ttl_and_eviction() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let res: RecordResource =
            serde_json::from_str(r#"{"id":"5","type":"contractors","attributes":{"name":"Acme"}}"#)
                .unwrap();
        let mut c = RecordCache::new();
        c.insert(build_record(res), t0);
        let key = RecordKey::new("contractors", "5");
        assert_eq!(c.name("contractors", 5), Some("Acme"));
        assert!(
            c.get_fresh(&key, t0 + chrono::Duration::seconds(60))
                .is_some()
        );
        assert!(
            c.get_fresh(&key, t0 + chrono::Duration::seconds(61))
                .is_none()
        );
        c.evict(
            t0 + chrono::Duration::seconds(600),
            Duration::from_secs(300),
        );
        assert!(c.is_empty());
    }
}
