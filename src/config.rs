//! Settings: the config file with its contexts, XDG paths, and the precedence flag > environment >
//! context > defaults. Clap already applies flag > environment; contexts fill what is still unset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::Secret;
use crate::cli::GlobalOpts;

/// The config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_context: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
    /// Colours (reserved for themes).
    #[serde(default)]
    pub theme: BTreeMap<String, String>,
    /// Key rebinding (reserved).
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

/// One switch to connect to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub url: Option<String>,
    pub user: Option<String>,
    /// Run with `sh -c`; its trimmed stdout is the password (like a git credential helper).
    pub password_command: Option<String>,
    /// A password in the file itself (discouraged: prefer password_command). Warned about when others can
    /// read the file.
    pub password: Option<String>,
    pub readonly: Option<bool>,
    pub interval: Option<u64>,
    pub insecure: Option<bool>,
    pub ca_cert: Option<PathBuf>,
    pub columns: Option<Vec<String>>,
}

/// `$XDG_<kind>_HOME/yetitop`, falling back to `~/<fallback>/yetitop`.
fn xdg_dir(var: &str, fallback: &str) -> PathBuf {
    let base = std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("yetitop")
}

/// Default config file path.
pub fn default_config_path() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config").join("config.toml")
}

/// Directory of logs and the audit log.
pub fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state")
}

/// The audit log of terminate actions.
pub fn audit_log_path() -> PathBuf {
    state_dir().join("audit.log")
}

/// The default log file.
pub fn default_log_path() -> PathBuf {
    state_dir().join("yetitop.log")
}

/// One problem of a config file: the line (1-based) and the dotted key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if let Some(k) = &self.key {
            write!(f, "{k}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Reads and parses a config file. A missing file at the default path is an empty config; a missing file
/// that was named explicitly is an error.
pub fn load(path: &Path, explicit: bool) -> Result<ConfigFile, String> {
    load_all(path, explicit).map_err(|errors| match errors.first() {
        Some(e) => format!("config {}: {e}", path.display()),
        None => format!("config {}: invalid", path.display()),
    })
}

/// Like [`load`], with every error of the file (for `yetitop config check`). An I/O error is one error
/// without a line.
pub fn load_all(path: &Path, explicit: bool) -> Result<ConfigFile, Vec<ConfigError>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(ConfigFile::default());
        }
        Err(e) => {
            return Err(vec![ConfigError {
                line: None,
                key: None,
                message: e.to_string(),
            }]);
        }
    };
    check(&text)
}

/// Parses config text; the error is the first problem, naming its line and key.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    check(text).map_err(|errors| {
        errors
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| "invalid".into())
    })
}

/// Keys of a `[contexts.NAME]` table.
const CONTEXT_KEYS: [&str; 9] = [
    "url",
    "user",
    "password_command",
    "password",
    "readonly",
    "interval",
    "insecure",
    "ca_cert",
    "columns",
];

/// The actions a `[keys]` table may name (`action = "key"`).
pub const KEY_ACTIONS: [&str; 23] = [
    "quit",
    "back",
    "clear_filter",
    "up",
    "down",
    "page_up",
    "page_down",
    "home",
    "end",
    "open",
    "filter",
    "sort_next",
    "sort_reverse",
    "pause",
    "refresh",
    "terminate",
    "copy_id",
    "copy_menu",
    "export",
    "mouse",
    "calls_of",
    "help",
    "contexts",
];

/// Named keys of a `[keys]` value (besides one character and `Ctrl-<letter>`).
const KEY_NAMES: [&str; 14] = [
    "Enter",
    "Esc",
    "Tab",
    "BackTab",
    "Backspace",
    "Delete",
    "Insert",
    "Up",
    "Down",
    "Left",
    "Right",
    "PageUp",
    "PageDown",
    "Space",
];

