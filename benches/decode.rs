//! Decode + model build of list documents (1k, 10k, 100k calls), the full documents yeti sends and
//! yetitop's own sparse + include polls, next to the parse floor (serde_json skimming the same bytes into
//! `IgnoredAny`). Also the simulator's cost of rendering a full list.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use serde::de::IgnoredAny;

use yetitop::api::client::{decode, decode_call_list};
use yetitop::api::types::CallListDocument;
use yetitop::model::build_calls;

fn decode_and_model(c: &mut Criterion) {
    for calls in [1_000usize, 10_000, 100_000] {
        let w = common::world(calls);
        let t = common::now();
        let mut g = c.benchmark_group(format!("decode/{calls}"));
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(if calls >= 100_000 { 8 } else { 2 }));
        for (shape, q) in [
            ("full", common::full_query()),
            ("sparse", common::sparse_query()),
        ] {
            let bytes = w.list_json(t, &q);
            eprintln!(
                "decode/{calls}/{shape}: {} bytes ({} B/call)",
                bytes.len(),
                bytes.len() / calls
            );
            g.throughput(Throughput::Bytes(bytes.len() as u64));
            g.bench_with_input(BenchmarkId::new("floor", shape), &bytes, |b, bytes| {
                b.iter(|| {
                    let v: IgnoredAny = serde_json::from_slice(bytes).unwrap_or(IgnoredAny);
                    black_box(v)
                })
            });
            if calls == 10_000 {
                // The generic path over the shared wire types (links allocated), for comparison.
                g.bench_with_input(
                    BenchmarkId::new("decode-generic", shape),
                    &bytes,
                    |b, bytes| b.iter(|| black_box(decode::<CallListDocument>(bytes, "list").ok())),
                );
            }
            g.bench_with_input(BenchmarkId::new("decode", shape), &bytes, |b, bytes| {
                b.iter(|| black_box(decode_call_list(bytes, "list").ok()))
            });
            g.bench_with_input(
                BenchmarkId::new("decode+model", shape),
                &bytes,
                |b, bytes| {
                    b.iter(|| {
                        let doc = decode_call_list(bytes, "list").unwrap_or_default();
                        black_box(build_calls(doc))
                    })
                },
            );
        }
        g.finish();
    }
}

fn sim_render(c: &mut Criterion) {
    let w = common::world(100_000);
    let t = common::now();
    let q = common::full_query();
    let mut g = c.benchmark_group("sim");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("render full list 100k", |b| {
        b.iter(|| black_box(w.list_json(t, &q).len()))
    });
    g.finish();
}

criterion_group!(benches, decode_and_model, sim_render);
criterion_main!(benches);
