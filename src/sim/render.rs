//! Fast JSON rendering of the documents, straight into byte buffers.
//!
//! A 100k-call list with every attribute and every relationship link is about 0.5 GB of JSON, so calls are
//! not turned into `serde_json::Value`s: their strings are stored pre-escaped ([`super::world::Call`]),
//! links are assembled from pre-built pieces, and sparse fieldsets are bit masks. Records (a few hundred)
//! write their attribute values with `serde_json`.
//!
//! Key order follows jsonapi-resources: `id`, `type`, `links`, `attributes`, `relationships`; a relationship
//! object is `links` then `data`. `attributes`/`relationships` are left out when a sparse fieldset empties them.

use std::collections::HashSet;
use std::sync::Arc;

use crate::api::types::{
    ACTIVE_CALLS, API_PREFIX, CALL_ATTRIBUTES, CALL_RELATIONSHIPS, call_relationship_index,
};

use super::query::{CallFilter, FilterOp, Include, ListQuery, RecordFilter, RecordSort};
use super::schema::{self, RelKind, T_ROUTING_GROUPS};
use super::world::{Call, Entities, NULL_DIV_IN, NULL_DIV_OUT, NULL_LRN, Record, num, txt};

/// JSON-escapes `v` (without quotes) onto `out`, exactly as `serde_json` would.
pub(crate) fn escape_into(out: &mut String, v: &str) {
    if !v.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(v);
        return;
    }
    for ch in v.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

fn escaped(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    escape_into(&mut s, v);
    s
}

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

fn push_str(buf: &mut Vec<u8>, escaped: &str) {
    buf.push(b'"');
    buf.extend_from_slice(escaped.as_bytes());
    buf.push(b'"');
}

fn push_value(buf: &mut Vec<u8>, v: &serde_json::Value) {
    // Writing a Value into a Vec cannot fail.
    if serde_json::to_writer(&mut *buf, v).is_err() {
        buf.extend_from_slice(b"null");
    }
}

/// `true` for the attributes whose sparse-fieldset request is silently dropped (contract §2.4 quirk).
/// UNCONFIRMED: derived from jsonapi-resources' code (`leg_a_remote_ip` never equals `:legA_remote_ip`);
/// we take it as real, so the client never relies on `leg-*` in a sparse poll (the call view asks for all).
fn is_leg_attr(name: &str) -> bool {
    name.starts_with("leg-a-") || name.starts_with("leg-b-")
}

// ---------------------------------------------------------------------------------------------------------
// Filters

fn call_matches(c: &Call, filters: &[CallFilter], now_ms: i64) -> bool {
    filters.iter().all(|f| match &f.op {
        FilterOp::RelEq(rel, values) => {
            let id = c.rels.get(*rel).copied().unwrap_or(0);
            id != 0 && values.iter().any(|v| *v == i64::from(id))
        }
        FilterOp::DurationEq(v) => c.duration(now_ms).unwrap_or(0) == *v,
        FilterOp::DurationGt(v) => c.duration(now_ms).unwrap_or(0) > *v,
        FilterOp::DurationLt(v) => c.duration(now_ms).unwrap_or(0) < *v,
    })
}