/// Checks one `[keys]` value: one character, `Ctrl-<letter>`, `Home`, `End`, `F1`-`F12` or a name of
/// [`KEY_NAMES`]. Returns its normal form (for finding duplicates).
pub fn parse_key_spec(spec: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "{spec:?} is not a key (one character, Ctrl-<letter>, F1-F12, Home, End, {})",
            KEY_NAMES.join(", ")
        )
    };
    let mut chars = spec.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return if c.is_control() {
            Err(bad())
        } else {
            Ok(c.to_string())
        };
    }
    let lower = spec.to_ascii_lowercase();
    for prefix in ["ctrl-", "ctrl+", "c-"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => Ok(format!("Ctrl-{c}")),
                _ => Err(bad()),
            };
        }
    }
    if let Some(n) = lower.strip_prefix('f')
        && let Ok(n) = n.parse::<u8>()
        && (1..=12).contains(&n)
    {
        return Ok(format!("F{n}"));
    }
    KEY_NAMES
        .iter()
        .chain(&["Home", "End"])
        .find(|k| k.eq_ignore_ascii_case(spec))
        .map(|k| (*k).to_owned())
        .ok_or_else(bad)
}

type DeTable<'a> = toml::de::DeTable<'a>;
type DeValue<'a> = toml::de::DeValue<'a>;

