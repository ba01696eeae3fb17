//! Logs go to a file, never to the terminal: `$XDG_STATE_HOME/yetitop/yetitop.log` or `--log-file`, level
//! from `YETITOP_LOG` (default `info`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging to the file; keep the guard alive until exit. `None` when the file cannot be opened
/// (the program runs on without logs rather than failing).
pub fn init(path: Option<&Path>) -> Option<WorkerGuard> {
    let path = path
        .map(Path::to_path_buf)
        .unwrap_or_else(crate::config::default_log_path);
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("YETITOP_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