/// The calls matching every filter (AND), in list order.
pub(crate) fn filter_calls(
    calls: &[Arc<Call>],
    filters: &[CallFilter],
    now_ms: i64,
) -> Vec<Arc<Call>> {
    calls
        .iter()
        .filter(|c| call_matches(c, filters, now_ms))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Calls

/// Per-request rendering state of calls: link pieces and field masks.
pub(crate) struct CallCtx {
    /// Escaped `http://host/api/rest/admin/active-calls/`.
    calls_base: Vec<u8>,
    attrs: u64,
    rels: u32,
    linkage: u32,
    /// Per relationship: `"name":{"links":{"self":"` / `/relationships/name","related":"` / `/name"}`.
    rel_pieces: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>,
}

impl CallCtx {
    pub fn new(q: &ListQuery) -> CallCtx {
        let calls_base =
            format!("{}{API_PREFIX}/{ACTIVE_CALLS}/", escaped(&q.base_url)).into_bytes();
        let (attrs, rels) = match q.fields.get(ACTIVE_CALLS) {
            None => (
                (1u64 << CALL_ATTRIBUTES.len()) - 1,
                (1u32 << CALL_RELATIONSHIPS.len()) - 1,
            ),
            Some(list) => {
                let mut a = 0u64;
                let mut r = 0u32;
                for f in list {
                    if let Some(i) = CALL_ATTRIBUTES.iter().position(|n| n == f) {
                        if !is_leg_attr(f) {
                            a |= 1 << i;
                        }
                    } else if let Some(i) = call_relationship_index(f) {
                        r |= 1 << i;
                    }
                }
                (a, r)
            }
        };
        let mut linkage = 0u32;
        for inc in &q.include {
            if let Some(i) = call_relationship_index(&inc.name) {
                linkage |= 1 << i;
            }
        }
        let rel_pieces = CALL_RELATIONSHIPS
            .iter()
            .map(|(name, _)| {
                (
                    format!("\"{name}\":{{\"links\":{{\"self\":\"").into_bytes(),
                    format!("/relationships/{name}\",\"related\":\"").into_bytes(),
                    format!("/{name}\"}}").into_bytes(),
                )
            })
            .collect();
        CallCtx {
            calls_base,
            attrs,
            rels,
            linkage,
            rel_pieces,
        }
    }
}

/// Appends one `active-calls` resource object.
pub(crate) fn render_call(buf: &mut Vec<u8>, c: &Call, now_ms: i64, ctx: &CallCtx) {
    let id = c.id().as_bytes();
    buf.extend_from_slice(b"{\"id\":\"");
    buf.extend_from_slice(id);
    buf.extend_from_slice(b"\",\"type\":\"active-calls\",\"links\":{\"self\":\"");
    buf.extend_from_slice(&ctx.calls_base);
    buf.extend_from_slice(id);
    buf.extend_from_slice(b"\"}");
    if ctx.attrs != 0 {
        buf.extend_from_slice(b",\"attributes\":{");
        let mut first = true;
        for (i, name) in CALL_ATTRIBUTES.iter().enumerate() {
            if ctx.attrs & (1 << i) == 0 {
                continue;
            }
            if !first {
                buf.push(b',');
            }
            first = false;
            buf.push(b'"');
            buf.extend_from_slice(name.as_bytes());
            buf.extend_from_slice(b"\":");
            write_attr(buf, c, i, now_ms);
        }
        buf.push(b'}');
    }
    if ctx.rels != 0 {
        buf.extend_from_slice(b",\"relationships\":{");
        let mut first = true;
        for (i, (_, ty)) in CALL_RELATIONSHIPS.iter().enumerate() {
            if ctx.rels & (1 << i) == 0 {
                continue;
            }
            if !first {
                buf.push(b',');
            }
            first = false;
            let (p1, p2, p3) = &ctx.rel_pieces[i];
            buf.extend_from_slice(p1);
            buf.extend_from_slice(&ctx.calls_base);
            buf.extend_from_slice(id);
            buf.extend_from_slice(p2);
            buf.extend_from_slice(&ctx.calls_base);
            buf.extend_from_slice(id);
            buf.extend_from_slice(p3);
            if ctx.linkage & (1 << i) != 0 {
                write_linkage(buf, ty, c.rels[i]);
            }
            buf.push(b'}');
        }
        buf.push(b'}');
    }
    buf.push(b'}');
}

fn write_linkage(buf: &mut Vec<u8>, ty: &str, id: u32) {
    if id == 0 {
        buf.extend_from_slice(b",\"data\":null");
    } else {
        buf.extend_from_slice(b",\"data\":{\"type\":\"");
        buf.extend_from_slice(ty.as_bytes());
        buf.extend_from_slice(b"\",\"id\":\"");
        push_u64(buf, u64::from(id));
        buf.extend_from_slice(b"\"}");
    }
}

fn write_attr(buf: &mut Vec<u8>, c: &Call, i: usize, now_ms: i64) {
    let s = |buf: &mut Vec<u8>, t: usize| push_str(buf, c.text(t));
    let n = |buf: &mut Vec<u8>, k: usize| push_u64(buf, u64::from(c.nums[k]));
    let nullable = |buf: &mut Vec<u8>, flag: u8, t: usize| {
        if c.nulls & flag != 0 {
            buf.extend_from_slice(b"null");
        } else {
            push_str(buf, c.text(t));
        }
    };
    let b_leg = c.answered;
    match i {
        0 => s(buf, txt::START),
        1 => {
            if c.answered {
                s(buf, txt::CONNECT)
            } else {
                buf.extend_from_slice(b"null")
            }
        }
        2 => match c.duration(now_ms) {
            Some(d) => push_i64(buf, d),
            None => buf.extend_from_slice(b"null"),
        },
        3 => push_u64(buf, u64::from(c.time_limit)),
        4 => s(buf, txt::DST_IN),
        5 => s(buf, txt::DST_ROUTING),
        6 => nullable(buf, NULL_LRN, txt::LRN),
        7 => s(buf, txt::DST_OUT),
        8 => s(buf, txt::SRC_IN),
        9 => s(buf, txt::SRC_ROUTING),
        10 => s(buf, txt::SRC_OUT),
        11 => nullable(buf, NULL_DIV_IN, txt::DIV_IN),
        12 => nullable(buf, NULL_DIV_OUT, txt::DIV_OUT),
        13 => s(buf, txt::D_INIT),
        14 => s(buf, txt::D_NEXT),
        15 => n(buf, num::D_INIT_INTERVAL),
        16 => n(buf, num::D_NEXT_INTERVAL),
        17 => s(buf, txt::D_FEE),
        18 => n(buf, num::POLICY),
        19 => s(buf, txt::DP_INIT),
        20 => s(buf, txt::DP_NEXT),
        21 => n(buf, num::DP_INIT_INTERVAL),
        22 => n(buf, num::DP_NEXT_INTERVAL),
        23 => s(buf, txt::DP_FEE),
        24 => s(buf, txt::A_REMOTE_IP),
        25 => n(buf, num::A_REMOTE_PORT),
        26 => s(buf, txt::ORIG_CALL_ID),
        27 => s(buf, txt::A_LOCAL_IP),
        28 => n(buf, num::A_LOCAL_PORT),
        29 => push_str(buf, c.local_tag()),
        30 if b_leg => s(buf, txt::B_LOCAL_IP),
        31 if b_leg => n(buf, num::B_LOCAL_PORT),
        32 if b_leg => s(buf, txt::TERM_CALL_ID),
        33 if b_leg => s(buf, txt::B_REMOTE_IP),
        34 if b_leg => n(buf, num::B_REMOTE_PORT),
        30 | 32 | 33 => buf.extend_from_slice(b"\"\""),
        _ => buf.push(b'0'),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Included records

/// One record to put into `included`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncItem {
    /// A record of a served type.
    Rec(usize, u32),
    /// The `routing-plan` quirk: a routing plan rendered as a `routing-groups` object (only its name).
    PlanAsGroup(u32),
}

struct IncCollector<'a> {
    ent: &'a Entities,
    seen: HashSet<(usize, u32)>,
    out: Vec<IncItem>,
}

impl IncCollector<'_> {
    fn add_record(&mut self, ti: usize, id: u32, children: &[Include]) {
        let Some(rec) = self.ent.table(ti).get(id) else {
            return;
        };
        if self.seen.insert((ti, id)) {
            self.out.push(IncItem::Rec(ti, id));
        }
        for child in children {
            let def = schema::TYPES[ti];
            let Some(ri) = def.rel_index(&child.name) else {
                continue;
            };
            let rel = &def.rels[ri];
            if !matches!(rel.kind, RelKind::ToOne { .. }) {
                continue;
            }
            if let (Some(Some(target_id)), Some(target_ti)) =
                (rec.rels.get(ri), schema::type_index(rel.target))
            {
                self.add_record(target_ti, *target_id, &child.children);
            }
        }
    }

    fn add_call_rel(&mut self, rel: usize, id: u32, children: &[Include]) {
        if id == 0 {
            return;
        }
        if rel == 8 {
            // routing-plan: typed routing-groups, built from the routing plan row; collides with a routing
            // group of the same id (first one wins).
            if self.ent.routing_plan_names.contains_key(&id)
                && self.seen.insert((T_ROUTING_GROUPS, id))
            {
                self.out.push(IncItem::PlanAsGroup(id));
            }
            return;
        }
        if let Some(ti) = schema::type_index(CALL_RELATIONSHIPS[rel].1) {
            self.add_record(ti, id, children);
        }
    }
}

