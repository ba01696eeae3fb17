//! State of one call list (the home list, or a list scoped to a record): the calls by id, tombstones of
//! ended calls, the sorted + filtered index, the selection (by call id) and the scroll offset.
//!
//! The index is rebuilt only when data, sort or filter change, never per frame; sort keys are computed
//! once per rebuild; rows are built by the ui only for the visible window.

use std::collections::HashMap;
use std::hash::Hash;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::api::CallFilter;
use crate::app::poll::PollState;
use crate::app::rows::{self, Column, Lookup, Shown, Totals};
use crate::model::{Call, Link, Text};

/// How long an ended call stays in the list, dimmed.
pub const TOMBSTONE: Duration = Duration::from_secs(5);

/// One call of the list.
#[derive(Debug, Clone)]
pub struct Entry {
    pub call: Call,
    /// The shown duration never goes below this (carried across polls).
    pub floor: i64,
    /// Local time the call was seen gone; it is a tombstone until [`TOMBSTONE`] later.
    pub ended_at: Option<DateTime<Utc>>,
    /// The server time its clock stopped at (tombstones).
    pub frozen_at: Option<DateTime<Utc>>,
}

impl Entry {
    /// Shown duration at `server_now` (a tombstone's clock is stopped).
    pub fn shown(&self, server_now: DateTime<Utc>) -> Shown {
        rows::shown(&self.call, self.frozen_at.unwrap_or(server_now), self.floor)
    }
}

/// A list limited to the calls of one record: the API filter and the client-side check on the linkage.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// The call relationship (`customer`, `orig-gw`, ...).
    pub rel: &'static str,
    pub rel_index: usize,
    pub id: u32,
    pub filter: CallFilter,
    /// The record's name, for the breadcrumb.
    pub label: Text,
}

/// One call list.
#[derive(Debug, Clone)]
pub struct CallList {
    /// Identifies this list for the poll in flight.
    pub uid: u64,
    pub scope: Option<Scope>,
    /// Sorted by call id, ids unique: an entry's position is its id's rank (the sort's tie break).
    pub entries: Vec<Entry>,
    /// All entries, sorted.
    sorted: Vec<usize>,
    /// Sorted and filtered: what the table shows.
    pub index: Vec<usize>,
    pub sort: Column,
    pub descending: bool,
    pub filter: String,
    /// Lowercase search text of every entry, one after the other; built lazily when a filter is set,
    /// dropped when data change.
    hay: String,
    /// Where the search text of entry `i` starts in `hay` (`i + 1`: where it ends); empty when not built.
    hay_at: Vec<usize>,
    /// The needle `index` was filtered with from `sorted`: a longer needle that contains it only needs to
    /// search `index` (typing narrows). `None` after a re-sort.
    narrowed_by: Option<String>,
    /// The selected call.
    pub selected: Option<Text>,
    /// Its position in `index`.
    pub sel: usize,
    /// First visible row.
    pub offset: usize,
    pub poll: PollState,
    pub totals: Totals,
    /// A poll has answered at least once (good or bad).
    pub loaded: bool,
    /// Ctrl-R asked for a poll while one was in flight.
    pub refresh_queued: bool,
}

impl CallList {
    pub fn new(uid: u64, scope: Option<Scope>) -> CallList {
        CallList {
            uid,
            scope,
            entries: Vec::new(),
            sorted: Vec::new(),
            index: Vec::new(),
            sort: Column::Duration,
            descending: true,
            filter: String::new(),
            hay: String::new(),
            hay_at: Vec::new(),
            narrowed_by: None,
            selected: None,
            sel: 0,
            offset: 0,
            poll: PollState::default(),
            totals: Totals::default(),
            loaded: false,
            refresh_queued: false,
        }
    }

    /// Number of live (not ended) calls.
    pub fn live(&self) -> usize {
        self.entries.iter().filter(|e| e.ended_at.is_none()).count()
    }

    /// Position of the entry of call `id`.
    fn position(&self, id: &str) -> Option<usize> {
        self.entries.binary_search_by(|e| (*e.call.id).cmp(id)).ok()
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.position(id).and_then(|i| self.entries.get(i))
    }

    /// Puts a poll's calls in the order [`CallList::set_calls`] wants (by id, stable). Done by the
    /// runtime off the UI thread; `set_calls` sorts what is not sorted yet.
    pub fn prepare(calls: &mut [Call]) {
        if !calls.is_sorted_by(|a, b| a.id <= b.id) {
            calls.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }

    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.index.get(self.sel).and_then(|i| self.entries.get(*i))
    }

