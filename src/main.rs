//! yetitop: a terminal monitor of the live calls on a Yeti softswitch.

use std::process::ExitCode;

use clap::Parser;
use yetitop::cli::{Cli, Cmd, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        None => yetitop::start::monitor(&cli.global).await,
    };
    match result {
        Ok(()) => exit::OK,
        Err(failure) => {
            eprintln!("yetitop: {}", failure.message);
            failure.code
        }
    }
}
