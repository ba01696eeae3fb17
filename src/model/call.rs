//! An active call, built from an `active-calls` resource.

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::api::types::{
    CALL_RELATIONSHIPS, CallDocument, CallListDocument, CallResource, Relationship,
};
use crate::model::Text;
use crate::model::record::{Record, RecordKey, build_record};
use crate::rating::{self, Rating, Tariff};
use crate::sanitize::sanitize;

/// What a call knows about one of its 18 relationships.
///
/// yeti sends relationship ids only for relationships named in `include=`; a list poll that did not ask for
/// one leaves it [`Link::Unknown`]. Ids of these relationships are integer primary keys in yeti's database,
/// so they are kept as `u32`; an id that is not one is treated as unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Link {
    #[default]
    Unknown,
    Empty,
    Id(u32),
}

impl Link {
    fn from_relationship(rel: &Option<Relationship>) -> Link {
        match rel.as_ref().and_then(|r| r.data.as_ref()) {
            None => Link::Unknown,
            Some(None) => Link::Empty,
            Some(Some(rid)) => rid.id.trim().parse().map(Link::Id).unwrap_or(Link::Unknown),
        }
    }

    pub fn id(self) -> Option<u32> {
        match self {
            Link::Id(id) => Some(id),
            _ => None,
        }
    }
}

/// One SIP endpoint, `None` parts when not set up (yeti sends `""` and port 0 before the B leg answers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: Option<Text>,
    pub port: Option<u16>,
}

impl Endpoint {
    fn new(ip: &Option<String>, port: Option<i64>) -> Endpoint {
        Endpoint {
            ip: text(ip),
            port: port.and_then(|p| u16::try_from(p).ok()).filter(|p| *p != 0),
        }
    }

    pub fn is_set(&self) -> bool {
        self.ip.is_some()
    }
}

impl fmt::Display for Endpoint {
    /// `192.0.2.1:5060`, `[2001:db8::1]:5060`, or `-` when not set up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.ip, self.port) {
            (None, _) => f.write_str("-"),
            (Some(ip), Some(port)) if ip.contains(':') => write!(f, "[{ip}]:{port}"),
            (Some(ip), Some(port)) => write!(f, "{ip}:{port}"),
            (Some(ip), None) => f.write_str(ip),
        }
    }
}

/// An active call: every attribute of the API, typed and sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `<node_id>*<local_tag>`.
    pub id: Text,
    pub start_time: Option<DateTime<Utc>>,
    /// `None` while the call rings.
    pub connect_time: Option<DateTime<Utc>>,
    /// Seconds since connect as the server reported it when polled; `None` while ringing.
    pub duration: Option<i64>,
    /// Seconds.
    pub time_limit: Option<i64>,
    pub dst_prefix_in: Option<Text>,
    pub dst_prefix_routing: Option<Text>,
    pub dst_prefix_out: Option<Text>,
    pub lrn: Option<Text>,
    pub src_prefix_in: Option<Text>,
    pub src_prefix_routing: Option<Text>,
    pub src_prefix_out: Option<Text>,
    pub diversion_in: Option<Text>,
    pub diversion_out: Option<Text>,
    /// Customer side (`destination-*`), in the customer account's currency.
    pub customer: Tariff,
    /// Vendor side (`dialpeer-*`), in the vendor account's currency.
    pub vendor: Tariff,
    pub rate_policy_id: Option<i64>,
    pub leg_a_remote: Endpoint,
    pub leg_a_local: Endpoint,
    pub leg_b_local: Endpoint,
    pub leg_b_remote: Endpoint,
    pub orig_call_id: Option<Text>,
    pub local_tag: Option<Text>,
    pub term_call_id: Option<Text>,
    /// The 18 relationships, in [`CALL_RELATIONSHIPS`] order.
    pub links: [Link; 18],
}

fn text(s: &Option<String>) -> Option<Text> {
    s.as_deref().filter(|s| !s.is_empty()).map(sanitize)
}

/// Largest rate or fee taken from the API (per minute, any currency). Decimal arithmetic panics on
/// overflow, and a duration of up to `i64::MAX` seconds times a rate near `Decimal::MAX` overflows: a
/// value beyond this bound is nonsense from a broken or hostile server and counts as 0.
pub const MAX_MONEY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

fn money(v: Option<Decimal>) -> Decimal {
    v.filter(|d| d.abs() <= MAX_MONEY).unwrap_or_default()
}

