//! THE key table: every key the app understands, with its action, its label and where it applies. Input
//! handling, the hint bar and the `?` help all read this one table, so they cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character, shifted or not (`S` is `Char('S')`).
    Char(char),
    /// Ctrl + a letter.
    Ctrl(char),
    /// A special key without Ctrl/Alt.
    Code(KeyCode),
    /// Any printable character (filter input).
    AnyChar,
    /// Any key at all (the terminate dialog's "anything else cancels").
    Any,
}

impl Key {
    pub fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        match self {
            Key::Char(c) => !ctrl && !alt && ev.code == KeyCode::Char(c),
            Key::Ctrl(c) => {
                ctrl && matches!(ev.code, KeyCode::Char(k) if k.eq_ignore_ascii_case(&c))
            }
            Key::Code(code) => !ctrl && !alt && ev.code == code,
            Key::AnyChar => !ctrl && !alt && matches!(ev.code, KeyCode::Char(_)),
            Key::Any => true,
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Back,
    ClearFilter,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Open,
    FilterOpen,
    SortNext,
    SortReverse,
    Pause,
    Refresh,
    Terminate,
    CopyId,
    CopyMenu,
    Export,
    Mouse,
    CallsOf,
    Help,
    // Filter input.
    FilterKeep,
    FilterBackspace,
    FilterType,
    // Terminate dialog.
    Confirm,
    Cancel,
    // Copy menu.
    MenuPick,
    // Context picker.
    Contexts,
    PickContext,
    // Help overlay.
    CloseHelp,
}

/// Where a binding applies: views and modes, as bit flags.
pub type Scope = u16;
pub const ROOT_LIST: Scope = 1;
pub const SCOPED_LIST: Scope = 1 << 1;
pub const CALL: Scope = 1 << 2;
pub const RECORD: Scope = 1 << 3;
pub const FILTER: Scope = 1 << 4;
pub const CONFIRM: Scope = 1 << 5;
pub const MENU: Scope = 1 << 6;
pub const HELP: Scope = 1 << 7;
pub const PICKER: Scope = 1 << 8;
pub const LISTS: Scope = ROOT_LIST | SCOPED_LIST;
pub const VIEWS: Scope = LISTS | CALL | RECORD;
pub const EVERYWHERE: Scope = 0xffff;

/// One entry of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    /// The keys as shown (`↑↓/jk`).
    pub label: &'static str,
    /// What it does, short (the hint bar and help).
    pub desc: &'static str,
    pub scope: Scope,
    /// Shown in the hint bar (the help shows everything).
    pub hint: bool,
}

const fn b(
    keys: &'static [Key],
    action: Action,
    label: &'static str,
    desc: &'static str,
    scope: Scope,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        action,
        label,
        desc,
        scope,
        hint,
    }
}

use Key::{Char, Code, Ctrl};

