//! yetitop: a terminal monitor of the live calls on a Yeti softswitch.

use std::process::ExitCode;

use yetitop::cli::{self, Cli, Cmd, exit};

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = match cli::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                // Help and version go to stdout with exit 0; help shown for a missing subcommand exits 2.
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
                _ => {
                    eprintln!("yetitop: {}", cli::one_line_error(&e));
                    return ExitCode::from(exit::USAGE as u8);
                }
            }
        }
    };
    // Commands that print and exit need neither the runtime nor a log file.
    let quick = match &cli.command {
        Some(Cmd::Completions(a)) => Some(yetitop::start::completions(a.shell)),
        Some(Cmd::Man) => Some(yetitop::start::man()),
        Some(Cmd::Info) => Some(yetitop::start::info(&cli.global)),
        Some(Cmd::Config(c)) => Some(yetitop::start::config_cmd(&cli.global, *c)),
        _ => None,
    };
    if let Some(result) = quick {
        return ExitCode::from(report(result) as u8);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("yetitop: cannot start the async runtime: {e}");
            return ExitCode::from(exit::NETWORK as u8);
        }
    };
    let code = runtime.block_on(run(cli));
    // Do not wait for stuck requests on the way out.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code.clamp(0, 255) as u8)
}

async fn run(cli: Cli) -> i32 {
    let _log = yetitop::logging::init(cli.global.log_file.as_deref());
    let result = match cli.command {
        Some(Cmd::Sim(args)) => yetitop::start::sim(args).await,
        Some(Cmd::Calls(cmd)) => yetitop::start::calls(&cli.global, cmd).await,
        // Handled in `main`.
        Some(Cmd::Completions(_) | Cmd::Man | Cmd::Info | Cmd::Config(_)) => Ok(()),
        None => yetitop::start::monitor(&cli.global).await,
    };
    report(result)
}

/// The exit code of a result; a failure is one line on stderr.
fn report(result: Result<(), yetitop::start::Failure>) -> i32 {
    match result {
        Ok(()) => exit::OK,
        Err(failure) => {
            eprintln!("yetitop: {}", failure.message);
            failure.code.clamp(0, 255)
        }
    }
}

/// glibc gives every thread that allocates concurrently an arena of its own (up to 8 per core) and keeps
/// their freed pages; with the decoder's blocking threads that multiplies the resident memory of a
/// long-running monitor. Two arenas are plenty for two async workers. Called before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: called first thing in main, before any other thread exists; mallopt only sets a tunable.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
