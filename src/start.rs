//! From the command line to running code: builds the client from the settings (or starts the in-process
//! simulator for `--demo`) and hands over to the monitor, the headless commands or the simulator.

use std::io::IsTerminal;

use crate::api::{ApiError, Client, ClientConfig, Credentials, Secret};
use crate::app::AppConfig;
use crate::app::keys::KeyMap;
use crate::cli::{CallsCmd, ConfigCmd, GlobalOpts, Shell, SimArgs, exit};
use crate::config::{self, ConfigFile, PasswordSource, Settings};
use crate::runtime::{self, RuntimePaths};
use crate::sim::{self, SimConfig};

/// Why a command failed: its exit code and one line for stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

/// `yetitop sim`.
pub async fn sim(args: SimArgs) -> Result<(), Failure> {
    let cfg = SimConfig {
        calls: args.calls,
        nodes: args.nodes as usize,
        seed: args.seed,
        churn: !args.no_churn,
        user: args.user,
        password: args.password,
        token_lifetime: (args.token_lifetime > 0).then_some(args.token_lifetime),
        faults: sim::FaultConfig {
            faults: args.faults,
            latency_ms: args.latency_ms,
        },
        churn_speed: args.churn_speed,
    };
    sim::run_cli(cfg, args.listen).await.map_err(|e| Failure {
        code: exit::NETWORK,
        message: format!("simulator on {}: {e}", args.listen),
    })
}

/// A connection ready to use, and what the monitor shows about it.
pub struct Connection {
    pub client: Client,
    pub label: String,
    pub readonly: bool,
    pub interval: std::time::Duration,
    pub insecure: bool,
    pub settings: Option<Settings>,
    /// Keeps the in-process simulator of `--demo` alive.
    pub demo: Option<sim::SimHandle>,
}

/// The config file's path: `--config`, `YETITOP_CONFIG`, or the XDG default. True when it was named.
pub fn config_path(g: &GlobalOpts) -> (std::path::PathBuf, bool) {
    match &g.config {
        Some(p) => (p.clone(), true),
        None => (config::default_config_path(), false),
    }
}

/// Loads the config file (an empty one when the default file does not exist) and warns on stderr when it
/// holds a password others can read.
pub fn load_config(g: &GlobalOpts) -> Result<ConfigFile, Failure> {
    let (path, explicit) = config_path(g);
    let file = config::load(&path, explicit).map_err(Failure::usage)?;
    #[cfg(unix)]
    if let Some(w) = config::permission_warning(&path, &file) {
        eprintln!("yetitop: {w}");
        tracing::warn!("{w}");
    }
    Ok(file)
}

/// Connects as the flags, environment and config say; `--demo` starts the simulator in-process.
pub async fn connect(g: &GlobalOpts) -> Result<Connection, Failure> {
    if g.demo {
        return connect_demo(g).await;
    }
    let file = load_config(g)?;
    connect_with(g, &file, true).await
}

async fn connect_demo(g: &GlobalOpts) -> Result<Connection, Failure> {
    let cfg = SimConfig::default();
    let (user, password) = (cfg.user.clone(), cfg.password.clone());
    let handle = sim::start(([127, 0, 0, 1], 0).into(), cfg)
        .await
        .map_err(|e| Failure {
            code: exit::NETWORK,
            message: format!("cannot start the demo simulator: {e}"),
        })?;
    let client = Client::new(ClientConfig::new(
        handle.url.clone(),
        Credentials::Password {
            user,
            password: Secret::new(password),
        },
    ))?;
    Ok(Connection {
        client,
        label: "demo".into(),
        readonly: g.readonly,
        interval: std::time::Duration::from_secs(g.interval.unwrap_or(5)),
        insecure: false,
        settings: None,
        demo: Some(handle),
    })
}

