//! Criterion benches per engine stage, in bytes of input per second:
//! `cargo bench --bench stages` (or `make bench-rust`).
//!
//! The corpus (see `support/corpus.rs`) is about 1 MB of articles (`DECHAFF_BENCH_BYTES` to change it).
//! The stage benches feed each stage the output of the stages before it, prepared outside the
//! timed loop; `clean`, `clean_batch` and `page` run the whole engine.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

use dechaff::decide::{decide_round, DecideOptions, View};
use dechaff::scan::{self, Hit, ScanBuffers, Scanner};
use dechaff::{segment, Engine, EngineOptions, Mode};

#[path = "support/corpus.rs"]
mod corpus;

/// A document's lines as the decision stage sees them, and their hits.
fn scanned(scanner: &Scanner, text: &str, buf: &mut ScanBuffers) -> (Vec<View>, Vec<Hit>) {
    let mut doc = scan::Document::new(text);
    scan::scan_document(text, |at, words, first, hits| scanner.scan_line_at(&mut doc, at, words, first, buf, hits))
}

fn stages(c: &mut Criterion) {
    let target = std::env::var("DECHAFF_BENCH_BYTES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let (docs, source) = corpus::build(target);
    let bytes: usize = docs.iter().map(String::len).sum();
    eprintln!("corpus: {} documents, {bytes} bytes, from {source}", docs.len());

    let engine = Engine::builtin("en", &EngineOptions::default()).unwrap();
    let opts = EngineOptions::default();
    let scanner = Scanner::new(engine.rules()).unwrap();
    let normalized: Vec<String> = docs.iter().map(|d| engine.normalise(d)).collect();
    let lines: Vec<(&str, u32, bool)> = normalized
        .iter()
        .flat_map(|t| {
            segment::segment(t).into_iter().enumerate().map(move |(i, l)| {
                let line = &t[l.start..l.end];
                (line, segment::features(line).words, i == 0)
            })
        })
        .collect();
    let line_bytes: usize = lines.iter().map(|l| l.0.len()).sum();
    let mut buf = ScanBuffers::default();
    let scans: Vec<(Vec<View>, Vec<Hit>)> = normalized.iter().map(|t| scanned(&scanner, t, &mut buf)).collect();
    let decide_opts = DecideOptions::default();

    let mut g = c.benchmark_group("stages");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("normalise", |b| {
        b.iter(|| docs.iter().map(|d| dechaff::normalise(d, &opts.normalise).len()).sum::<usize>())
    });
    g.bench_function("segment+features", |b| {
        b.iter(|| {
            let mut words = 0u32;
            for t in &normalized {
                for l in segment::segment(t) {
                    words += segment::features(&t[l.start..l.end]).words;
                }
            }
            words
        })
    });
    g.throughput(Throughput::Bytes(line_bytes as u64));
    g.bench_function("scan (per line)", |b| {
        let mut hits = Vec::new();
        b.iter(|| {
            hits.clear();
            for &(line, words, first) in &lines {
                scanner.scan_line(line, words, first, &mut buf, &mut hits);
            }
            hits.len()
        })
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("decide (one round)", |b| {
        b.iter(|| {
            let mut removed = 0;
            for (t, (views, hits)) in normalized.iter().zip(&scans) {
                let (mut found, mut fates) = (Vec::new(), Vec::new());
                decide_round(t, views, hits, engine.rules(), &decide_opts, &mut found, &mut fates);
                removed += fates.iter().filter(|f| **f != dechaff::decide::Fate::Keep).count();
            }
            removed
        })
    });
    g.bench_function("clean (whole, per document)", |b| {
        b.iter(|| docs.iter().map(|d| engine.clean(d).text.len()).sum::<usize>())
    });
    for threads in [1, 2] {
        g.bench_function(format!("clean_batch ({threads} thread{})", if threads > 1 { "s" } else { "" }), |b| {
            b.iter_batched(
                || (),
                |()| black_box(engine.clean_batch(&docs, Mode::Article, threads)),
                BatchSize::PerIteration,
            )
        });
    }
    g.bench_function("page mode (clean_batch, 1 thread)", |b| {
        b.iter_batched(|| (), |()| black_box(engine.clean_batch(&docs, Mode::Page, 1)), BatchSize::PerIteration)
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
