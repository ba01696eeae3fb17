//! From the command line to running code: builds the client from the settings (or starts the in-process
//! simulator for `--demo`) and hands over to the monitor, the headless commands or the simulator.

use std::io::IsTerminal;

use crate::api::{ApiError, Client, ClientConfig, Credentials, Secret};
use crate::app::AppConfig;
use crate::cli::{CallsCmd, GlobalOpts, SimArgs, exit};
use crate::config::{self, PasswordSource, Settings};
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
        ..SimConfig::default()
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

/// Connects as the flags, environment and config say; `--demo` starts the simulator in-process.
pub async fn connect(g: &GlobalOpts) -> Result<Connection, Failure> {
    if g.demo {
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
        return Ok(Connection {
            client,
            label: "demo".into(),
            readonly: g.readonly,
            interval: std::time::Duration::from_secs(g.interval.unwrap_or(5)),
            insecure: false,
            settings: None,
            demo: Some(handle),
        });
    }
    let explicit = g.config.is_some();
    let path = g.config.clone().unwrap_or_else(config::default_config_path);
    let file = config::load(&path, explicit).map_err(Failure::usage)?;
    #[cfg(unix)]
    if let Some(w) = config::permission_warning(&path, &file) {
        eprintln!("yetitop: {w}");
        tracing::warn!("{w}");
    }
    let env_password = std::env::var("YETI_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let s = config::resolve(g, &file, env_password).map_err(Failure::usage)?;
    let credentials = match &s.token {
        Some(t) => Credentials::Token(t.clone()),
        None => {
            let user = s.user.clone().ok_or_else(|| {
                Failure::usage("no user: give --user, YETI_USER, a context's user, or --token")
            })?;
            let password = match &s.password {
                PasswordSource::Env(p) | PasswordSource::File(p) => p.clone(),
                PasswordSource::Command(cmd) => {
                    config::run_password_command(cmd).map_err(Failure::usage)?
                }
                PasswordSource::Prompt => prompt_password(&user, &s.url)?,
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
    let conn = connect(g).await?;
    // A wrong password is final; a switch that is down is not: the monitor shows it and retries.
    match conn.client.login().await {
        Err(e @ ApiError::Unauthorized(_)) => return Err(e.into()),
        Err(e @ ApiError::Config(_)) => return Err(e.into()),
        Err(e) => tracing::warn!("first login failed, the monitor will retry: {e}"),
        Ok(()) => {}
    }
    let cfg = AppConfig {
        context: conn.label.clone(),
        url: conn.client.base_url().to_owned(),
        readonly: conn.readonly,
        interval: conn.interval,
        insecure: conn.insecure,
    };
    let paths = RuntimePaths {
        audit_log: Some(config::audit_log_path()),
    };
    let result = runtime::run_tui(conn.client.clone(), cfg, paths).await;
    if let Some(handle) = conn.demo {
        handle.shutdown().await;
    }
    result.map_err(|e| Failure {
        code: exit::NETWORK,
        message: format!("terminal: {e}"),
    })
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
