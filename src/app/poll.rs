//! Poll scheduling: per-list poll status, backoff after failures, the list query, and the clock offset to
//! the server. Everything here is plain data and arithmetic: time only comes in as arguments.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::api::{CallFilter, ListQuery};
use crate::model::Call;

/// The longest wait between two list polls after failures.
pub const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// How often the open call is polled.
pub const CALL_POLL: Duration = Duration::from_secs(1);

/// A list poll that takes longer than `interval / SLOW_FACTOR` stretches the interval to `SLOW_FACTOR`
/// times its latency: the switch's health matters more than our freshness.
pub const SLOW_FACTOR: u32 = 4;

/// While nobody looks at the list (the terminal lost focus), it is polled this
/// many times less often.
pub const BACKGROUND_FACTOR: u32 = 4;

/// Relationships the list asks `include=` for (their names are shown in the columns and the header).
pub const LIST_INCLUDES: [&str; 8] = [
    "customer",
    "vendor",
    "customer-acc",
    "vendor-acc",
    "orig-gw",
    "term-gw",
    "dst-network",
    "node",
];

/// Attributes the list asks for (`fields[active-calls]=`): only what the list shows, searches or exports.
pub const LIST_ATTRIBUTES: [&str; 20] = [
    "start-time",
    "connect-time",
    "duration",
    "time-limit",
    "src-prefix-routing",
    "dst-prefix-routing",
    "destination-initial-rate",
    "destination-next-rate",
    "destination-initial-interval",
    "destination-next-interval",
    "destination-fee",
    "dialpeer-initial-rate",
    "dialpeer-next-rate",
    "dialpeer-initial-interval",
    "dialpeer-next-interval",
    "dialpeer-fee",
    "local-tag",
    "orig-call-id",
    "term-call-id",
    "destination-rate-policy-id",
];

/// The query of a list poll; `scope` adds an API filter on one relationship (and includes it).
pub fn list_query(scope: Option<(&str, CallFilter)>) -> ListQuery {
    let mut include: Vec<String> = LIST_INCLUDES.iter().map(|s| (*s).to_owned()).collect();
    let mut filters = Vec::new();
    if let Some((rel, filter)) = scope {
        if !include.iter().any(|i| i == rel) {
            include.push(rel.to_owned());
        }
        filters.push(filter);
    }
    let mut fields: Vec<String> = LIST_ATTRIBUTES.iter().map(|s| (*s).to_owned()).collect();
    fields.extend(include.iter().cloned());
    let f = |kind: &str, names: &[&str]| {
        (
            kind.to_owned(),
            names.iter().map(|s| (*s).to_owned()).collect(),
        )
    };
    ListQuery {
        filters,
        include,
        fields,
        type_fields: vec![
            f("contractors", &["name"]),
            f("accounts", &["name", "currency"]),
            f("gateways", &["name"]),
            f("networks", &["name"]),
            f("nodes", &["name"]),
        ],
    }
}

/// The wait before the next list poll after `failures` failures in a row (0: the normal interval):
/// `min(interval · 2^(failures-1), 60 s)`, minus a deterministic jitter of 0–10 % derived from the count.
pub fn backoff_delay(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let n = (failures - 1).min(20);
    let base = interval.saturating_mul(1u32 << n).min(BACKOFF_CAP);
    let hash = u64::from(failures).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let permille = (hash % 101) as u32;
    base.saturating_sub(base * permille / 1000)
}

/// Status of the polls of one list.
#[derive(Debug, Clone, Default)]
pub struct PollState {
    /// This machine's time when the last good poll arrived.
    pub last_ok: Option<DateTime<Utc>>,
    pub latency: Option<Duration>,
    pub bytes: usize,
    /// One-line cause of the last failure; cleared by the next good poll.
    pub error: Option<String>,
    /// Failures in a row.
    pub failures: u32,
    /// When the next poll is due (local time); `None`: now.
    pub next_at: Option<DateTime<Utc>>,
    /// The interval, stretched because the switch answered slowly; `None`: the normal interval.
    pub stretch: Option<Duration>,
    /// Polled at the background pace (nobody looks at the list).
    pub background: bool,
}

impl PollState {
    /// A good poll finished at `at`. A slow answer stretches the interval; each fast one halves the
    /// stretch, until the normal interval is back.
    pub fn ok(&mut self, at: DateTime<Utc>, latency: Duration, bytes: usize, interval: Duration) {
        self.last_ok = Some(at);
        self.latency = Some(latency);
        self.bytes = bytes;
        self.error = None;
        self.failures = 0;
        let want = latency
            .saturating_mul(SLOW_FACTOR)
            .max(self.stretch.unwrap_or_default() / 2);
        self.stretch = (want > interval).then(|| {
            let whole = want.as_secs() + u64::from(want.subsec_nanos() > 0);
            Duration::from_secs(whole).min(BACKOFF_CAP)
        });
        self.next_at = Some(at + delta(self.interval(interval)));
    }

