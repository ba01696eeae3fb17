//! The built-in simulator of the yeti-web admin JSON:API (`yetitop sim`).
//!
//! It serves a seeded, self-consistent switch (nodes and pops, contractors, accounts, customers-auths,
//! rateplans, destinations, routing groups and plans, dialpeers, gateways, countries, networks) and its live
//! calls, with yeti's quirks (contract `yeti-admin-api.md`): bare/`Bearer`/`?token=` tokens and empty-body
//! 401s, 406 on `Accept: application/json`, no pagination and `meta.total-count` 0 on the active-calls
//! index, the 21 filters, `include` with nested paths, sparse fieldsets that drop `leg-*` attributes, ids
//! with a literal `*`, 404/500/400 on show, 204/422 on DELETE, related and relationship links, and paged
//! record lists.
//!
//! It shares only [`crate::api::types`] with the rest of the crate.
//!
//! # Use
//!
//! * CLI: [`run_cli`] binds, prints `listening on http://HOST:PORT`, then `user: <u>` and
//!   `password: <p>`, and serves until Ctrl-C / SIGTERM.
//! * Tests: [`start`] returns a [`SimHandle`] at once; [`SimHandle::control`] gives a [`SimControl`] to end
//!   or add calls, arm faults, revoke tokens.
//! * Snapshot tests without HTTP: [`world::World::generate`] is a pure function of
//!   `(seed, calls, nodes, now)`; see [`world`].
//!
//! # Control endpoint
//!
//! Outside `/api`, never behind auth nor faults; bodies and answers are `application/json`:
//!
//! | request | effect | answer |
//! |---|---|---|
//! | `GET /_sim/state` | | `{"calls":N,"ringing":N,"churn":bool,"nodes":[ids],"tokens":N,"faults":[...]}` |
//! | `GET /_sim/calls` | | `{"ids":[...]}` in list order |
//! | `POST /_sim/calls` body `{"answered":bool}` (optional, default true) | adds a call | 201 `{"id":"..."}` |
//! | `POST /_sim/calls/{id}/end` or `DELETE /_sim/calls/{id}` | ends it | 204, or 404 |
//! | `POST /_sim/fault` body `{"mode":"500","scope":"list","times":2}` | arms a fault (see [`faults`]) | 201 `{"faults":[...]}`, 400 on a bad spec |
//! | `GET /_sim/fault` | | `{"faults":[{"mode","scope","times"}]}` |
//! | `DELETE /_sim/fault` | disarms all faults | 204 |
//! | `POST /_sim/revoke-tokens` | forgets every issued token | `{"revoked":N}` |
//! | `POST /_sim/token` | issues a token without credentials | 201 `{"jwt":"..."}` |
//! | `POST /_sim/churn` body `{"enabled":bool}` | churn on/off | `{"churn":bool}` |
//!
//! `{id}` may carry `*` literally or as `%2A`.

pub mod faults;
pub mod query;
pub mod world;

mod auth;
mod catalog;
mod render;
mod routes;
mod schema;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultConfig, FaultMode, FaultParseError, FaultScope};
pub use query::ListQuery;
pub use world::World;

use auth::TokenStore;
use faults::FaultState;

/// Configuration of a simulator (the `yetitop sim` flags).
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// `--calls`: number of live calls to generate and to keep around with churn.
    pub calls: usize,
    /// `--nodes`: number of SEMS nodes (one pop each), 1..=64.
    pub nodes: usize,
    /// `--seed`: RNG seed of the generated world.
    pub seed: u64,
    /// `!--no-churn`: calls arrive, get answered and end with time. Off: the set is frozen (durations still
    /// grow).
    pub churn: bool,
    /// `--user`.
    pub user: String,
    /// `--password`.
    pub password: String,
    /// `--token-lifetime SECS`: JWT `exp` = issue time + this; `None` = tokens without `exp`.
    pub token_lifetime: Option<u64>,
    /// Faults armed at start (`--fault`, `--latency-ms`).
    pub faults: FaultConfig,
    /// Churn speed-up: every hidden delay (hold times, ringing, arrivals) is divided by this. 1.0 = real
    /// time; tests use e.g. 50 to see calls come and go in a second. Non-positive values count as 1.0.
    pub churn_speed: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            calls: 300,
            nodes: 3,
            seed: 1,
            churn: true,
            user: "admin".into(),
            password: "admin".into(),
            token_lifetime: Some(600),
            faults: FaultConfig::default(),
            churn_speed: 1.0,
        }
    }
}

/// State shared by the server and [`SimControl`].
pub(crate) struct Shared {
    pub world: Mutex<World>,
    pub tokens: Mutex<TokenStore>,
    pub faults: Mutex<FaultState>,
    pub cfg: SimConfig,
    /// `http://127.0.0.1:PORT`, for links when a request has no Host header.
    pub url: String,
    pub shutdown: watch::Receiver<bool>,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cheap, cloneable handle on a running simulator's world, tokens and faults (for in-process tests).
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimControl")
            .field("url", &self.shared.url)
            .finish()
    }
}

