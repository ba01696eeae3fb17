//! The interactive runtime: terminal setup and restore, the one `tokio::select!` loop over terminal events,
//! a 1 s clock, signals and finished jobs, and the execution of the app's commands as tokio tasks.
//!
//! Polls are single-flight: at most one list poll and one call poll run at a time; a newer request waits
//! in a one-slot queue and replaces an older waiting one (latest wins).

use std::future::Future;
use std::io::{self, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use crossterm::event::{
    DisableFocusChange, DisableMouseCapture, EnableFocusChange, EnableMouseCapture,
    Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::api::{ApiError, Client, ListQuery};
use crate::app::event::{CallSnapshot, Command, Event, ListSnapshot};
use crate::app::{App, AppConfig};
use crate::model::{build_call, build_calls, build_record};

/// Where the runtime writes what is not on screen.
#[derive(Debug, Clone, Default)]
pub struct RuntimePaths {
    /// Audit log of terminate actions.
    pub audit_log: Option<PathBuf>,
}

type Term = Terminal<CrosstermBackend<io::Stdout>>;

/// Puts the terminal back the way it was: raw mode off, main screen, cursor shown, mouse released.
/// Safe to call more than once, and from a panic hook.
pub fn restore_terminal() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableFocusChange,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn setup_terminal() -> io::Result<Term> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableFocusChange, cursor::Hide) {
        restore_terminal();
        return Err(e);
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    full_clear(&mut terminal)?;
    Ok(terminal)
}

/// Clears the screen and forgets the last frame, so the next draw repaints everything. Unlike
/// `Terminal::clear`, it never asks the terminal for the cursor position (a query that a slow SSH link or a
/// terminal that does not answer turns into an error).
fn full_clear(terminal: &mut Term) -> io::Result<()> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Installs a panic hook that restores the terminal before the panic message is printed.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Restores the terminal when dropped, whatever way the loop ends.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// A single-flight job slot: one running, at most one waiting (the latest).
struct Slot<T> {
    running: bool,
    waiting: Option<T>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            running: false,
            waiting: None,
        }
    }
}

impl<T> Slot<T> {
    /// Returns the request to start now, or queues it (replacing an older waiting one).
    fn offer(&mut self, req: T) -> Option<T> {
        if self.running {
            self.waiting = Some(req);
            None
        } else {
            self.running = true;
            Some(req)
        }
    }

    /// The job finished: returns the waiting request to start next, if any.
    fn finish(&mut self) -> Option<T> {
        self.running = false;
        let next = self.waiting.take();
        if next.is_some() {
            self.running = true;
        }
        next
    }
}

/// Where a session's jobs send their answers: the one channel of the loop, tagged with the session.
#[derive(Clone)]
struct Outbox {
    tx: mpsc::Sender<(usize, Event)>,
    session: usize,
}

impl Outbox {
    async fn send(&self, ev: Event) -> Result<(), mpsc::error::SendError<(usize, Event)>> {
        self.tx.send((self.session, ev)).await
    }

    fn try_send(&self, ev: Event) -> Result<(), mpsc::error::TrySendError<(usize, Event)>> {
        self.tx.try_send((self.session, ev))
    }
}

struct Runner {
    client: Client,
    tx: Outbox,
    list: Slot<ListQuery>,
    call: Slot<(String, Vec<String>)>,
    paths: RuntimePaths,
}

