//! A fixed workload for instruction counts (`valgrind --tool=callgrind`), where wall-clock
//! timings are too noisy to compare:
//!
//! ```text
//! cargo build --release --example profile_clean
//! valgrind --tool=callgrind --toggle-collect=profile_clean::work target/release/examples/profile_clean [article|page|normalise|convert|none] [bytes] [rounds]
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
        "convert" => docs.iter().map(|d| round_trip(d)).sum(),
        "none" => 0,
        other => panic!("unknown workload {other:?}: article, page, normalise, convert or none"),
    }
}

/// The binding's conversions alone: `text` in the form CPython stores it (UCS-2 for text with
/// curly quotes, UCS-4 when it has characters beyond the BMP) to UTF-8 and back, as a batch
/// reads its strings and writes its results. Making the stored form is counted too. Returns the
/// bytes of the UTF-8 form (the "bytes out" of the run).
fn round_trip(text: &str) -> usize {
    use dechaff::codeunits::{shape, to_utf8, write, CodeUnits, CodeUnitsMut};
    let wide = text.chars().any(|c| c > '\u{FFFF}');
    let (ucs2, ucs4): (Vec<u16>, Vec<u32>) = if wide {
        (Vec::new(), text.chars().map(u32::from).collect())
    } else {
        (text.encode_utf16().collect(), Vec::new())
    };
    let utf8 = to_utf8(if wide { CodeUnits::Ucs4(&ucs4) } else { CodeUnits::Ucs2(&ucs2) });
    let chars = shape(&utf8).chars;
    let (mut back2, mut back4) = (vec![0u16; if wide { 0 } else { chars }], vec![0u32; if wide { chars } else { 0 }]);
    write(&utf8, if wide { CodeUnitsMut::Ucs4(&mut back4) } else { CodeUnitsMut::Ucs2(&mut back2) });
    std::hint::black_box((&back2, &back4));
    utf8.len()
}