    /// Replaces the data with a new poll's calls (at local time `now`); calls gone become tombstones.
    pub fn set_calls(&mut self, mut calls: Vec<Call>, now: DateTime<Utc>, lk: &Lookup<'_>) {
        let server_now = lk.server_now;
        Self::prepare(&mut calls);
        let retire = |mut e: Entry| {
            if e.ended_at.is_none() {
                e.floor = e.shown(server_now).duration().unwrap_or(0).max(e.floor);
                e.ended_at = Some(now);
                e.frozen_at = Some(server_now);
            }
            e
        };
        // Both sides are sorted by id: merge them.
        let mut old = std::mem::take(&mut self.entries).into_iter().peekable();
        let mut entries: Vec<Entry> = Vec::with_capacity(calls.len() + 16);
        for call in calls {
            if let Some(scope) = &self.scope
                && call.links[scope.rel_index] != Link::Id(scope.id)
            {
                // yeti ignores some filters: check the linkage here too.
                continue;
            }
            // The first of the calls with the same id wins (the sort is stable).
            if entries.last().is_some_and(|l| l.call.id == call.id) {
                continue;
            }
            while let Some(gone) = old.next_if(|o| o.call.id < call.id) {
                entries.push(retire(gone));
            }
            let floor = match old.next_if(|o| o.call.id == call.id) {
                Some(prev) if prev.ended_at.is_none() => prev
                    .shown(server_now)
                    .duration()
                    .unwrap_or(0)
                    .max(prev.floor),
                _ => 0,
            };
            entries.push(Entry {
                call,
                floor,
                ended_at: None,
                frozen_at: None,
            });
        }
        entries.extend(old.map(retire));
        self.entries = entries;
        self.loaded = true;
        self.rebuild(lk);
    }

    /// Marks a call as ended (its show answered 404).
    pub fn end_call(&mut self, id: &str, now: DateTime<Utc>, lk: &Lookup<'_>) -> bool {
        let Some(i) = self.position(id) else {
            return false;
        };
        let Some(e) = self.entries.get_mut(i) else {
            return false;
        };
        if e.ended_at.is_some() {
            return false;
        }
        e.floor = e.shown(lk.server_now).duration().unwrap_or(0).max(e.floor);
        e.ended_at = Some(now);
        e.frozen_at = Some(lk.server_now);
        self.rebuild(lk);
        true
    }

    /// Drops tombstones older than [`TOMBSTONE`]; true when some were dropped.
    pub fn expire(&mut self, now: DateTime<Utc>, lk: &Lookup<'_>) -> bool {
        let ttl = crate::app::poll::delta(TOMBSTONE);
        let before = self.entries.len();
        self.entries
            .retain(|e| e.ended_at.is_none_or(|at| now - at < ttl));
        if self.entries.len() != before {
            self.rebuild(lk);
            true
        } else {
            false
        }
    }

    /// Rebuilds totals, the sorted order and the filtered index (data or sort changed).
    pub fn rebuild(&mut self, lk: &Lookup<'_>) {
        self.hay.clear();
        self.hay_at.clear();
        self.totals = Totals::compute(
            self.entries
                .iter()
                .filter(|e| e.ended_at.is_none())
                .map(|e| (&e.call, e.shown(lk.server_now))),
            lk,
        );
        self.resort(lk);
    }