impl Runner {
    fn start_list(&self, q: ListQuery) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let result = match client.list_calls(&q).await {
                Ok(f) => {
                    // Building the model of 100,000 calls takes a while: not on the async workers.
                    let built = tokio::task::spawn_blocking(move || {
                        let mut batch = build_calls(f.doc);
                        // Sorted by id here, the UI thread merges it with the list without sorting.
                        crate::app::list::CallList::prepare(&mut batch.calls);
                        ListSnapshot {
                            batch,
                            bytes: f.bytes,
                            latency: f.latency,
                            server_date: f.server_date,
                            received_at: f.received_at,
                        }
                    })
                    .await;
                    built.map_err(|e| ApiError::Decode(format!("model builder stopped: {e}")))
                }
                Err(e) => Err(e),
            };
            let _ = tx.send(Event::ListLoaded(Box::new(result))).await;
        });
    }

    fn start_call(&self, (id, include): (String, Vec<String>)) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let inc: Vec<&str> = include.iter().map(String::as_str).collect();
            let result = client.show_call(&id, &inc).await.map(|f| {
                let (call, records) = build_call(f.doc);
                CallSnapshot {
                    call,
                    records,
                    server_date: f.server_date,
                    received_at: f.received_at,
                }
            });
            let _ = tx
                .send(Event::CallLoaded {
                    id,
                    result: Box::new(result),
                })
                .await;
        });
    }

    fn run(&mut self, cmd: Command, terminal: &mut Term) -> bool {
        match cmd {
            Command::PollList(q) => {
                if let Some(q) = self.list.offer(q) {
                    self.start_list(q);
                }
            }
            Command::PollCall { id, include } => {
                if let Some(req) = self.call.offer((id, include)) {
                    self.start_call(req);
                }
            }
            Command::FetchRecord(key) => {
                let client = self.client.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = match client.record(&key.kind, &key.id, &[]).await {
                        Ok(f) => match f.doc.data {
                            Some(res) => Ok(build_record(res)),
                            None => Err(ApiError::NotFound(format!("{key} has no record"))),
                        },
                        Err(e) => Err(e),
                    };
                    let _ = tx
                        .send(Event::RecordLoaded {
                            key,
                            result: Box::new(result),
                        })
                        .await;
                });
            }
            Command::Terminate { id } => {
                let client = self.client.clone();
                let tx = self.tx.clone();
                let audit = self.paths.audit_log.clone();
                tokio::spawn(async move {
                    let result = match client.delete_call(&id).await {
                        Ok(()) => Ok(true),
                        Err(ApiError::NotFound(_)) => Ok(false),
                        Err(e) => Err(e),
                    };
                    if let Some(path) = audit {
                        let outcome = match &result {
                            Ok(true) => "terminated".to_owned(),
                            Ok(false) => "already ended".to_owned(),
                            Err(e) => format!("error: {e}"),
                        };
                        if let Err(e) = append_audit(&path, client.base_url(), &id, &outcome) {
                            tracing::warn!("audit log {}: {e}", path.display());
                        }
                    }
                    let _ = tx.send(Event::Terminated { id, result }).await;
                });
            }
            Command::Copy { what, text } => {
                let notice = copy_osc52(&text)
                    .map(|_| format!("copied {what}"))
                    .map_err(|e| format!("copy failed: {e}"));
                let _ = self.tx.try_send(Event::Notice(notice));
            }
            Command::Export {
                file_name,
                contents,
            } => {
                let notice = export_file(&file_name, &contents);
                let _ = self.tx.try_send(Event::Notice(notice));
            }
            Command::SetMouseCapture(on) => {
                let res = if on {
                    execute!(terminal.backend_mut(), EnableMouseCapture)
                } else {
                    execute!(terminal.backend_mut(), DisableMouseCapture)
                };
                if let Err(e) = res {
                    tracing::warn!("mouse capture: {e}");
                }
            }
            Command::Quit => return false,
            // Handled by the loop, which owns the sessions.
            Command::SwitchContext(_) => {}
        }
        true
    }

    /// Bookkeeping of finished jobs before the event reaches the app.
    fn on_event(&mut self, ev: &Event) {
        match ev {
            Event::ListLoaded(_) => {
                if let Some(q) = self.list.finish() {
                    self.start_list(q);
                }
            }
            Event::CallLoaded { .. } => {
                if let Some(req) = self.call.finish() {
                    self.start_call(req);
                }
            }
            _ => {}
        }
    }
}

/// Appends one line to the audit log: time, URL, call id, result.
pub fn append_audit(path: &std::path::Path, url: &str, id: &str, outcome: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let line = format!(
        "{}\t{}\tterminate\t{}\t{}\n",
        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        crate::sanitize::sanitize(url),
        crate::sanitize::sanitize(id),
        crate::sanitize::sanitize(outcome)
    );
    f.write_all(line.as_bytes())
}

/// Copies text to the clipboard with OSC 52, which works over SSH in most terminals.
fn copy_osc52(text: &str) -> io::Result<()> {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{payload}\x07")?;
    out.flush()
}

fn export_file(file_name: &str, contents: &str) -> Result<String, String> {
    // Only a plain file name, in the current directory.
    if file_name.is_empty()
        || file_name.contains('/')
        || file_name.contains('\\')
        || file_name.starts_with('.')
    {
        return Err(format!("export refused: bad file name {file_name:?}"));
    }
    let dir = std::env::current_dir().map_err(|e| format!("export failed: {e}"))?;
    let path = dir.join(file_name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("export failed: {}: {e}", path.display()))?;
    f.write_all(contents.as_bytes())
        .map_err(|e| format!("export failed: {}: {e}", path.display()))?;
    Ok(format!("exported to {}", path.display()))
}

