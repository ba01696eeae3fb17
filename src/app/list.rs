//! State of one call list (the home list, or a list scoped to a record): the calls by id, tombstones of
//! ended calls, the sorted + filtered index, the selection (by call id) and the scroll offset.
//!
//! The index is rebuilt only when data, sort or filter change, never per frame; sort keys are computed
//! once per rebuild; rows are built by the ui only for the visible window.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::api::CallFilter;
use crate::app::poll::PollState;
use crate::app::rows::{self, Column, Lookup, Shown, SortKey, Totals};
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
    pub entries: Vec<Entry>,
    by_id: HashMap<Text, usize>,
    /// All entries, sorted.
    sorted: Vec<usize>,
    /// Sorted and filtered: what the table shows.
    pub index: Vec<usize>,
    pub sort: Column,
    pub descending: bool,
    pub filter: String,
    /// Lowercase search text per entry; built lazily when a filter is set, dropped when data change.
    hay: Vec<Box<str>>,
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
            by_id: HashMap::new(),
            sorted: Vec::new(),
            index: Vec::new(),
            sort: Column::Duration,
            descending: true,
            filter: String::new(),
            hay: Vec::new(),
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

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).and_then(|i| self.entries.get(*i))
    }

    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.index.get(self.sel).and_then(|i| self.entries.get(*i))
    }

    /// Replaces the data with a new poll's calls (at local time `now`); calls gone become tombstones.
    pub fn set_calls(&mut self, calls: Vec<Call>, now: DateTime<Utc>, lk: &Lookup<'_>) {
        let server_now = lk.server_now;
        let mut old: HashMap<Text, Entry> = std::mem::take(&mut self.entries)
            .into_iter()
            .map(|e| (e.call.id.clone(), e))
            .collect();
        let mut entries = Vec::with_capacity(calls.len() + 16);
        let mut seen: HashMap<Text, ()> = HashMap::with_capacity(calls.len());
        for call in calls {
            if let Some(scope) = &self.scope
                && call.links[scope.rel_index] != Link::Id(scope.id)
            {
                // yeti ignores some filters: check the linkage here too.
                continue;
            }
            if seen.insert(call.id.clone(), ()).is_some() {
                continue;
            }
            let floor = match old.remove(&call.id) {
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
        for (_, mut e) in old {
            if e.ended_at.is_none() {
                e.floor = e.shown(server_now).duration().unwrap_or(0).max(e.floor);
                e.ended_at = Some(now);
                e.frozen_at = Some(server_now);
            }
            entries.push(e);
        }
        self.entries = entries;
        self.loaded = true;
        self.rebuild(lk);
    }

    /// Marks a call as ended (its show answered 404).
    pub fn end_call(&mut self, id: &str, now: DateTime<Utc>, lk: &Lookup<'_>) -> bool {
        let Some(&i) = self.by_id.get(id) else {
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
        self.by_id = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.call.id.clone(), i))
            .collect();
        self.hay.clear();
        let mut totals = Totals::default();
        let mut nodes = BTreeMap::new();
        for e in self.entries.iter().filter(|e| e.ended_at.is_none()) {
            totals.add(&e.call, lk, e.shown(lk.server_now), &mut nodes);
        }
        totals.per_node = nodes.into_iter().collect();
        self.totals = totals;
        self.resort(lk);
    }

    /// Re-sorts (sort column or direction changed) and refilters.
    pub fn resort(&mut self, lk: &Lookup<'_>) {
        let col = self.sort;
        let rel = rows::sort_rel(col);
        // Name columns: one lookup per linked record, not per call.
        let mut memo: HashMap<Link, SortKey> = HashMap::new();
        // Ties break on the id, kept next to the key so the sort never reads the calls.
        let mut keyed: Vec<(SortKey, &str, usize)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let s = e.shown(lk.server_now);
                let key = match rel {
                    Some(r) => memo
                        .entry(e.call.links[r])
                        .or_insert_with(|| rows::sort_key(col, &e.call, lk, s))
                        .clone(),
                    None => rows::sort_key(col, &e.call, lk, s),
                };
                (key, &*e.call.id, i)
            })
            .collect();
        let desc = self.descending;
        keyed.sort_unstable_by(|(ka, ia, _), (kb, ib, _)| {
            let ord = ka.cmp(kb).then_with(|| ia.cmp(ib));
            if desc { ord.reverse() } else { ord }
        });
        self.sorted = keyed.into_iter().map(|(_, _, i)| i).collect();
        self.narrowed_by = None;
        self.refilter(lk);
    }

    /// Applies the filter to the sorted order and restores the selection.
    pub fn refilter(&mut self, lk: &Lookup<'_>) {
        let needle = self.filter.trim().to_lowercase();
        if needle.is_empty() {
            self.index = self.sorted.clone();
            self.narrowed_by = None;
        } else {
            if self.hay.len() != self.entries.len() {
                self.hay = self
                    .entries
                    .iter()
                    .map(|e| rows::haystack(&e.call, lk, e.shown(lk.server_now)))
                    .collect();
            }
            let hay = &self.hay;
            let keep = |i: &usize| hay.get(*i).is_some_and(|h| h.contains(&needle));
            if self
                .narrowed_by
                .as_deref()
                .is_some_and(|prev| needle.contains(prev))
            {
                self.index.retain(keep);
            } else {
                self.index = self.sorted.iter().copied().filter(keep).collect();
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
        if let Some(id) = &self.selected
            && let Some(pos) = self
                .index
                .iter()
                .position(|i| self.entries.get(*i).is_some_and(|e| &e.call.id == id))
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