/// The records `include` pulls in for these calls, deduplicated by (type, id), grouped by include path in
/// order of first appearance.
pub(crate) fn collect_included_for_calls(
    ent: &Entities,
    calls: &[Arc<Call>],
    include: &[Include],
) -> Vec<IncItem> {
    let mut col = IncCollector {
        ent,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    for inc in include {
        let Some(rel) = call_relationship_index(&inc.name) else {
            continue;
        };
        let mut ids_seen = HashSet::new();
        for c in calls {
            let id = c.rels[rel];
            if id != 0 && ids_seen.insert(id) {
                col.add_call_rel(rel, id, &inc.children);
            }
        }
    }
    col.out
}

fn collect_included_for_records(
    ent: &Entities,
    ti: usize,
    ids: &[u32],
    include: &[Include],
) -> Vec<IncItem> {
    let mut col = IncCollector {
        ent,
        seen: ids.iter().map(|id| (ti, *id)).collect(),
        out: Vec::new(),
    };
    for id in ids {
        if let Some(rec) = ent.table(ti).get(*id) {
            let def = schema::TYPES[ti];
            for inc in include {
                let Some(ri) = def.rel_index(&inc.name) else {
                    continue;
                };
                let rel = &def.rels[ri];
                if let (Some(Some(tid)), Some(tti)) =
                    (rec.rels.get(ri), schema::type_index(rel.target))
                {
                    col.add_record(tti, *tid, &inc.children);
                }
            }
        }
    }
    col.out
}

fn admin_base(q: &ListQuery) -> String {
    format!("{}{API_PREFIX}/", escaped(&q.base_url))
}

/// Appends one record resource object (`fields[<type>]` applied).
pub(crate) fn render_record(buf: &mut Vec<u8>, ti: usize, rec: &Record, q: &ListQuery) {
    let def = schema::TYPES[ti];
    let base = admin_base(q);
    let fields = q.fields.get(def.name);
    let wanted = |name: &str| fields.is_none_or(|f| f.iter().any(|x| x == name));
    buf.extend_from_slice(b"{\"id\":\"");
    push_u64(buf, u64::from(rec.id));
    buf.extend_from_slice(b"\",\"type\":\"");
    buf.extend_from_slice(def.name.as_bytes());
    let self_link = format!("{base}{}/{}", def.name, rec.id);
    buf.extend_from_slice(b"\",\"links\":{\"self\":");
    push_str(buf, &self_link);
    buf.push(b'}');
    let mut first = true;
    for (i, name) in def.attrs.iter().enumerate() {
        if !wanted(name) {
            continue;
        }
        buf.extend_from_slice(if first {
            b",\"attributes\":{\""
        } else {
            b",\""
        });
        first = false;
        buf.extend_from_slice(name.as_bytes());
        buf.extend_from_slice(b"\":");
        push_value(buf, rec.values.get(i).unwrap_or(&serde_json::Value::Null));
    }
    if !first {
        buf.push(b'}');
    }
    let mut first = true;
    for (i, rel) in def.rels.iter().enumerate() {
        if !wanted(rel.name) || rel.kind == (RelKind::ToMany { links: false }) {
            continue;
        }
        buf.extend_from_slice(if first {
            b",\"relationships\":{\""
        } else {
            b",\""
        });
        first = false;
        buf.extend_from_slice(rel.name.as_bytes());
        buf.extend_from_slice(b"\":{\"links\":{\"self\":");
        push_str(buf, &format!("{self_link}/relationships/{}", rel.name));
        buf.extend_from_slice(b",\"related\":");
        push_str(buf, &format!("{self_link}/{}", rel.name));
        buf.push(b'}');
        if rel.kind == (RelKind::ToOne { linkage: true }) {
            write_linkage(
                buf,
                rel.target,
                rec.rels.get(i).copied().flatten().unwrap_or(0),
            );
        }
        buf.push(b'}');
    }
    if !first {
        buf.push(b'}');
    }
    buf.push(b'}');
}

/// A routing plan rendered as a `routing-groups` object (the `routing-plan` include quirk).
/// UNCONFIRMED at runtime (contract §2.5): read from the resource's `class_name: 'RoutingGroup'`; a real
/// yeti-web most likely does exactly this, including the collision with a routing group of the same id.
fn render_plan_as_group(buf: &mut Vec<u8>, ent: &Entities, id: u32, q: &ListQuery) {
    let name = ent
        .routing_plan_names
        .get(&id)
        .map(String::as_str)
        .unwrap_or("");
    let fake = Record {
        id,
        values: vec![serde_json::Value::String(name.to_owned())],
        rels: vec![None],
    };
    render_record(buf, T_ROUTING_GROUPS, &fake, q);
}

fn render_included(buf: &mut Vec<u8>, ent: &Entities, items: &[IncItem], q: &ListQuery) {
    if items.is_empty() {
        return;
    }
    buf.extend_from_slice(b",\"included\":[");
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        match *item {
            IncItem::Rec(ti, id) => match ent.table(ti).get(id) {
                Some(rec) => render_record(buf, ti, rec, q),
                None => buf.extend_from_slice(b"null"),
            },
            IncItem::PlanAsGroup(id) => render_plan_as_group(buf, ent, id, q),
        }
    }
    buf.push(b']');
}

