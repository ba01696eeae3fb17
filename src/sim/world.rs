//! The simulated switch: its configuration records (nodes, pops, contractors, accounts, gateways, ...) and
//! its live calls, plus the churn that makes calls arrive, get answered and end.
//!
//! # Determinism
//!
//! [`World::generate`] is a pure function of `(cfg.seed, cfg.calls, cfg.nodes, now)`: the same inputs give
//! the same records and the same calls, byte for byte. Together with [`World::list_document`] (or
//! [`World::list_json`]) and a fixed `now`, this gives snapshot tests a frozen, realistic data set without any
//! HTTP:
//!
//! ```no_run
//! use chrono::{TimeZone, Utc};
//! use yetitop::sim::{SimConfig, world::World, query::ListQuery};
//! let now = Utc.with_ymd_and_hms(2026, 7, 18, 13, 10, 0).unwrap();
//! let cfg = SimConfig { calls: 40, churn: false, ..SimConfig::default() };
//! let world = World::generate(&cfg, now);
//! let query = ListQuery::new("http://yeti.example").with_all_includes();
//! let doc = world.list_document(now, &query); // a CallListDocument, as the client would decode it
//! assert_eq!(doc.data.len(), 40);
//! ```
//!
//! Churn ([`World::advance`]) is driven by the clock: each call carries hidden times at which it gets
//! answered (or fails) and ends; arrivals are a Poisson process whose rate keeps the number of calls around
//! `cfg.calls`. `cfg.churn_speed` divides every hidden delay (hold times, ringing times, inter-arrival
//! times), so tests can watch calls come and go within a second or two.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::api::types::{CallDocument, CallListDocument, format_yeti_time};

use super::SimConfig;
use super::catalog::{self, COUNTRIES};
use super::query::ListQuery;
use super::render;
use super::schema::{self, T_ACCOUNTS, T_CONTRACTORS, T_GATEWAYS, T_NODES};

// ---------------------------------------------------------------------------------------------------------
// Records

/// One configuration record (contractor, account, gateway, ...). `values` follow the attribute order of its
/// [`schema::TypeDef`], `rels` its relationship order (`None` = null linkage; to-many entries are `None`).
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub id: u32,
    pub values: Vec<Value>,
    pub rels: Vec<Option<u32>>,
}

/// The records of one type, sorted by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub records: Vec<Record>,
}

impl Table {
    pub fn get(&self, id: u32) -> Option<&Record> {
        self.records
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .map(|i| &self.records[i])
    }
}

#[derive(Debug, Clone)]
pub(crate) struct NodeInfo {
    pub id: u32,
    pub pop_id: u32,
    pub ipv4: String,
    pub ipv6: String,
    pub threads: Vec<u32>,
}

#[derive(Debug, Clone)]
struct AuthInfo {
    id: u32,
    customer_id: u32,
    account_id: u32,
    gw: usize,
    rateplan: usize,
    routing_plan: usize,
    tech_prefix: &'static str,
    home_country: usize,
}

#[derive(Debug, Clone)]
struct GwInfo {
    id: u32,
    host: String,
    port: u16,
    v6: bool,
    out_prefix: &'static str,
}

#[derive(Debug, Clone)]
struct RateSet {
    initial: Decimal,
    next: Decimal,
    fee: Decimal,
    initial_interval: u16,
    next_interval: u16,
}

#[derive(Debug, Clone)]
struct DestInfo {
    id: u32,
    rates: RateSet,
    policy: u8,
    margin_fixed: Decimal,
    margin_pct: Decimal,
}

#[derive(Debug, Clone)]
struct DpInfo {
    id: u32,
    vendor_id: u32,
    account_id: u32,
    gw: usize,
    routing_group: usize,
    rates: RateSet,
}

#[derive(Debug, Clone)]
struct NetInfo {
    id: u32,
    country: usize,
    /// Index of the network in its country's catalog entry.
    local: usize,
}

/// Everything but the calls: immutable once generated, shared by snapshots.
#[derive(Debug)]
pub(crate) struct Entities {
    /// One table per [`schema::TYPES`] entry.
    pub tables: Vec<Table>,
    pub nodes: Vec<NodeInfo>,
    /// Routing-plan names by id (the `routing-plan` include quirk renders them as `routing-groups`).
    pub routing_plan_names: HashMap<u32, String>,
    auths: Vec<AuthInfo>,
    auth_weights: Weighted,
    gateways: Vec<GwInfo>,
    networks: Vec<NetInfo>,
    net_weights: Weighted,
    /// `[rateplan][network]`.
    dests: Vec<Vec<DestInfo>>,
    /// Dialpeers able to terminate each network.
    dialpeers: Vec<Vec<DpInfo>>,
    routing_plan_groups: Vec<Vec<usize>>,
    /// Networks of each country (indexes into `networks`).
    country_nets: Vec<Vec<usize>>,
}

impl Entities {
    pub fn table(&self, type_index: usize) -> &Table {
        &self.tables[type_index]
    }

    pub fn node_index(&self, node_id: u32) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == node_id)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Calls

/// Indexes into a call's packed text.
pub(crate) mod txt {
    pub const ID: usize = 0;
    pub const START: usize = 1;
    pub const CONNECT: usize = 2;
    pub const DST_IN: usize = 3;
    pub const DST_ROUTING: usize = 4;
    pub const LRN: usize = 5;
    pub const DST_OUT: usize = 6;
    pub const SRC_IN: usize = 7;
    pub const SRC_ROUTING: usize = 8;
    pub const SRC_OUT: usize = 9;
    pub const DIV_IN: usize = 10;
    pub const DIV_OUT: usize = 11;
    pub const D_INIT: usize = 12;
    pub const D_NEXT: usize = 13;
    pub const D_FEE: usize = 14;
    pub const DP_INIT: usize = 15;
    pub const DP_NEXT: usize = 16;
    pub const DP_FEE: usize = 17;
    pub const A_REMOTE_IP: usize = 18;
    pub const ORIG_CALL_ID: usize = 19;
    pub const A_LOCAL_IP: usize = 20;
    pub const B_LOCAL_IP: usize = 21;
    pub const TERM_CALL_ID: usize = 22;
    pub const B_REMOTE_IP: usize = 23;
    pub const COUNT: usize = 24;
}

/// Indexes into a call's small integers.
pub(crate) mod num {
    pub const D_INIT_INTERVAL: usize = 0;
    pub const D_NEXT_INTERVAL: usize = 1;
    pub const POLICY: usize = 2;
    pub const DP_INIT_INTERVAL: usize = 3;
    pub const DP_NEXT_INTERVAL: usize = 4;
    pub const A_REMOTE_PORT: usize = 5;
    pub const A_LOCAL_PORT: usize = 6;
    pub const B_LOCAL_PORT: usize = 7;
    pub const B_REMOTE_PORT: usize = 8;
    pub const COUNT: usize = 9;
}