/// Checks config text and collects every problem (sorted by line), then deserializes it.
pub fn check(text: &str) -> Result<ConfigFile, Vec<ConfigError>> {
    let line_of = |span: std::ops::Range<usize>| {
        Some(text[..span.start.min(text.len())].matches('\n').count() + 1)
    };
    let root = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            return Err(vec![ConfigError {
                line: e.span().and_then(line_of),
                key: None,
                message: e.message().trim().replace('\n', " "),
            }]);
        }
    };
    let mut errors = Vec::new();
    let mut err = |span: std::ops::Range<usize>, key: String, message: String| {
        errors.push(ConfigError {
            line: line_of(span),
            key: Some(key),
            message,
        });
    };
    let kind = |v: &DeValue| match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    };
    let mut context_names = Vec::new();
    let mut default_context = None;
    for (k, v) in root.get_ref().iter() {
        let key: &str = k.get_ref();
        match (key, v.get_ref()) {
            ("default_context", DeValue::String(s)) => {
                default_context = Some((s.to_string(), v.span()));
            }
            ("contexts", DeValue::Table(contexts)) => {
                for (name, ctx) in contexts.iter() {
                    let name: &str = name.get_ref();
                    context_names.push(name.to_owned());
                    let DeValue::Table(ctx_table) = ctx.get_ref() else {
                        err(
                            ctx.span(),
                            format!("contexts.{name}"),
                            format!("expected a table, found {}", kind(ctx.get_ref())),
                        );
                        continue;
                    };
                    for (f, fv) in ctx_table.iter() {
                        let field: &str = f.get_ref();
                        let path = format!("contexts.{name}.{field}");
                        let val = fv.get_ref();
                        let want = match field {
                            "url" | "user" | "password_command" | "password" | "ca_cert" => {
                                "a string"
                            }
                            "readonly" | "insecure" => "a boolean",
                            "interval" => "an integer",
                            "columns" => "an array",
                            _ => {
                                err(
                                    f.span(),
                                    path,
                                    format!(
                                        "unknown key; expected one of {}",
                                        CONTEXT_KEYS.join(", ")
                                    ),
                                );
                                continue;
                            }
                        };
                        if kind(val) != want {
                            err(
                                fv.span(),
                                path,
                                format!("expected {want}, found {}", kind(val)),
                            );
                            continue;
                        }
                        match (field, val) {
                            ("url", DeValue::String(u)) => match url::Url::parse(u) {
                                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
                                Ok(parsed) => err(
                                    fv.span(),
                                    path,
                                    format!(
                                        "{u:?}: scheme {} is not http or https",
                                        parsed.scheme()
                                    ),
                                ),
                                Err(e) => err(fv.span(), path, format!("{u:?} is not a URL: {e}")),
                            },
                            ("password_command", DeValue::String(c)) if c.trim().is_empty() => {
                                err(fv.span(), path, "empty command".into());
                            }
                            ("interval", DeValue::Integer(i)) => {
                                let n =
                                    i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                                        .ok();
                                if !n.is_some_and(|n| (1..=3600).contains(&n)) {
                                    err(
                                        fv.span(),
                                        path,
                                        format!("{} is not between 1 and 3600", i.as_str()),
                                    );
                                }
                            }
                            ("columns", DeValue::Array(items)) => {
                                for item in items.iter() {
                                    match item.get_ref() {
                                        DeValue::String(c) if column_known(c) => {}
                                        DeValue::String(c) => err(
                                            item.span(),
                                            path.clone(),
                                            format!(
                                                "unknown column {c:?}; columns: {}",
                                                crate::headless::COLUMNS
                                                    .iter()
                                                    .map(|(k, _)| *k)
                                                    .collect::<Vec<_>>()
                                                    .join(",")
                                            ),
                                        ),
                                        other => err(
                                            item.span(),
                                            path.clone(),
                                            format!(
                                                "expected a column name, found {}",
                                                kind(other)
                                            ),
                                        ),
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            ("theme", DeValue::Table(theme)) => {
                for (slot, colour) in theme.iter() {
                    let slot: &str = slot.get_ref();
                    let path = format!("theme.{slot}");
                    if !crate::ui::theme::SLOTS.iter().any(|(n, _)| *n == slot) {
                        let names: Vec<&str> =
                            crate::ui::theme::SLOTS.iter().map(|(n, _)| *n).collect();
                        err(
                            colour.span(),
                            path,
                            format!("unknown slot; expected one of {}", names.join(", ")),
                        );
                        continue;
                    }
                    match colour.get_ref() {
                        DeValue::String(c) => {
                            if let Err(e) = crate::ui::theme::parse_colors(c) {
                                err(colour.span(), path, e);
                            }
                        }
                        other => err(
                            colour.span(),
                            path,
                            format!("expected a string, found {}", kind(other)),
                        ),
                    }
                }
            }
            ("keys", DeValue::Table(keys)) => {
                let mut bound: BTreeMap<String, String> = BTreeMap::new();
                // In file order, so that the second binding of a key is the one reported.
                let mut entries: Vec<_> = keys.iter().collect();
                entries.sort_by_key(|(_, v)| v.span().start);
                for (action, spec) in entries {
                    let action: &str = action.get_ref();
                    let path = format!("keys.{action}");
                    if !KEY_ACTIONS.contains(&action) {
                        err(
                            spec.span(),
                            path,
                            format!("unknown action; expected one of {}", KEY_ACTIONS.join(", ")),
                        );
                        continue;
                    }
                    let DeValue::String(spec_text) = spec.get_ref() else {
                        err(
                            spec.span(),
                            path,
                            format!("expected a key as a string, found {}", kind(spec.get_ref())),
                        );
                        continue;
                    };
                    match parse_key_spec(spec_text) {
                        Err(e) => err(spec.span(), path, e),
                        Ok(norm) => {
                            if let Some(other) = bound.get(&norm) {
                                err(
                                    spec.span(),
                                    path,
                                    format!("key {spec_text:?} is already bound to {other}"),
                                );
                            } else {
                                bound.insert(norm, action.to_owned());
                            }
                        }
                    }
                }
            }
            ("default_context" | "contexts" | "theme" | "keys", other) => {
                let want = if key == "default_context" {
                    "a string"
                } else {
                    "a table"
                };
                err(
                    v.span(),
                    key.to_owned(),
                    format!("expected {want}, found {}", kind(other)),
                );
            }
            _ => err(
                k.span(),
                key.to_owned(),
                "unknown key; expected one of default_context, contexts, theme, keys".into(),
            ),
        }
    }
    if let Some((d, span)) = default_context
        && !context_names.contains(&d)
    {
        err(
            span,
            "default_context".into(),
            format!("{d:?} names no [contexts.{d}]"),
        );
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        vec![ConfigError {
            line: e.span().and_then(line_of),
            key: None,
            message: e.message().trim().replace('\n', " "),
        }]
    })
}

/// True for a `--columns` name, or the short forms the config accepts (`margin/min`).
fn column_known(c: &str) -> bool {
    c == "margin/min" || crate::headless::COLUMNS.iter().any(|(k, _)| *k == c)
}

/// Where the password comes from.
#[derive(Debug, Clone)]
pub enum PasswordSource {
    Env(Secret),
    Command(String),
    File(Secret),
    Prompt,
}

impl PasswordSource {
    /// How `config show` describes it, never with the password itself.
    pub fn describe(&self) -> String {
        match self {
            PasswordSource::Env(_) => "******** (YETI_PASSWORD)".into(),
            PasswordSource::Command(c) => format!("from password_command {c:?}"),
            PasswordSource::File(_) => "******** (in the config file)".into(),
            PasswordSource::Prompt => "asked on the terminal".into(),
        }
    }
}

/// Where a setting's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--url`.
    Flag(&'static str),
    /// An environment variable, e.g. `YETI_URL`.
    Env(&'static str),
    /// The named context of the config file.
    Context(String),
    /// `default_context` of the config file.
    DefaultContext,
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(n) => write!(f, "flag {n}"),
            Origin::Env(n) => write!(f, "environment {n}"),
            Origin::Context(n) => write!(f, "context {n}"),
            Origin::DefaultContext => f.write_str("default_context"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// Everything needed to connect, merged.
#[derive(Debug, Clone)]
pub struct Settings {
    pub context: Option<String>,
    pub url: String,
    pub user: Option<String>,
    pub token: Option<Secret>,
    pub password: PasswordSource,
    pub readonly: bool,
    pub interval: Duration,
    pub insecure: bool,
    pub ca_cert: Option<PathBuf>,
    pub columns: Option<Vec<String>>,
    /// Where each setting came from, by setting name (`url`, `user`, `readonly`, ...).
    pub origins: BTreeMap<&'static str, Origin>,
}

/// Merges flags (and the environment clap already read) with the chosen context.
pub fn resolve(
    g: &GlobalOpts,
    file: &ConfigFile,
    env_password: Option<String>,
) -> Result<Settings, String> {
    let s = merge(g, file, env_password)?;
    if s.url.is_empty() {
        return Err("no switch URL: give --url, YETI_URL or a context (or try --demo)".into());
    }
    Ok(s)
}

/// Like [`resolve`], but a missing URL is left empty (for `config show`).
pub fn merge(
    g: &GlobalOpts,
    file: &ConfigFile,
    env_password: Option<String>,
) -> Result<Settings, String> {
    let mut origins = BTreeMap::new();
    let ctx_name = match (&g.context, &file.default_context) {
        (Some(c), _) => {
            origins.insert("context", Origin::Flag("--context"));
            Some(c.clone())
        }
        (None, Some(d)) => {
            origins.insert("context", Origin::DefaultContext);
            Some(d.clone())
        }
        (None, None) => None,
    };
    let ctx = match &ctx_name {
        Some(n) => file
            .contexts
            .get(n)
            .cloned()
            .ok_or_else(|| format!("no context named {n:?} in the config file"))?,
        None => Context::default(),
    };
    let from_ctx = || Origin::Context(ctx_name.clone().unwrap_or_default());
    let flag_or_env = |from_env: bool, flag: &'static str, env: &'static str| {
        if from_env {
            Origin::Env(env)
        } else {
            Origin::Flag(flag)
        }
    };
    // flag > environment > context > default, for one optional value.
    let mut pick = |name: &'static str,
                    cli: Option<String>,
                    from_env: bool,
                    env: &'static str,
                    flag: &'static str,
                    c: Option<String>| {
        match (cli, c) {
            (Some(v), _) => {
                origins.insert(name, flag_or_env(from_env, flag, env));
                Some(v)
            }
            (None, Some(v)) => {
                origins.insert(name, from_ctx());
                Some(v)
            }
            (None, None) => None,
        }
    };
    let url = pick(
        "url",
        g.url.clone(),
        g.from_env.url,
        "YETI_URL",
        "--url",
        ctx.url.clone(),
    )
    .unwrap_or_default();
    let user = pick(
        "user",
        g.user.clone(),
        g.from_env.user,
        "YETI_USER",
        "--user",
        ctx.user.clone(),
    );
    let token = pick(
        "token",
        g.token.clone(),
        g.from_env.token,
        "YETI_TOKEN",
        "--token",
        None,
    );
    let password = match (env_password, &ctx.password_command, &ctx.password) {
        (Some(p), _, _) => {
            origins.insert("password", Origin::Env("YETI_PASSWORD"));
            PasswordSource::Env(Secret::new(p))
        }
        (None, Some(cmd), _) => {
            origins.insert("password", from_ctx());
            PasswordSource::Command(cmd.clone())
        }
        (None, None, Some(p)) => {
            origins.insert("password", from_ctx());
            PasswordSource::File(Secret::new(p.clone()))
        }
        _ => PasswordSource::Prompt,
    };
    // A flag can only switch these on: a read-only context stays read-only.
    let mut switch = |name: &'static str, flag: bool, flag_name: &'static str, c: Option<bool>| {
        if flag {
            origins.insert(name, Origin::Flag(flag_name));
            true
        } else if let Some(v) = c {
            origins.insert(name, from_ctx());
            v
        } else {
            origins.insert(name, Origin::Default);
            false
        }
    };
    let readonly = switch("readonly", g.readonly, "--readonly", ctx.readonly);
    let insecure = switch("insecure", g.insecure, "--insecure", ctx.insecure);
    let interval = match (g.interval, ctx.interval) {
        (Some(i), _) => {
            origins.insert("interval", Origin::Flag("--interval"));
            i
        }
        (None, Some(i)) => {
            origins.insert("interval", from_ctx());
            i
        }
        (None, None) => {
            origins.insert("interval", Origin::Default);
            5
        }
    };
    let ca_cert = match (&g.ca_cert, &ctx.ca_cert) {
        (Some(p), _) => {
            origins.insert("ca_cert", Origin::Flag("--ca-cert"));
            Some(p.clone())
        }
        (None, Some(p)) => {
            origins.insert("ca_cert", from_ctx());
            Some(p.clone())
        }
        (None, None) => None,
    };
    if ctx.columns.is_some() {
        origins.insert("columns", from_ctx());
    }
    Ok(Settings {
        context: ctx_name,
        url,
        user,
        token: token.map(Secret::new),
        password,
        readonly,
        interval: Duration::from_secs(interval),
        insecure,
        ca_cert,
        columns: ctx.columns.clone(),
        origins,
    })
}

/// Runs a `password_command` with `sh -c` and returns its trimmed stdout. Errors name the command and
/// carry the first line of its stderr.
pub fn run_password_command(cmd: &str) -> Result<Secret, String> {
    let shown = crate::sanitize::sanitize_max(cmd, 80);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("password_command {shown:?} could not run: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
        let why = match out.status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_owned(),
        };
        return Err(match first {
            Some(l) => format!(
                "password_command {shown:?} failed ({why}): {}",
                crate::sanitize::sanitize_max(l, 200)
            ),
            None => format!("password_command {shown:?} failed ({why})"),
        });
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| format!("password_command {shown:?} printed invalid UTF-8"))?;
    let pw = text.trim_end_matches(['\n', '\r']).to_owned();
    if pw.is_empty() {
        return Err(format!("password_command {shown:?} printed nothing"));
    }
    Ok(Secret::new(pw))
}

/// A warning when a config file that holds a password can be read by others.
#[cfg(unix)]
pub fn permission_warning(path: &Path, file: &ConfigFile) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    if !file.contexts.values().any(|c| c.password.is_some()) {
        return None;
    }
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "warning: {} holds a password and others can read it (mode {:o}); run chmod 600",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