// ---------------------------------------------------------------------------------------------------------
// Documents

/// The list document in pieces, so large lists can be streamed chunk by chunk.
pub(crate) struct ListRender {
    pub ctx: CallCtx,
    /// `,"included":[...]` (or empty) followed by the meta and the closing brace.
    tail: Vec<u8>,
}

impl ListRender {
    pub fn new(ent: &Entities, calls: &[Arc<Call>], q: &ListQuery) -> ListRender {
        let ctx = CallCtx::new(q);
        let mut tail = Vec::new();
        tail.push(b']');
        if !q.include.is_empty() {
            let items = collect_included_for_calls(ent, calls, &q.include);
            render_included(&mut tail, ent, &items, q);
        }
        // UNCONFIRMED at runtime (contract §2.4): `total-count` is always 0 because `find_count` returns 0
        // while the record-count meta is on; the code reading is taken as what a real yeti-web sends.
        tail.extend_from_slice(b",\"meta\":{\"total-count\":0}}");
        ListRender { ctx, tail }
    }

    pub const HEAD: &'static [u8] = b"{\"data\":[";

    /// Appends the calls `calls`; `first` = no call was written before.
    pub fn chunk(&self, buf: &mut Vec<u8>, calls: &[Arc<Call>], mut first: bool, now_ms: i64) {
        for c in calls {
            if !first {
                buf.push(b',');
            }
            first = false;
            render_call(buf, c, now_ms, &self.ctx);
        }
    }

