//! The cache of related records, keyed by (type, id), each with the time it was fetched.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::record::{Record, RecordKey};

/// How long a related record counts as fresh.
pub const RECORD_TTL: Duration = Duration::from_secs(60);

/// Related records by key. Bounded: [`RecordCache::evict`] drops what is older than a limit.
#[derive(Debug, Default, Clone)]
pub struct RecordCache {
    records: HashMap<RecordKey, (Record, DateTime<Utc>)>,
}

impl RecordCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a record fetched at `now`.
    pub fn insert(&mut self, record: Record, now: DateTime<Utc>) {
        self.records.insert(record.key.clone(), (record, now));
    }

    pub fn get(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key).map(|(r, _)| r)
    }

    /// The record, only when fetched within [`RECORD_TTL`] of `now`.
    pub fn get_fresh(&self, key: &RecordKey, now: DateTime<Utc>) -> Option<&Record> {
        self.records
            .get(key)
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
        // Keys are small; building one per lookup is cheaper than a second index.
        self.get(&RecordKey::new(kind, &id.to_string()))
            .map(|r| &*r.name)
    }

    /// Drops records fetched more than `max_age` before `now`.
    pub fn evict(&mut self, now: DateTime<Utc>, max_age: Duration) {
        self.records.retain(|_, (_, at)| {
            (now - *at)
                .to_std()
                .map(|age| age <= max_age)
                .unwrap_or(true)
        });
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
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
