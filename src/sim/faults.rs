//! Fault injection: ways the simulated API misbehaves on purpose, so clients can be tested against them.
//!
//! A [`Fault`] is a [`FaultMode`] (what goes wrong), a [`FaultScope`] (which requests it hits) and an
//! optional count (`times`: it disarms after hitting that many requests). Faults come from
//! [`FaultConfig`] at start (CLI flags) and from the control endpoint / [`super::SimControl`] at run time.
//!
//! Text syntax (used by `FromStr`, the CLI flag `--fault` and the control endpoint's `mode` member):
//!
//! ```text
//! <mode>[:<arg>][,scope=<scope>][,times=<n>]
//! modes:  latency:<ms>   delay before the answer (stacks with the other modes)
//!         500            500 with a JSON:API "Internal Server Error" body
//!         502            502 with an HTML body (a proxy in front of yeti-web failing)
//!         malformed      200 with a body that is not valid JSON
//!         truncated      the real answer, cut in the middle (Content-Length promises more; the connection closes)
//!         slow:<ms>      headers at once, then the real body dribbled over <ms> milliseconds
//!         hang           never answers (until the client gives up or the simulator stops)
//!         huge:<bytes>   200 with a valid JSON document of at least <bytes> bytes
//!         revoke         revokes every issued token, so the request (and all later ones) get 401
//!         422[:<msg>]    DELETE of an existing call answers 422 with yeti's validation-error body
//!         strict-filters a list with a value filter (anything but node_id_eq) answers 500, like yeti probably does
//! scopes: all (default), list, show, delete, auth, related, records
//! ```
//! Examples: `500`, `latency:250`, `slow:3000,scope=list`, `422,times=1`, `huge:50000000,scope=list,times=2`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultMode {
    /// Sleep this many milliseconds before handling the request. Combines with every other mode.
    Latency(u64),
    /// 500 with `{"errors":[{"title":"Internal Server Error",...}]}`.
    ServerError,
    /// 502 with an HTML body.
    BadGateway,
    /// 200, `application/vnd.api+json`, a body that is not valid JSON.
    Malformed,
    /// The real answer, cut in the middle; the connection is closed before Content-Length bytes.
    Truncated,
    /// Headers at once, then the real body trickled over this many milliseconds.
    Slow(u64),
    /// Never answer.
    Hang,
    /// 200 with a valid JSON body of at least this many bytes.
    Huge(u64),
    /// Revoke every issued token; the request gets 401.
    Revoke,
    /// DELETE of an existing call gives 422 with this rpc error message.
    DeleteRejected(String),
    /// 500 on a list request that carries any value filter (every filter but `node_id_eq`).
    StrictFilters,
}

/// Default rpc error message of [`FaultMode::DeleteRejected`] (SEMS' answer when the session is gone).
pub const DEFAULT_DELETE_ERROR: &str = "Call not found";

impl fmt::Display for FaultMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultMode::Latency(ms) => write!(f, "latency:{ms}"),
            FaultMode::ServerError => f.write_str("500"),
            FaultMode::BadGateway => f.write_str("502"),
            FaultMode::Malformed => f.write_str("malformed"),
            FaultMode::Truncated => f.write_str("truncated"),
            FaultMode::Slow(ms) => write!(f, "slow:{ms}"),
            FaultMode::Hang => f.write_str("hang"),
            FaultMode::Huge(n) => write!(f, "huge:{n}"),
            FaultMode::Revoke => f.write_str("revoke"),
            FaultMode::DeleteRejected(m) => write!(f, "422:{m}"),
            FaultMode::StrictFilters => f.write_str("strict-filters"),
        }
    }
}

/// Error of the fault parsers (`FromStr`), with a human message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultParseError(pub String);

fn parse_num(mode: &str, arg: Option<&str>) -> Result<u64, FaultParseError> {
    let arg = arg.ok_or_else(|| {
        FaultParseError(format!("fault mode {mode:?} needs a number: {mode}:<n>"))
    })?;
    arg.trim()
        .parse::<u64>()
        .map_err(|_| FaultParseError(format!("fault mode {mode:?}: {arg:?} is not a number")))
}

