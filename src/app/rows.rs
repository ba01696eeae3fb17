//! The view-model of the call list: the columns, the text of each cell, sort keys and header totals. Pure
//! functions of a call, the record caches and the server clock, like k9s' renderers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::api::types::CALL_RELATIONSHIPS;
use crate::model::call::format_hms;
use crate::model::{Call, Link, RecordCache, RecordKey};

/// Relationship indexes in [`CALL_RELATIONSHIPS`].
pub const REL_CUSTOMER: usize = 0;
pub const REL_VENDOR: usize = 1;
pub const REL_CUSTOMER_ACC: usize = 2;
pub const REL_VENDOR_ACC: usize = 3;
pub const REL_ORIG_GW: usize = 10;
pub const REL_TERM_GW: usize = 11;
pub const REL_DST_NETWORK: usize = 15;
pub const REL_NODE: usize = 17;

/// A call within this many seconds of its time limit is highlighted.
pub const NEAR_LIMIT_SECS: i64 = 60;

/// The columns of the call list, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Node,
    Duration,
    Customer,
    Vendor,
    From,
    To,
    DstNetwork,
    CustRate,
    VendRate,
    Margin,
    Left,
    OrigGw,
    TermGw,
}

impl Column {
    pub const ALL: [Column; 13] = [
        Column::Node,
        Column::Duration,
        Column::Customer,
        Column::Vendor,
        Column::From,
        Column::To,
        Column::DstNetwork,
        Column::CustRate,
        Column::VendRate,
        Column::Margin,
        Column::Left,
        Column::OrigGw,
        Column::TermGw,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Node => "Node",
            Column::Duration => "Duration",
            Column::Customer => "Customer",
            Column::Vendor => "Vendor",
            Column::From => "From",
            Column::To => "To",
            Column::DstNetwork => "Dst network",
            Column::CustRate => "Cust rate",
            Column::VendRate => "Vend rate",
            Column::Margin => "Margin/min",
            Column::Left => "Left",
            Column::OrigGw => "Orig GW",
            Column::TermGw => "Term GW",
        }
    }

    /// Width (cells) the column wants, and its priority when the terminal is narrow (lower is kept longer).
    pub fn width(self) -> (u16, u8) {
        match self {
            Column::Node => (10, 3),
            Column::Duration => (14, 0),
            Column::Customer => (14, 1),
            Column::Vendor => (14, 2),
            Column::From => (12, 5),
            Column::To => (15, 1),
            Column::DstNetwork => (14, 7),
            Column::CustRate => (9, 4),
            Column::VendRate => (9, 6),
            Column::Margin => (10, 2),
            Column::Left => (9, 4),
            Column::OrigGw => (12, 8),
            Column::TermGw => (12, 8),
        }
    }

    /// Right-aligned numbers.
    pub fn numeric(self) -> bool {
        matches!(
            self,
            Column::Duration | Column::CustRate | Column::VendRate | Column::Margin | Column::Left
        )
    }

    pub fn next(self) -> Column {
        self.next_in(&[])
    }

    /// The column after this one among `shown` (all when empty), wrapping around.
    pub fn next_in(self, shown: &[Column]) -> Column {
        let order: &[Column] = if shown.is_empty() {
            &Column::ALL
        } else {
            shown
        };
        match order.iter().position(|c| *c == self) {
            Some(i) => order[(i + 1) % order.len()],
            None => order[0],
        }
    }

    /// The column of a config `columns` name (`node`, `duration`, `customer`, `vendor`, `from`, `to`,
    /// `dst-network`, `cust-rate`, `vend-rate`, `margin`, `left`, `orig-gw`, `term-gw`).
    pub fn by_name(name: &str) -> Option<Column> {
        Some(match name {
            "node" => Column::Node,
            "duration" => Column::Duration,
            "customer" => Column::Customer,
            "vendor" => Column::Vendor,
            "from" => Column::From,
            "to" => Column::To,
            "dst-network" => Column::DstNetwork,
            "cust-rate" => Column::CustRate,
            "vend-rate" => Column::VendRate,
            "margin" | "margin/min" => Column::Margin,
            "left" => Column::Left,
            "orig-gw" => Column::OrigGw,
            "term-gw" => Column::TermGw,
            _ => return None,
        })
    }

    /// The columns that fit in `width` cells (one space between columns), in display order.
    pub fn fitting(width: u16) -> Vec<Column> {
        Column::fitting_from(&Column::ALL, width)
    }

    /// Of `chosen` (all when empty), the ones that fit in `width` cells, in the order given.
    pub fn fitting_from(chosen: &[Column], width: u16) -> Vec<Column> {
        let mut cols: Vec<Column> = if chosen.is_empty() {
            Column::ALL.to_vec()
        } else {
            chosen.to_vec()
        };
        let total = |cols: &[Column]| -> u32 {
            cols.iter().map(|c| u32::from(c.width().0) + 1).sum::<u32>()
        };
        while cols.len() > 1 && total(&cols) > u32::from(width) + 1 {
            // Drop the least important (highest priority number), the rightmost first among equals.
            let Some((at, _)) = cols
                .iter()
                .enumerate()
                .max_by_key(|(i, c)| (c.width().1, *i))
            else {
                break;
            };
            cols.remove(at);
        }
        cols
    }
}

