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

/// Reads and parses a config file. A missing file at the default path is an empty config; a missing file
/// that was named explicitly is an error.
pub fn load(path: &Path, explicit: bool) -> Result<ConfigFile, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(ConfigFile::default());
        }
        Err(e) => return Err(format!("config {}: {e}", path.display())),
    };
    parse(&text).map_err(|e| format!("config {}: {e}", path.display()))
}

/// Parses config text; errors name the line and the key.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    let cfg: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().trim().replace('\n', " ");
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })?;
    if let Some(d) = &cfg.default_context
        && !cfg.contexts.contains_key(d)
    {
        return Err(format!("default_context {d:?} names no [contexts.{d}]"));
    }
    for (name, c) in &cfg.contexts {
        if let Some(i) = c.interval
            && !(1..=3600).contains(&i)
        {
            return Err(format!(
                "contexts.{name}.interval: {i} is not between 1 and 3600"
            ));
        }
    }
    Ok(cfg)
}

/// Where the password comes from.
#[derive(Debug, Clone)]
pub enum PasswordSource {
    Env(Secret),
    Command(String),
    File(Secret),
    Prompt,
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
}

/// Merges flags (and the environment clap already read) with the chosen context.
pub fn resolve(
    g: &GlobalOpts,
    file: &ConfigFile,
    env_password: Option<String>,
) -> Result<Settings, String> {
    let ctx_name = g.context.clone().or_else(|| file.default_context.clone());
    let ctx = match &ctx_name {
        Some(n) => file
            .contexts
            .get(n)
            .cloned()
            .ok_or_else(|| format!("no context named {n:?} in the config file"))?,
        None => Context::default(),
    };
    let url = g
        .url
        .clone()
        .or(ctx.url.clone())
        .ok_or("no switch URL: give --url, YETI_URL or a context (or try --demo)")?;
    let password = match (env_password, &ctx.password_command, &ctx.password) {
        (Some(p), _, _) => PasswordSource::Env(Secret::new(p)),
        (None, Some(cmd), _) => PasswordSource::Command(cmd.clone()),
        (None, None, Some(p)) => PasswordSource::File(Secret::new(p.clone())),
        _ => PasswordSource::Prompt,
    };
    Ok(Settings {
        context: ctx_name,
        url,
        user: g.user.clone().or(ctx.user.clone()),
        token: g.token.clone().map(Secret::new),
        password,
        readonly: g.readonly || ctx.readonly.unwrap_or(false),
        interval: Duration::from_secs(g.interval.or(ctx.interval).unwrap_or(5)),
        insecure: g.insecure || ctx.insecure.unwrap_or(false),
        ca_cert: g.ca_cert.clone().or(ctx.ca_cert.clone()),
        columns: ctx.columns.clone(),
    })
}

/// Runs a `password_command` with `sh -c` and returns its trimmed stdout.
pub fn run_password_command(cmd: &str) -> Result<Secret, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("password_command could not run: {e}"))?;
    if !out.status.success() {
        return Err(format!("password_command failed ({})", out.status));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| "password_command printed invalid UTF-8".to_owned())?;
    let pw = text.trim_end_matches(['\n', '\r']).to_owned();
    if pw.is_empty() {
        return Err("password_command printed nothing".into());
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
mod tests {
    use super::*;

    const GOOD: &str = r#"
default_context = "lab"
[contexts.lab]
url = "https://yeti-lab.example.net"
user = "noc"
password_command = "echo s3cret"
readonly = true
interval = 5
columns = ["node", "duration", "customer", "vendor", "to", "margin"]
[contexts.prod]
url = "https://yeti.example.net"
"#;

    #[test]
    fn parses_contexts() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.default_context.as_deref(), Some("lab"));
        assert_eq!(c.contexts["lab"].user.as_deref(), Some("noc"));
        assert_eq!(c.contexts.len(), 2);
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = parse("[contexts.lab]\nurl = \"x\"\nintervall = 5\n").unwrap_err();
        assert!(e.starts_with("line 3:"), "{e}");
        assert!(e.contains("intervall"), "{e}");
        let e = parse("default_context = \"nope\"\n").unwrap_err();
        assert!(e.contains("nope"), "{e}");
        let e = parse("[contexts.a]\ninterval = 0\n").unwrap_err();
        assert!(e.contains("contexts.a.interval"), "{e}");
        let e = parse("[contexts.a]\nreadonly = \"yes\"\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
    }

    #[test]
    fn flag_beats_context_beats_default() {
        let file = parse(GOOD).unwrap();
        let g = GlobalOpts::default();
        let s = resolve(&g, &file, None).unwrap();
        assert_eq!(s.url, "https://yeti-lab.example.net");
        assert!(s.readonly);
        assert!(matches!(s.password, PasswordSource::Command(_)));
        let g = GlobalOpts {
            url: Some("https://other".into()),
            context: Some("prod".into()),
            interval: Some(9),
            ..Default::default()
        };
        let s = resolve(&g, &file, Some("pw".into())).unwrap();
        assert_eq!(s.url, "https://other");
        assert!(!s.readonly);
        assert_eq!(s.interval, Duration::from_secs(9));
        assert!(matches!(s.password, PasswordSource::Env(_)));
        let s = resolve(&GlobalOpts::default(), &ConfigFile::default(), None);
        assert!(s.unwrap_err().contains("--url"));
    }

    #[test]
    fn password_command() {
        assert_eq!(
            run_password_command("printf 'pw\\n'").unwrap().expose(),
            "pw"
        );
        assert!(
            run_password_command("exit 3")
                .unwrap_err()
                .contains("failed")
        );
        assert!(
            run_password_command("true")
                .unwrap_err()
                .contains("nothing")
        );
    }
}
