//! JSON:API wire types of the yeti-web admin API.
//!
//! These are shared by the client (decoding) and the simulator (encoding). They mirror the documents yeti-web
//! sends: dasherized keys, string ids, decimal values as strings, relationships that carry linkage `data`
//! only when the request asked for `include=`.
//!
//! Decoding is tolerant: unknown keys are ignored, every attribute is optional (a switch upgrade that drops
//! or adds a field must not break the monitor), wrong types are decode errors, never panics.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// JSON:API media type. yeti-web answers 406 to `Accept: application/json`.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";
/// Path prefix of the admin API.
pub const API_PREFIX: &str = "/api/rest/admin";
/// JSON:API type of an active call.
pub const ACTIVE_CALLS: &str = "active-calls";

/// The 18 to-one relationships of an active call, in the order yeti-web declares them, with the JSON:API
/// type of the record each one points to. Note `routing-plan` is typed `routing-groups` (a yeti-web bug kept
/// on purpose: the resource declares `class_name: 'RoutingGroup'`).
pub const CALL_RELATIONSHIPS: [(&str, &str); 18] = [
    ("customer", "contractors"),
    ("vendor", "contractors"),
    ("customer-acc", "accounts"),
    ("vendor-acc", "accounts"),
    ("customer-auth", "customers-auths"),
    ("rateplan", "rateplans"),
    ("destination", "destinations"),
    ("routing-group", "routing-groups"),
    ("routing-plan", "routing-groups"),
    ("dialpeer", "dialpeers"),
    ("orig-gw", "gateways"),
    ("term-gw", "gateways"),
    ("src-country", "countries"),
    ("src-network", "networks"),
    ("dst-country", "countries"),
    ("dst-network", "networks"),
    ("pop", "pops"),
    ("node", "nodes"),
];

/// Index of a relationship name in [`CALL_RELATIONSHIPS`].
pub fn call_relationship_index(name: &str) -> Option<usize> {
    CALL_RELATIONSHIPS.iter().position(|(n, _)| *n == name)
}

/// The 35 attributes of an active call, in yeti-web's serialization order.
pub const CALL_ATTRIBUTES: [&str; 35] = [
    "start-time",
    "connect-time",
    "duration",
    "time-limit",
    "dst-prefix-in",
    "dst-prefix-routing",
    "lrn",
    "dst-prefix-out",
    "src-prefix-in",
    "src-prefix-routing",
    "src-prefix-out",
    "diversion-in",
    "diversion-out",
    "destination-initial-rate",
    "destination-next-rate",
    "destination-initial-interval",
    "destination-next-interval",
    "destination-fee",
    "destination-rate-policy-id",
    "dialpeer-initial-rate",
    "dialpeer-next-rate",
    "dialpeer-initial-interval",
    "dialpeer-next-interval",
    "dialpeer-fee",
    "leg-a-remote-ip",
    "leg-a-remote-port",
    "orig-call-id",
    "leg-a-local-ip",
    "leg-a-local-port",
    "local-tag",
    "leg-b-local-ip",
    "leg-b-local-port",
    "term-call-id",
    "leg-b-remote-ip",
    "leg-b-remote-port",
];

/// Attributes of an `active-calls` resource as they travel on the wire.
///
/// Every field is optional on decode. `Serialize` writes every field, `null` included, in yeti-web's order,
/// which is what the simulator sends when no sparse fieldset is asked for.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct CallAttributes {
    #[serde(with = "yeti_time_opt")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(with = "yeti_time_opt")]
    pub connect_time: Option<DateTime<Utc>>,
    pub duration: Option<i64>,
    pub time_limit: Option<i64>,
    pub dst_prefix_in: Option<String>,
    pub dst_prefix_routing: Option<String>,
    pub lrn: Option<String>,
    pub dst_prefix_out: Option<String>,
    pub src_prefix_in: Option<String>,
    pub src_prefix_routing: Option<String>,
    pub src_prefix_out: Option<String>,
    pub diversion_in: Option<String>,
    pub diversion_out: Option<String>,
    #[serde(with = "decimal_opt")]
    pub destination_initial_rate: Option<Decimal>,
    #[serde(with = "decimal_opt")]
    pub destination_next_rate: Option<Decimal>,
    pub destination_initial_interval: Option<i64>,
    pub destination_next_interval: Option<i64>,
    #[serde(with = "decimal_opt")]
    pub destination_fee: Option<Decimal>,
    pub destination_rate_policy_id: Option<i64>,
    #[serde(with = "decimal_opt")]
    pub dialpeer_initial_rate: Option<Decimal>,
    #[serde(with = "decimal_opt")]
    pub dialpeer_next_rate: Option<Decimal>,
    pub dialpeer_initial_interval: Option<i64>,
    pub dialpeer_next_interval: Option<i64>,
    #[serde(with = "decimal_opt")]
    pub dialpeer_fee: Option<Decimal>,
    pub leg_a_remote_ip: Option<String>,
    pub leg_a_remote_port: Option<i64>,
    pub orig_call_id: Option<String>,
    pub leg_a_local_ip: Option<String>,
    pub leg_a_local_port: Option<i64>,
    pub local_tag: Option<String>,
    pub leg_b_local_ip: Option<String>,
    pub leg_b_local_port: Option<i64>,
    pub term_call_id: Option<String>,
    pub leg_b_remote_ip: Option<String>,
    pub leg_b_remote_port: Option<i64>,
}