/// Read access to what names and currencies come from: the records of list polls (sparse: names only) and
/// the full records of call polls and record fetches.
#[derive(Clone, Copy)]
pub struct Lookup<'a> {
    pub names: &'a RecordCache,
    pub records: &'a RecordCache,
    pub server_now: DateTime<Utc>,
}

impl<'a> Lookup<'a> {
    pub fn record(&self, key: &RecordKey) -> Option<&'a crate::model::Record> {
        self.records.get(key).or_else(|| self.names.get(key))
    }

    /// Name of the record behind relationship `rel` of `call` (links from `links`).
    pub fn rel_name(&self, links: &[Link; 18], rel: usize) -> Option<&'a str> {
        let (_, kind) = CALL_RELATIONSHIPS.get(rel)?;
        let id = links.get(rel)?.id()?;
        self.records
            .name(kind, id)
            .or_else(|| self.names.name(kind, id))
    }

    /// The currency of the account behind relationship `acc_rel` (customer-acc or vendor-acc).
    pub fn currency(&self, call: &Call, acc_rel: usize) -> Option<&'a str> {
        self.link_currency(call.links[acc_rel], acc_rel)
    }

    /// The currency of account `link` (relationship `acc_rel`); no allocation.
    pub fn link_currency(&self, link: Link, acc_rel: usize) -> Option<&'a str> {
        let (_, kind) = CALL_RELATIONSHIPS.get(acc_rel)?;
        let id = link.id()?;
        self.records
            .get_num(kind, id)
            .or_else(|| self.names.get_num(kind, id))
            .and_then(|r| r.attr("currency"))
            .filter(|c| !c.is_empty() && *c != "-")
    }

    /// Node name, else the node id from the call id.
    pub fn node(&self, call: &Call) -> String {
        self.node_of(call.links[REL_NODE], call.node_id())
    }

    /// [`Lookup::node`] from the node linkage and the node id of the call id.
    pub fn node_of(&self, link: Link, node_id: Option<u32>) -> String {
        match self.link_name(link, REL_NODE) {
            Some(n) => n.to_owned(),
            None => match node_id {
                Some(id) => id.to_string(),
                None => "-".to_owned(),
            },
        }
    }

    /// Name of the record `link` of relationship `rel` points to; no allocation.
    pub fn link_name(&self, link: Link, rel: usize) -> Option<&'a str> {
        let (_, kind) = CALL_RELATIONSHIPS.get(rel)?;
        let id = link.id()?;
        self.records
            .name(kind, id)
            .or_else(|| self.names.name(kind, id))
    }
}

/// Money with 4 decimals, or 6 when it needs more: `0.1100`, `0.174167`, `0.038720`, `-0.0010`.
pub fn money(d: Decimal) -> String {
    let r = d.round_dp(6).normalize();
    let decimals = r.scale();
    if decimals <= 4 {
        format!("{r:.4}")
    } else {
        format!("{r:.6}")
    }
}

/// A per-minute amount in a table column: always 6 decimals, so a column of them lines up
/// (`0.007000`, `0.174213`, `-0.025760`).
pub fn per_minute(d: Decimal) -> String {
    format!("{:.6}", d.round_dp(6))
}

/// Money with its currency, `0.1100 USD`; the amount alone when the currency is unknown.
pub fn money_in(d: Decimal, currency: Option<&str>) -> String {
    match currency {
        Some(c) => format!("{} {c}", money(d)),
        None => money(d),
    }
}

