//! The app: all state of the monitor and `update`, which turns events into state changes and commands.
//! No I/O and no clock reads happen here: time arrives in [`Event::Tick`] and in the snapshots.

pub mod event;
pub mod export;
pub mod keys;
pub mod list;
pub mod poll;
pub mod rows;
pub mod views;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

pub use event::{CallSnapshot, Command, Event, ListSnapshot};

use crate::api::types::CALL_RELATIONSHIPS;
use crate::api::{ApiError, CallFilter, FilterField};
use crate::model::{Call, Link, Record, RecordCache, RecordKey, Text};
use keys::{Action, Scope};
use list::CallList;
use poll::{CALL_POLL, Clock, delta};
use rows::{Lookup, Shown, short_id};
use views::{CallView, Ended, RecordView, View};

/// Settings of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    /// Label shown in the header, e.g. `demo` or `lab`.
    pub context: String,
    pub url: String,
    pub readonly: bool,
    /// List poll interval (default 5 s).
    pub interval: Duration,
    /// TLS verification is off: a warning mark shows all session.
    pub insecure: bool,
    /// Contexts of the config file, for the `C` picker.
    pub contexts: Vec<String>,
    /// The key table with the config's `[keys]` rebindings.
    pub keys: keys::KeyMap,
    /// The list's columns, in order (a context's `columns`); empty: all that fit.
    pub columns: Vec<rows::Column>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            context: "default".to_owned(),
            url: String::new(),
            readonly: false,
            interval: Duration::from_secs(5),
            insecure: false,
            contexts: Vec::new(),
            keys: keys::KeyMap::default(),
            columns: Vec::new(),
        }
    }
}

/// The time zone times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayTz {
    Local,
    Fixed(FixedOffset),
}

/// A message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
}

/// How long a status message stays.
pub const STATUS_TTL: Duration = Duration::from_secs(15);

/// The terminate dialog: names the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub id: Text,
    pub customer: String,
    pub number: String,
    pub duration: String,
}

/// Items of the `Y` copy menu.
pub const COPY_ITEMS: [&str; 4] = ["orig call-id", "term call-id", "local tag", "call as JSON"];

/// What has the keyboard besides the views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing the `/` filter.
    Filter,
    Confirm(Confirm),
    /// The `Y` menu with its cursor.
    CopyMenu(usize),
    /// The `C` context picker with its cursor.
    ContextPicker(usize),
    Help,
}

/// Records fetched from list polls are kept this long (for names), full records too.
const CACHE_MAX_AGE: Duration = Duration::from_secs(600);

/// The whole state of the monitor.
#[derive(Debug)]
pub struct App {
    pub(crate) cfg: AppConfig,
    /// This machine's time, from the last tick or snapshot.
    pub(crate) now: DateTime<Utc>,
    pub(crate) clock: Clock,
    pub(crate) tz: DisplayTz,
    pub(crate) no_color: bool,
    /// Terminal size from the last resize (for paging and mouse clicks).
    pub(crate) size: (u16, u16),
    /// The home list.
    pub(crate) list: CallList,
    /// Views above the home list.
    pub(crate) views: Vec<View>,
    /// Sparse records of list polls (names, currencies).
    pub(crate) names: RecordCache,
    /// Full records of call polls and record fetches.
    pub(crate) records: RecordCache,
    pub(crate) fetching: HashSet<RecordKey>,
    pub(crate) mode: Mode,
    pub(crate) paused: bool,
    pub(crate) mouse: bool,
    /// The terminal has the focus (it reports focus changes); unfocused, the list is polled less often.
    pub(crate) focused: bool,
    /// The list (by uid) whose poll is in flight.
    pub(crate) list_in_flight: Option<u64>,
    /// The call whose poll is in flight.
    pub(crate) call_in_flight: Option<Text>,
    force_list: bool,
    force_call: bool,
    pub(crate) status: Option<Status>,
    dirty: bool,
    quit: bool,
    next_uid: u64,
}