impl FromStr for FaultMode {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a)),
            None => (s, None),
        };
        let name = name.to_ascii_lowercase();
        Ok(match name.as_str() {
            "latency" | "delay" => FaultMode::Latency(parse_num("latency", arg)?),
            "500" | "error" | "server-error" | "5xx" => FaultMode::ServerError,
            "502" | "bad-gateway" | "html" => FaultMode::BadGateway,
            "malformed" | "bad-json" => FaultMode::Malformed,
            "truncated" | "truncate" => FaultMode::Truncated,
            "slow" => FaultMode::Slow(parse_num("slow", arg)?),
            "hang" | "timeout" => FaultMode::Hang,
            "huge" => FaultMode::Huge(parse_num("huge", arg)?),
            "revoke" | "revoke-tokens" | "401" => FaultMode::Revoke,
            "422" | "delete-422" | "delete-rejected" => FaultMode::DeleteRejected(
                arg.map(str::trim)
                    .filter(|m| !m.is_empty())
                    .unwrap_or(DEFAULT_DELETE_ERROR)
                    .to_owned(),
            ),
            "strict-filters" | "strict" => FaultMode::StrictFilters,
            _ => {
                return Err(FaultParseError(format!(
                    "unknown fault mode {name:?} (expected latency:<ms>, 500, 502, malformed, truncated, slow:<ms>, \
                     hang, huge:<bytes>, revoke, 422[:<message>], strict-filters)"
                )));
            }
        })
    }
}

/// Which requests a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultScope {
    /// Every request under `/api` (the control endpoint is never affected).
    #[default]
    All,
    /// `GET /active-calls`.
    List,
    /// `GET /active-calls/{id}`.
    Show,
    /// `DELETE /active-calls/{id}`.
    Delete,
    /// `POST /auth`.
    Auth,
    /// `GET /active-calls/{id}/<rel>` and `/active-calls/{id}/relationships/<rel>`.
    Related,
    /// Every other record type (`/contractors`, `/accounts/5`, ...).
    Records,
}

impl FromStr for FaultScope {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "all" | "*" | "" => FaultScope::All,
            "list" | "index" => FaultScope::List,
            "show" => FaultScope::Show,
            "delete" | "destroy" => FaultScope::Delete,
            "auth" | "login" => FaultScope::Auth,
            "related" | "relationships" => FaultScope::Related,
            "records" | "record" => FaultScope::Records,
            other => {
                return Err(FaultParseError(format!(
                    "unknown fault scope {other:?} (expected all, list, show, delete, auth, related, records)"
                )));
            }
        })
    }
}

impl fmt::Display for FaultScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaultScope::All => "all",
            FaultScope::List => "list",
            FaultScope::Show => "show",
            FaultScope::Delete => "delete",
            FaultScope::Auth => "auth",
            FaultScope::Related => "related",
            FaultScope::Records => "records",
        })
    }
}

/// A fault: a mode, the requests it applies to, and optionally how many times before it disarms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub mode: FaultMode,
    pub scope: FaultScope,
    /// `None` = forever; `Some(n)` = the next `n` matching requests.
    pub times: Option<u32>,
}

impl Fault {
    /// A fault on every API request, forever.
    pub fn always(mode: FaultMode) -> Self {
        Fault {
            mode,
            scope: FaultScope::All,
            times: None,
        }
    }

    /// Restricts the fault to one kind of request.
    pub fn scope(mut self, scope: FaultScope) -> Self {
        self.scope = scope;
        self
    }

    /// Disarms the fault after `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.mode)?;
        if self.scope != FaultScope::All {
            write!(f, ",scope={}", self.scope)?;
        }
        if let Some(n) = self.times {
            write!(f, ",times={n}")?;
        }
        Ok(())
    }
}

impl FromStr for Fault {
    type Err = FaultParseError;