/// `142 ms`, `1.2 s`.
pub fn latency(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `512 B`, `12.3 kB`, `1.2 MB`.
pub fn bytes(n: usize) -> String {
    let n = n as f64;
    if n < 1000.0 {
        format!("{n} B")
    } else if n < 1_000_000.0 {
        format!("{:.1} kB", n / 1000.0)
    } else {
        format!("{:.1} MB", n / 1_000_000.0)
    }
}

/// A short form of a call id for titles and messages: `2*A2-A9D0…`.
pub fn short_id(id: &str) -> String {
    let mut chars = id.chars();
    let head: String = chars.by_ref().take(9).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// What the list knows about one call at a moment: its shown duration (or ringing seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Answered(i64),
    Ringing(i64),
    Unknown,
}

impl Shown {
    pub fn text(self) -> String {
        match self {
            Shown::Answered(d) => format_hms(d),
            Shown::Ringing(s) => format!("ringing {s}s"),
            Shown::Unknown => "-".to_owned(),
        }
    }

    pub fn duration(self) -> Option<i64> {
        match self {
            Shown::Answered(d) => Some(d),
            _ => None,
        }
    }
}

/// Shown duration of `call` at `server_now`, never below `floor`.
pub fn shown(call: &Call, server_now: DateTime<Utc>, floor: i64) -> Shown {
    match call.duration_at(server_now) {
        Some(d) => Shown::Answered(d.max(floor)),
        None => match call.ringing_for(server_now) {
            Some(s) => Shown::Ringing(s),
            None => Shown::Unknown,
        },
    }
}

/// Margin per minute at `duration`, `None` when the currencies differ.
pub fn margin_rate(call: &Call, lk: &Lookup<'_>, duration: Option<i64>) -> Option<Decimal> {
    let (cc, vc) = (
        lk.currency(call, REL_CUSTOMER_ACC),
        lk.currency(call, REL_VENDOR_ACC),
    );
    if cc.is_some() && vc.is_some() && cc != vc {
        return None;
    }
    Some(call.customer.rate_at(duration) - call.vendor.rate_at(duration))
}

/// How a row is highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Normal,
    /// Negative margin.
    Losing,
    /// Within [`NEAR_LIMIT_SECS`] of the time limit.
    NearLimit,
    Ended,
}

/// The mark of a live call at its shown duration.
pub fn mark(call: &Call, lk: &Lookup<'_>, s: Shown) -> Mark {
    if let Some(left) = call
        .time_limit
        .map(|limit| limit - s.duration().unwrap_or(0))
        && s.duration().is_some()
        && left <= NEAR_LIMIT_SECS
    {
        return Mark::NearLimit;
    }
    match margin_rate(call, lk, s.duration()) {
        Some(m) if m < Decimal::ZERO => Mark::Losing,
        _ => Mark::Normal,
    }
}

/// The text of one cell.
pub fn cell(col: Column, call: &Call, lk: &Lookup<'_>, s: Shown) -> String {
    let name = |rel: usize| -> String {
        match call.links[rel] {
            Link::Empty => "-".to_owned(),
            Link::Unknown => "…".to_owned(),
            Link::Id(id) => lk
                .rel_name(&call.links, rel)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("#{id}")),
        }
    };
    let opt = |t: &Option<crate::model::Text>| t.as_deref().unwrap_or("-").to_owned();
    match col {
        Column::Node => lk.node(call),
        Column::Duration => s.text(),
        Column::Customer => name(REL_CUSTOMER),
        Column::Vendor => name(REL_VENDOR),
        Column::From => opt(&call.src_prefix_routing),
        Column::To => opt(&call.dst_prefix_routing),
        Column::DstNetwork => name(REL_DST_NETWORK),
        Column::CustRate => per_minute(call.customer.rate_at(s.duration())),
        Column::VendRate => per_minute(call.vendor.rate_at(s.duration())),
        Column::Margin => match margin_rate(call, lk, s.duration()) {
            Some(m) => per_minute(m),
            None => "n/a".to_owned(),
        },
        Column::Left => match call.time_limit {
            None => "-".to_owned(),
            Some(limit) => {
                let left = limit - s.duration().unwrap_or(0);
                if left < 0 {
                    format!("-{}", format_hms(-left))
                } else {
                    format_hms(left)
                }
            }
        },
        Column::OrigGw => name(REL_ORIG_GW),
        Column::TermGw => name(REL_TERM_GW),
    }
}