/// The key table. The first matching entry for the current context wins, so mode entries come first.
pub const BINDINGS: &[Binding] = &[
    b(&[Ctrl('c')], Action::Quit, "^C", "quit", EVERYWHERE, false),
    // Terminate dialog.
    b(
        &[Char('y')],
        Action::Confirm,
        "y",
        "terminate the call",
        CONFIRM,
        true,
    ),
    b(
        &[Key::Any],
        Action::Cancel,
        "any other key",
        "cancel",
        CONFIRM,
        true,
    ),
    // Help overlay.
    b(
        &[Code(KeyCode::Esc), Char('?'), Char('q')],
        Action::CloseHelp,
        "Esc/?/q",
        "close help",
        HELP,
        true,
    ),
    // Copy menu.
    b(
        &[Code(KeyCode::Up), Char('k')],
        Action::Up,
        "↑↓/jk",
        "move",
        MENU,
        true,
    ),
    b(
        &[Code(KeyCode::Down), Char('j')],
        Action::Down,
        "↑↓/jk",
        "move",
        MENU,
        false,
    ),
    b(
        &[Code(KeyCode::Enter)],
        Action::MenuPick,
        "Enter",
        "copy",
        MENU,
        true,
    ),
    b(
        &[Code(KeyCode::Esc), Char('q')],
        Action::Cancel,
        "Esc",
        "cancel",
        MENU,
        true,
    ),
    // Context picker.
    b(
        &[Code(KeyCode::Up), Char('k')],
        Action::Up,
        "↑↓/jk",
        "move",
        PICKER,
        true,
    ),
    b(
        &[Code(KeyCode::Down), Char('j')],
        Action::Down,
        "↑↓/jk",
        "move",
        PICKER,
        false,
    ),
    b(
        &[Code(KeyCode::Enter)],
        Action::PickContext,
        "Enter",
        "switch to it",
        PICKER,
        true,
    ),
    b(
        &[Code(KeyCode::Esc), Char('q'), Char('C')],
        Action::Cancel,
        "Esc",
        "cancel",
        PICKER,
        true,
    ),
    // Filter input.
    b(
        &[Code(KeyCode::Enter)],
        Action::FilterKeep,
        "Enter",
        "keep filter",
        FILTER,
        true,
    ),
    b(
        &[Code(KeyCode::Esc)],
        Action::ClearFilter,
        "Esc",
        "clear filter",
        FILTER,
        true,
    ),
    b(
        &[Code(KeyCode::Backspace)],
        Action::FilterBackspace,
        "Bksp",
        "delete",
        FILTER,
        true,
    ),
    b(&[Code(KeyCode::Up)], Action::Up, "↑↓", "move", FILTER, true),
    b(
        &[Code(KeyCode::Down)],
        Action::Down,
        "↑↓",
        "move",
        FILTER,
        false,
    ),
    b(
        &[Key::AnyChar],
        Action::FilterType,
        "text",
        "narrows as you type",
        FILTER,
        false,
    ),
    // Views.
    b(
        &[Code(KeyCode::Up), Char('k')],
        Action::Up,
        "↑↓/jk",
        "move",
        VIEWS,
        true,
    ),
    b(
        &[Code(KeyCode::Down), Char('j')],
        Action::Down,
        "↑↓/jk",
        "move",
        VIEWS,
        false,
    ),
    b(
        &[Code(KeyCode::PageUp)],
        Action::PageUp,
        "PgUp/PgDn",
        "page",
        VIEWS,
        false,
    ),
    b(
        &[Code(KeyCode::PageDown)],
        Action::PageDown,
        "PgUp/PgDn",
        "page",
        VIEWS,
        false,
    ),
    b(
        &[Code(KeyCode::Home), Char('g')],
        Action::Home,
        "Home/g",
        "first",
        VIEWS,
        false,
    ),
    b(
        &[Code(KeyCode::End), Char('G')],
        Action::End,
        "End/G",
        "last",
        VIEWS,
        false,
    ),
    b(
        &[Code(KeyCode::Enter)],
        Action::Open,
        "Enter",
        "open",
        VIEWS,
        true,
    ),
    b(
        &[Char('c')],
        Action::CallsOf,
        "c",
        "calls of this record",
        RECORD,
        true,
    ),
    b(&[Char('/')], Action::FilterOpen, "/", "filter", LISTS, true),
    b(
        &[Char('s')],
        Action::SortNext,
        "s",
        "sort column",
        LISTS,
        true,
    ),
    b(
        &[Char('S')],
        Action::SortReverse,
        "S",
        "reverse sort",
        LISTS,
        false,
    ),
    b(
        &[Char('C')],
        Action::Contexts,
        "C",
        "switch context",
        VIEWS,
        false,
    ),
    b(
        &[Char('D')],
        Action::Terminate,
        "D",
        "terminate call",
        LISTS | CALL,
        true,
    ),
    b(
        &[Char('y')],
        Action::CopyId,
        "y",
        "copy call id",
        LISTS | CALL,
        false,
    ),
    b(
        &[Char('Y')],
        Action::CopyMenu,
        "Y",
        "copy call-ids / tag / JSON",
        LISTS | CALL,
        false,
    ),
    b(
        &[Char('e')],
        Action::Export,
        "e",
        "export to JSON",
        LISTS | CALL,
        false,
    ),
    b(
        &[Char('p')],
        Action::Pause,
        "p",
        "pause / resume",
        VIEWS,
        true,
    ),
    b(
        &[Ctrl('r')],
        Action::Refresh,
        "^R",
        "poll now",
        VIEWS,
        false,
    ),
    b(
        &[Char('m')],
        Action::Mouse,
        "m",
        "mouse on/off",
        VIEWS,
        false,
    ),
    b(
        &[Code(KeyCode::Esc)],
        Action::ClearFilter,
        "Esc",
        "clear filter",
        ROOT_LIST,
        false,
    ),
    b(
        &[Code(KeyCode::Esc)],
        Action::Back,
        "Esc",
        "back",
        SCOPED_LIST | CALL | RECORD,
        true,
    ),
    b(&[Char('?')], Action::Help, "?", "help", VIEWS, true),
    b(&[Char('q')], Action::Quit, "q", "quit", ROOT_LIST, true),
    b(
        &[Char('q')],
        Action::Back,
        "q",
        "back",
        SCOPED_LIST | CALL | RECORD,
        false,
    ),
];

/// The action of `ev` in context `ctx`, with the default keys.
pub fn action_for(ctx: Scope, ev: &KeyEvent) -> Option<Action> {
    KeyMap::default().action_for(ctx, ev)
}

