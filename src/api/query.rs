//! Typed query of `GET /active-calls`: the 21 filters of yeti-web, `include=` and sparse fieldsets.

use std::fmt;
use std::str::FromStr;

/// The filters yeti-web allows on active calls (`Api::Rest::Admin::ActiveCallResource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterField {
    CustomerIdEq,
    VendorIdEq,
    CustomerAccIdEq,
    VendorAccIdEq,
    CustomerAuthIdEq,
    RateplanIdEq,
    DestinationIdEq,
    RoutingGroupIdEq,
    RoutingPlanIdEq,
    DialpeerIdEq,
    OrigGwIdEq,
    TermGwIdEq,
    SrcCountryIdEq,
    SrcNetworkIdEq,
    DstCountryIdEq,
    DstNetworkIdEq,
    PopIdEq,
    NodeIdEq,
    DurationEquals,
    DurationGreaterThan,
    DurationLessThan,
}

impl FilterField {
    pub const ALL: [FilterField; 21] = [
        FilterField::CustomerIdEq,
        FilterField::VendorIdEq,
        FilterField::CustomerAccIdEq,
        FilterField::VendorAccIdEq,
        FilterField::CustomerAuthIdEq,
        FilterField::RateplanIdEq,
        FilterField::DestinationIdEq,
        FilterField::RoutingGroupIdEq,
        FilterField::RoutingPlanIdEq,
        FilterField::DialpeerIdEq,
        FilterField::OrigGwIdEq,
        FilterField::TermGwIdEq,
        FilterField::SrcCountryIdEq,
        FilterField::SrcNetworkIdEq,
        FilterField::DstCountryIdEq,
        FilterField::DstNetworkIdEq,
        FilterField::PopIdEq,
        FilterField::NodeIdEq,
        FilterField::DurationEquals,
        FilterField::DurationGreaterThan,
        FilterField::DurationLessThan,
    ];

    /// The name yeti expects (underscored; the dasherized form works too).
    pub fn api_name(self) -> &'static str {
        match self {
            FilterField::CustomerIdEq => "customer_id_eq",
            FilterField::VendorIdEq => "vendor_id_eq",
            FilterField::CustomerAccIdEq => "customer_acc_id_eq",
            FilterField::VendorAccIdEq => "vendor_acc_id_eq",
            FilterField::CustomerAuthIdEq => "customer_auth_id_eq",
            FilterField::RateplanIdEq => "rateplan_id_eq",
            FilterField::DestinationIdEq => "destination_id_eq",
            FilterField::RoutingGroupIdEq => "routing_group_id_eq",
            FilterField::RoutingPlanIdEq => "routing_plan_id_eq",
            FilterField::DialpeerIdEq => "dialpeer_id_eq",
            FilterField::OrigGwIdEq => "orig_gw_id_eq",
            FilterField::TermGwIdEq => "term_gw_id_eq",
            FilterField::SrcCountryIdEq => "src_country_id_eq",
            FilterField::SrcNetworkIdEq => "src_network_id_eq",
            FilterField::DstCountryIdEq => "dst_country_id_eq",
            FilterField::DstNetworkIdEq => "dst_network_id_eq",
            FilterField::PopIdEq => "pop_id_eq",
            FilterField::NodeIdEq => "node_id_eq",
            FilterField::DurationEquals => "duration_equals",
            FilterField::DurationGreaterThan => "duration_greater_than",
            FilterField::DurationLessThan => "duration_less_than",
        }
    }

    /// The id filter of a call relationship (`customer`, `orig-gw`, ...), if yeti has one.
    pub fn for_relationship(name: &str) -> Option<FilterField> {
        let underscored = format!("{}_id_eq", name.replace('-', "_"));
        FilterField::ALL
            .into_iter()
            .find(|f| f.api_name() == underscored)
    }

    /// Parses an api name, underscored or dasherized.
    pub fn from_api_name(name: &str) -> Option<FilterField> {
        let n = name.replace('-', "_");
        FilterField::ALL.into_iter().find(|f| f.api_name() == n)
    }
}

/// One filter: a field and its value. Node accepts a list (yeti ORs a comma list); the others one integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFilter {
    pub field: FilterField,
    pub values: Vec<i64>,
}

impl CallFilter {
    pub fn new(field: FilterField, value: i64) -> CallFilter {
        CallFilter {
            field,
            values: vec![value],
        }
    }
}

/// Error of [`CallFilter::from_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterParseError(pub String);

impl fmt::Display for FilterParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterParseError {}

impl FromStr for CallFilter {
    type Err = FilterParseError;

    /// `customer=5`, `orig-gw=12`, `node=1,2`, `duration>60`, `duration<10`, `duration=0`, or an api name
    /// such as `customer_id_eq=5`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (key, op, value) = ['>', '<', '=']
            .iter()
            .filter_map(|op| s.find(*op).map(|at| (at, *op)))
            .min_by_key(|(at, _)| *at)
            .map(|(at, op)| (s[..at].trim(), op, s[at + 1..].trim()))
            .ok_or_else(|| {
                FilterParseError(format!(
                    "filter {s:?}: expected KEY=VALUE, duration>N or duration<N"
                ))
            })?;
        let field = match (key, op) {
            ("duration", '>') => FilterField::DurationGreaterThan,
            ("duration", '<') => FilterField::DurationLessThan,
            ("duration", '=') => FilterField::DurationEquals,
            (_, '=') => FilterField::for_relationship(key)
                .or_else(|| FilterField::from_api_name(key))
                .ok_or_else(|| FilterParseError(format!("filter {key:?}: unknown key")))?,
            _ => {
                return Err(FilterParseError(format!(
                    "filter {s:?}: only duration takes > or <"
                )));
            }
        };
        let values = value
            .split(',')
            .map(|v| v.trim().parse::<i64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                FilterParseError(format!("filter {key:?}: {value:?} is not an integer"))
            })?;
        if values.is_empty() || (values.len() > 1 && field != FilterField::NodeIdEq) {
            return Err(FilterParseError(format!(
                "filter {key:?}: one integer expected"
            )));
        }
        Ok(CallFilter { field, values })
    }
}

/// Query of `GET /active-calls`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub filters: Vec<CallFilter>,
    /// Relationship paths for `include=`.
    pub include: Vec<String>,
    /// `fields[active-calls]=`: attributes and relationships to return; empty for all.
    pub fields: Vec<String>,
    /// `fields[<type>]=` for included records, e.g. `("contractors", ["name"])`.
    pub type_fields: Vec<(String, Vec<String>)>,
}

impl ListQuery {
    /// The query string pairs, in a stable order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for f in &self.filters {
            let v: Vec<String> = f.values.iter().map(|v| v.to_string()).collect();
            pairs.push((format!("filter[{}]", f.field.api_name()), v.join(",")));
        }
        if !self.include.is_empty() {
            pairs.push(("include".to_owned(), self.include.join(",")));
        }
        if !self.fields.is_empty() {
            pairs.push(("fields[active-calls]".to_owned(), self.fields.join(",")));
        }
        for (kind, fields) in &self.type_fields {
            pairs.push((format!("fields[{kind}]"), fields.join(",")));
        }
        pairs
    }
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