    pub fn tail(&self) -> &[u8] {
        &self.tail
    }
}

/// The whole `GET /active-calls` document in one buffer.
pub(crate) fn render_list_all(
    ent: &Entities,
    calls: &[Arc<Call>],
    now_ms: i64,
    q: &ListQuery,
) -> Vec<u8> {
    let lr = ListRender::new(ent, calls, q);
    let mut buf = Vec::with_capacity(64 + calls.len() * 1500);
    buf.extend_from_slice(ListRender::HEAD);
    lr.chunk(&mut buf, calls, true, now_ms);
    buf.extend_from_slice(lr.tail());
    buf
}

/// `GET /active-calls/{id}`.
pub(crate) fn render_show(ent: &Entities, call: &Arc<Call>, now_ms: i64, q: &ListQuery) -> Vec<u8> {
    let ctx = CallCtx::new(q);
    let mut buf = Vec::with_capacity(8192);
    buf.extend_from_slice(b"{\"data\":");
    render_call(&mut buf, call, now_ms, &ctx);
    if !q.include.is_empty() {
        let items = collect_included_for_calls(ent, std::slice::from_ref(call), &q.include);
        render_included(&mut buf, ent, &items, q);
    }
    buf.push(b'}');
    buf
}

/// Target of a call relationship: `(type name, id, record type index to load it from)`; the related link of
/// `routing-plan` is served by the routing-groups controller, so it loads a routing group.
pub(crate) fn call_rel_target(call: &Call, rel: usize) -> (&'static str, u32, Option<usize>) {
    let (_, ty) = CALL_RELATIONSHIPS[rel];
    (ty, call.rels[rel], schema::type_index(ty))
}