impl Call {
    /// Builds a call from its resource. Never fails: missing attributes stay `None`.
    pub fn from_resource(res: &CallResource) -> Call {
        let a = &res.attributes;
        let tariff = |ir, nr, ii: Option<i64>, ni: Option<i64>, fee| Tariff {
            initial_rate: ir,
            next_rate: nr,
            initial_interval: ii.unwrap_or(1),
            next_interval: ni.unwrap_or(1),
            fee,
        };
        let rels = res.relationships.as_array();
        Call {
            id: sanitize(&res.id),
            start_time: a.start_time,
            connect_time: a.connect_time,
            duration: a
                .duration
                .filter(|_| a.connect_time.is_some() || a.duration.is_some()),
            time_limit: a.time_limit,
            dst_prefix_in: text(&a.dst_prefix_in),
            dst_prefix_routing: text(&a.dst_prefix_routing),
            dst_prefix_out: text(&a.dst_prefix_out),
            lrn: text(&a.lrn),
            src_prefix_in: text(&a.src_prefix_in),
            src_prefix_routing: text(&a.src_prefix_routing),
            src_prefix_out: text(&a.src_prefix_out),
            diversion_in: text(&a.diversion_in),
            diversion_out: text(&a.diversion_out),
            customer: tariff(
                money(a.destination_initial_rate),
                money(a.destination_next_rate),
                a.destination_initial_interval,
                a.destination_next_interval,
                money(a.destination_fee),
            ),
            vendor: tariff(
                money(a.dialpeer_initial_rate),
                money(a.dialpeer_next_rate),
                a.dialpeer_initial_interval,
                a.dialpeer_next_interval,
                money(a.dialpeer_fee),
            ),
            rate_policy_id: a.destination_rate_policy_id,
            leg_a_remote: Endpoint::new(&a.leg_a_remote_ip, a.leg_a_remote_port),
            leg_a_local: Endpoint::new(&a.leg_a_local_ip, a.leg_a_local_port),
            leg_b_local: Endpoint::new(&a.leg_b_local_ip, a.leg_b_local_port),
            leg_b_remote: Endpoint::new(&a.leg_b_remote_ip, a.leg_b_remote_port),
            orig_call_id: text(&a.orig_call_id),
            local_tag: text(&a.local_tag),
            term_call_id: text(&a.term_call_id),
            links: std::array::from_fn(|i| Link::from_relationship(rels[i])),
        }
    }

    /// The node id, the part of the call id before `*`.
    pub fn node_id(&self) -> Option<u32> {
        self.id.split_once('*').and_then(|(n, _)| n.parse().ok())
    }

    pub fn is_answered(&self) -> bool {
        self.connect_time.is_some()
    }

    /// The relationship `name` (see [`CALL_RELATIONSHIPS`]).
    pub fn link(&self, name: &str) -> Link {
        crate::api::types::call_relationship_index(name)
            .map(|i| self.links[i])
            .unwrap_or_default()
    }

    /// The key of the record behind relationship `index`, when its id is known.
    pub fn link_key(&self, index: usize) -> Option<RecordKey> {
        let (_, kind) = CALL_RELATIONSHIPS.get(index)?;
        self.links[index]
            .id()
            .map(|id| RecordKey::new(kind, &id.to_string()))
    }

    /// Duration in seconds at the server's time `server_now`: counted from the connect time so it ticks
    /// between polls, never below what the server last reported. `None` while ringing.
    pub fn duration_at(&self, server_now: DateTime<Utc>) -> Option<i64> {
        let connect = self.connect_time?;
        let live = (server_now - connect).num_seconds().max(0);
        Some(live.max(self.duration.unwrap_or(0)))
    }

    /// Seconds since the call started (for ringing calls).
    pub fn ringing_for(&self, server_now: DateTime<Utc>) -> Option<i64> {
        self.start_time
            .map(|s| (server_now - s).num_seconds().max(0))
    }

    /// Seconds left before the time limit at `duration`. Whether yeti counts the limit from connect or
    /// from start is UNCONFIRMED (contract §6); SEMS arms the limit timer when the call connects, so it is
    /// taken as counted from connect, like `duration`.
    pub fn time_left(&self, duration: Option<i64>) -> Option<i64> {
        Some(self.time_limit?.saturating_sub(duration.unwrap_or(0)))
    }

    /// Post-dial delay: seconds from start to connect.
    pub fn pdd(&self) -> Option<i64> {
        Some((self.connect_time? - self.start_time?).num_seconds())
    }

    /// Customer price against vendor cost at `duration`.
    pub fn rating(&self, duration: Option<i64>) -> Rating {
        rating::rate(&self.customer, &self.vendor, duration)
    }
}

/// The calls of a list document and the records it included.
#[derive(Debug, Clone, Default)]
pub struct CallBatch {
    pub calls: Vec<Call>,
    pub records: Vec<Record>,
}

/// Builds the model of a list document. Resources of another type than `active-calls` are skipped.
pub fn build_calls(doc: CallListDocument) -> CallBatch {
    let calls = doc
        .data
        .iter()
        .filter(|r| r.kind == crate::api::types::ACTIVE_CALLS)
        .map(Call::from_resource)
        .collect();
    let records = doc.included.into_iter().map(build_record).collect();
    CallBatch { calls, records }
}

/// Builds the model of a show document: the call and the records it included.
pub fn build_call(doc: CallDocument) -> (Call, Vec<Record>) {
    let call = Call::from_resource(&doc.data);
    (call, doc.included.into_iter().map(build_record).collect())
}

/// `HH:MM:SS`; hours grow past 99 when they must.
pub fn format_hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hms() {
        assert_eq!(format_hms(95), "00:01:35");
        assert_eq!(format_hms(0), "00:00:00");
        assert_eq!(format_hms(-3), "00:00:00");
        assert_eq!(format_hms(360_000), "100:00:00");
    }

    #[test]
    fn endpoints() {
        let e = Endpoint::new(&Some("2001:db8::1".into()), Some(5060));
        assert_eq!(e.to_string(), "[2001:db8::1]:5060");
        let e = Endpoint::new(&Some("192.0.2.1".into()), Some(5061));
        assert_eq!(e.to_string(), "192.0.2.1:5061");
        let e = Endpoint::new(&Some(String::new()), Some(0));
        assert!(!e.is_set());
        assert_eq!(e.to_string(), "-");
        let e = Endpoint::new(&Some("10.0.0.1".into()), Some(70000));
        assert_eq!(e.to_string(), "10.0.0.1");
    }
}