/// The relationship whose linkage alone decides the sort key of `col`, if any: the key is then the same for
/// every call linked to the same record, and is computed once per record.
pub fn sort_rel(col: Column) -> Option<usize> {
    match col {
        Column::Customer => Some(REL_CUSTOMER),
        Column::Vendor => Some(REL_VENDOR),
        Column::DstNetwork => Some(REL_DST_NETWORK),
        Column::OrigGw => Some(REL_ORIG_GW),
        Column::TermGw => Some(REL_TERM_GW),
        _ => None,
    }
}

/// The text of a name column for the record `link` of relationship `rel` (as [`cell`] shows it).
pub fn link_cell(link: Link, rel: usize, lk: &Lookup<'_>) -> String {
    match link {
        Link::Empty => "-".to_owned(),
        Link::Unknown => "…".to_owned(),
        Link::Id(id) => lk
            .link_name(link, rel)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("#{id}")),
    }
}

/// The text sort key of the Node column from the node linkage and the node id of the call id: the node's
/// name, lowercase, or the zero-padded id when the name is unknown.
pub fn node_sort_text(link: Link, node_id: Option<u32>, lk: &Lookup<'_>) -> String {
    match node_id {
        Some(id) if lk.link_name(link, REL_NODE).is_none() => format!("{id:010}"),
        _ => lk.node_of(link, node_id).to_lowercase(),
    }
}

/// Appends the lowercase text the `/` filter searches for `call` to `out`: the call id, local tag, both
/// call-ids and every cell. `name` gives the text of a name column (relationship, link), so callers can
/// share it between calls.
pub fn push_haystack(
    out: &mut String,
    call: &Call,
    lk: &Lookup<'_>,
    s: Shown,
    name: &mut impl FnMut(usize, Link) -> std::rc::Rc<str>,
) {
    let start = out.len();
    out.push_str(&call.id);
    for t in [&call.local_tag, &call.orig_call_id, &call.term_call_id]
        .into_iter()
        .flatten()
    {
        out.push('\u{1}');
        out.push_str(t);
    }
    for col in Column::ALL {
        out.push('\u{1}');
        let rel = match col {
            Column::Customer => REL_CUSTOMER,
            Column::Vendor => REL_VENDOR,
            Column::DstNetwork => REL_DST_NETWORK,
            Column::OrigGw => REL_ORIG_GW,
            Column::TermGw => REL_TERM_GW,
            Column::Node => {
                out.push_str(&lk.node(call));
                continue;
            }
            Column::From | Column::To => {
                let t = if col == Column::From {
                    &call.src_prefix_routing
                } else {
                    &call.dst_prefix_routing
                };
                out.push_str(t.as_deref().unwrap_or("-"));
                continue;
            }
            _ => {
                out.push_str(&cell(col, call, lk, s));
                continue;
            }
        };
        out.push_str(&name(rel, call.links[rel]));
    }
    // Lowercasing field by field is lowercasing the whole: the separators break Σ's word context.
    if out[start..].is_ascii() {
        out[start..].make_ascii_lowercase();
    } else {
        let low = out[start..].to_lowercase();
        out.truncate(start);
        out.push_str(&low);
    }
}

/// Header totals of a list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub answered: usize,
    pub ringing: usize,
    /// (node, calls), by node name.
    pub per_node: Vec<(String, usize)>,
    /// Σ per-minute rates per currency ("" when unknown).
    pub price: BTreeMap<String, Decimal>,
    pub cost: BTreeMap<String, Decimal>,
    /// Σ margin per minute per currency, over calls whose two sides use the same currency.
    pub margin: BTreeMap<String, Decimal>,
    /// Answered calls left out of the margin (customer and vendor currencies differ).
    pub margin_na: usize,
}