/// `{"type": "...", "id": "..."}`: a resource identifier (relationship linkage).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
pub struct ResourceId {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
}

/// `self` / `related` links of a relationship object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct RelationshipLinks {
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<String>,
}

/// A to-one relationship object.
///
/// `data` is `None` when the document carried no linkage (yeti only sends it for included relationships),
/// `Some(None)` when it carried `"data": null` (an empty relationship), `Some(Some(id))` otherwise.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Relationship {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<RelationshipLinks>,
    #[serde(
        default,
        deserialize_with = "linkage",
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<Option<ResourceId>>,
}

/// `links.self` of a resource.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ResourceLinks {
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

/// The relationships of an active call, typed. Unknown relationships are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct CallRelationships {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_acc: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_acc: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_auth: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rateplan: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_group: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_plan: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialpeer: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orig_gw: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_gw: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_country: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_network: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_country: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_network: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pop: Option<Relationship>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<Relationship>,
}

impl CallRelationships {
    /// The relationships in [`CALL_RELATIONSHIPS`] order.
    pub fn as_array(&self) -> [&Option<Relationship>; 18] {
        [
            &self.customer,
            &self.vendor,
            &self.customer_acc,
            &self.vendor_acc,
            &self.customer_auth,
            &self.rateplan,
            &self.destination,
            &self.routing_group,
            &self.routing_plan,
            &self.dialpeer,
            &self.orig_gw,
            &self.term_gw,
            &self.src_country,
            &self.src_network,
            &self.dst_country,
            &self.dst_network,
            &self.pop,
            &self.node,
        ]
    }

    /// Mutable access by [`CALL_RELATIONSHIPS`] index (used by the simulator to fill them).
    pub fn slot_mut(&mut self, index: usize) -> Option<&mut Option<Relationship>> {
        Some(match index {
            0 => &mut self.customer,
            1 => &mut self.vendor,
            2 => &mut self.customer_acc,
            3 => &mut self.vendor_acc,
            4 => &mut self.customer_auth,
            5 => &mut self.rateplan,
            6 => &mut self.destination,
            7 => &mut self.routing_group,
            8 => &mut self.routing_plan,
            9 => &mut self.dialpeer,
            10 => &mut self.orig_gw,
            11 => &mut self.term_gw,
            12 => &mut self.src_country,
            13 => &mut self.src_network,
            14 => &mut self.dst_country,
            15 => &mut self.dst_network,
            16 => &mut self.pop,
            17 => &mut self.node,
            _ => return None,
        })
    }
}

/// One `active-calls` resource object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CallResource {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
    #[serde(default)]
    pub attributes: CallAttributes,
    #[serde(default)]
    pub relationships: CallRelationships,
}

/// Any other resource (contractors, accounts, gateways, ...): attributes are kept as JSON values because
/// record views show all of them; there are few such records, so a map is cheap here.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RecordResource {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub relationships: BTreeMap<String, Relationship>,
}

/// `meta` of a list document; yeti always sends `{"total-count": 0}` for active calls.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ListMeta {
    #[serde(
        rename = "total-count",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub total_count: Option<i64>,
}

/// Pagination links of a paged list (related record types are paged; active calls are not).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct PageLinks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

/// `GET /active-calls`: the whole list (no pagination) plus `included` when asked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct CallListDocument {
    pub data: Vec<CallResource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<RecordResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ListMeta>,
}

