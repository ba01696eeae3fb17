//! The command line (clap derive). Global options work before or after a subcommand.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Exit codes, shared by every command.
pub mod exit {
    pub const OK: i32 = 0;
    /// Usage or config error.
    pub const USAGE: i32 = 2;
    /// Authentication refused.
    pub const AUTH: i32 = 3;
    /// Not found.
    pub const NOT_FOUND: i32 = 4;
    /// Network or server error.
    pub const NETWORK: i32 = 5;
}

const AFTER_HELP: &str = "\
Password: from YETI_PASSWORD, the context's password_command, or a prompt (never a flag).

Exit codes: 0 ok, 2 usage or config error, 3 authentication refused, 4 not found, 5 network or server error.
Errors are one line on stderr.

Config: $XDG_CONFIG_HOME/yetitop/config.toml (see `yetitop config path|check|show`, `yetitop info`).

Examples:
  yetitop --demo                               the monitor on a built-in simulated switch
  yetitop --url https://yeti.example.net --user noc
  yetitop calls list -o json --filter customer=5
  yetitop completions bash > ~/.local/share/bash-completion/completions/yetitop
  yetitop sim --listen 127.0.0.1:8080 --calls 1000";

/// A terminal monitor of the live calls on a Yeti softswitch.
#[derive(Debug, Parser)]
#[command(name = "yetitop", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// Options of every command.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalOpts {
    /// Context of the config file to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Base URL of yeti-web, e.g. https://yeti.example.net.
    #[arg(long, global = true, env = "YETI_URL", value_name = "URL")]
    pub url: Option<String>,
    /// Admin user name.
    #[arg(long, global = true, env = "YETI_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// A ready JWT instead of user + password (a 401 is then final).
    #[arg(
        long,
        global = true,
        env = "YETI_TOKEN",
        value_name = "JWT",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Refuse to terminate calls.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Seconds between list polls (default 5).
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub interval: Option<u64>,
    /// Accept an invalid TLS certificate (the screen shows a warning mark).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Trust this CA certificate (PEM) for the switch.
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Config file (default $XDG_CONFIG_HOME/yetitop/config.toml).
    #[arg(long, global = true, env = "YETITOP_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Log file (default $XDG_STATE_HOME/yetitop/yetitop.log; level from YETITOP_LOG).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Run against a built-in simulated switch (starts the simulator in-process).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Which of the options above clap took from the environment rather than a flag (set by [`parse`]).
    #[arg(skip)]
    pub from_env: FromEnv,
}

/// Options whose value came from their environment variable, for `config show` to say where a value is from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FromEnv {
    pub url: bool,
    pub user: bool,
    pub token: bool,
    pub config: bool,
}

impl FromEnv {
    fn of(m: &ArgMatches) -> FromEnv {
        // Global options are propagated down to the deepest subcommand's matches.
        let mut m = m;
        while let Some((_, sub)) = m.subcommand() {
            m = sub;
        }
        let env = |id: &str| m.value_source(id) == Some(clap::parser::ValueSource::EnvVariable);
        FromEnv {
            url: env("url"),
            user: env("user"),
            token: env("token"),
            config: env("config"),
        }
    }
}

/// Parses the command line, recording which options came from the environment.
pub fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command().try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    cli.global.from_env = FromEnv::of(&matches);
    Ok(cli)
}

/// A clap error as one line (without the `error: ` prefix, the usage and the tips), for usage errors.
pub fn one_line_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut parts = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        parts.push(line);
    }
    let joined = parts.join(" ");
    joined.strip_prefix("error: ").unwrap_or(&joined).to_owned()
}

/// The clap command, for completions and the man page.
pub fn command() -> clap::Command {
    Cli::command()
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the simulator of the yeti-web admin API.
    Sim(SimArgs),
    /// Active calls, without the TUI (for scripts).
    #[command(subcommand)]
    Calls(CallsCmd),
    /// The config file: where it is, whether it is valid, what it resolves to.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print a shell completion script to stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout.
    Man,
    /// Print the version and every path yetitop uses.
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum ConfigCmd {
    /// Print the path of the config file (--config, YETITOP_CONFIG or the XDG default).
    Path,
    /// Validate the config file; exit 2 with the file, line and key of each error.
    Check,
    /// Print the merged settings (flag > environment > context > defaults), secrets masked.
    Show,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Calls at a time, about.
    #[arg(long, default_value_t = 300)]
    pub calls: usize,
    /// Number of SEMS nodes.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub nodes: u64,
    /// Seed of the generated switch.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Freeze the set of calls (durations still grow).
    #[arg(long)]
    pub no_churn: bool,
    /// Admin user of the simulated switch.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// Admin password of the simulated switch (a made-up credential, not a secret).
    #[arg(long, default_value = "admin")]
    pub password: String,
    /// Lifetime of issued tokens in seconds; 0 for tokens without expiry.
    #[arg(long, default_value_t = 600)]
    pub token_lifetime: u64,
    /// Misbehave on purpose, for tests: `<mode>[:<arg>][,scope=<scope>][,times=<n>]`, e.g. `500`,
    /// `slow:3000,scope=list`, `422,times=1`, `hang,scope=show`. Repeatable. Modes: latency:MS, 500, 502,
    /// malformed, truncated, slow:MS, hang, huge:BYTES, revoke, 422[:MSG], strict-filters; scopes: all, list,
    /// show, delete, auth, related, records. Also at run time: POST /_sim/fault.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<crate::sim::Fault>,
    /// Added latency of every API answer, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Speed up churn (hold, ringing and arrival times divided by this), e.g. 10 for a lively demo.
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub churn_speed: f64,
}

#[derive(Debug, Subcommand)]
pub enum CallsCmd {
    /// List the active calls.
    List(ListArgs),
    /// Show one call with its related records.
    Show(ShowArgs),
    /// Terminate a call.
    Terminate(TerminateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
    Ndjson,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// KEY=VALUE with a relationship name and an id (customer=5, orig-gw=12, node=1,2), or duration>N,
    /// duration<N, duration=N. Repeatable; all must match.
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    pub filters: Vec<crate::api::CallFilter>,
    /// Columns of the table and csv outputs, e.g. node,duration,customer,to,margin.
    #[arg(long, value_delimiter = ',', value_name = "a,b,...")]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowOutput {
    Table,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Call id, e.g. 2*A2-A9D0-...
    pub id: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ShowOutput::Table)]
    pub output: ShowOutput,
}

#[derive(Debug, Clone, Args)]
pub struct TerminateArgs {
    /// Call id.
    pub id: String,
    /// Do not ask (without it, yetitop asks on a terminal and refuses otherwise).
    #[arg(long)]
    pub yes: bool,
}