/// Null flags of a call.
pub(crate) const NULL_LRN: u8 = 1;
pub(crate) const NULL_DIV_IN: u8 = 2;
pub(crate) const NULL_DIV_OUT: u8 = 4;

/// One live call, compact: all its strings in one JSON-escaped buffer (offsets in `ends`), relationship
/// ids as integers (0 = null), in [`crate::api::types::CALL_RELATIONSHIPS`] order.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub seq: u64,
    pub node_idx: u16,
    /// Start time (also in the text as `start-time`); read by the generation tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub start_ms: i64,
    /// Planned (or actual, once `answered`) connect time.
    pub connect_ms: i64,
    pub answered: bool,
    /// Whether a ringing call will be answered (else it fails at `end_ms`).
    pub will_answer: bool,
    /// When the call ends (hang-up, time limit, or failure while ringing).
    pub end_ms: i64,
    pub time_limit: u32,
    pub rels: [u32; 18],
    pub nums: [u16; num::COUNT],
    pub nulls: u8,
    text: Box<str>,
    ends: [u16; txt::COUNT],
    tag_start: u16,
}

impl Call {
    /// A JSON-escaped string field (see [`txt`]).
    pub fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        self.text.get(start..end).unwrap_or("")
    }

    pub fn id(&self) -> &str {
        self.text(txt::ID)
    }

    pub fn local_tag(&self) -> &str {
        self.id().get(self.tag_start as usize..).unwrap_or("")
    }

    /// `duration` at `now_ms`: whole seconds since connect, `None` while ringing.
    pub fn duration(&self, now_ms: i64) -> Option<i64> {
        self.answered
            .then(|| (now_ms - self.connect_ms).max(0) / 1000)
    }
}

struct TextBuilder {
    s: String,
    ends: [u16; txt::COUNT],
    n: usize,
}

impl TextBuilder {
    fn new() -> Self {
        TextBuilder {
            s: String::with_capacity(384),
            ends: [0; txt::COUNT],
            n: 0,
        }
    }