impl Totals {
    /// The totals of the live calls among `calls` (call, shown duration). Names and currencies are looked up
    /// once per linked record, not per call.
    pub fn compute<'c>(calls: impl Iterator<Item = (&'c Call, Shown)>, lk: &Lookup<'_>) -> Totals {
        use std::collections::HashMap;
        let mut t = Totals::default();
        let mut nodes: HashMap<(Link, Option<u32>), usize> = HashMap::new();
        let mut cur: HashMap<(usize, Link), &str> = HashMap::new();
        let mut price: BTreeMap<&str, Decimal> = BTreeMap::new();
        let mut cost: BTreeMap<&str, Decimal> = BTreeMap::new();
        let mut margin: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (call, s) in calls {
            *nodes
                .entry((call.links[REL_NODE], call.node_id()))
                .or_default() += 1;
            let Shown::Answered(d) = s else {
                t.ringing += 1;
                continue;
            };
            t.answered += 1;
            let mut currency = |rel: usize| -> &str {
                let link = call.links[rel];
                cur.entry((rel, link))
                    .or_insert_with(|| lk.link_currency(link, rel).unwrap_or(""))
            };
            let cc = currency(REL_CUSTOMER_ACC);
            let vc = currency(REL_VENDOR_ACC);
            let p = call.customer.rate_at(Some(d));
            let c = call.vendor.rate_at(Some(d));
            *price.entry(cc).or_default() += p;
            *cost.entry(vc).or_default() += c;
            if cc.is_empty() || vc.is_empty() || cc == vc {
                let cur = if cc.is_empty() { vc } else { cc };
                *margin.entry(cur).or_default() += p - c;
            } else {
                t.margin_na += 1;
            }
        }
        let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
        for ((link, id), n) in nodes {
            *per_node.entry(lk.node_of(link, id)).or_default() += n;
        }
        t.per_node = per_node.into_iter().collect();
        let owned = |m: BTreeMap<&str, Decimal>| -> BTreeMap<String, Decimal> {
            m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
        };
        t.price = owned(price);
        t.cost = owned(cost);
        t.margin = owned(margin);
        t
    }
}

/// `USD 12.3400 / EUR 0.5600`; `0.0000` when empty.
pub fn per_currency(m: &BTreeMap<String, Decimal>) -> String {
    if m.is_empty() {
        return money(Decimal::ZERO);
    }
    m.iter()
        .map(|(cur, v)| {
            if cur.is_empty() {
                money(*v)
            } else {
                format!("{cur} {}", money(*v))
            }
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_has_at_least_four_decimals() {
        let d = |s| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(money(d("0.11")), "0.1100");
        assert_eq!(money(d("0.1741666666")), "0.174167");
        assert_eq!(money(d("-0.001")), "-0.0010");
        assert_eq!(money(d("12")), "12.0000");
        assert_eq!(money(Decimal::ZERO), "0.0000");
        assert_eq!(money(d("0.03872")), "0.038720");
        assert_eq!(per_minute(d("0.007")), "0.007000");
        assert_eq!(per_minute(d("-0.0257604")), "-0.025760");
    }

    #[test]
    fn short_ids_and_sizes() {
        assert_eq!(short_id("2*A2-A9D0-B7F2"), "2*A2-A9D0…");
        assert_eq!(short_id("2*A2"), "2*A2");
        assert_eq!(bytes(1_234_567), "1.2 MB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(latency(std::time::Duration::from_millis(142)), "142 ms");
    }

    #[test]
    fn columns_fit_narrow_terminals() {
        assert_eq!(Column::fitting(400).len(), 13);
        let narrow = Column::fitting(100);
        assert!(narrow.contains(&Column::Duration) && narrow.contains(&Column::Customer));
        assert!(!narrow.contains(&Column::OrigGw));
        assert_eq!(Column::fitting(0), vec![Column::Duration]);
        let chosen = [Column::Duration, Column::Customer, Column::Margin];
        assert_eq!(Column::fitting_from(&chosen, 400), chosen.to_vec());
        assert_eq!(Column::by_name("dst-network"), Some(Column::DstNetwork));
        assert_eq!(Column::by_name("id"), None);
        assert_eq!(Column::Duration.next_in(&chosen), Column::Customer);
        assert_eq!(Column::Margin.next_in(&chosen), Column::Duration);
        assert_eq!(Column::Node.next_in(&chosen), Column::Duration);
    }

    #[test]
    fn totals_sum_per_currency() {
        let mut m = BTreeMap::new();
        m.insert(
            "USD".to_owned(),
            Decimal::from_str("12.34").unwrap_or_default(),
        );
        m.insert(
            "EUR".to_owned(),
            Decimal::from_str("0.56").unwrap_or_default(),
        );
        assert_eq!(per_currency(&m), "EUR 0.5600 / USD 12.3400");
    }
}