impl App {
    pub fn new(cfg: AppConfig, now: DateTime<Utc>) -> App {
        let mut cfg = cfg;
        cfg.interval = cfg.interval.max(Duration::from_secs(1));
        App {
            cfg,
            now,
            clock: Clock::new(now),
            tz: DisplayTz::Local,
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            size: (80, 24),
            list: CallList::new(0, None),
            views: Vec::new(),
            names: RecordCache::new(),
            records: RecordCache::new(),
            fetching: HashSet::new(),
            mode: Mode::Normal,
            paused: false,
            mouse: false,
            focused: true,
            list_in_flight: None,
            call_in_flight: None,
            force_list: false,
            force_call: false,
            status: None,
            dirty: true,
            quit: false,
            next_uid: 1,
        }
    }

    /// Shows times in this fixed offset instead of the local time zone (tests use UTC).
    pub fn set_time_zone(&mut self, offset: FixedOffset) {
        self.tz = DisplayTz::Fixed(offset);
        self.dirty = true;
    }

    /// Monochrome styles (`NO_COLOR`); by default read from the environment at start.
    pub fn set_no_color(&mut self, no_color: bool) {
        self.no_color = no_color;
        self.dirty = true;
    }

    /// The first commands: the first list poll.
    pub fn start(&mut self) -> Vec<Command> {
        let mut out = Vec::new();
        self.schedule(&mut out);
        out
    }

    pub fn update(&mut self, ev: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match ev {
            Event::Key(k) => self.on_key(k, &mut out),
            Event::Mouse(m) => self.on_mouse(m),
            Event::Resize(w, h) => {
                self.size = (w, h);
                let rows = self.list_rows();
                self.active_list_mut().scroll_into_view(rows);
                self.dirty = true;
            }
            Event::FocusGained => self.focused = true,
            Event::FocusLost => self.focused = false,
            Event::Tick(now) => self.on_tick(now),
            Event::ListLoaded(result) => self.on_list(*result),
            Event::CallLoaded { id, result } => self.on_call(&id, *result),
            Event::RecordLoaded { key, result } => self.on_record(key, *result),
            Event::Terminated { id, result } => {
                let text = match result {
                    Ok(true) => format!("terminated {}", short_id(&id)),
                    Ok(false) => format!("already ended: {}", short_id(&id)),
                    Err(e) => format!("terminate {} failed: {e}", short_id(&id)),
                };
                let error = text.contains("failed");
                self.set_status(text, error);
                // Look again now rather than in a second.
                self.force_call = true;
            }
            Event::Notice(r) => match r {
                Ok(t) => self.set_status(t, false),
                Err(t) => self.set_status(t, true),
            },
        }
        if !self.quit {
            self.schedule(&mut out);
        }
        out
    }

    /// True when something visible changed since the last call.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    // ----- read access for the ui -----

