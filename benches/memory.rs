//! Memory per call at 100k calls: a counting allocator measures the heap the app keeps once a 100k-call
//! poll is loaded (document dropped), and the peak while decoding and building it. Prints figures; no
//! criterion here (`cargo bench --bench memory`).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use yetitop::api::client::decode_call_list;
use yetitop::app::{App, Event, ListSnapshot};
use yetitop::model::build_calls;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Ordering::Relaxed) + (new - l.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(n: usize) -> f64 {
    n as f64 / 1e6
}

fn main() {
    // `cargo test --benches` passes no --bench flag: do nothing there.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    const CALLS: usize = 100_000;
    let t = common::now();
    let (bytes, full_len) = {
        let w = common::world(CALLS);
        (
            w.list_json(t, &common::sparse_query()),
            w.list_json(t, &common::full_query()).len(),
        )
    };
    let live0 = LIVE.load(Ordering::Relaxed);
    let mut app = App::new(common::config(), t);
    let _ = app.start();
    let _ = app.update(Event::Resize(200, 50));
    let live1 = LIVE.load(Ordering::Relaxed);
    PEAK.store(live1, Ordering::Relaxed);
    let doc = decode_call_list(&bytes, "list").unwrap_or_default();
    let batch = build_calls(doc);
    let _ = app.update(Event::ListLoaded(Box::new(Ok(ListSnapshot {
        batch,
        bytes: bytes.len(),
        latency: Duration::from_millis(100),
        server_date: Some(t),
        received_at: t,
    }))));
    let peak = PEAK.load(Ordering::Relaxed) - live1;
    let body = bytes.len();
    drop(bytes);
    // What the app holds is what dropping it frees.
    let live2 = LIVE.load(Ordering::Relaxed);
    drop(app);
    let kept = live2.saturating_sub(LIVE.load(Ordering::Relaxed));
    println!(
        "memory/100k: sparse poll body {:.1} MB, full document {:.1} MB",
        mb(body),
        mb(full_len)
    );
    println!(
        "memory/100k: heap kept by the app {:.1} MB = {} B/call (empty app: {:.3} MB)",
        mb(kept),
        kept / CALLS,
        mb(live1.saturating_sub(live0))
    );
    println!(
        "memory/100k: heap peak while decoding + building + applying, above the body: {:.1} MB ({} B/call)",
        mb(peak),
        peak / CALLS
    );
}