/// The key table with the user's `[keys]` rebindings applied: a rebound action answers to its new key
/// instead of its default ones in the views (dialogs and the filter input keep theirs), and the hint bar and
/// the help show the new key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyMap {
    overrides: Vec<(Action, Key, String)>,
}

/// Error of [`KeyMap::new`].
pub type KeyMapError = String;

impl KeyMap {
    /// Builds the map from `[keys]` entries (`action = "key"`, names as `yetitop config check` accepts).
    pub fn new<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<KeyMap, KeyMapError> {
        let mut overrides = Vec::new();
        for (action, spec) in entries {
            let a =
                action_by_name(action).ok_or_else(|| format!("keys.{action}: unknown action"))?;
            let (key, label) =
                key_by_spec(spec).ok_or_else(|| format!("keys.{action}: {spec:?} is not a key"))?;
            overrides.push((a, key, label));
        }
        Ok(KeyMap { overrides })
    }

    fn rebound(&self, b: &Binding) -> bool {
        b.scope & VIEWS != 0 && self.overrides.iter().any(|(a, _, _)| *a == b.action)
    }

    /// The action of `ev` in context `ctx`: a rebinding first, then the table.
    pub fn action_for(&self, ctx: Scope, ev: &KeyEvent) -> Option<Action> {
        if ctx & VIEWS != 0
            && let Some((a, _, _)) = self.overrides.iter().find(|(a, k, _)| {
                k.matches(ev)
                    && BINDINGS
                        .iter()
                        .any(|b| b.action == *a && b.scope & ctx != 0)
            })
        {
            return Some(*a);
        }
        BINDINGS
            .iter()
            .filter(|b| b.scope & ctx != 0 && !(ctx & VIEWS != 0 && self.rebound(b)))
            .find(|b| b.keys.iter().any(|k| k.matches(ev)))
            .map(|b| b.action)
    }

    fn label<'a>(&'a self, b: &'a Binding) -> &'a str {
        if b.scope & VIEWS != 0
            && let Some((_, _, label)) = self.overrides.iter().find(|(a, _, _)| *a == b.action)
        {
            return label;
        }
        b.label
    }

    /// The hint bar of context `ctx`: (label, desc) pairs, one per action.
    pub fn hints(&self, ctx: Scope) -> Vec<(&str, &'static str)> {
        BINDINGS
            .iter()
            .filter(|b| b.scope & ctx != 0 && b.hint)
            .map(|b| (self.label(b), b.desc))
            .collect()
    }

    /// The help table: (keys, what, where), one line per distinct (label, desc).
    pub fn help_lines(&self) -> Vec<(&str, &'static str, String)> {
        let mut out: Vec<(&str, &'static str, Scope)> = Vec::new();
        for b in BINDINGS {
            let label = self.label(b);
            match out.iter_mut().find(|(l, d, _)| *l == label && *d == b.desc) {
                Some(line) => line.2 |= b.scope,
                None => out.push((label, b.desc, b.scope)),
            }
        }
        out.into_iter()
            .map(|(l, d, s)| (l, d, scope_name(s)))
            .collect()
    }
}

/// The action a `[keys]` name stands for.
pub fn action_by_name(name: &str) -> Option<Action> {
    Some(match name {
        "quit" => Action::Quit,
        "back" => Action::Back,
        "clear_filter" => Action::ClearFilter,
        "up" => Action::Up,
        "down" => Action::Down,
        "page_up" => Action::PageUp,
        "page_down" => Action::PageDown,
        "home" => Action::Home,
        "end" => Action::End,
        "open" => Action::Open,
        "filter" => Action::FilterOpen,
        "sort_next" => Action::SortNext,
        "sort_reverse" => Action::SortReverse,
        "pause" => Action::Pause,
        "refresh" => Action::Refresh,
        "terminate" => Action::Terminate,
        "copy_id" => Action::CopyId,
        "copy_menu" => Action::CopyMenu,
        "export" => Action::Export,
        "mouse" => Action::Mouse,
        "calls_of" => Action::CallsOf,
        "help" => Action::Help,
        "contexts" => Action::Contexts,
        _ => return None,
    })
}

/// A key of a `[keys]` value (`x`, `Ctrl-x`, `F5`, `Enter`, `PageUp`, `Space`, ...) and its label.
pub fn key_by_spec(spec: &str) -> Option<(Key, String)> {
    let mut chars = spec.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (!c.is_control()).then(|| (Char(c), c.to_string()));
    }
    let lower = spec.to_ascii_lowercase();
    for prefix in ["ctrl-", "ctrl+", "c-"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => {
                    Some((Ctrl(c), format!("^{}", c.to_ascii_uppercase())))
                }
                _ => None,
            };
        }
    }
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
        && (1..=12).contains(&n)
    {
        return Some((Code(KeyCode::F(n)), format!("F{n}")));
    }
    let code = match lower.as_str() {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => return Some((Char(' '), "Space".to_owned())),
        _ => return None,
    };
    let label = match code {
        KeyCode::PageUp => "PgUp".to_owned(),
        KeyCode::PageDown => "PgDn".to_owned(),
        KeyCode::Up => "↑".to_owned(),
        KeyCode::Down => "↓".to_owned(),
        KeyCode::Left => "←".to_owned(),
        KeyCode::Right => "→".to_owned(),
        _ => spec.to_owned(),
    };
    Some((Code(code), label))
}

