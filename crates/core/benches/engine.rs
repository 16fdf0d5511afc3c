//! The engine's steps at 3, 100 and 1000 workers: sign (CA + every leaf), render, check, zip.
//! Keys are made once up front (ECDSA P-256), so the figures are the engine's own work.
//!   cargo bench -p worker-studio-core --bench engine

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use studio::check::{check, BundleFiles};
use studio::input::{SpecFile, WorkerInput};
use studio::pki::{Credentials, KeySet};
use studio::plan::Plan;
use studio::render::{build, RenderOptions};

const NOW: i64 = 1_764_000_000;

fn spec(workers: usize) -> studio::ClusterSpec {
    let mut file = SpecFile::default();
    file.keys.algorithm = "ecdsa-p256".into();
    file.workers = (1..=workers)
        .map(|n| WorkerInput { name: format!("worker{n}"), ip: format!("172.{}.{}.{}", 16 + (n >> 16), (n >> 8) & 255, n & 255) })
        .collect();
    file.validate(NOW).expect("valid spec")
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    for workers in [3usize, 100, 1000] {
        let spec = spec(workers);
        let keys = KeySet::generate(&studio::key_requests(&spec)).expect("keys");
        let plan = Plan::new(&spec);
        let options = RenderOptions { now: NOW, include_ca_key: false };
        let credentials = Credentials::issue(&plan, &keys, NOW).expect("credentials");
        let bundle = build(&plan, &credentials, options).expect("bundle");
        let files = BundleFiles::from_bundle(&bundle);
        let context = studio::check_context(&spec, NOW);
        group.bench_with_input(BenchmarkId::new("sign", workers), &workers, |b, _| {
            b.iter(|| Credentials::issue(black_box(&plan), &keys, NOW).expect("sign"))
        });
        group.bench_with_input(BenchmarkId::new("render", workers), &workers, |b, _| {
            b.iter(|| build(black_box(&plan), &credentials, options).expect("render"))
        });
        group.bench_with_input(BenchmarkId::new("check", workers), &workers, |b, _| b.iter(|| check(black_box(&files), &context)));
        group.bench_with_input(BenchmarkId::new("zip", workers), &workers, |b, _| b.iter(|| bundle.to_zip(NOW).expect("zip")));
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