    /// A poll failed at `at`.
    pub fn failed(&mut self, at: DateTime<Utc>, error: String, interval: Duration) {
        self.error = Some(error);
        self.failures = self.failures.saturating_add(1);
        let wait = backoff_delay(self.interval(interval), self.failures);
        self.next_at = Some(at + delta(wait));
    }

    /// The wait between two good polls for the configured `interval`: stretched when the switch is slow,
    /// longer in the background, never above [`BACKOFF_CAP`] (nor below `interval`).
    pub fn interval(&self, interval: Duration) -> Duration {
        let mut i = interval.max(self.stretch.unwrap_or_default());
        if self.background {
            i = i.max(interval.saturating_mul(BACKGROUND_FACTOR));
        }
        i.min(BACKOFF_CAP).max(interval)
    }

    /// Switches to or from the background pace; the next poll moves with it (sooner on the way back).
    pub fn set_background(&mut self, on: bool, interval: Duration) {
        if self.background == on {
            return;
        }
        self.background = on;
        if self.failures == 0
            && let Some(last) = self.last_ok
        {
            self.next_at = Some(last + delta(self.interval(interval)));
        }
    }

    /// `switch slow: list every 12 s` while the interval is stretched.
    pub fn slow_note(&self) -> Option<String> {
        self.stretch
            .map(|s| format!("switch slow: list every {} s", s.as_secs()))
    }

    /// Due at `now`? (A next time implausibly far ahead, after the local clock jumped back, counts as due.)
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        match self.next_at {
            None => true,
            Some(at) => now >= at || at - now > delta(BACKOFF_CAP) + TimeDelta::seconds(5),
        }
    }

    /// Whole seconds until the next poll (rounded up), 0 when due.
    pub fn retry_in(&self, now: DateTime<Utc>) -> i64 {
        self.next_at
            .map(|at| {
                let ms = (at - now).num_milliseconds().max(0);
                (ms + 999) / 1000
            })
            .unwrap_or(0)
    }
}

pub fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// The server's clock as estimated here. `server_now` never goes back, so durations counted from it never
/// decrease for the same call, even when a new estimate of the offset is smaller than the last.
#[derive(Debug, Clone)]
pub struct Clock {
    /// Server time minus local time.
    pub offset: TimeDelta,
    server_now: DateTime<Utc>,
}

impl Clock {
    pub fn new(local_now: DateTime<Utc>) -> Clock {
        Clock {
            offset: TimeDelta::zero(),
            server_now: local_now,
        }
    }

    pub fn server_now(&self) -> DateTime<Utc> {
        self.server_now
    }

    /// The local clock moved to `local_now`.
    pub fn tick(&mut self, local_now: DateTime<Utc>) {
        let est = local_now + self.offset;
        if est > self.server_now {
            self.server_now = est;
        }
    }