    /// Re-sorts (sort column or direction changed) and refilters.
    pub fn resort(&mut self, lk: &Lookup<'_>) {
        let col = self.sort;
        let now = lk.server_now;
        let entries = &self.entries;
        let shown = |e: &Entry| e.shown(now);
        // Ties break on the id, which is the position in `entries`: sort plain integers (key, position),
        // text columns by the rank of their distinct texts.
        let mut order: Vec<usize> = match col {
            Column::Duration | Column::Left => {
                let mut keyed: Vec<u128> = entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let s = shown(e);
                        let k = match col {
                            Column::Duration => match s {
                                Shown::Answered(d) => d,
                                Shown::Ringing(r) => -1 - r.min(i64::MAX / 4),
                                Shown::Unknown => i64::MIN,
                            },
                            _ => e
                                .call
                                .time_limit
                                .map(|l| l - s.duration().unwrap_or(0))
                                .unwrap_or(i64::MAX),
                        };
                        // Order-preserving i64 -> u64.
                        let k = (k as u64) ^ (1 << 63);
                        (u128::from(k) << 64) | i as u128
                    })
                    .collect();
                keyed.sort_unstable();
                keyed.into_iter().map(|k| k as u64 as usize).collect()
            }
            Column::CustRate | Column::VendRate | Column::Margin => {
                let mut differ: HashMap<(Link, Link), bool> = HashMap::new();
                let keys: Vec<rust_decimal::Decimal> = entries
                    .iter()
                    .map(|e| {
                        let d = shown(e).duration();
                        let c = &e.call;
                        match col {
                            Column::CustRate => c.customer.rate_at(d),
                            Column::VendRate => c.vendor.rate_at(d),
                            _ => {
                                let (ca, va) = (
                                    c.links[rows::REL_CUSTOMER_ACC],
                                    c.links[rows::REL_VENDOR_ACC],
                                );
                                let differ = *differ.entry((ca, va)).or_insert_with(|| {
                                    let cc = lk.link_currency(ca, rows::REL_CUSTOMER_ACC);
                                    let vc = lk.link_currency(va, rows::REL_VENDOR_ACC);
                                    cc.is_some() && vc.is_some() && cc != vc
                                });
                                if differ {
                                    rust_decimal::Decimal::MIN
                                } else {
                                    c.customer.rate_at(d) - c.vendor.rate_at(d)
                                }
                            }
                        }
                    })
                    .collect();
                // Few distinct rates: rank them.
                ranked(&keys, |k| *k, |k| k)
            }
            Column::Node => ranked(
                entries,
                |e| (e.call.links[rows::REL_NODE], e.call.node_id()),
                |(link, id)| rows::node_sort_text(link, id, lk),
            ),
            Column::From | Column::To => {
                fn prefix(e: &Entry, from: bool) -> &str {
                    let t = if from {
                        &e.call.src_prefix_routing
                    } else {
                        &e.call.dst_prefix_routing
                    };
                    t.as_deref().unwrap_or("-")
                }
                let from = col == Column::From;
                let text = |e| prefix(e, from);
                // Numbers, mostly distinct: sort them as they are when lowercasing changes nothing.
                if entries.iter().all(|e| {
                    text(e)
                        .bytes()
                        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
                }) {
                    let mut keyed: Vec<(&str, usize)> = entries
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (text(e), i))
                        .collect();
                    keyed.sort_unstable();
                    keyed.into_iter().map(|(_, i)| i).collect()
                } else {
                    ranked(entries, text, str::to_lowercase)
                }
            }
            Column::Customer
            | Column::Vendor
            | Column::DstNetwork
            | Column::OrigGw
            | Column::TermGw => {
                let rel = rows::sort_rel(col).unwrap_or(rows::REL_CUSTOMER);
                ranked(
                    entries,
                    |e| e.call.links[rel],
                    |link| rows::link_cell(link, rel, lk).to_lowercase(),
                )
            }
        };
        if self.descending {
            order.reverse();
        }
        self.sorted = order;
        self.narrowed_by = None;
        self.refilter(lk);
    }

    /// Builds the search text of every entry.
    fn build_hay(&mut self, lk: &Lookup<'_>) {
        let mut hay = std::mem::take(&mut self.hay);
        hay.clear();
        hay.reserve(self.entries.len() * 160);
        let mut at = Vec::with_capacity(self.entries.len() + 1);
        let mut names: HashMap<(usize, Link), Rc<str>> = HashMap::new();
        let mut name = |rel: usize, link: Link| -> Rc<str> {
            names
                .entry((rel, link))
                .or_insert_with(|| rows::link_cell(link, rel, lk).into())
                .clone()
        };
        for e in &self.entries {
            at.push(hay.len());
            rows::push_haystack(&mut hay, &e.call, lk, e.shown(lk.server_now), &mut name);
        }
        at.push(hay.len());
        self.hay = hay;
        self.hay_at = at;
    }

    /// Applies the filter to the sorted order and restores the selection.
    pub fn refilter(&mut self, lk: &Lookup<'_>) {
        let needle = self.filter.trim().to_lowercase();
        if needle.is_empty() {
            self.index = self.sorted.clone();
            self.narrowed_by = None;
        } else {
            if self.hay_at.len() != self.entries.len() + 1 {
                self.build_hay(lk);
            }
            let finder = memchr::memmem::Finder::new(needle.as_bytes());
            let (hay, at) = (self.hay.as_bytes(), &self.hay_at);
            if self
                .narrowed_by
                .as_deref()
                .is_some_and(|prev| needle.contains(prev))
            {
                self.index.retain(|&i| {
                    at.get(i..i + 2)
                        .is_some_and(|r| finder.find(&hay[r[0]..r[1]]).is_some())
                });
            } else {
                // One scan of the whole text; a match that runs into the next entry's text is no match.
                let mut hit = vec![false; self.entries.len()];
                let mut from = 0;
                while let Some(p) = finder.find(&hay[from..]) {
                    let pos = from + p;
                    let i = at.partition_point(|&o| o <= pos) - 1;
                    let end = at[i + 1];
                    if pos + needle.len() <= end {
                        hit[i] = true;
                        from = end;
                    } else {
                        from = pos + 1;
                    }
                }
                self.index = self.sorted.iter().copied().filter(|&i| hit[i]).collect();
            }
            self.narrowed_by = Some(needle);
        }
        self.restore_selection();
    }

    /// Sets the filter text (as typed).
    pub fn set_filter(&mut self, filter: String, lk: &Lookup<'_>) {
        if filter != self.filter {
            self.filter = filter;
            self.refilter(lk);
        }
    }

    /// Keeps the selection on the same call; when it is gone, on the row at the same position.
    fn restore_selection(&mut self) {
        if let Some(at) = self.selected.as_deref().and_then(|id| self.position(id))
            && let Some(pos) = self.index.iter().position(|i| *i == at)
        {
            self.sel = pos;
            return;
        }
        if self.index.is_empty() {
            self.sel = 0;
            self.selected = None;
        } else {
            self.sel = self.sel.min(self.index.len() - 1);
            self.selected = self.selected_entry().map(|e| e.call.id.clone());
        }
    }

    /// Moves the selection to `pos` (clamped) and keeps it within a window of `rows` rows.
    pub fn select(&mut self, pos: usize, rows: usize) {
        if self.index.is_empty() {
            self.sel = 0;
            self.selected = None;
            self.offset = 0;
            return;
        }
        self.sel = pos.min(self.index.len() - 1);
        self.selected = self.selected_entry().map(|e| e.call.id.clone());
        self.scroll_into_view(rows);
    }

    /// Moves the selection by `delta` rows.
    pub fn move_by(&mut self, delta: isize, rows: usize) {
        let pos = if delta < 0 {
            self.sel.saturating_sub(delta.unsigned_abs())
        } else {
            self.sel.saturating_add(delta.unsigned_abs())
        };
        self.select(pos, rows);
    }

    /// Adjusts the offset so the selection is visible in `rows` rows.
    pub fn scroll_into_view(&mut self, rows: usize) {
        self.offset = window_offset(self.offset, self.sel, rows, self.index.len());
    }
}