/// Connects with an already loaded config file. `interactive`: the password may be asked for on the
/// terminal (not while the monitor owns it).
pub async fn connect_with(
    g: &GlobalOpts,
    file: &ConfigFile,
    interactive: bool,
) -> Result<Connection, Failure> {
    let env_password = std::env::var("YETI_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let s = config::resolve(g, file, env_password).map_err(Failure::usage)?;
    let credentials = match &s.token {
        Some(t) => Credentials::Token(t.clone()),
        None => {
            let user = s.user.clone().ok_or_else(|| {
                Failure::usage("no user: give --user, YETI_USER, a context's user, or --token")
            })?;
            let password = match &s.password {
                PasswordSource::Env(p) | PasswordSource::File(p) => p.clone(),
                PasswordSource::Command(cmd) => config::run_password_command(cmd).map_err(|e| {
                    let ctx = s.context.as_deref().unwrap_or("?");
                    Failure::usage(format!("context {ctx}: {e}"))
                })?,
                PasswordSource::Prompt if interactive => prompt_password(&user, &s.url)?,
                PasswordSource::Prompt => {
                    return Err(Failure::usage(
                        "no password: set YETI_PASSWORD or the context's password_command",
                    ));
                }
            };
            Credentials::Password { user, password }
        }
    };
    let mut cc = ClientConfig::new(s.url.clone(), credentials);
    cc.insecure = s.insecure;
    if let Some(path) = &s.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| Failure::usage(format!("--ca-cert {}: {e}", path.display())))?;
        cc.ca_cert_pem = Some(pem);
    }
    let client = Client::new(cc)?;
    Ok(Connection {
        label: s.context.clone().unwrap_or_default(),
        client,
        readonly: s.readonly,
        interval: s.interval,
        insecure: s.insecure,
        settings: Some(s),
        demo: None,
    })
}

fn prompt_password(user: &str, url: &str) -> Result<Secret, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no password: set YETI_PASSWORD or a context's password_command (no terminal to ask on)",
        ));
    }
    let pw = rpassword::prompt_password(format!("Password for {user} at {url}: "))
        .map_err(|e| Failure::usage(format!("cannot read the password: {e}")))?;
    Ok(Secret::new(pw))
}

/// The monitor (no subcommand).
pub async fn monitor(g: &GlobalOpts) -> Result<(), Failure> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the monitor needs a terminal; for scripts use `yetitop calls list`",
        ));
    }
    // The demo too takes its colours from the config file.
    let file = load_config(g)?;
    install_theme(&file)?;
    let conn = if g.demo {
        connect_demo(g).await?
    } else {
        connect_with(g, &file, true).await?
    };
    // A wrong password is final; a switch that is down is not: the monitor shows it and retries.
    match conn.client.login().await {
        Err(e @ ApiError::Unauthorized(_)) => return Err(e.into()),
        Err(e @ ApiError::Config(_)) => return Err(e.into()),
        Err(e) => tracing::warn!("first login failed, the monitor will retry: {e}"),
        Ok(()) => {}
    }
    // The `C` picker lists the config's contexts (and the demo, to come back to it).
    let mut contexts: Vec<String> = file.contexts.keys().cloned().collect();
    if g.demo && !contexts.is_empty() {
        contexts.insert(0, conn.label.clone());
    }
    let keys = key_map(&file)?;
    let cfg = app_config(&conn, contexts.clone(), keys.clone());
    let paths = RuntimePaths {
        audit_log: Some(config::audit_log_path()),
    };
    let connector = (!contexts.is_empty()).then(|| context_connector(g, &file, contexts, keys));
    let result = runtime::run_tui(conn.client.clone(), cfg, paths, connector).await;
    if let Some(handle) = conn.demo {
        handle.shutdown().await;
    }
    result.map_err(|e| Failure {
        code: exit::NETWORK,
        message: format!("terminal: {e}"),
    })
}