/// Where a scope applies, in words.
pub fn scope_name(scope: Scope) -> String {
    if scope == EVERYWHERE {
        return "everywhere".to_owned();
    }
    let mut parts = Vec::new();
    let mut rest = scope;
    for (flags, name) in [
        (VIEWS, "views"),
        (LISTS, "lists"),
        (ROOT_LIST, "list"),
        (SCOPED_LIST, "scoped list"),
        (CALL, "call"),
        (RECORD, "record"),
        (FILTER, "filter input"),
        (CONFIRM, "terminate dialog"),
        (MENU, "copy menu"),
        (HELP, "help"),
    ] {
        if rest & flags == flags {
            parts.push(name);
            rest &= !flags;
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn rebound_keys_replace_the_defaults_in_views_only() {
        let m = KeyMap::new([("terminate", "X"), ("filter", "Ctrl-f"), ("help", "F1")]).unwrap();
        let x = key(KeyCode::Char('X'));
        assert_eq!(m.action_for(ROOT_LIST, &x), Some(Action::Terminate));
        assert_eq!(m.action_for(ROOT_LIST, &key(KeyCode::Char('D'))), None);
        let ctrl_f = KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL);
        assert_eq!(m.action_for(ROOT_LIST, &ctrl_f), Some(Action::FilterOpen));
        assert_eq!(m.action_for(ROOT_LIST, &key(KeyCode::Char('/'))), None);
        assert_eq!(m.action_for(CALL, &key(KeyCode::F(1))), Some(Action::Help));
        // Not in a scope the action has, and not in dialogs.
        assert_eq!(m.action_for(RECORD, &x), None);
        assert_eq!(m.action_for(CONFIRM, &x), Some(Action::Cancel));
        // The hint bar and the help name the new keys.
        assert!(m.hints(ROOT_LIST).contains(&("X", "terminate call")));
        assert!(
            m.help_lines()
                .iter()
                .any(|(l, d, _)| *l == "^F" && *d == "filter")
        );
        assert!(KeyMap::new([("nope", "x")]).is_err());
        assert!(KeyMap::new([("quit", "Hyper-x")]).is_err());
        assert_eq!(
            KeyMap::default().action_for(ROOT_LIST, &key(KeyCode::Char('D'))),
            Some(Action::Terminate)
        );
    }

    #[test]
    fn the_table_decides_per_context() {
        let q = key(KeyCode::Char('q'));
        assert_eq!(action_for(ROOT_LIST, &q), Some(Action::Quit));
        assert_eq!(action_for(CALL, &q), Some(Action::Back));
        assert_eq!(action_for(FILTER, &q), Some(Action::FilterType));
        let y = key(KeyCode::Char('y'));
        assert_eq!(action_for(CONFIRM, &y), Some(Action::Confirm));
        assert_eq!(
            action_for(CONFIRM, &key(KeyCode::Char('n'))),
            Some(Action::Cancel)
        );
        assert_eq!(action_for(ROOT_LIST, &y), Some(Action::CopyId));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [
            ROOT_LIST,
            SCOPED_LIST,
            CALL,
            RECORD,
            FILTER,
            CONFIRM,
            MENU,
            HELP,
        ] {
            assert_eq!(action_for(ctx, &ctrl_c), Some(Action::Quit));
        }
        let shift_s = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(action_for(ROOT_LIST, &shift_s), Some(Action::SortReverse));
        assert_eq!(
            action_for(RECORD, &key(KeyCode::Char('c'))),
            Some(Action::CallsOf)
        );
        assert_eq!(action_for(ROOT_LIST, &key(KeyCode::Char('c'))), None);
    }

    #[test]
    fn hints_and_help_come_from_the_table() {
        let m = KeyMap::default();
        let h = m.hints(ROOT_LIST);
        assert!(h.contains(&("q", "quit")));
        assert!(h.contains(&("/", "filter")));
        assert!(!m.hints(CALL).contains(&("q", "quit")));
        let help = m.help_lines();
        assert!(
            help.iter()
                .any(|(k, d, w)| *k == "D" && *d == "terminate call" && w.contains("call"))
        );
        assert!(help.iter().any(|(k, _, w)| *k == "^C" && w == "everywhere"));
    }
}