/// `GET /active-calls/{id}/relationships/<rel>` (or the same for a record).
pub(crate) fn render_relationship_doc(self_base: &str, rel: &str, ty: &str, id: u32) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(b"{\"data\":");
    if id == 0 {
        buf.extend_from_slice(b"null");
    } else {
        buf.extend_from_slice(b"{\"type\":\"");
        buf.extend_from_slice(ty.as_bytes());
        buf.extend_from_slice(b"\",\"id\":\"");
        push_u64(&mut buf, u64::from(id));
        buf.extend_from_slice(b"\"}");
    }
    buf.extend_from_slice(b",\"links\":{\"self\":");
    push_str(
        &mut buf,
        &format!("{}/relationships/{rel}", escaped(self_base)),
    );
    buf.extend_from_slice(b",\"related\":");
    push_str(&mut buf, &format!("{}/{rel}", escaped(self_base)));
    buf.extend_from_slice(b"}}");
    buf
}

/// Self link of a call, unescaped (for relationship documents).
pub(crate) fn call_self(q: &ListQuery, call: &Call) -> String {
    format!("{}{API_PREFIX}/{ACTIVE_CALLS}/{}", q.base_url, call.id())
}

/// Self link of a record, unescaped.
pub(crate) fn record_self(q: &ListQuery, ti: usize, id: u32) -> String {
    format!("{}{API_PREFIX}/{}/{id}", q.base_url, schema::TYPES[ti].name)
}

/// `{"data": <record>|null, "included": [...]}` for a record of type `ti` (its includes resolved from it).
pub(crate) fn render_record_doc(
    ent: &Entities,
    ti: usize,
    id: Option<u32>,
    q: &ListQuery,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(2048);
    buf.extend_from_slice(b"{\"data\":");
    match id.and_then(|id| ent.table(ti).get(id)) {
        Some(rec) => {
            render_record(&mut buf, ti, rec, q);
            if !q.include.is_empty() {
                let items = collect_included_for_records(ent, ti, &[rec.id], &q.include);
                render_included(&mut buf, ent, &items, q);
            }
        }
        None => buf.extend_from_slice(b"null"),
    }
    buf.push(b'}');
    buf
}

