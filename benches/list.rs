//! The list at 100k calls: sort by each column, a filter keystroke, applying a poll, and one frame of the
//! list view and of the call view on a 200x50 `TestBackend`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use yetitop::app::list::CallList;
use yetitop::app::rows::{Column, Lookup};
use yetitop::model::{RecordCache, build_calls};

const CALLS: usize = 100_000;

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    g
}

fn list_ops(c: &mut Criterion) {
    let w = common::world(CALLS);
    let t = common::now();
    let mut batch = build_calls(w.list_document(t, &common::sparse_query()));
    // The runtime's model builder sorts the calls by id off the UI thread.
    CallList::prepare(&mut batch.calls);
    let mut names = RecordCache::new();
    for r in batch.records {
        names.insert(r, t);
    }
    let records = RecordCache::new();
    let lk = Lookup {
        names: &names,
        records: &records,
        server_now: t + chrono::TimeDelta::seconds(2),
    };
    let mut list = CallList::new(0, None);
    list.set_calls(batch.calls.clone(), t, &lk);

    let mut g = group(c, "sort/100k");
    for col in Column::ALL {
        g.bench_function(format!("{col:?}"), |b| {
            b.iter(|| {
                list.sort = col;
                list.resort(&lk);
                black_box(list.index.first().copied())
            })
        });
    }
    g.finish();
    list.sort = Column::Duration;
    list.resort(&lk);

    let mut g = group(c, "filter/100k");
    // The first keystroke after data arrived builds the search text of every call.
    g.bench_function("first keystroke", |b| {
        b.iter_batched(
            || {
                let mut l = list.clone();
                l.set_filter(String::new(), &lk);
                l.rebuild(&lk);
                l
            },
            |mut l| {
                l.set_filter("4".into(), &lk);
                black_box(l.index.len());
                l
            },
            BatchSize::PerIteration,
        )
    });
    list.set_filter("4".into(), &lk);
    for (name, from, to) in [
        ("next keystroke (typing)", "4", "45"),
        ("next keystroke (backspace)", "45", "4"),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let mut l = list.clone();
                    l.set_filter(from.into(), &lk);
                    l
                },
                |mut l| {
                    l.set_filter(to.into(), &lk);
                    black_box(l.index.len());
                    l
                },
                BatchSize::PerIteration,
            )
        });
    }
    list.set_filter(String::new(), &lk);
    g.finish();

    let mut g = group(c, "poll/100k");
    g.bench_function("apply poll (set_calls)", |b| {
        b.iter_batched(
            || batch.calls.clone(),
            |calls| {
                list.set_calls(calls, t + chrono::TimeDelta::seconds(5), &lk);
                black_box(list.index.len())
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn frames(c: &mut Criterion) {
    let w = common::world(CALLS);
    let t = common::now();
    let mut app = common::loaded_app(&w, (200, 50));
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap_or_else(|e| panic!("{e}"));
    let mut g = group(c, "frame/100k");
    g.bench_function("list view 200x50", |b| {
        b.iter(|| {
            term.draw(|f| yetitop::ui::render(&app, f))
                .map(|_| ())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    let cmds = app.update(common::key(KeyCode::Down));
    common::answer(&mut app, &w, cmds, t);
    let cmds = app.update(common::key(KeyCode::Enter));
    common::answer(&mut app, &w, cmds, t);
    g.bench_function("call view 200x50", |b| {
        b.iter(|| {
            term.draw(|f| yetitop::ui::render(&app, f))
                .map(|_| ())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    let cmds = app.update(common::key(KeyCode::Esc));
    common::answer(&mut app, &w, cmds, t);
    g.bench_function("key Down + list frame", |b| {
        b.iter(|| {
            black_box(app.update(common::key(KeyCode::Down)));
            term.draw(|f| yetitop::ui::render(&app, f))
                .map(|_| ())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.finish();
}

criterion_group!(benches, list_ops, frames);
criterion_main!(benches);