    pub(crate) fn lookup(&self) -> Lookup<'_> {
        Lookup {
            names: &self.names,
            records: &self.records,
            server_now: self.clock.server_now(),
        }
    }

    /// `t` in the display time zone.
    pub(crate) fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self.tz {
            DisplayTz::Fixed(o) => t.with_timezone(&o),
            DisplayTz::Local => t.with_timezone(&chrono::Local).fixed_offset(),
        }
    }

    /// `2026-12-03 14:05:01 +02:00`.
    pub(crate) fn fmt_time(&self, t: DateTime<Utc>) -> String {
        self.local(t).format("%Y-%m-%d %H:%M:%S %:z").to_string()
    }

    /// The list shown now or last (the topmost list of the stack).
    pub(crate) fn active_list(&self) -> &CallList {
        self.views
            .iter()
            .rev()
            .find_map(|v| match v {
                View::Calls(l) => Some(&**l),
                _ => None,
            })
            .unwrap_or(&self.list)
    }

    fn active_list_mut(&mut self) -> &mut CallList {
        top_list(&mut self.views, &mut self.list)
    }

    fn list_by_uid_mut(&mut self, uid: u64) -> Option<&mut CallList> {
        list_with_uid(&mut self.views, &mut self.list, uid)
    }

    pub(crate) fn top_call_view(&self) -> Option<&CallView> {
        match self.views.last() {
            Some(View::Call(v)) => Some(v),
            _ => None,
        }
    }

    /// The shown duration of a call view.
    pub(crate) fn call_view_shown(&self, v: &CallView) -> Shown {
        match &v.call {
            Some(c) => rows::shown(
                c,
                v.ended
                    .as_ref()
                    .map_or(self.clock.server_now(), |e| e.frozen_at),
                v.floor,
            ),
            None => Shown::Unknown,
        }
    }

    /// The key context: the mode, else the top view.
    pub(crate) fn ctx(&self) -> Scope {
        match self.mode {
            Mode::Filter => keys::FILTER,
            Mode::Confirm(_) => keys::CONFIRM,
            Mode::CopyMenu(_) => keys::MENU,
            Mode::ContextPicker(_) => keys::PICKER,
            Mode::Help => keys::HELP,
            Mode::Normal => match self.views.last() {
                None => keys::ROOT_LIST,
                Some(View::Calls(_)) => keys::SCOPED_LIST,
                Some(View::Call(_)) => keys::CALL,
                Some(View::Record(_)) => keys::RECORD,
            },
        }
    }

    /// The context of the view under any mode (what the hint bar of a dialog sits over).
    pub(crate) fn view_is_list(&self) -> bool {
        matches!(self.views.last(), None | Some(View::Calls(_)))
    }

    /// The breadcrumb: `calls › 2*A2-A9D0… › customer › Kyivstar`.
    pub(crate) fn crumbs(&self) -> Vec<String> {
        let mut out = vec!["calls".to_owned()];
        for v in &self.views {
            match v {
                View::Calls(l) => match &l.scope {
                    Some(s) => out.push(format!("calls of {} {}", s.rel, s.label)),
                    None => out.push("calls".to_owned()),
                },
                View::Call(c) => out.push(short_id(&c.id)),
                View::Record(r) => {
                    out.push(r.via.to_string());
                    out.push(self.record_name(&r.key));
                }
            }
        }
        out
    }

    pub(crate) fn record(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key).or_else(|| self.names.get(key))
    }

    pub(crate) fn record_name(&self, key: &RecordKey) -> String {
        self.record(key)
            .map(|r| r.name.to_string())
            .unwrap_or_else(|| format!("#{}", key.id))
    }

    /// Rows of the list table at the current size.
    fn list_rows(&self) -> usize {
        let s = views::screen(Rect::new(0, 0, self.size.0, self.size.1), true);
        usize::from(s.body.height.saturating_sub(1)).max(1)
    }

    fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
            at: self.now,
        });
        self.dirty = true;
    }

    // ----- scheduling -----

    fn schedule(&mut self, out: &mut Vec<Command>) {
        let now = self.now;
        if self.list_in_flight.is_none() {
            let paused = self.paused;
            let force = self.force_list;
            // Nobody looks at the list: the terminal lost focus.
            let background = !self.focused;
            let interval = self.cfg.interval;
            let list = self.active_list_mut();
            list.poll.set_background(background, interval);
            let auto = list.poll.due(now) && (!paused || !list.loaded);
            if auto || force {
                let scope = list.scope.as_ref().map(|s| (s.rel, s.filter.clone()));
                let uid = list.uid;
                out.push(Command::PollList(poll::list_query(scope)));
                self.list_in_flight = Some(uid);
                self.force_list = false;
            }
        }
        if self.call_in_flight.is_none() {
            let paused = self.paused;
            let force = self.force_call;
            if let Some(View::Call(v)) = self.views.last_mut()
                && v.ended.is_none()
            {
                let due = v
                    .next_at
                    .is_none_or(|at| now >= at || at - now > TimeDelta::seconds(120));
                if force || (due && (!paused || !v.full_loaded)) {
                    let include = if v.full_loaded {
                        Vec::new()
                    } else {
                        CALL_RELATIONSHIPS
                            .iter()
                            .map(|(n, _)| (*n).to_owned())
                            .collect()
                    };
                    out.push(Command::PollCall {
                        id: v.id.to_string(),
                        include,
                    });
                    self.call_in_flight = Some(v.id.clone());
                }
            }
            self.force_call = false;
        }
    }

    // ----- events -----

    fn on_tick(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.clock.tick(now);
        let lk = Lookup {
            names: &self.names,
            records: &self.records,
            server_now: self.clock.server_now(),
        };
        self.list.expire(now, &lk);
        for v in &mut self.views {
            if let View::Calls(l) = v {
                l.expire(now, &lk);
            }
        }
        if self
            .status
            .as_ref()
            .is_some_and(|s| now - s.at > delta(STATUS_TTL))
        {
            self.status = None;
        }
        // The clock moved: durations and data age change.
        self.dirty = true;
    }

    fn on_list(&mut self, result: Result<ListSnapshot, ApiError>) {
        self.dirty = true;
        let Some(uid) = self.list_in_flight.take() else {
            return;
        };
        let interval = self.cfg.interval;
        match result {
            Ok(snap) => {
                if snap.received_at > self.now {
                    self.now = snap.received_at;
                }
                self.clock
                    .observe(snap.server_date, snap.received_at, &snap.batch.calls);
                for r in snap.batch.records {
                    self.names.insert(r, snap.received_at);
                }
                self.names.evict(self.now, CACHE_MAX_AGE);
                let rows = self.list_rows();
                let lk = Lookup {
                    names: &self.names,
                    records: &self.records,
                    server_now: self.clock.server_now(),
                };
                if let Some(list) = list_with_uid(&mut self.views, &mut self.list, uid) {
                    list.set_calls(snap.batch.calls, snap.received_at, &lk);
                    list.poll
                        .ok(snap.received_at, snap.latency, snap.bytes, interval);
                    list.scroll_into_view(rows);
                }
            }
            Err(e) => {
                let now = self.now;
                if let Some(list) = self.list_by_uid_mut(uid) {
                    list.poll.failed(now, e.to_string(), interval);
                    list.loaded = true;
                }
            }
        }
    }

    fn on_call(&mut self, id: &str, result: Result<CallSnapshot, ApiError>) {
        self.dirty = true;
        if self.call_in_flight.as_deref() == Some(id) {
            self.call_in_flight = None;
        }
        let now = self.now;
        let ended = matches!(result, Err(ApiError::NotFound(_)));
        if let Ok(snap) = &result {
            if snap.received_at > self.now {
                self.now = snap.received_at;
            }
            self.clock.observe(
                snap.server_date,
                snap.received_at,
                std::slice::from_ref(&snap.call),
            );
        }
        let server_now = self.clock.server_now();
        let pos = self
            .views
            .iter()
            .rposition(|v| matches!(v, View::Call(c) if &*c.id == id));
        let shown_before = pos
            .and_then(|p| match self.views.get(p) {
                Some(View::Call(v)) => Some(self.call_view_shown(v)),
                _ => None,
            })
            .and_then(Shown::duration)
            .unwrap_or(0);
        match result {
            Ok(snap) => {
                for r in snap.records {
                    self.records.insert(r, snap.received_at);
                }
                self.records.evict(self.now, CACHE_MAX_AGE);
                if let Some(View::Call(v)) = pos.and_then(|p| self.views.get_mut(p)) {
                    let mut call = snap.call;
                    if v.full_loaded {
                        for (kept, new) in v.links.iter_mut().zip(call.links.iter()) {
                            if *new != Link::Unknown {
                                *kept = *new;
                            }
                        }
                    } else {
                        v.links = call.links;
                        v.full_loaded = true;
                    }
                    // Later polls carry no linkage: the call keeps the links of the full poll.
                    call.links = v.links;
                    v.floor = v.floor.max(shown_before);
                    v.call = Some(call);
                    v.last_seen = Some(snap.received_at);
                    v.error = None;
                    v.next_at = Some(snap.received_at + delta(CALL_POLL));
                }
            }
            Err(ApiError::NotFound(_)) => {
                if let Some(View::Call(v)) = pos.and_then(|p| self.views.get_mut(p)) {
                    v.floor = v.floor.max(shown_before);
                    v.ended = Some(Ended {
                        last_seen: v.last_seen,
                        detected: now,
                        frozen_at: server_now,
                    });
                    v.error = None;
                }
            }
            Err(e) => {
                if let Some(View::Call(v)) = pos.and_then(|p| self.views.get_mut(p)) {
                    v.error = Some(e.to_string());
                    v.next_at = Some(now + delta(CALL_POLL));
                }
            }
        }
        if ended {
            let lk = Lookup {
                names: &self.names,
                records: &self.records,
                server_now,
            };
            self.list.end_call(id, now, &lk);
            for v in &mut self.views {
                if let View::Calls(l) = v {
                    l.end_call(id, now, &lk);
                }
            }
        }
    }

    fn on_record(&mut self, key: RecordKey, result: Result<Record, ApiError>) {
        self.dirty = true;
        self.fetching.remove(&key);
        let error = match result {
            Ok(r) => {
                self.records.insert(r, self.now);
                None
            }
            Err(e) => Some(e.to_string()),
        };
        for v in &mut self.views {
            if let View::Record(r) = v
                && r.key == key
            {
                r.loading = false;
                r.error = error.clone();
            }
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        if !self.mouse {
            return;
        }
        let rows = self.list_rows();
        match m.kind {
            MouseEventKind::ScrollDown => self.move_cursor(3, rows),
            MouseEventKind::ScrollUp => self.move_cursor(-3, rows),
            MouseEventKind::Down(MouseButton::Left)
                if self.mode == Mode::Normal && self.view_is_list() =>
            {
                let s = views::screen(Rect::new(0, 0, self.size.0, self.size.1), true);
                let first = s.body.y.saturating_add(1);
                if m.row >= first && m.row < s.body.bottom() {
                    let list = self.active_list_mut();
                    let off = list::window_offset(list.offset, list.sel, rows, list.index.len());
                    let pos = off + usize::from(m.row - first);
                    if pos < list.index.len() {
                        list.select(pos, rows);
                    }
                }
            }
            _ => return,
        }
        self.dirty = true;
    }

    // ----- keys -----

    fn on_key(&mut self, k: KeyEvent, out: &mut Vec<Command>) {
        self.dirty = true;
        let ctx = self.ctx();
        let Some(action) = self.cfg.keys.action_for(ctx, &k) else {
            return;
        };
        let rows = self.list_rows();
        match action {
            Action::Quit => {
                self.quit = true;
                out.push(Command::Quit);
            }
            Action::Back => {
                self.mode = Mode::Normal;
                self.views.pop();
                let rows = self.list_rows();
                self.active_list_mut().scroll_into_view(rows);
            }
            Action::ClearFilter => {
                self.mode = Mode::Normal;
                self.set_filter(String::new());
            }
            Action::Up => self.move_cursor(-1, rows),
            Action::Down => self.move_cursor(1, rows),
            Action::PageUp => self.move_cursor(-(rows as isize), rows),
            Action::PageDown => self.move_cursor(rows as isize, rows),
            Action::Home => self.move_cursor(isize::MIN / 2, rows),
            Action::End => self.move_cursor(isize::MAX / 2, rows),
            Action::Open => self.open(out),
            Action::FilterOpen => self.mode = Mode::Filter,
            Action::FilterType => {
                if let KeyCode::Char(c) = k.code {
                    let mut f = self.active_list().filter.clone();
                    f.push(c);
                    self.set_filter(f);
                }
            }
            Action::FilterBackspace => {
                let mut f = self.active_list().filter.clone();
                f.pop();
                self.set_filter(f);
            }
            Action::FilterKeep => self.mode = Mode::Normal,
            Action::SortNext | Action::SortReverse => {
                let lk = Lookup {
                    names: &self.names,
                    records: &self.records,
                    server_now: self.clock.server_now(),
                };
                let list = top_list(&mut self.views, &mut self.list);
                if action == Action::SortNext {
                    list.sort = list.sort.next_in(&self.cfg.columns);
                    list.descending = list.sort.numeric();
                } else {
                    list.descending = !list.descending;
                }
                list.resort(&lk);
                list.scroll_into_view(rows);
            }
            Action::Pause => {
                self.paused = !self.paused;
                let text = if self.paused {
                    "paused: no polls until p"
                } else {
                    "resumed"
                };
                self.set_status(text, false);
            }
            Action::Refresh => {
                self.force_list = true;
                if self.top_call_view().is_some() {
                    self.force_call = true;
                }
            }
            Action::Terminate => self.ask_terminate(),
            Action::Confirm => {
                if let Mode::Confirm(c) = std::mem::replace(&mut self.mode, Mode::Normal) {
                    out.push(Command::Terminate {
                        id: c.id.to_string(),
                    });
                    self.set_status(format!("terminating {}…", short_id(&c.id)), false);
                }
            }
            Action::Cancel => {
                if matches!(self.mode, Mode::Confirm(_)) {
                    self.set_status("terminate cancelled", false);
                }
                self.mode = Mode::Normal;
            }
            Action::CopyId => {
                if let Some((call, _, _)) = self.target_call() {
                    out.push(Command::Copy {
                        what: "call id".to_owned(),
                        text: call.id.to_string(),
                    });
                }
            }
            Action::CopyMenu => {
                if self.target_call().is_some() {
                    self.mode = Mode::CopyMenu(0);
                }
            }
            Action::Contexts => {
                if self.cfg.contexts.is_empty() {
                    self.set_status(
                        "no contexts: add [contexts.NAME] tables to the config file",
                        true,
                    );
                } else {
                    let here = self
                        .cfg
                        .contexts
                        .iter()
                        .position(|c| *c == self.cfg.context);
                    self.mode = Mode::ContextPicker(here.unwrap_or(0));
                }
            }
            Action::PickContext => {
                if let Mode::ContextPicker(i) = self.mode {
                    self.mode = Mode::Normal;
                    let picked = self.cfg.contexts.get(i).cloned();
                    if let Some(name) = picked.filter(|n| *n != self.cfg.context) {
                        self.set_status(format!("switching to {name}…"), false);
                        out.push(Command::SwitchContext(name));
                    }
                }
            }
            Action::MenuPick => {
                if let Mode::CopyMenu(i) = self.mode {
                    self.mode = Mode::Normal;
                    self.copy_item(i, out);
                }
            }
            Action::Export => self.export(out),
            Action::Mouse => {
                self.mouse = !self.mouse;
                out.push(Command::SetMouseCapture(self.mouse));
                let text = if self.mouse {
                    "mouse on: click selects, wheel scrolls (m: off, for text selection)"
                } else {
                    "mouse off"
                };
                self.set_status(text, false);
            }
            Action::CallsOf => self.calls_of(),
            Action::Help => self.mode = Mode::Help,
            Action::CloseHelp => self.mode = Mode::Normal,
        }
    }

    fn set_filter(&mut self, filter: String) {
        let rows = self.list_rows();
        let lk = Lookup {
            names: &self.names,
            records: &self.records,
            server_now: self.clock.server_now(),
        };
        let list = top_list(&mut self.views, &mut self.list);
        list.set_filter(filter, &lk);
        list.scroll_into_view(rows);
    }

    /// Moves the cursor of the top view (or the copy menu) by `delta`.
    fn move_cursor(&mut self, delta: isize, rows: usize) {
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            let next = if delta < 0 {
                cur.saturating_sub(delta.unsigned_abs())
            } else {
                cur.saturating_add(delta.unsigned_abs())
            };
            next.min(len - 1)
        };
        if let Mode::CopyMenu(i) = self.mode {
            self.mode = Mode::CopyMenu(step(i, COPY_ITEMS.len()));
            return;
        }
        if let Mode::ContextPicker(i) = self.mode {
            self.mode = Mode::ContextPicker(step(i, self.cfg.contexts.len()));
            return;
        }
        let rel_len = match self.views.last() {
            Some(View::Record(r)) => self.record(&r.key).map_or(0, |rec| rec.relationships.len()),
            _ => 0,
        };
        match self.views.last_mut() {
            Some(View::Call(v)) => v.cursor = step(v.cursor, CALL_RELATIONSHIPS.len()),
            Some(View::Record(r)) => r.cursor = step(r.cursor, rel_len),
            _ => self.active_list_mut().move_by(delta, rows),
        }
    }

    /// Enter on the top view.
    fn open(&mut self, out: &mut Vec<Command>) {
        match self.views.last() {
            None | Some(View::Calls(_)) => {
                let server_now = self.clock.server_now();
                let Some(e) = self.active_list().selected_entry() else {
                    return;
                };
                let floor = e.shown(server_now).duration().unwrap_or(0);
                let view = CallView::new(e.call.id.clone(), Some(e.call.clone()), floor);
                self.views.push(View::Call(Box::new(view)));
            }
            Some(View::Call(v)) => {
                let i = v.cursor;
                let Some((name, kind)) = CALL_RELATIONSHIPS.get(i) else {
                    return;
                };
                match v.links[i] {
                    Link::Id(id) => {
                        let key = RecordKey::new(kind, &id.to_string());
                        self.push_record(key, name, Some(i), out);
                    }
                    Link::Empty => self.set_status(format!("{name}: not set"), false),
                    Link::Unknown => self.set_status(format!("{name}: loading…"), false),
                }
            }
            Some(View::Record(r)) => {
                let link = self
                    .record(&r.key)
                    .and_then(|rec| rec.relationships.get(r.cursor))
                    .cloned();
                if let Some(l) = link {
                    match l.target {
                        Some(key) => self.push_record(key, &l.name, None, out),
                        None => self.set_status(format!("{}: no linked record", l.name), false),
                    }
                }
            }
        }
    }

    fn push_record(
        &mut self,
        key: RecordKey,
        via: &str,
        call_rel: Option<usize>,
        out: &mut Vec<Command>,
    ) {
        let fresh = self.records.get_fresh(&key, self.now).is_some();
        let loading = !fresh;
        if loading && self.fetching.insert(key.clone()) {
            out.push(Command::FetchRecord(key.clone()));
        }
        self.views.push(View::Record(Box::new(RecordView {
            key,
            via: via.into(),
            call_rel,
            cursor: 0,
            loading,
            error: None,
        })));
    }

    /// `c` on a record: the calls linked to it, in a scoped list.
    fn calls_of(&mut self) {
        let Some(View::Record(r)) = self.views.last() else {
            return;
        };
        let rel_index = r.call_rel.or_else(|| {
            CALL_RELATIONSHIPS
                .iter()
                .position(|(_, kind)| *kind == &*r.key.kind)
        });
        let Some((rel, _)) = rel_index.and_then(|i| CALL_RELATIONSHIPS.get(i)) else {
            let text = format!("no calls list for {}", r.key.kind);
            self.set_status(text, true);
            return;
        };
        let (Some(field), Ok(id)) = (FilterField::for_relationship(rel), r.key.id.parse::<u32>())
        else {
            let text = format!("no call filter for {rel} {}", r.key.id);
            self.set_status(text, true);
            return;
        };
        let scope = list::Scope {
            rel,
            rel_index: rel_index.unwrap_or(0),
            id,
            filter: CallFilter::new(field, i64::from(id)),
            label: self.record_name(&r.key).into(),
        };
        let uid = self.next_uid;
        self.next_uid += 1;
        self.views
            .push(View::Calls(Box::new(CallList::new(uid, Some(scope)))));
    }

    /// The call `D`, `y`, `Y` and `e` act on: the selected one of a list, or the open one.
    pub(crate) fn target_call(&self) -> Option<(&Call, &[Link; 18], Shown)> {
        match self.views.last() {
            Some(View::Call(v)) => {
                let call = v.call.as_ref()?;
                Some((call, &v.links, self.call_view_shown(v)))
            }
            Some(View::Record(_)) => None,
            _ => {
                let e = self.active_list().selected_entry()?;
                Some((&e.call, &e.call.links, e.shown(self.clock.server_now())))
            }
        }
    }

    fn ask_terminate(&mut self) {
        if self.cfg.readonly {
            self.set_status("read-only mode: terminate is disabled", true);
            return;
        }
        let ended = match self.views.last() {
            Some(View::Call(v)) => v.ended.is_some(),
            _ => self
                .active_list()
                .selected_entry()
                .is_some_and(|e| e.ended_at.is_some()),
        };
        let lk = self.lookup();
        let Some((call, links, shown)) = self.target_call() else {
            return;
        };
        if ended {
            let text = format!("already ended: {}", short_id(&call.id));
            self.set_status(text, false);
            return;
        }
        let customer = match lk.rel_name(links, rows::REL_CUSTOMER) {
            Some(n) => n.to_owned(),
            None => match links[rows::REL_CUSTOMER] {
                Link::Id(id) => format!("#{id}"),
                _ => "-".to_owned(),
            },
        };
        let number = call
            .dst_prefix_routing
            .as_deref()
            .or(call.dst_prefix_in.as_deref())
            .unwrap_or("-")
            .to_owned();
        let confirm = Confirm {
            id: call.id.clone(),
            customer,
            number,
            duration: shown.text(),
        };
        self.mode = Mode::Confirm(confirm);
    }

    fn copy_item(&mut self, i: usize, out: &mut Vec<Command>) {
        let lk = self.lookup();
        let Some((call, links, shown)) = self.target_call() else {
            return;
        };
        let what = COPY_ITEMS.get(i).copied().unwrap_or("call id");
        let text = match i {
            0 => call.orig_call_id.as_deref().map(str::to_owned),
            1 => call.term_call_id.as_deref().map(str::to_owned),
            2 => call.local_tag.as_deref().map(str::to_owned),
            _ => Some(export::to_text(&export::call_json(call, links, &lk, shown))),
        };
        match text {
            Some(text) => out.push(Command::Copy {
                what: what.to_owned(),
                text,
            }),
            None => self.set_status(format!("no {what} on this call"), true),
        }
    }

    fn export(&mut self, out: &mut Vec<Command>) {
        let lk = self.lookup();
        let at = self.local(self.now);
        let (file_name, value) = match self.views.last() {
            Some(View::Record(_)) => return,
            Some(View::Call(_)) => {
                let Some((call, links, shown)) = self.target_call() else {
                    return;
                };
                (
                    export::file_name("yetitop-call", at),
                    export::call_json(call, links, &lk, shown),
                )
            }
            _ => {
                let list = self.active_list();
                let calls: Vec<serde_json::Value> = list
                    .index
                    .iter()
                    .filter_map(|i| list.entries.get(*i))
                    .map(|e| export::call_json(&e.call, &e.call.links, &lk, e.shown(lk.server_now)))
                    .collect();
                (
                    export::file_name("yetitop-calls", at),
                    serde_json::Value::Array(calls),
                )
            }
        };
        out.push(Command::Export {
            file_name,
            contents: export::to_text(&value),
        });
    }
}

/// The topmost list of the view stack, else the home list. It borrows only these two, so a [`Lookup`] of
/// the record caches can be held at the same time.
fn top_list<'a>(views: &'a mut [View], home: &'a mut CallList) -> &'a mut CallList {
    let pos = views.iter().rposition(|v| matches!(v, View::Calls(_)));
    match pos.and_then(|p| views.get_mut(p)) {
        Some(View::Calls(l)) => l,
        _ => home,
    }
}

/// The list with this uid, in the stack or at home (same borrowing as [`top_list`]).
fn list_with_uid<'a>(
    views: &'a mut [View],
    home: &'a mut CallList,
    uid: u64,
) -> Option<&'a mut CallList> {
    if home.uid == uid {
        return Some(home);
    }
    views.iter_mut().find_map(|v| match v {
        View::Calls(l) if l.uid == uid => Some(&mut **l),
        _ => None,
    })
}