fn app_config(conn: &Connection, contexts: Vec<String>, keys: KeyMap) -> AppConfig {
    AppConfig {
        context: conn.label.clone(),
        url: conn.client.base_url().to_owned(),
        readonly: conn.readonly,
        interval: conn.interval,
        insecure: conn.insecure,
        contexts,
        keys,
        // A context's `columns` may name `id` and `local-tag` too (for `calls list`); the list shows the
        // others, in the order given.
        columns: conn
            .settings
            .as_ref()
            .and_then(|s| s.columns.as_ref())
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| crate::app::rows::Column::by_name(n))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The key table with the config's `[keys]` rebindings.
fn key_map(file: &ConfigFile) -> Result<KeyMap, Failure> {
    KeyMap::new(file.keys.iter().map(|(a, k)| (a.as_str(), k.as_str()))).map_err(Failure::usage)
}

/// Opens another context for the `C` picker: that context's URL, user and password source apply (the
/// `--url`, `--user` and `--token` of the command line named the first switch only); `--readonly`,
/// `--interval` and `--insecure` still apply. No password prompt: the monitor owns the terminal.
fn context_connector(
    g: &GlobalOpts,
    file: &ConfigFile,
    contexts: Vec<String>,
    keys: KeyMap,
) -> runtime::Connector {
    let g = g.clone();
    let file = file.clone();
    std::sync::Arc::new(move |name: String| {
        let mut g = g.clone();
        g.context = Some(name);
        g.url = None;
        g.user = None;
        g.token = None;
        g.demo = false;
        let file = file.clone();
        let contexts = contexts.clone();
        let keys = keys.clone();
        Box::pin(async move {
            // A password_command may take a moment: keep it off the async workers.
            let handle = tokio::runtime::Handle::current();
            let conn = tokio::task::spawn_blocking(move || {
                handle.block_on(connect_with(&g, &file, false))
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|f| f.message)?;
            match conn.client.login().await {
                Err(e @ (ApiError::Unauthorized(_) | ApiError::Config(_))) => {
                    return Err(e.to_string());
                }
                // A switch that is down is still shown (stale, retrying).
                Err(e) => tracing::warn!("first login failed, the monitor will retry: {e}"),
                Ok(()) => {}
            }
            Ok((conn.client.clone(), app_config(&conn, contexts, keys)))
        })
    })
}

/// Installs the `[theme]` colours for the monitor (16-colour fallback unless `COLORTERM` says 24-bit).
fn install_theme(file: &ConfigFile) -> Result<(), Failure> {
    let palette =
        crate::ui::theme::Palette::from_table(&file.theme, crate::ui::theme::truecolor_from_env())
            .map_err(Failure::usage)?;
    crate::ui::theme::install(palette);
    Ok(())
}

/// `yetitop calls ...`.
pub async fn calls(g: &GlobalOpts, cmd: CallsCmd) -> Result<(), Failure> {
    let conn = connect(g).await?;
    let result = crate::headless::run(&conn, cmd).await;
    if let Some(handle) = conn.demo {
        handle.shutdown().await;
    }
    result
}

/// `yetitop config path|check|show`.
pub fn config_cmd(g: &GlobalOpts, cmd: ConfigCmd) -> Result<(), Failure> {
    let (path, explicit) = config_path(g);
    match cmd {
        ConfigCmd::Path => out(&format!("{}\n", path.display())),
        ConfigCmd::Check => config_check(&path, explicit),
        ConfigCmd::Show => config_show(g, &path),
    }
}

fn config_check(path: &std::path::Path, explicit: bool) -> Result<(), Failure> {
    if !explicit && !path.exists() {
        return out(&format!(
            "{}: no such file; the defaults apply\n",
            path.display()
        ));
    }
    match config::load_all(path, explicit) {
        Ok(file) => {
            #[cfg(unix)]
            if let Some(w) = config::permission_warning(path, &file) {
                eprintln!("yetitop: {w}");
            }
            out(&format!(
                "{}: ok ({} context{})\n",
                path.display(),
                file.contexts.len(),
                if file.contexts.len() == 1 { "" } else { "s" }
            ))
        }
        Err(errors) => {
            for e in &errors {
                let at = match e.line {
                    Some(l) => format!("{}:{l}", path.display()),
                    None => path.display().to_string(),
                };
                let msg = match &e.key {
                    Some(k) => format!("{k}: {}", e.message),
                    None => e.message.clone(),
                };
                eprintln!("yetitop: {at}: {msg}");
            }
            Err(Failure::usage(format!(
                "{}: {} error{}",
                path.display(),
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )))
        }
    }
}

/// A TOML string literal (values shown by `config show` are sanitized first).
fn quoted(s: &str) -> String {
    format!("{:?}", crate::sanitize::sanitize(s).as_ref())
}

fn config_show(g: &GlobalOpts, path: &std::path::Path) -> Result<(), Failure> {
    let file = load_config(g)?;
    let env_password = std::env::var("YETI_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let s = config::merge(g, &file, env_password).map_err(Failure::usage)?;
    let origin = |k: &str| {
        s.origins
            .get(k)
            .map(|o| format!("  # {o}"))
            .unwrap_or_default()
    };
    let mut text = format!(
        "# config file: {}{}\n",
        path.display(),
        if path.exists() { "" } else { " (not found)" }
    );
    let mut line = |key: &str, value: String| {
        text.push_str(&format!("{key} = {value}{}\n", origin(key)));
    };
    line(
        "context",
        s.context
            .as_deref()
            .map(quoted)
            .unwrap_or_else(|| "\"\"".into()),
    );
    line(
        "url",
        if s.url.is_empty() {
            "\"\"  # unset: give --url, YETI_URL or a context".into()
        } else {
            quoted(&s.url)
        },
    );
    line(
        "user",
        s.user
            .as_deref()
            .map(quoted)
            .unwrap_or_else(|| "\"\"".into()),
    );
    match &s.token {
        Some(_) => {
            line("token", quoted("********"));
            line("password", quoted("not used (a token is set)"));
        }
        None => line("password", quoted(&s.password.describe())),
    }
    line("readonly", s.readonly.to_string());
    line("interval", s.interval.as_secs().to_string());
    line("insecure", s.insecure.to_string());
    if let Some(p) = &s.ca_cert {
        line("ca_cert", quoted(&p.display().to_string()));
    }
    if let Some(c) = &s.columns {
        let cols: Vec<String> = c.iter().map(|c| quoted(c)).collect();
        line("columns", format!("[{}]", cols.join(", ")));
    }
    let names: Vec<String> = file.contexts.keys().map(|k| quoted(k)).collect();
    text.push_str(&format!("# contexts: [{}]\n", names.join(", ")));
    for (table, map) in [("theme", &file.theme), ("keys", &file.keys)] {
        if !map.is_empty() {
            text.push_str(&format!("\n[{table}]\n"));
            for (k, v) in map {
                text.push_str(&format!(
                    "{} = {}\n",
                    crate::sanitize::sanitize(k),
                    quoted(v)
                ));
            }
        }
    }
    out(&text)
}

/// `yetitop info`: the version and every path yetitop uses.
pub fn info(g: &GlobalOpts) -> Result<(), Failure> {
    let (config_path, _) = config_path(g);
    let config_from = match (&g.config, g.from_env.config) {
        (Some(_), true) => "YETITOP_CONFIG",
        (Some(_), false) => "--config",
        (None, _) => "default",
    };
    let (log_file, log_from) = match &g.log_file {
        Some(p) => (p.clone(), "--log-file"),
        None => (config::default_log_path(), "default"),
    };
    let exists = |p: &std::path::Path| if p.exists() { "" } else { " (not found)" };
    let level = std::env::var("YETITOP_LOG")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| format!("{}  (YETITOP_LOG)", crate::sanitize::sanitize(&v)))
        .unwrap_or_else(|| "info  (default; set YETITOP_LOG)".into());
    let text = format!(
        "version    {}\n\
         config     {}{}  ({config_from})\n\
         state dir  {}\n\
         log file   {}  ({log_from})\n\
         log level  {level}\n\
         audit log  {}\n",
        env!("CARGO_PKG_VERSION"),
        config_path.display(),
        exists(&config_path),
        config::state_dir().display(),
        log_file.display(),
        config::audit_log_path().display(),
    );
    out(&text)
}

/// `yetitop completions SHELL`.
pub fn completions(shell: Shell) -> Result<(), Failure> {
    let mut cmd = crate::cli::command();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "yetitop", &mut buf);
    out(&String::from_utf8_lossy(&buf))
}

/// `yetitop man`: the man page, roff, from the clap model.
pub fn man() -> Result<(), Failure> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(crate::cli::command())
        .render(&mut buf)
        .map_err(|e| Failure {
            code: exit::NETWORK,
            message: format!("man page: {e}"),
        })?;
    out(&String::from_utf8_lossy(&buf))
}

/// Writes to stdout; a closed pipe is not an error.
fn out(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure {
            code: exit::NETWORK,
            message: format!("stdout: {e}"),
        }),
    }
}