/// `GET /<type>`: filters, sort, page; `links` first/prev/next/last keep the other query parameters.
pub(crate) fn render_record_list(
    ent: &Entities,
    ti: usize,
    q: &ListQuery,
    raw_query: &str,
) -> Vec<u8> {
    let def = schema::TYPES[ti];
    let name_idx = def.attr_index("name");
    let mut recs: Vec<&Record> = ent
        .table(ti)
        .records
        .iter()
        .filter(|r| {
            q.record_filters.iter().all(|f| match f {
                RecordFilter::Ids(ids) => ids.contains(&i64::from(r.id)),
                RecordFilter::Name(names) => name_idx
                    .and_then(|i| r.values.get(i))
                    .and_then(|v| v.as_str())
                    .is_some_and(|n| names.iter().any(|x| x == n)),
            })
        })
        .collect();
    let name_of = |r: &Record| -> String {
        name_idx
            .and_then(|i| r.values.get(i))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    match q.sort {
        Some(RecordSort::Id(true)) => recs.sort_by_key(|r| std::cmp::Reverse(r.id)),
        Some(RecordSort::Name(desc)) => {
            recs.sort_by_key(|r| name_of(r));
            if desc {
                recs.reverse();
            }
        }
        _ => {}
    }
    let total = recs.len() as i64;
    let size = q.page_size.max(1);
    let page_count = (total + size - 1) / size;
    let offset = (q.page_number.max(1) - 1).saturating_mul(size);
    let page: Vec<&Record> = recs
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .copied()
        .collect();

    let mut buf = Vec::with_capacity(1024 + page.len() * 1024);
    buf.extend_from_slice(b"{\"data\":[");
    for (k, rec) in page.iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        render_record(&mut buf, ti, rec, q);
    }
    buf.push(b']');
    if !q.include.is_empty() {
        let ids: Vec<u32> = page.iter().map(|r| r.id).collect();
        let items = collect_included_for_records(ent, ti, &ids, &q.include);
        render_included(&mut buf, ent, &items, q);
    }
    buf.extend_from_slice(b",\"meta\":{\"total-count\":");
    push_i64(&mut buf, total);
    buf.extend_from_slice(b"},\"links\":{");
    // Other parameters kept, sorted by key like Rails' to_query.
    let mut kept: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes())
        .filter(|(k, _)| !k.starts_with("page") && k != "token")
        .take(256)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    kept.sort();
    let link = |number: i64| -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            if k.as_str() < "page" {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("page[number]", &number.to_string());
        ser.append_pair("page[size]", &size.to_string());
        for (k, v) in &kept {
            if k.as_str() > "page" {
                ser.append_pair(k, v);
            }
        }
        format!("{}{API_PREFIX}/{}?{}", q.base_url, def.name, ser.finish())
    };
    let number = q.page_number.max(1);
    let mut links = vec![("first", link(1))];
    if number > 1 {
        links.push(("prev", link(number - 1)));
    }
    if number < page_count {
        links.push(("next", link(number + 1)));
    }
    links.push(("last", link(page_count)));
    for (k, (name, url)) in links.iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        push_str(&mut buf, name);
        buf.push(b':');
        push_str(&mut buf, &escaped(url));
    }
    buf.extend_from_slice(b"}}");
    buf
}

/// Which record type a relationship of the record type `ti` points to, and its id.
pub(crate) fn record_rel_target(
    ent: &Entities,
    ti: usize,
    id: u32,
    rel: &str,
) -> Option<(&'static str, Option<u32>, bool)> {
    let def = schema::TYPES[ti];
    let ri = def.rel_index(rel)?;
    let r = &def.rels[ri];
    let to_one = matches!(r.kind, RelKind::ToOne { .. });
    let target = ent
        .table(ti)
        .get(id)
        .and_then(|rec| rec.rels.get(ri).copied().flatten());
    Some((r.target, target, to_one))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_matches_serde_json() {
        for s in ["plain", "a\"b", "back\\slash", "ctl\u{1}\n\t", "ünï"] {
            let mut out = String::new();
            escape_into(&mut out, s);
            assert_eq!(format!("\"{out}\""), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn integers_format() {
        let mut b = Vec::new();
        push_i64(&mut b, -1234);
        b.push(b' ');
        push_u64(&mut b, 0);
        b.push(b' ');
        push_i64(&mut b, i64::MIN);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            format!("-1234 0 {}", i64::MIN)
        );
    }
}
