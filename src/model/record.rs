//! A related record (contractor, account, gateway, ...), built from a JSON:API resource, with every value
//! sanitized and every secret masked.

use std::fmt;

use serde_json::Value;

use crate::api::types::RecordResource;
use crate::model::Text;
use crate::sanitize::{sanitize, sanitize_max};

/// What a masked secret shows instead of its value.
pub const MASK: &str = "••••";

/// A record's identity: JSON:API type and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    pub kind: Text,
    pub id: Text,
}

impl RecordKey {
    pub fn new(kind: &str, id: &str) -> RecordKey {
        RecordKey {
            kind: sanitize_max(kind, 64),
            id: sanitize_max(id, 128),
        }
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.id)
    }
}

/// One attribute as shown: its name and its display value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: Text,
    pub value: Text,
    /// A secret: `value` is [`MASK`].
    pub secret: bool,
}

/// A relationship of a record: its name and, when the API gave linkage, the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    pub name: Text,
    /// `None`: empty relationship or no linkage sent.
    pub target: Option<RecordKey>,
}

/// A related record, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: RecordKey,
    /// `name`, else `prefix` (destinations and dialpeers have no name), else `#id`.
    pub name: Text,
    pub attributes: Vec<Attribute>,
    pub relationships: Vec<RecordLink>,
}

impl Record {
    /// The display value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| &*a.name == name)
            .map(|a| &*a.value)
    }

    /// The target of relationship `name`.
    pub fn link(&self, name: &str) -> Option<&RecordKey> {
        self.relationships
            .iter()
            .find(|r| &*r.name == name)
            .and_then(|r| r.target.as_ref())
    }
}

/// Attribute names whose values are secrets, wherever they appear (gateways have `auth-password` and
/// `incoming-auth-password`; other types may grow more).
pub fn is_secret_attribute(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password")
        || n.contains("secret")
        || n.contains("token")
        || n.ends_with("-key")
        || n == "key"
}

/// Builds a record from its resource.
pub fn build_record(res: RecordResource) -> Record {
    let key = RecordKey::new(&res.kind, &res.id);
    let attributes: Vec<Attribute> = res
        .attributes
        .iter()
        .map(|(name, value)| {
            let secret = is_secret_attribute(name);
            Attribute {
                name: sanitize_max(name, 64),
                value: if secret {
                    MASK.into()
                } else {
                    display_value(value)
                },
                secret,
            }
        })
        .collect();
    let pick = |field: &str| {
        attributes
            .iter()
            .find(|a| &*a.name == field && !a.secret && &*a.value != "-" && !a.value.is_empty())
            .map(|a| a.value.clone())
    };
    let name = pick("name")
        .or_else(|| pick("prefix"))
        .unwrap_or_else(|| format!("#{}", key.id).into_boxed_str());
    let relationships = res
        .relationships
        .into_iter()
        .map(|(name, rel)| RecordLink {
            name: sanitize_max(&name, 64),
            target: rel
                .data
                .flatten()
                .map(|rid| RecordKey::new(&rid.kind, &rid.id)),
        })
        .collect();
    Record {
        key,
        name,
        attributes,
        relationships,
    }
}

/// A JSON value as one line of sanitized text: strings as they are, `null` as `-`, arrays joined with `, `.
pub fn display_value(v: &Value) -> Text {
    match v {
        Value::Null => "-".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(n) => sanitize(&n.to_string()),
        Value::String(s) => sanitize(s),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .take(64)
                .map(|i| display_value(i).into_string())
                .collect();
            sanitize(&parts.join(", "))
        }
        Value::Object(_) => sanitize(&v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(json: &str) -> RecordResource {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn secrets_are_masked_and_names_picked() {
        let r = build_record(res(
            r#"{"id":"7","type":"gateways","attributes":{"name":"GW\u001b[2J one","auth-password":"hunter2",
                "incoming-auth-password":"s3cret","host":"10.0.0.1","port":5060,"enabled":true,"ip":["1.2.3.4","5.6.7.8"],"x":null},
                "relationships":{"contractor":{"data":{"type":"contractors","id":5}},"pop":{"data":null}}}"#,
        ));
        assert_eq!(&*r.name, "GW␛[2J one");
        assert_eq!(r.attr("auth-password"), Some(MASK));
        assert_eq!(r.attr("incoming-auth-password"), Some(MASK));
        assert_eq!(r.attr("port"), Some("5060"));
        assert_eq!(r.attr("enabled"), Some("true"));
        assert_eq!(r.attr("ip"), Some("1.2.3.4, 5.6.7.8"));
        assert_eq!(r.attr("x"), Some("-"));
        assert_eq!(
            r.link("contractor"),
            Some(&RecordKey::new("contractors", "5"))
        );
        assert_eq!(r.link("pop"), None);
        let dump = format!("{r:?}");
        assert!(!dump.contains("hunter2") && !dump.contains("s3cret"));
    }

    #[test]
    fn prefix_or_id_when_there_is_no_name() {
        let r = build_record(res(
            r#"{"id":"3","type":"destinations","attributes":{"prefix":"380"}}"#,
        ));
        assert_eq!(&*r.name, "380");
        let r = build_record(res(r#"{"id":"3","type":"pops","attributes":{}}"#));
        assert_eq!(&*r.name, "#3");
    }
}