impl SimControl {
    fn world(&self) -> MutexGuard<'_, World> {
        let mut w = lock(&self.shared.world);
        w.advance(Utc::now());
        w
    }

    /// Ids of the live calls, in list order.
    pub fn call_ids(&self) -> Vec<String> {
        self.world().call_ids()
    }

    /// Number of live calls.
    pub fn call_count(&self) -> usize {
        self.world().call_count()
    }

    /// Number of live calls still ringing.
    pub fn ringing_count(&self) -> usize {
        self.world().ringing_count()
    }

    /// Node ids of the switch.
    pub fn node_ids(&self) -> Vec<u32> {
        self.world().node_ids()
    }

    /// Ends a call; `false` if there is no such call.
    pub fn end_call(&self, id: &str) -> bool {
        self.world().end_call(id)
    }

    /// Adds a call (answered a couple of seconds ago, or ringing) and returns its id.
    pub fn add_call(&self, answered: bool) -> String {
        self.world().add_call(Utc::now(), answered)
    }

    /// Turns churn on or off.
    pub fn set_churn(&self, on: bool) {
        self.world().set_churn(on, Utc::now());
    }

    /// Arms a fault (in addition to those already armed).
    pub fn set_fault(&self, fault: Fault) {
        lock(&self.shared.faults).add(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The armed faults (with their remaining counts).
    pub fn faults(&self) -> Vec<Fault> {
        lock(&self.shared.faults).list()
    }

    /// Revokes every issued token; returns how many there were.
    pub fn revoke_tokens(&self) -> usize {
        lock(&self.shared.tokens).revoke_all()
    }

    /// Issues a valid token without going through `POST /auth`.
    pub fn issue_token(&self) -> String {
        lock(&self.shared.tokens).issue(Utc::now().timestamp())
    }

    /// Runs `f` on the world (brought up to date first). Keep it short: requests wait for the lock.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.world())
    }
}

/// A running simulator. Dropping it (or [`SimHandle::shutdown`]) stops the server.
pub struct SimHandle {
    /// The bound address (the real port when started on port 0).
    pub addr: SocketAddr,
    /// `http://HOST:PORT`.
    pub url: String,
    control: SimControl,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("url", &self.url).finish()
    }
}

impl SimHandle {
    /// A handle on the live world, tokens and faults.
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    /// Stops accepting connections, ends hanging/slow answers, and waits (up to 5 s) for the server to
    /// finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            match tokio::runtime::Handle::try_current() {
                // Give graceful shutdown a moment in the background, then make sure the accept loop is gone.
                Ok(rt) => {
                    rt.spawn(async move {
                        let abort = task.abort_handle();
                        if tokio::time::timeout(Duration::from_secs(5), task)
                            .await
                            .is_err()
                        {
                            abort.abort();
                        }
                    });
                }
                Err(_) => task.abort(),
            }
        }
    }
}

/// Binds `listen`, generates the world and spawns the server; returns at once. Must run inside a Tokio
/// runtime.
pub async fn start(listen: SocketAddr, cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    // Generating 100k calls takes a moment: keep it off the async workers.
    let world = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || World::generate(&cfg, Utc::now()))
            .await
            .map_err(std::io::Error::other)?
    };
    let (stop, shutdown) = watch::channel(false);
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        tokens: Mutex::new(TokenStore::new(cfg.seed, cfg.token_lifetime)),
        faults: Mutex::new(FaultState::new(cfg.faults.all())),
        cfg,
        url: url.clone(),
        shutdown: shutdown.clone(),
    });
    let app = axum::Router::new()
        .fallback(routes::handle)
        .with_state(shared.clone());
    let mut signal = shutdown;
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = signal.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!("simulator server error: {e}");
        }
    });
    tracing::info!(%url, "simulator listening");
    Ok(SimHandle {
        addr,
        url,
        control: SimControl { shared },
        stop,
        task: Some(task),
    })
}

/// `yetitop sim`: binds, prints `listening on http://HOST:PORT`, `user: <u>`, `password: <p>` (flushed) and
/// serves until Ctrl-C or SIGTERM.
pub async fn run_cli(opts: SimConfig, listen: SocketAddr) -> std::io::Result<()> {
    use std::io::Write;
    let (user, password) = (opts.user.clone(), opts.password.clone());
    let handle = start(listen, opts).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", handle.url)?;
        writeln!(out, "user: {user}")?;
        writeln!(out, "password: {password}")?;
        out.flush()?;
    }
    wait_for_signal().await;
    tracing::info!("simulator stopping");
    handle.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