    fn push(&mut self, v: &str) {
        render::escape_into(&mut self.s, v);
        // Call strings are short (a few hundred bytes in all); saturate rather than wrap if not.
        self.ends[self.n] = u16::try_from(self.s.len()).unwrap_or(u16::MAX);
        self.n += 1;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Random helpers

#[derive(Debug, Clone)]
struct Weighted {
    cum: Vec<u64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0;
        let cum = weights
            .into_iter()
            .map(|w| {
                total += w.max(1);
                total
            })
            .collect();
        Weighted { cum }
    }

    fn pick(&self, rng: &mut SmallRng) -> usize {
        let total = self.cum.last().copied().unwrap_or(1);
        let x = rng.random_range(0..total);
        self.cum
            .partition_point(|c| *c <= x)
            .min(self.cum.len().saturating_sub(1))
    }
}

fn exp_sample(rng: &mut SmallRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

fn digits(rng: &mut SmallRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn hex(rng: &mut SmallRng, n: usize) -> String {
    const H: &[u8] = b"0123456789abcdef";
    (0..n)
        .map(|_| char::from(H[rng.random_range(0..16)]))
        .collect()
}

fn secret(rng: &mut SmallRng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..n)
        .map(|_| char::from(A[rng.random_range(0..A.len())]))
        .collect()
}

fn rand_ipv4(rng: &mut SmallRng) -> String {
    let (a, b) = catalog::IPV4_NETS[rng.random_range(0..catalog::IPV4_NETS.len())];
    format!(
        "{a}.{b}.{}.{}",
        rng.random_range(0..=255u8),
        rng.random_range(1..=254u8)
    )
}

fn rand_ipv6(rng: &mut SmallRng) -> String {
    format!(
        "2a01:4f8:{:x}:{:x}::{:x}",
        rng.random_range(0x100..0xfff_u32),
        rng.random_range(1..0xffff_u32),
        rng.random_range(2..0xff_u32)
    )
}

/// A decimal as Ruby's `BigDecimal#to_s` via `as_json` renders it: `"0.11"`, `"0.0"`, `"150.0"`.
pub(crate) fn ruby_decimal(d: Decimal) -> String {
    let s = d.normalize().to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// Micro-units (millionths) as a decimal with at most 6 places.
fn micro(units: i64) -> Decimal {
    Decimal::new(units, 6).normalize()
}

fn dec_value(d: Decimal) -> Value {
    Value::String(ruby_decimal(d))
}

fn money(rng: &mut SmallRng, lo: i64, hi: i64) -> Decimal {
    Decimal::new(rng.random_range(lo * 100..hi * 100), 2)
}

fn pick_intervals(rng: &mut SmallRng, one_one: f64) -> (u16, u16) {
    let r = rng.random::<f64>();
    if r < one_one {
        (1, 1)
    } else {
        let rest = (r - one_one) / (1.0 - one_one);
        if rest < 0.4 {
            (60, 60)
        } else if rest < 0.75 {
            (60, 1)
        } else {
            (30, 6)
        }
    }
}

const FIXED_DATE_FROM: &str = "2025-01-01T00:00:00.000Z";
const FIXED_DATE_TILL: &str = "2035-01-01T00:00:00.000Z";

// ---------------------------------------------------------------------------------------------------------
// Generation of the configuration

fn company_name(list: &[&str], i: usize) -> String {
    match list.get(i) {
        Some(n) => (*n).to_owned(),
        None => {
            let base = list[i % list.len()];
            let first = base.split(' ').next().unwrap_or(base);
            let suffix = catalog::NAME_SUFFIXES[(i / list.len()) % catalog::NAME_SUFFIXES.len()];
            format!("{first} {suffix} {}", i / list.len() + 1)
        }
    }
}

fn new_gateway(
    gateways: &mut Vec<GwInfo>,
    gw_records: &mut Vec<Record>,
    rng: &mut SmallRng,
    contractor: u32,
    cname: &str,
    origination: bool,
    pop: u32,
) -> usize {
    let id = gateways.len() as u32 + 1;
    let v6 = rng.random_bool(0.06);
    let host = if v6 { rand_ipv6(rng) } else { rand_ipv4(rng) };
    let port = if rng.random_bool(0.8) {
        5060
    } else {
        [5061, 5080, 5090][rng.random_range(0..3)]
    };
    let out_prefix = if origination {
        ""
    } else {
        ["", "", "", "00", "1011", "#77"][rng.random_range(0..6)]
    }
    .trim_start_matches('#');
    let name = if origination {
        format!("{cname} - SBC {}", id)
    } else {
        format!(
            "{cname} - {} POP",
            ["FRA", "AMS", "LON", "NYC", "MIA", "SIN"][rng.random_range(0..6)]
        )
    };
    let auth = !origination && rng.random_bool(0.3);
    gw_records.push(Record {
        id,
        values: vec![
            json!(name),
            json!(true),
            json!(host),
            if origination && rng.random_bool(0.5) {
                Value::Null
            } else {
                json!(port)
            },
            json!(origination),
            json!(!origination),
            if origination {
                json!([100, 300, 1000][rng.random_range(0..3)])
            } else {
                Value::Null
            },
            if origination {
                Value::Null
            } else {
                json!([200, 500, 2000][rng.random_range(0..3)])
            },
            json!(100),
            json!(100),
            json!(false),
            json!(0.0),
            json!(0.0),
            Value::Null,
            json!(auth),
            json!(if auth {
                format!("yeti{}", rng.random_range(100..999))
            } else {
                String::new()
            }),
            json!(if auth { secret(rng, 16) } else { String::new() }),
            json!(""),
            json!(""),
            json!(if origination {
                format!("cust{id}")
            } else {
                String::new()
            }),
            json!(if origination {
                secret(rng, 14)
            } else {
                String::new()
            }),
            json!(false),
            json!(""),
            json!(true),
            json!(1800),
            Value::Null,
            json!(8000),
            json!(2000),
            json!(0),
            json!(0),
            json!(true),
            json!(30),
        ],
        rels: vec![Some(contractor), Some(pop), Some(1), Some(1), None, Some(1)],
    });
    gateways.push(GwInfo {
        id,
        host,
        port,
        v6,
        out_prefix,
    });
    gateways.len() - 1
}

fn build_entities(cfg: &SimConfig, rng: &mut SmallRng) -> Entities {
    let n_nodes = cfg.nodes.clamp(1, 64);
    let n_customers = (6 + cfg.calls / 60).clamp(6, 60);
    let n_vendors = (5 + cfg.calls / 150).clamp(5, 30);

    let mut tables: Vec<Table> = (0..schema::TYPES.len()).map(|_| Table::default()).collect();

    // Pops and nodes.
    let mut nodes = Vec::with_capacity(n_nodes);
    for i in 0..n_nodes {
        let (pop_id, pop_name, city) = match catalog::POPS.get(i) {
            Some(&(id, name, city)) => (id, name.to_owned(), city.to_owned()),
            None => {
                let id = 20 + i as u32;
                (id, format!("POP {id}"), format!("p{id}"))
            }
        };
        let node_id = catalog::NODE_IDS.get(i).copied().unwrap_or(20 + i as u32);
        let threads = (0..rng.random_range(4..=8))
            .map(|_| rng.random::<u32>())
            .collect();
        let node = NodeInfo {
            id: node_id,
            pop_id,
            ipv4: format!("195.211.{}.{}", 60 + i / 200, 10 + i % 200),
            ipv6: format!("2a03:4000:6:{:x}::10", i + 1),
            threads,
        };
        tables[schema::T_POPS].records.push(Record {
            id: pop_id,
            values: vec![json!(pop_name)],
            rels: vec![],
        });
        tables[T_NODES].records.push(Record {
            id: node_id,
            values: vec![
                json!(format!("{city}-sems-{node_id}")),
                json!(format!("10.0.0.{}:7080", 11 + i % 240)),
            ],
            rels: vec![Some(pop_id)],
        });
        nodes.push(node);
    }

    // Countries and networks.
    let mut networks = Vec::new();
    let mut country_nets = Vec::new();
    let mut net_weights = Vec::new();
    for (ci, c) in COUNTRIES.iter().enumerate() {
        tables[schema::T_COUNTRIES].records.push(Record {
            id: c.id,
            values: vec![json!(c.name), json!(c.iso2)],
            rels: vec![],
        });
        let mut nets = Vec::new();
        for (li, n) in c.networks.iter().enumerate() {
            let id = 1000 + networks.len() as u32 * 3 + 1;
            tables[schema::T_NETWORKS].records.push(Record {
                id,
                values: vec![json!(n.name)],
                rels: vec![Some(if n.name.ends_with("mobile") { 2 } else { 1 })],
            });
            nets.push(networks.len());
            net_weights.push(u64::from(n.weight));
            networks.push(NetInfo {
                id,
                country: ci,
                local: li,
            });
        }
        country_nets.push(nets);
    }

    // Contractors and their accounts.
    let mut accounts_of: Vec<(u32, u32, bool)> = Vec::new(); // (contractor id, account id, eur)
    let mut contractor_id = 0u32;
    let mut account_id = 0u32;
    let mut customers: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut vendors: Vec<(u32, u32)> = Vec::new();
    for k in 0..(n_customers + n_vendors) {
        let is_customer = k < n_customers;
        contractor_id += 1;
        let name = if is_customer {
            company_name(catalog::CUSTOMER_NAMES, k)
        } else {
            company_name(catalog::VENDOR_NAMES, k - n_customers)
        };
        let enabled = !(is_customer && k == n_customers - 1 && n_customers > 6);
        tables[T_CONTRACTORS].records.push(Record {
            id: contractor_id,
            values: vec![
                json!(name),
                json!(enabled),
                json!(!is_customer),
                json!(is_customer),
                json!(if is_customer { "" } else { "Wholesale carrier" }),
                json!(""),
                json!(format!("+{}", digits(rng, 11))),
                if rng.random_bool(0.3) {
                    json!(10_000 + contractor_id)
                } else {
                    Value::Null
                },
            ],
            rels: vec![None],
        });
        let n_acc = if is_customer && rng.random_bool(0.25) {
            2
        } else {
            1
        };
        let mut mine = Vec::new();
        for a in 0..n_acc {
            account_id += 1;
            let eur = rng.random_bool(if a == 1 { 0.6 } else { 0.15 });
            let currency = if eur { "EUR" } else { "USD" };
            let (balance, min_b, max_b) = if is_customer {
                let low = rng.random_bool(0.1);
                let bal = if low {
                    money(rng, 1, 40)
                } else {
                    money(rng, 50, 60_000)
                };
                let min_b = if rng.random_bool(0.3) {
                    -money(rng, 500, 5_000).round_dp(0)
                } else {
                    Decimal::ZERO
                };
                (bal, min_b, Decimal::new(1_000_000, 0))
            } else {
                (
                    -money(rng, 0, 90_000),
                    Decimal::new(-1_000_000, 0),
                    Decimal::ZERO,
                )
            };
            let max_dur = if rng.random_bool(0.3) {
                json!([3600, 7200, 5400][rng.random_range(0..3)])
            } else {
                Value::Null
            };
            let cap = |rng: &mut SmallRng| {
                if rng.random_bool(0.5) {
                    json!([50, 100, 200, 500, 1000][rng.random_range(0..5)])
                } else {
                    Value::Null
                }
            };
            let (orig_cap, term_cap, total_cap) = (cap(rng), cap(rng), cap(rng));
            tables[T_ACCOUNTS].records.push(Record {
                id: account_id,
                values: vec![
                    json!(format!(
                        "{name} {currency}{}",
                        if a == 1 { " prepaid" } else { "" }
                    )),
                    dec_value(balance),
                    dec_value(min_b),
                    dec_value(max_b),
                    dec_value(if rng.random_bool(0.2) {
                        Decimal::new(20, 0)
                    } else {
                        Decimal::ZERO
                    }),
                    if is_customer && rng.random_bool(0.4) {
                        dec_value(Decimal::new(100, 0))
                    } else {
                        Value::Null
                    },
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    max_dur,
                    orig_cap,
                    term_cap,
                    total_cap,
                    Value::Null,
                    json!(format!(
                        "{}-{}-4{}-a{}-{}",
                        hex(rng, 8),
                        hex(rng, 4),
                        hex(rng, 3),
                        hex(rng, 3),
                        hex(rng, 12)
                    )),
                    json!(catalog::TIMEZONES[rng.random_range(0..catalog::TIMEZONES.len())]),
                    json!(currency),
                    Value::Null,
                    if rng.random_bool(0.5) {
                        json!(rng.random_range(1..=4))
                    } else {
                        Value::Null
                    },
                ],
                rels: vec![Some(contractor_id), None],
            });
            accounts_of.push((contractor_id, account_id, eur));
            mine.push(account_id);
        }
        if is_customer {
            customers.push((contractor_id, mine));
        } else {
            vendors.push((contractor_id, mine[0]));
        }
    }

    // Gateways.
    let mut gateways: Vec<GwInfo> = Vec::new();
    let mut gw_records = Vec::new();
    let contractor_name = |id: u32, tables: &[Table]| -> String {
        tables[T_CONTRACTORS]
            .get(id)
            .and_then(|r| r.values[0].as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let pop_of = |rng: &mut SmallRng| nodes[rng.random_range(0..nodes.len())].pop_id;

    let mut vendor_gws: Vec<Vec<usize>> = Vec::new();
    for &(vid, _) in &vendors {
        let cname = contractor_name(vid, &tables);
        let n = rng.random_range(1..=3);
        let list = (0..n)
            .map(|_| {
                let pop = pop_of(rng);
                new_gateway(&mut gateways, &mut gw_records, rng, vid, &cname, false, pop)
            })
            .collect();
        vendor_gws.push(list);
    }

    // Customers-auths (one per customer gateway, sometimes two).
    let mut auths = Vec::new();
    let mut auth_weights = Vec::new();
    let mut auth_records = Vec::new();
    for (rank, (cid, accs)) in customers.iter().enumerate() {
        let cname = contractor_name(*cid, &tables);
        let home_country = rng.random_range(0..COUNTRIES.len());
        let n_gw = rng.random_range(1..=2);
        for g in 0..n_gw {
            let pop = pop_of(rng);
            let gw = new_gateway(&mut gateways, &mut gw_records, rng, *cid, &cname, true, pop);
            let n_auth = if rng.random_bool(0.2) { 2 } else { 1 };
            for a in 0..n_auth {
                let id = auths.len() as u32 + 1;
                let account = accs[(g + a) % accs.len()];
                let eur = accounts_of
                    .iter()
                    .any(|(_, acc, eur)| *acc == account && *eur);
                let rateplan = if eur { 3 } else { rng.random_range(0..3) };
                let routing_plan = rng.random_range(0..catalog::ROUTING_PLANS.len());
                let tech_prefix = ["", "", "", "00", "98104", "7411"][rng.random_range(0..6)];
                let with_pop = rng.random_bool(0.5);
                let host = gateways[gw].host.clone();
                auth_records.push(Record {
                    id,
                    values: vec![
                        json!(format!(
                            "{cname} - {}",
                            ["main", "backup", "cc", "retail"][(g * 2 + a) % 4]
                        )),
                        json!(true),
                        json!(false),
                        json!([host]),
                        if rng.random_bool(0.6) {
                            json!([30, 100, 300, 1000][rng.random_range(0..4)])
                        } else {
                            Value::Null
                        },
                        if rng.random_bool(0.3) {
                            json!(10.0)
                        } else {
                            Value::Null
                        },
                        json!([""]),
                        json!([tech_prefix]),
                        json!([]),
                        json!([]),
                        json!([]),
                        json!([]),
                        json!(1),
                        json!(true),
                        json!(false),
                        Value::Null,
                        Value::Null,
                        json!(1),
                        json!(false),
                        Value::Null,
                        json!(""),
                        json!(""),
                        json!(if tech_prefix.is_empty() {
                            String::new()
                        } else {
                            format!("^{tech_prefix}(.*)$")
                        }),
                        json!(if tech_prefix.is_empty() { "" } else { "\\1" }),
                    ],
                    rels: vec![
                        Some(*cid),
                        Some(rateplan as u32 + 1),
                        Some(routing_plan as u32 + 1),
                        Some(gateways[gw].id),
                        Some(account),
                        with_pop.then_some(pop),
                        None,
                        None,
                        None,
                        None,
                        None,
                    ],
                });
                auth_weights.push((1000.0 / (rank as f64 + 1.0).powf(0.8)) as u64 / n_gw as u64);
                auths.push(AuthInfo {
                    id,
                    customer_id: *cid,
                    account_id: account,
                    gw,
                    rateplan,
                    routing_plan,
                    tech_prefix,
                    home_country,
                });
            }
        }
    }
    gw_records.sort_by_key(|r| r.id);
    tables[T_GATEWAYS].records = gw_records;
    tables[schema::T_CUSTOMERS_AUTHS].records = auth_records;

    // Rateplans, routing groups and plans.
    for (i, (name, _, _)) in catalog::RATEPLANS.iter().enumerate() {
        tables[schema::T_RATEPLANS].records.push(Record {
            id: i as u32 + 1,
            values: vec![json!(name), json!(if i == 0 { 2 } else { 1 })],
            rels: vec![None],
        });
    }
    for (i, name) in catalog::ROUTING_GROUPS.iter().enumerate() {
        tables[schema::T_ROUTING_GROUPS].records.push(Record {
            id: i as u32 + 1,
            values: vec![json!(name)],
            rels: vec![None],
        });
    }
    let mut routing_plan_names = HashMap::new();
    for (i, (name, _)) in catalog::ROUTING_PLANS.iter().enumerate() {
        tables[schema::T_ROUTING_PLANS].records.push(Record {
            id: i as u32 + 1,
            values: vec![
                json!(name),
                dec_value(Decimal::new(5, 1)),
                json!(false),
                json!(9),
                json!(1),
            ],
            rels: vec![None],
        });
        routing_plan_names.insert(i as u32 + 1, (*name).to_owned());
    }
    let routing_plan_groups = catalog::ROUTING_PLANS
        .iter()
        .map(|(_, g)| g.to_vec())
        .collect();

    // Destinations: one per rateplan and network.
    let mut dests = Vec::new();
    let mut dest_records = Vec::new();
    for (ri, (_, markup, eur)) in catalog::RATEPLANS.iter().enumerate() {
        let mut row = Vec::new();
        for net in &networks {
            let c = &COUNTRIES[net.country];
            let def = &c.networks[net.local];
            let id = dest_records.len() as u32 + 1;
            let noise = rng.random_range(950..1100) as i64;
            let mut next = i64::from(def.base_cost) * i64::from(*markup) / 1000 * noise / 1000;
            if *eur {
                next = next * 92 / 100;
            }
            let next = micro(next.max(1));
            let initial = if rng.random_bool(0.15) {
                (next * Decimal::new(12, 1)).round_dp(6).normalize()
            } else {
                next
            };
            let (ii, ni) = pick_intervals(rng, 0.6);
            let fee = if rng.random_bool(0.08) {
                Decimal::new(1, 2)
            } else {
                Decimal::ZERO
            };
            let r = rng.random::<f64>();
            let policy = if r < 0.85 {
                1
            } else if r < 0.9 {
                2
            } else if r < 0.95 {
                3
            } else {
                4
            };
            let margin_fixed = if rng.random_bool(0.5) {
                Decimal::new(1, 3)
            } else {
                Decimal::ZERO
            };
            let margin_pct = Decimal::new(rng.random_range(5..25), 2);
            let prefix = format!("{}{}", c.code, def.prefix);
            dest_records.push(Record {
                id,
                values: vec![
                    json!(prefix),
                    json!(true),
                    dec_value(initial),
                    dec_value(next),
                    dec_value(fee),
                    dec_value(Decimal::ZERO),
                    dec_value(margin_fixed),
                    dec_value(margin_pct),
                    json!(ii),
                    json!(ni),
                    json!(policy),
                    json!(false),
                    json!(false),
                    json!(FIXED_DATE_FROM),
                    json!(FIXED_DATE_TILL),
                    json!(0.0),
                    json!(0.0),
                    json!(1.0),
                    json!(false),
                    Value::Null,
                    json!([]),
                    Value::Null,
                    json!(if *eur { "EUR" } else { "USD" }),
                ],
                rels: vec![Some(ri as u32 + 1), Some(c.id), Some(net.id), None],
            });
            row.push(DestInfo {
                id,
                rates: RateSet {
                    initial,
                    next,
                    fee,
                    initial_interval: ii,
                    next_interval: ni,
                },
                policy,
                margin_fixed,
                margin_pct,
            });
        }
        dests.push(row);
    }
    tables[schema::T_DESTINATIONS].records = dest_records;

    // Dialpeers: vendor 0 covers every network, the others about half.
    let mut dialpeers: Vec<Vec<DpInfo>> = vec![Vec::new(); networks.len()];
    let mut dp_records = Vec::new();
    for (vi, &(vid, vacc)) in vendors.iter().enumerate() {
        let factor = rng.random_range(820..1020) as i64;
        let group = vi % (catalog::ROUTING_GROUPS.len() - 1);
        let eur = accounts_of.iter().any(|(_, a, e)| *a == vacc && *e);
        for (ni, net) in networks.iter().enumerate() {
            if vi != 0 && !rng.random_bool(0.5) {
                continue;
            }
            let c = &COUNTRIES[net.country];
            let def = &c.networks[net.local];
            let id = dp_records.len() as u32 + 1;
            let expensive = rng.random_bool(0.06);
            let f = if expensive {
                rng.random_range(1300..1700)
            } else {
                factor * rng.random_range(950..1050) / 1000
            };
            let mut next = i64::from(def.base_cost) * f / 1000;
            if eur {
                next = next * 92 / 100;
            }
            let next = micro(next.max(1));
            let initial = if rng.random_bool(0.1) {
                (next * Decimal::new(2, 0)).normalize()
            } else {
                next
            };
            let (ii, ni_) = pick_intervals(rng, 0.8);
            let gw = vendor_gws[vi][rng.random_range(0..vendor_gws[vi].len())];
            dp_records.push(Record {
                id,
                values: vec![
                    json!(format!("{}{}", c.code, def.prefix)),
                    json!(true),
                    json!(false),
                    dec_value(initial),
                    dec_value(next),
                    dec_value(Decimal::ZERO),
                    dec_value(Decimal::ZERO),
                    json!(ii),
                    json!(ni_),
                    if rng.random_bool(0.4) {
                        json!([50, 100, 300][rng.random_range(0..3)])
                    } else {
                        Value::Null
                    },
                    json!([100, 90, 80, 50][rng.random_range(0..4)]),
                    json!(FIXED_DATE_FROM),
                    json!(FIXED_DATE_TILL),
                    json!(0.0),
                    json!(0.0),
                    json!(1.0),
                    json!(false),
                    json!(1),
                    Value::Null,
                    json!(false),
                    Value::Null,
                    json!("2025-03-14T09:26:53.000Z"),
                    json!(if eur { "EUR" } else { "USD" }),
                ],
                rels: vec![
                    Some(gateways[gw].id),
                    None,
                    Some(group as u32 + 1),
                    Some(vid),
                    Some(vacc),
                    Some(1),
                    None,
                ],
            });
            dialpeers[ni].push(DpInfo {
                id,
                vendor_id: vid,
                account_id: vacc,
                gw,
                routing_group: group,
                rates: RateSet {
                    initial,
                    next,
                    fee: Decimal::ZERO,
                    initial_interval: ii,
                    next_interval: ni_,
                },
            });
        }
    }
    tables[schema::T_DIALPEERS].records = dp_records;

    for t in &mut tables {
        t.records.sort_by_key(|r| r.id);
    }
    Entities {
        tables,
        nodes,
        routing_plan_names,
        auth_weights: Weighted::new(auth_weights),
        auths,
        gateways,
        net_weights: Weighted::new(net_weights),
        networks,
        dests,
        dialpeers,
        routing_plan_groups,
        country_nets,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Generation of calls

/// The hidden timeline of a call.
#[derive(Debug, Clone, Copy)]
struct Timing {
    start_ms: i64,
    connect_ms: i64,
    answered: bool,
    will_answer: bool,
    end_ms: i64,
    time_limit: u32,
}

fn time_to_text(ms: i64) -> String {
    let t = DateTime::<Utc>::from_timestamp(ms.div_euclid(1000), 0).unwrap_or_default();
    format_yeti_time(&t)
}

/// A SEMS `getNewId()`: `<node>-` + 8 random hex + `-` + seconds and microseconds + `-` + thread id. The
/// `<node>-` prefix is UNCONFIRMED (contract §6, inferred from one example); a real SEMS with a
/// `node_id_prefix` most likely writes it this way.
fn sems_tag(rng: &mut SmallRng, node: &NodeInfo, at_ms: i64) -> String {
    let secs = at_ms.div_euclid(1000) as u32;
    let usec = (at_ms.rem_euclid(1000) * 1000) as u32 + rng.random_range(0..1000);
    let thread = node
        .threads
        .get(rng.random_range(0..node.threads.len().max(1)))
        .copied()
        .unwrap_or(0x19C0_1700);
    format!(
        "{}-{:08X}-{:08X}{:08X}-{:08X}",
        node.id,
        rng.random::<u32>(),
        secs,
        usec,
        thread
    )
}

fn pick_rate(d: &DestInfo, dp: &RateSet) -> (Decimal, Decimal) {
    let dp_based = |r: Decimal| {
        (d.margin_fixed + r * (Decimal::ONE + d.margin_pct))
            .round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    };
    let fixed = (d.rates.initial, d.rates.next);
    let based = (dp_based(dp.initial), dp_based(dp.next));
    match d.policy {
        2 => based,
        3 => {
            if dp.next >= d.rates.next {
                fixed
            } else {
                based
            }
        }
        4 => {
            if dp.next < d.rates.next {
                fixed
            } else {
                based
            }
        }
        _ => fixed,
    }
}

fn make_call(ent: &Entities, rng: &mut SmallRng, seq: u64, node_idx: usize, t: Timing) -> Call {
    let node = &ent.nodes[node_idx];
    let auth = &ent.auths[ent.auth_weights.pick(rng)];
    let orig_gw = &ent.gateways[auth.gw];

    let net_idx = ent.net_weights.pick(rng);
    let net = &ent.networks[net_idx];
    let country = &COUNTRIES[net.country];
    let def = &country.networks[net.local];
    let dest = &ent.dests[auth.rateplan][net_idx];
    let all_dps = &ent.dialpeers[net_idx];
    let groups = &ent.routing_plan_groups[auth.routing_plan];
    let candidates: Vec<&DpInfo> = all_dps
        .iter()
        .filter(|d| groups.contains(&d.routing_group))
        .collect();
    let dp = if candidates.is_empty() {
        &all_dps[rng.random_range(0..all_dps.len())]
    } else {
        candidates[rng.random_range(0..candidates.len())]
    };
    let term_gw = &ent.gateways[dp.gw];

    // Numbers.
    let nsn_rest = country.nsn_len.saturating_sub(def.prefix.len()).max(4);
    let dst_routing = format!("{}{}{}", country.code, def.prefix, digits(rng, nsn_rest));
    let dst_in = format!("{}{}", auth.tech_prefix, dst_routing);
    let dst_out = format!("{}{}", term_gw.out_prefix, dst_routing);
    let lrn = (country.code == "1" && rng.random_bool(0.25))
        .then(|| format!("{}{}", def.prefix, digits(rng, 7)));
    let src_country_idx = if rng.random_bool(0.6) {
        auth.home_country
    } else {
        rng.random_range(0..COUNTRIES.len())
    };
    let src_country = &COUNTRIES[src_country_idx];
    let src_nets = &ent.country_nets[src_country_idx];
    let src_net_idx = src_nets[rng.random_range(0..src_nets.len())];
    let src_def = &src_country.networks[ent.networks[src_net_idx].local];
    let src = format!(
        "{}{}{}",
        src_country.code,
        src_def.prefix,
        digits(
            rng,
            src_country
                .nsn_len
                .saturating_sub(src_def.prefix.len())
                .max(4)
        )
    );
    let src_unknown_net = rng.random_bool(0.03);
    let diversion = rng
        .random_bool(0.02)
        .then(|| format!("{}{}", country.code, digits(rng, country.nsn_len)));

    // Rates.
    let (d_init, d_next) = pick_rate(dest, &dp.rates);
    let (d_ii, d_ni) = if dest.policy == 1 {
        (dest.rates.initial_interval, dest.rates.next_interval)
    } else {
        (dp.rates.initial_interval, dp.rates.next_interval)
    };

    // Legs.
    let a_local_ip = if orig_gw.v6 { &node.ipv6 } else { &node.ipv4 };
    let b_local_ip = if term_gw.v6 { &node.ipv6 } else { &node.ipv4 };
    let a_remote_port = if rng.random_bool(0.7) {
        5060
    } else {
        rng.random_range(10_000..65_000)
    };
    let a_local_port = if rng.random_bool(0.85) { 5060 } else { 5061 };
    let b_local_port = if rng.random_bool(0.8) {
        5060
    } else {
        rng.random_range(20_000..60_000)
    };

    let tag = sems_tag(rng, node, t.start_ms);
    let term_call_id = sems_tag(rng, node, t.connect_ms);
    let orig_call_id = match rng.random_range(0..4) {
        0 => format!("{}@{}", hex(rng, 14), orig_gw.host),
        1 => format!(
            "{}-{}-{}-{}-{}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 4),
            hex(rng, 4),
            hex(rng, 12)
        ),
        _ => format!(
            "{}-{}-{}",
            rng.random_range(100_000_000..4_294_967_295u64),
            rng.random_range(100_000_000..4_294_967_295u64),
            rng.random_range(100_000_000..4_294_967_295u64)
        ),
    };

    let mut tb = TextBuilder::new();
    tb.push(&format!("{}*{}", node.id, tag));
    tb.push(&time_to_text(t.start_ms));
    tb.push(&time_to_text(t.connect_ms));
    tb.push(&dst_in);
    tb.push(&dst_routing);
    tb.push(lrn.as_deref().unwrap_or(""));
    tb.push(&dst_out);
    tb.push(&src);
    tb.push(&src);
    tb.push(&src);
    tb.push(diversion.as_deref().unwrap_or(""));
    tb.push(diversion.as_deref().unwrap_or(""));
    tb.push(&ruby_decimal(d_init));
    tb.push(&ruby_decimal(d_next));
    tb.push(&ruby_decimal(dest.rates.fee));
    tb.push(&ruby_decimal(dp.rates.initial));
    tb.push(&ruby_decimal(dp.rates.next));
    tb.push(&ruby_decimal(dp.rates.fee));
    tb.push(&orig_gw.host);
    tb.push(&orig_call_id);
    tb.push(a_local_ip);
    tb.push(b_local_ip);
    tb.push(&term_call_id);
    tb.push(&term_gw.host);

    let mut nulls = 0;
    if lrn.is_none() {
        nulls |= NULL_LRN;
    }
    if diversion.is_none() {
        nulls |= NULL_DIV_IN | NULL_DIV_OUT;
    }
    let id_prefix_len = node.id.to_string().len() + 1;
    Call {
        seq,
        node_idx: node_idx as u16,
        start_ms: t.start_ms,
        connect_ms: t.connect_ms,
        answered: t.answered,
        will_answer: t.will_answer,
        end_ms: t.end_ms,
        time_limit: t.time_limit,
        rels: [
            auth.customer_id,
            dp.vendor_id,
            auth.account_id,
            dp.account_id,
            auth.id,
            auth.rateplan as u32 + 1,
            dest.id,
            dp.routing_group as u32 + 1,
            auth.routing_plan as u32 + 1,
            dp.id,
            orig_gw.id,
            term_gw.id,
            src_country.id,
            if src_unknown_net {
                0
            } else {
                ent.networks[src_net_idx].id
            },
            country.id,
            net.id,
            node.pop_id,
            node.id,
        ],
        nums: [
            d_ii,
            d_ni,
            u16::from(dest.policy),
            dp.rates.initial_interval,
            dp.rates.next_interval,
            a_remote_port,
            a_local_port,
            b_local_port,
            term_gw.port,
        ],
        nulls,
        text: tb.s.into_boxed_str(),
        ends: tb.ends,
        tag_start: id_prefix_len as u16,
    }
}

/// Mean talk time (seconds of simulated time).
const MEAN_HOLD_S: f64 = 150.0;
/// Mean time to answer of calls that get answered.
const MEAN_RING_S: f64 = 10.0;
/// Share of new calls that get answered (the others fail while ringing).
const ANSWER_RATE: f64 = 0.68;
/// Expected lifetime of a call (ringing + talk), used for the arrival rate: see the module docs.
const MEAN_LIFE_S: f64 = 110.0;

fn pick_limit(rng: &mut SmallRng) -> u32 {
    let r = rng.random::<f64>();
    if r < 0.10 {
        rng.random_range(60..=600)
    } else if r < 0.5 {
        7200
    } else if r < 0.7 {
        3600
    } else {
        rng.random_range(600..=7200)
    }
}

/// Timeline of a call that exists at generation time (a stationary snapshot).
fn snapshot_timing(rng: &mut SmallRng, now_ms: i64, speed: f64) -> Timing {
    let ms = |s: f64| (s * 1000.0) as i64;
    if rng.random_bool(0.15) {
        // Ringing for a few seconds already.
        let elapsed = rng.random_range(0.0..20.0);
        let start_ms = now_ms - ms(elapsed);
        let will_answer = rng.random_bool(ANSWER_RATE);
        let wait = (elapsed + 0.2)
            .max(0.5 + exp_sample(rng, MEAN_RING_S))
            .min(30.0);
        let remaining = (wait - elapsed).max(0.1) / speed;
        let connect_ms = now_ms + ms(remaining);
        let time_limit = pick_limit(rng);
        let talk = exp_sample(rng, MEAN_HOLD_S).min(f64::from(time_limit)) / speed;
        let end_ms = if will_answer {
            connect_ms + ms(talk)
        } else {
            connect_ms
        };
        return Timing {
            start_ms,
            connect_ms,
            answered: false,
            will_answer,
            end_ms,
            time_limit,
        };
    }
    let talked = exp_sample(rng, MEAN_HOLD_S).min(7100.0);
    let setup = (0.5 + exp_sample(rng, 4.0)).min(30.0);
    let connect_ms = now_ms - ms(talked);
    let start_ms = connect_ms - ms(setup);
    let talked_s = (talked as u32).max(1);
    let time_limit = if rng.random_bool(0.06) {
        (talked_s + rng.random_range(1..60)).max(60)
    } else {
        let l = pick_limit(rng);
        if l >= talked_s + 60 {
            l
        } else {
            (talked_s + 60 + rng.random_range(0..3000)).min(7200).max(l)
        }
    };
    let left = (f64::from(time_limit) - talked).max(0.5);
    let remaining = exp_sample(rng, MEAN_HOLD_S).min(left) / speed;
    Timing {
        start_ms,
        connect_ms,
        answered: true,
        will_answer: true,
        end_ms: now_ms + ms(remaining),
        time_limit,
    }
}

/// Timeline of a call arriving at `start_ms`.
fn arrival_timing(rng: &mut SmallRng, start_ms: i64, speed: f64) -> Timing {
    let ms = |s: f64| (s * 1000.0 / speed) as i64;
    let will_answer = rng.random_bool(ANSWER_RATE);
    let time_limit = pick_limit(rng);
    if will_answer {
        let ring = (0.5 + exp_sample(rng, MEAN_RING_S)).min(30.0);
        let talk = exp_sample(rng, MEAN_HOLD_S).min(f64::from(time_limit));
        let connect_ms = start_ms + ms(ring).max(1);
        Timing {
            start_ms,
            connect_ms,
            answered: false,
            will_answer,
            end_ms: connect_ms + ms(talk).max(1),
            time_limit,
        }
    } else {
        let fail = rng.random_range(2.0..30.0);
        let end_ms = start_ms + ms(fail).max(1);
        Timing {
            start_ms,
            connect_ms: end_ms,
            answered: false,
            will_answer,
            end_ms,
            time_limit,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The world

/// Result of looking a call id up, with yeti's outcomes (§2.7).
#[derive(Debug)]
pub(crate) enum Lookup {
    Found(Arc<Call>),
    /// 404 Record not found.
    NotFound,
    /// The node part is not a node: yeti answers 500.
    NodeMissing,
    /// The key contains `,`: 400.
    BadKey,
}

/// An immutable view of the calls at one instant, rendered without holding the world lock.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub entities: Arc<Entities>,
    pub calls: Vec<Arc<Call>>,
}

type CallKey = (u16, u64);

/// The simulated switch. See the module docs.
#[derive(Debug)]
pub struct World {
    entities: Arc<Entities>,
    calls: BTreeMap<CallKey, Arc<Call>>,
    by_id: HashMap<Box<str>, CallKey>,
    events: BinaryHeap<Reverse<(i64, u16, u64)>>,
    rng: SmallRng,
    next_seq: u64,
    target: usize,
    speed: f64,
    churn: bool,
    last_ms: i64,
}

impl World {
    /// Generates the switch: a pure function of `(cfg.seed, cfg.calls, cfg.nodes, now)`.
    ///
    /// `cfg.churn` and `cfg.churn_speed` only matter for [`World::advance`] later (`churn_speed` also
    /// scales the hidden end times, never anything visible at `now`).
    pub fn generate(cfg: &SimConfig, now: DateTime<Utc>) -> World {
        let mut rng = SmallRng::seed_from_u64(cfg.seed);
        let entities = Arc::new(build_entities(cfg, &mut rng));
        let now_ms = now.timestamp_millis();
        let speed = if cfg.churn_speed.is_finite() && cfg.churn_speed > 0.0 {
            cfg.churn_speed
        } else {
            1.0
        };
        let mut world = World {
            entities,
            calls: BTreeMap::new(),
            by_id: HashMap::new(),
            events: BinaryHeap::new(),
            rng: SmallRng::seed_from_u64(cfg.seed ^ 0x5eed_c4a1_1c0d_e000),
            next_seq: 0,
            target: cfg.calls,
            speed,
            churn: cfg.churn,
            last_ms: now_ms,
        };
        let n_nodes = world.entities.nodes.len();
        let node_weights = Weighted::new((0..n_nodes).map(|i| 10 + ((i * 7) % 5) as u64));
        for _ in 0..cfg.calls {
            let timing = snapshot_timing(&mut rng, now_ms, speed);
            let node_idx = node_weights.pick(&mut rng);
            let seq = world.next_seq;
            world.next_seq += 1;
            let call = make_call(&world.entities, &mut rng, seq, node_idx, timing);
            world.insert(call);
        }
        world
    }

    fn insert(&mut self, call: Call) {
        let key = (call.node_idx, call.seq);
        if !call.answered && call.will_answer {
            self.events.push(Reverse((call.connect_ms, key.0, key.1)));
        }
        self.events.push(Reverse((call.end_ms, key.0, key.1)));
        self.by_id.insert(call.id().into(), key);
        self.calls.insert(key, Arc::new(call));
    }

    fn remove(&mut self, key: CallKey) -> bool {
        match self.calls.remove(&key) {
            Some(call) => {
                self.by_id.remove(call.id());
                true
            }
            None => false,
        }
    }

    /// Number of live calls.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// Number of live calls not answered yet.
    pub fn ringing_count(&self) -> usize {
        self.calls.values().filter(|c| !c.answered).count()
    }

    /// Ids of the live calls, in list order.
    pub fn call_ids(&self) -> Vec<String> {
        self.calls.values().map(|c| c.id().to_owned()).collect()
    }

    /// Ids of the nodes (in `Node.all` order).
    pub fn node_ids(&self) -> Vec<u32> {
        self.entities.nodes.iter().map(|n| n.id).collect()
    }

    pub fn churn(&self) -> bool {
        self.churn
    }

    /// Turns churn on or off; turning it on does not replay the time it was off.
    pub fn set_churn(&mut self, on: bool, now: DateTime<Utc>) {
        if on && !self.churn {
            self.last_ms = now.timestamp_millis();
        }
        self.churn = on;
    }

    /// Ends a call (as `DELETE` does). `false` if there is no such call.
    pub fn end_call(&mut self, id: &str) -> bool {
        match self.by_id.get(id).copied() {
            Some(key) => self.remove(key),
            None => false,
        }
    }

    /// Adds a call on a random node starting now (ringing) or answered a few seconds ago, and returns its
    /// id. Its hidden end time follows the usual distributions (only relevant with churn on).
    pub fn add_call(&mut self, now: DateTime<Utc>, answered: bool) -> String {
        let now_ms = now.timestamp_millis();
        let mut t = arrival_timing(&mut self.rng, now_ms, self.speed);
        if answered {
            let setup = self.rng.random_range(1_000..8_000);
            t.start_ms = now_ms - setup - 2_000;
            t.connect_ms = now_ms - 2_000;
            t.answered = true;
            t.will_answer = true;
            t.end_ms = t.end_ms.max(now_ms + 1_000);
        }
        let node_idx = self.rng.random_range(0..self.entities.nodes.len());
        let seq = self.next_seq;
        self.next_seq += 1;
        let call = make_call(&self.entities, &mut self.rng, seq, node_idx, t);
        let id = call.id().to_owned();
        self.insert(call);
        id
    }

    /// Applies churn up to `now`: answers, failures, hang-ups and Poisson arrivals, by the clock. A no-op
    /// with churn off.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        let now_ms = now.timestamp_millis();
        if !self.churn || now_ms <= self.last_ms {
            return;
        }
        // After a long pause (a suspended laptop), only simulate the last few minutes of arrivals.
        let max_gap = (600_000.0 / self.speed) as i64;
        let mut t = self.last_ms.max(now_ms - max_gap) as f64;
        let base_rate_per_ms = self.target as f64 / MEAN_LIFE_S * self.speed / 1000.0;
        if base_rate_per_ms > 0.0 {
            loop {
                let current = self.calls.len().max(1) as f64;
                let factor = (self.target as f64 / current).clamp(0.5, 2.0);
                t += exp_sample(&mut self.rng, 1.0 / (base_rate_per_ms * factor));
                if t > now_ms as f64 {
                    break;
                }
                let at = t as i64;
                self.process_events(at);
                let timing = arrival_timing(&mut self.rng, at, self.speed);
                let node_idx = self.rng.random_range(0..self.entities.nodes.len());
                let seq = self.next_seq;
                self.next_seq += 1;
                let call = make_call(&self.entities, &mut self.rng, seq, node_idx, timing);
                self.insert(call);
            }
        }
        self.process_events(now_ms);
        self.last_ms = now_ms;
    }

    fn process_events(&mut self, upto_ms: i64) {
        while let Some(Reverse((at, node, seq))) = self.events.peek().copied() {
            if at > upto_ms {
                break;
            }
            self.events.pop();
            let key = (node, seq);
            let Some(call) = self.calls.get_mut(&key) else {
                continue; // ended earlier (DELETE): stale event
            };
            if call.end_ms <= at {
                self.remove(key);
            } else if !call.answered && call.will_answer && call.connect_ms <= at {
                Arc::make_mut(call).answered = true;
            }
        }
    }

    /// Finds a call by its API id (`<node_id>*<local_tag>`).
    pub(crate) fn lookup(&self, id: &str) -> Lookup {
        if id.contains(',') {
            return Lookup::BadKey;
        }
        let (node_part, tag) = match id.split_once('*') {
            Some((n, t)) => (n, Some(t)),
            None => (id, None),
        };
        // UNCONFIRMED (contract §2.7): `Node.find` raises RecordNotFound, which `find_by_key` does not
        // rescue, so jsonapi-resources turns it into a 500; we take that reading.
        let node_id = match node_part.parse::<u32>() {
            Ok(n) if self.entities.node_index(n).is_some() => n,
            _ => return Lookup::NodeMissing,
        };
        let Some(tag) = tag else {
            return Lookup::NotFound;
        };
        let canonical = format!("{node_id}*{tag}");
        match self
            .by_id
            .get(canonical.as_str())
            .and_then(|k| self.calls.get(k))
        {
            Some(c) => Lookup::Found(c.clone()),
            None => Lookup::NotFound,
        }
    }

    /// The calls as they are now, cheap to take (reference-counted), for rendering outside the lock.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            entities: self.entities.clone(),
            calls: self.calls.values().cloned().collect(),
        }
    }

    pub(crate) fn entities(&self) -> &Arc<Entities> {
        &self.entities
    }

    /// The exact bytes `GET /active-calls` answers at `now` for this query (filters, include and sparse
    /// fieldsets applied).
    pub fn list_json(&self, now: DateTime<Utc>, q: &ListQuery) -> Vec<u8> {
        let snap = self.snapshot();
        let now_ms = now.timestamp_millis();
        let calls = render::filter_calls(&snap.calls, &q.filters, now_ms);
        render::render_list_all(&snap.entities, &calls, now_ms, q)
    }

    /// `GET /active-calls` at `now`, decoded into the shared wire types (what the client would see).
    pub fn list_document(&self, now: DateTime<Utc>, q: &ListQuery) -> CallListDocument {
        let bytes = self.list_json(now, q);
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            // The renderer is tested to produce valid documents; never panic in library code.
            tracing::error!("simulator rendered an undecodable list document: {e}");
            CallListDocument::default()
        })
    }

    /// `GET /active-calls/{id}` at `now` (`None` when there is no such call).
    pub fn show_document(
        &self,
        now: DateTime<Utc>,
        id: &str,
        q: &ListQuery,
    ) -> Option<CallDocument> {
        let Lookup::Found(call) = self.lookup(id) else {
            return None;
        };
        let bytes = render::render_show(&self.entities, &call, now.timestamp_millis(), q);
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
#[path = "world_tests.rs"]
mod tests;
