//! A fixed workload for instruction counts (`valgrind --tool=callgrind`), where wall-clock
//! timings are too noisy to compare:
//!
//! ```text
//! cargo build --release --example profile_clean
//! valgrind --tool=callgrind --toggle-collect=profile_clean::work target/release/examples/profile_clean [article|page|normalise|none] [bytes] [rounds]
//! ```
//!
//! `rounds` (default 1) repeats the work, so that a sampling profiler (`perf record`) sees the
//! cleaning rather than the corpus being built.
//!
//! Builds the benchmark corpus (`benches/support/corpus.rs`, 300 kB by default), cleans every document
//! once (after a warm-up on the first ten) and prints the bytes cleaned. With `--toggle-collect=profile_clean::work` callgrind counts
//! the cleaning alone: divide by the bytes for the cost per input byte.

use dechaff::{Engine, EngineOptions, Mode};

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "article".to_string());
    let target = args.next().and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let (docs, source) = corpus::build(target);
    let engine = Engine::builtin("en", &EngineOptions::default()).unwrap();
    let bytes: usize = docs.iter().map(String::len).sum();
    // Warm up (regex caches are built per thread on first use: a one-time cost).
    run(&engine, &docs[..docs.len().min(10)], &what);
    let out = (0..rounds).map(|_| work(&engine, &docs, &what)).last().unwrap_or(0);
    println!("{what}: {} documents, {bytes} bytes in, {out} bytes out (from {source})", docs.len());
}

/// The measured work: `--toggle-collect=profile_clean::work` counts this function alone.
#[inline(never)]
fn work(engine: &Engine, docs: &[String], what: &str) -> usize {
    run(engine, docs, what)
}

#[inline(never)]
fn run(engine: &Engine, docs: &[String], what: &str) -> usize {
    match what {
        "article" => engine.clean_batch(docs, Mode::Article, 1).into_iter().map(|r| r.unwrap().text.len()).sum(),
        "page" => engine.clean_batch(docs, Mode::Page, 1).into_iter().map(|r| r.unwrap().text.len()).sum(),
        "normalise" => docs.iter().map(|d| engine.normalise(d).len()).sum(),
        "none" => 0,
        other => panic!("unknown workload {other:?}: article, page, normalise or none"),
    }
}