    /// A response arrived at `received_at` (local), with the server's `Date` header and some calls. The offset
    /// comes from the `Date` header when there is one, else from the latest `connect + duration` the server
    /// reported (both are lower bounds of the server's time when it answered).
    pub fn observe(
        &mut self,
        server_date: Option<DateTime<Utc>>,
        received_at: DateTime<Utc>,
        calls: &[Call],
    ) {
        let estimate = match server_date {
            Some(date) => Some(date - received_at),
            None => calls
                .iter()
                .filter_map(|c| {
                    let at = c.connect_time? + TimeDelta::try_seconds(c.duration?)?;
                    Some(at - received_at)
                })
                .max(),
        };
        if let Some(offset) = estimate {
            // Ignore absurd estimates (broken Date header, bogus durations).
            if offset.num_days().abs() < 3650 {
                self.offset = offset;
            }
        }
        self.tick(received_at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::app::{App, AppConfig, Command, Event, ListSnapshot};
    use crate::model::call::CallBatch;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
    }

    fn at(secs: i64) -> DateTime<Utc> {
        t0() + TimeDelta::seconds(secs)
    }

    fn loaded(t: DateTime<Utc>, latency_ms: u64) -> Event {
        Event::ListLoaded(Box::new(Ok(ListSnapshot {
            batch: CallBatch::default(),
            bytes: 100,
            latency: Duration::from_millis(latency_ms),
            server_date: Some(t),
            received_at: t,
        })))
    }

    fn list_polls(cmds: &[Command]) -> usize {
        cmds.iter()
            .filter(|c| matches!(c, Command::PollList(_)))
            .count()
    }

    /// An app (5 s interval) whose first poll answered at t0 after `latency_ms`.
    fn started(latency_ms: u64) -> App {
        let mut a = App::new(AppConfig::default(), t0());
        assert_eq!(list_polls(&a.start()), 1);
        assert_eq!(list_polls(&a.update(loaded(t0(), latency_ms))), 0);
        a
    }

    #[test]
    fn a_slow_switch_stretches_the_interval_and_it_comes_back() {
        let i = Duration::from_secs(5);
        let mut p = PollState::default();
        p.ok(t0(), Duration::from_millis(1000), 1, i);
        assert_eq!(p.stretch, None, "a quarter of the interval is fine");
        p.ok(t0(), Duration::from_millis(2900), 1, i);
        assert_eq!(p.stretch, Some(Duration::from_secs(12)));
        assert_eq!(
            p.slow_note().as_deref(),
            Some("switch slow: list every 12 s")
        );
        assert_eq!(p.next_at, Some(at(12)));
        p.ok(at(12), Duration::from_secs(100), 1, i);
        assert_eq!(p.stretch, Some(BACKOFF_CAP), "capped");
        // Recovery: each fast poll halves the stretch.
        let mut waits = Vec::new();
        for n in 0..5 {
            p.ok(at(100 + n), Duration::from_millis(50), 1, i);
            waits.push(p.interval(i).as_secs());
        }
        assert_eq!(waits, vec![30, 15, 8, 5, 5]);
        assert_eq!(p.slow_note(), None);
        // Failures back off from the stretched interval.
        p.ok(at(200), Duration::from_secs(4), 1, i);
        p.failed(at(216), "x".into(), i);
        assert!(p.next_at.is_some_and(|n| n > at(216 + 14)));
    }

    #[test]
    fn the_app_waits_longer_for_a_slow_switch() {
        let mut a = started(3000);
        assert_eq!(list_polls(&a.update(Event::Tick(at(6)))), 0);
        assert_eq!(
            a.list.poll.slow_note().as_deref(),
            Some("switch slow: list every 12 s")
        );
        assert_eq!(list_polls(&a.update(Event::Tick(at(12)))), 1);
        a.update(loaded(at(12), 100));
        assert_eq!(a.list.poll.interval(a.cfg.interval), Duration::from_secs(6));
        assert_eq!(list_polls(&a.update(Event::Tick(at(17)))), 0);
        assert_eq!(list_polls(&a.update(Event::Tick(at(18)))), 1);
        a.update(loaded(at(18), 100));
        assert_eq!(a.list.poll.slow_note(), None);
        assert_eq!(list_polls(&a.update(Event::Tick(at(23)))), 1);
    }

    #[test]
    fn unfocused_the_list_is_polled_slower_and_catches_up_on_focus() {
        let mut a = started(100);
        assert_eq!(list_polls(&a.update(Event::FocusLost)), 0);
        assert_eq!(list_polls(&a.update(Event::Tick(at(5)))), 0);
        assert_eq!(list_polls(&a.update(Event::Tick(at(19)))), 0);
        assert_eq!(list_polls(&a.update(Event::Tick(at(20)))), 1);
        a.update(loaded(at(20), 100));
        assert_eq!(list_polls(&a.update(Event::Tick(at(30)))), 0);
        // Focus back: the normal interval counts from the last poll, so this one is overdue.
        assert_eq!(list_polls(&a.update(Event::FocusGained)), 1);
        a.update(loaded(at(30), 100));
        assert_eq!(list_polls(&a.update(Event::Tick(at(35)))), 1);
    }

    #[test]
    fn one_list_request_in_flight_from_any_view() {
        let mut a = started(100);
        assert_eq!(list_polls(&a.update(Event::Tick(at(5)))), 1);
        let ctrl_r = Event::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('r'),
            crossterm::event::KeyModifiers::CONTROL,
        ));
        for ev in [
            ctrl_r.clone(),
            Event::Tick(at(11)),
            ctrl_r,
            Event::FocusLost,
        ] {
            assert_eq!(list_polls(&a.update(ev)), 0);
        }
        assert!(a.list_in_flight.is_some());
        // The queued refresh goes out once the poll in flight answered, not before.
        assert_eq!(list_polls(&a.update(loaded(at(12), 100))), 1);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let i = Duration::from_secs(5);
        assert_eq!(backoff_delay(i, 0), i);
        let mut last = Duration::ZERO;
        for n in 1..=4 {
            let d = backoff_delay(i, n);
            let nominal = i * (1 << (n - 1));
            assert!(d <= nominal && d >= nominal * 9 / 10, "{n}: {d:?}");
            assert!(d > last);
            last = d;
        }
        for n in 5..200 {
            let d = backoff_delay(i, n);
            assert!(d <= BACKOFF_CAP && d >= BACKOFF_CAP * 9 / 10, "{n}: {d:?}");
        }
        // Deterministic.
        assert_eq!(backoff_delay(i, 3), backoff_delay(i, 3));
    }

    #[test]
    fn the_list_query_is_sparse() {
        let q = list_query(None);
        let pairs = q.to_pairs();
        assert!(pairs.contains(&(
            "include".to_owned(),
            "customer,vendor,customer-acc,vendor-acc,orig-gw,term-gw,dst-network,node".to_owned()
        )));
        assert!(pairs.contains(&("fields[accounts]".to_owned(), "name,currency".to_owned())));
        assert!(q.fields.iter().any(|f| f == "orig-gw"));
        assert!(!q.fields.iter().any(|f| f == "leg-a-remote-ip"));
    }
}