    /// `<mode>[:<arg>][,scope=<scope>][,times=<n>]`, see the module docs.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(',');
        let mode: FaultMode = parts.next().unwrap_or("").parse()?;
        let mut fault = Fault::always(mode);
        for part in parts {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                FaultParseError(format!("bad fault option {part:?} (expected key=value)"))
            })?;
            match key.trim() {
                "scope" => fault.scope = value.parse()?,
                "times" => {
                    fault.times = Some(
                        value
                            .trim()
                            .parse()
                            .map_err(|_| FaultParseError(format!("bad fault count {value:?}")))?,
                    )
                }
                other => return Err(FaultParseError(format!("unknown fault option {other:?}"))),
            }
        }
        Ok(fault)
    }
}

/// JSON form of a fault for the control endpoint: `{"mode":"slow:2000","scope":"list","times":3}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultSpec {
    pub mode: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub times: Option<u32>,
}

impl TryFrom<FaultSpec> for Fault {
    type Error = FaultParseError;

    fn try_from(spec: FaultSpec) -> Result<Self, Self::Error> {
        // The mode string may itself carry ",scope=...,times=..."; explicit members win.
        let mut fault: Fault = spec.mode.parse()?;
        if let Some(scope) = spec.scope {
            fault.scope = scope.parse()?;
        }
        if spec.times.is_some() {
            fault.times = spec.times;
        }
        Ok(fault)
    }
}

impl From<&Fault> for FaultSpec {
    fn from(f: &Fault) -> Self {
        FaultSpec {
            mode: f.mode.to_string(),
            scope: Some(f.scope.to_string()),
            times: f.times,
        }
    }
}

/// Faults armed when the simulator starts (from CLI flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultConfig {
    /// `--fault <spec>` (repeatable).
    pub faults: Vec<Fault>,
    /// `--latency-ms <n>`: added latency on every API request.
    pub latency_ms: Option<u64>,
}

impl FaultConfig {
    /// Every configured fault, the latency flag included.
    pub fn all(&self) -> Vec<Fault> {
        let mut out = Vec::with_capacity(self.faults.len() + 1);
        if let Some(ms) = self.latency_ms.filter(|ms| *ms > 0) {
            out.push(Fault::always(FaultMode::Latency(ms)));
        }
        out.extend(self.faults.iter().cloned());
        out
    }
}

/// The kind of request being served, for scope matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    Auth,
    List,
    Show,
    Delete,
    Related,
    Records,
}

impl FaultScope {
    fn matches(self, kind: RequestKind) -> bool {
        match self {
            FaultScope::All => true,
            FaultScope::List => kind == RequestKind::List,
            FaultScope::Show => kind == RequestKind::Show,
            FaultScope::Delete => kind == RequestKind::Delete,
            FaultScope::Auth => kind == RequestKind::Auth,
            FaultScope::Related => kind == RequestKind::Related,
            FaultScope::Records => kind == RequestKind::Records,
        }
    }
}

/// The armed faults (behind the simulator's mutex).
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    faults: Vec<Fault>,
}

impl FaultState {
    pub fn new(faults: Vec<Fault>) -> Self {
        FaultState { faults }
    }

    pub fn add(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.faults.clone()
    }

    /// Takes (consuming one use of) every armed fault that matches this request and `accept`; disarmed
    /// faults are removed.
    pub fn take(
        &mut self,
        kind: RequestKind,
        accept: impl Fn(&FaultMode) -> bool,
    ) -> Vec<FaultMode> {
        let mut hit = Vec::new();
        for fault in &mut self.faults {
            if fault.times == Some(0) || !fault.scope.matches(kind) || !accept(&fault.mode) {
                continue;
            }
            hit.push(fault.mode.clone());
            if let Some(n) = fault.times.as_mut() {
                *n -= 1;
            }
        }
        self.faults.retain(|f| f.times != Some(0));
        hit
    }
}

#[cfg(test)]
#[path = "faults_tests.rs"]
mod tests;