fn translate(ev: TermEvent) -> Option<Event> {
    match ev {
        TermEvent::Key(k) if k.kind == KeyEventKind::Press => Some(Event::Key(k)),
        TermEvent::Mouse(m) => Some(Event::Mouse(m)),
        TermEvent::Resize(w, h) => Some(Event::Resize(w, h)),
        TermEvent::FocusGained => Some(Event::FocusGained),
        TermEvent::FocusLost => Some(Event::FocusLost),
        _ => None,
    }
}

/// Ctrl-Z: put the terminal back, stop the process, and set it up again on `fg`.
#[cfg(unix)]
fn suspend(terminal: &mut Term) -> io::Result<()> {
    restore_terminal();
    // SAFETY: raising a signal on our own process; SIGTSTP stops it until SIGCONT.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableFocusChange,
        cursor::Hide
    )?;
    full_clear(terminal)
}

/// Opens the session of another context: its client and settings, or a one-line reason why not. Given by
/// the caller (which knows the config file); `None` when there is nothing to switch to.
pub type Connector = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<(Client, AppConfig), String>> + Send>>
        + Send
        + Sync,
>;

/// One context's monitor: its own app state (filter, selection, views) and its own jobs.
struct Session {
    name: String,
    app: App,
    runner: Runner,
}

/// Runs the monitor until the user quits, a signal arrives, or the terminal goes away.
///
/// `connector` opens other contexts for the `C` picker; each context keeps its own session (filter,
/// selection, views), and only the shown one polls.
pub async fn run_tui(
    client: Client,
    cfg: AppConfig,
    paths: RuntimePaths,
    connector: Option<Connector>,
) -> io::Result<()> {
    install_panic_hook();
    let mut terminal = setup_terminal()?;
    let _guard = TerminalGuard;
    let (tx, mut rx) = mpsc::channel::<(usize, Event)>(256);
    let (switch_tx, mut switch_rx) =
        mpsc::channel::<(String, Result<(Client, AppConfig), String>)>(4);
    let new_session = |client: Client, cfg: AppConfig, session: usize| Session {
        name: cfg.context.clone(),
        app: App::new(cfg, Utc::now()),
        runner: Runner {
            client,
            tx: Outbox {
                tx: tx.clone(),
                session,
            },
            list: Slot::default(),
            call: Slot::default(),
            paths: paths.clone(),
        },
    };
    let mut sessions = vec![new_session(client, cfg, 0)];
    let mut active = 0usize;
    let mut connecting: Option<String> = None;
    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    #[cfg(unix)]
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;

    let mut running = true;
    let mut pending: Vec<(usize, Command)> = start_session(&mut sessions[0], &terminal);
    let mut redraw = true;
    if test_hooks::panic_at_start() {
        terminal.draw(|f| crate::ui::render(&sessions[active].app, f))?;
        panic!("test-only panic (YETITOP_TEST_PANIC)");
    }

    while running {
        // Run what the last event asked for; the loop owns context switches.
        for (sid, cmd) in pending.drain(..) {
            match cmd {
                Command::SwitchContext(name) => {
                    if let Some(i) = sessions.iter().position(|s| s.name == name) {
                        if i != active {
                            active = i;
                            let s = &mut sessions[active];
                            let mut cmds = s.app.update(Event::Tick(Utc::now()));
                            if let Ok(size) = terminal.size() {
                                cmds.extend(s.app.update(Event::Resize(size.width, size.height)));
                            }
                            for c in cmds {
                                running &= s.runner.run(c, &mut terminal);
                            }
                            redraw = true;
                        }
                    } else if let Some(connect) = &connector
                        && connecting.is_none()
                    {
                        connecting = Some(name.clone());
                        let fut = connect(name.clone());
                        let done = switch_tx.clone();
                        tokio::spawn(async move {
                            let _ = done.send((name, fut.await)).await;
                        });
                    }
                }
                cmd => {
                    if let Some(s) = sessions.get_mut(sid) {
                        running &= s.runner.run(cmd, &mut terminal);
                    }
                }
            }
        }
        if !running || sessions[active].app.should_quit() {
            break;
        }
        if sessions[active].app.take_dirty() || redraw {
            terminal.draw(|f| crate::ui::render(&sessions[active].app, f))?;
            redraw = false;
        }

        tokio::select! {
            maybe = events.next() => match maybe {
                Some(Ok(TermEvent::Key(k)))
                    if k.kind == KeyEventKind::Press
                        && k.code == KeyCode::Char('z')
                        && k.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    #[cfg(unix)]
                    suspend(&mut terminal)?;
                    full_clear(&mut terminal)?;
                    redraw = true;
                }
                Some(Ok(ev)) => {
                    if let TermEvent::Resize(..) = ev {
                        full_clear(&mut terminal)?;
                        redraw = true;
                    }
                    if let Some(ev) = translate(ev) {
                        let cmds = sessions[active].app.update(ev);
                        pending.extend(cmds.into_iter().map(|c| (active, c)));
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!("terminal input: {e}");
                    break;
                }
                None => break,
            },
            _ = clock.tick() => {
                // Only the shown context ticks, so only it polls.
                let cmds = sessions[active].app.update(Event::Tick(Utc::now()));
                pending.extend(cmds.into_iter().map(|c| (active, c)));
            }
            Some((sid, ev)) = rx.recv() => {
                if let Some(s) = sessions.get_mut(sid) {
                    s.runner.on_event(&ev);
                    let list = matches!(ev, Event::ListLoaded(_));
                    let cmds = s.app.update(ev);
                    pending.extend(cmds.into_iter().map(|c| (sid, c)));
                    if list {
                        release_freed_memory();
                    }
                }
            }
            Some((name, result)) = switch_rx.recv() => {
                connecting = None;
                match result {
                    Ok((client, cfg)) => {
                        let sid = sessions.len();
                        sessions.push(new_session(client, cfg, sid));
                        active = sid;
                        let cmds = start_session(&mut sessions[sid], &terminal);
                        pending.extend(cmds);
                        redraw = true;
                    }
                    Err(e) => {
                        tracing::warn!("context {name}: {e}");
                        let cmds = sessions[active]
                            .app
                            .update(Event::Notice(Err(format!("context {name}: {e}"))));
                        pending.extend(cmds.into_iter().map(|c| (active, c)));
                    }
                }
            }
            _ = sigterm.recv() => { tracing::info!("SIGTERM"); break }
            _ = sighup.recv() => { tracing::info!("SIGHUP"); break }
        }
    }
    drop(_guard);
    Ok(())
}