/// `GET /active-calls/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CallDocument {
    pub data: CallResource,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<RecordResource>,
}

/// `GET /<type>/{id}` or a related link: one record, or `null` for an empty relationship.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RecordDocument {
    pub data: Option<RecordResource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<RecordResource>,
}

/// `GET /<type>`: a paged list of records.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct RecordListDocument {
    pub data: Vec<RecordResource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<RecordResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ListMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<PageLinks>,
}

/// `GET /active-calls/{id}/relationships/<rel>`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RelationshipDocument {
    #[serde(default, deserialize_with = "linkage")]
    pub data: Option<Option<ResourceId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<RelationshipLinks>,
}

/// `source` of a JSON:API error.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ErrorSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// One JSON:API error object. yeti (jsonapi-resources) writes members in the order title, detail, id, href,
/// code, source, links, status, meta; `code` and `status` are strings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ApiErrorObject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    #[serde(
        default,
        deserialize_with = "opt_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
}

impl ApiErrorObject {
    /// An error object as yeti builds it: title, detail, code, status.
    pub fn new(title: &str, detail: &str, code: &str, status: u16) -> Self {
        ApiErrorObject {
            title: Some(title.to_owned()),
            detail: Some(detail.to_owned()),
            code: Some(code.to_owned()),
            source: None,
            status: Some(status.to_string()),
        }
    }
}

/// `{"errors": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ErrorDocument {
    #[serde(default)]
    pub errors: Vec<ApiErrorObject>,
}

impl ErrorDocument {
    pub fn single(title: &str, detail: &str, code: &str, status: u16) -> Self {
        ErrorDocument {
            errors: vec![ApiErrorObject::new(title, detail, code, status)],
        }
    }
}

/// Body of `POST /auth`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuthRequest {
    pub auth: AuthCredentials,
}

/// Credentials inside [`AuthRequest`]. Deliberately no `Debug` of the password.
#[derive(Clone, Deserialize, Serialize)]
pub struct AuthCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for AuthCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Answer of `POST /auth` (201).
#[derive(Clone, Deserialize, Serialize)]
pub struct AuthResponse {
    pub jwt: String,
}

impl std::fmt::Debug for AuthResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthResponse { jwt: <redacted> }")
    }
}

/// Formats a time the way yeti-web renders `:yeti_date_time` attributes: UTC, milliseconds, `Z`
/// (always `.000`, SEMS floats are truncated to whole seconds).
pub fn format_yeti_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

mod yeti_time_opt {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&format_yeti_time(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw: Option<std::borrow::Cow<'de, str>> = Option::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| {
                    serde::de::Error::custom(format!("invalid time {:?}: {e}", truncate(&s)))
                }),
        }
    }
}

/// Decimals travel as strings (`"0.11"`, as yeti-web's factory and its BigDecimal `as_json` give them). How
/// every PG→AmArg conversion of the live rate fields comes out is UNCONFIRMED (contract §2.3), so numbers are
/// accepted too, read through their decimal text so no binary floating point is involved.
mod decimal_opt {
    use super::*;
    use std::str::FromStr;

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Option<Decimal>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a decimal number as a string or a number")
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(V)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                parse_decimal(s)
                    .map(Some)
                    .ok_or_else(|| E::custom(format!("invalid decimal {:?}", truncate(s))))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // The shortest text that round-trips is what the sender wrote.
                if !v.is_finite() {
                    return Err(E::custom("invalid decimal (not finite)"));
                }
                parse_decimal(&v.to_string())
                    .map(Some)
                    .ok_or_else(|| E::custom(format!("decimal out of range: {v}")))
            }
        }
        d.deserialize_option(V)
    }

    /// Parses `"0.11"`, `"1e-3"`, `" 5 "`; `None` for anything else or out of range.
    pub fn parse_decimal(s: &str) -> Option<Decimal> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 {
            return None;
        }
        Decimal::from_str(s)
            .ok()
            .or_else(|| Decimal::from_scientific(s).ok())
    }
}

pub use decimal_opt::parse_decimal;

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// JSON:API ids are strings; accept numbers too (some servers send them).
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<String, E> {
            Ok(s.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, s: String) -> Result<String, E> {
            Ok(s)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "string_or_number")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// Present-but-null linkage becomes `Some(None)`; absence is handled by `#[serde(default)]`.
pub(crate) fn linkage<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<ResourceId>>, D::Error> {
    Ok(Some(Option::<ResourceId>::deserialize(d)?))
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