/// The order of `entries` by a text key: `key` is what the text depends on (shared by many calls), `text`
/// the lowercase text of a key. Each distinct key's text is made once, the distinct texts are ranked once,
/// and plain integers (rank, position) are sorted.
fn ranked<'e, E, K: Hash + Eq + Copy, T: Ord>(
    entries: &'e [E],
    key: impl Fn(&'e E) -> K,
    text: impl Fn(K) -> T,
) -> Vec<usize> {
    let mut slots: HashMap<K, u32> = HashMap::new();
    let mut keys: Vec<K> = Vec::new();
    let slot_of: Vec<u32> = entries
        .iter()
        .map(|e| {
            let k = key(e);
            *slots.entry(k).or_insert_with(|| {
                keys.push(k);
                (keys.len() - 1) as u32
            })
        })
        .collect();
    let texts: Vec<T> = keys.into_iter().map(text).collect();
    let mut by_text: Vec<u32> = (0..texts.len() as u32).collect();
    by_text.sort_unstable_by(|a, b| texts[*a as usize].cmp(&texts[*b as usize]));
    let mut rank = vec![0u32; texts.len()];
    let mut r = 0u32;
    for (n, w) in by_text.iter().enumerate() {
        if n > 0 && texts[by_text[n - 1] as usize] != texts[*w as usize] {
            r += 1;
        }
        rank[*w as usize] = r;
    }
    let mut keyed: Vec<u64> = slot_of
        .iter()
        .enumerate()
        .map(|(i, s)| (u64::from(rank[*s as usize]) << 32) | i as u64)
        .collect();
    keyed.sort_unstable();
    keyed
        .into_iter()
        .map(|k| (k & 0xffff_ffff) as usize)
        .collect()
}

/// The first visible row for a selection `sel` in a window of `rows` rows over `len` rows, starting from
/// `offset`. Used by the app when moving and by the ui (which may see another size than the app).
pub fn window_offset(offset: usize, sel: usize, rows: usize, len: usize) -> usize {
    let rows = rows.max(1);
    let mut off = offset.min(len.saturating_sub(rows));
    if sel < off {
        off = sel;
    } else if sel >= off + rows {
        off = sel + 1 - rows;
    }
    off
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(window_offset(0, 0, 10, 100), 0);
        assert_eq!(window_offset(0, 15, 10, 100), 6);
        assert_eq!(window_offset(20, 15, 10, 100), 15);
        assert_eq!(window_offset(95, 99, 10, 100), 90);
        assert_eq!(window_offset(5, 0, 0, 0), 0);
    }
}