/// Hands the memory a big poll freed back to the system. glibc keeps freed pages of its heaps and arenas;
/// after a list of tens of thousands of calls was decoded and the previous one dropped, that is tens of
/// megabytes held for nothing by a program that runs for days. Runs off the async workers.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    tokio::task::spawn_blocking(|| {
        // SAFETY: malloc_trim has no preconditions; it only returns free pages to the system.
        unsafe {
            libc::malloc_trim(0);
        }
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

/// The first commands of a new session: its first poll, and the terminal size.
fn start_session(s: &mut Session, terminal: &Term) -> Vec<(usize, Command)> {
    let sid = s.runner.tx.session;
    let mut cmds = s.app.start();
    if let Ok(size) = terminal.size() {
        cmds.extend(s.app.update(Event::Resize(size.width, size.height)));
    }
    cmds.into_iter().map(|c| (sid, c)).collect()
}

/// Hooks that only tests use, to reach code paths a user cannot trigger on purpose.
mod test_hooks {
    /// `YETITOP_TEST_PANIC=1` panics right after the first frame, to test that the terminal is restored.
    pub fn panic_at_start() -> bool {
        std::env::var_os("YETITOP_TEST_PANIC").is_some_and(|v| v == "1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_is_single_flight_latest_wins() {
        let mut s = Slot::default();
        assert_eq!(s.offer(1), Some(1));
        assert_eq!(s.offer(2), None);
        assert_eq!(s.offer(3), None);
        assert_eq!(s.finish(), Some(3));
        assert_eq!(s.finish(), None);
        assert_eq!(s.offer(4), Some(4));
    }

    #[test]
    fn export_refuses_paths() {
        assert!(export_file("../x.json", "{}").is_err());
        assert!(export_file("/etc/passwd", "{}").is_err());
        assert!(export_file(".hidden", "{}").is_err());
    }

    #[test]
    fn audit_lines() {
        let dir = std::env::temp_dir().join(format!("yetitop-audit-{}", std::process::id()));
        let path = dir.join("audit.log");
        append_audit(&path, "http://127.0.0.1:1/", "2*A\x1b[2J", "terminated").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\thttp://127.0.0.1:1/\tterminate\t2*A␛[2J\tterminated\n"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
