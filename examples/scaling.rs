//! A fixed engine workload for measuring how far this machine scales from one core to two
//! (`benchmarks/bench_scaling.py` runs it alone, on two rayon threads, and as two processes side
//! by side):
//!
//! ```text
//! cargo build --release --example scaling
//! target/release/examples/scaling [threads=1] [seconds=3] [megabytes=20]
//! ```
//!
//! Builds the benchmark corpus (`benches/support/corpus.rs`), warms up, then cleans it in article
//! mode with `clean_batch` on `threads` threads for about `seconds` and prints the MB/s.

use dechaff::{Engine, EngineOptions, Mode};

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<f64>().expect("numeric arguments"));
    let threads = args.next().unwrap_or(1.0) as usize;
    let seconds = args.next().unwrap_or(3.0);
    let megabytes = args.next().unwrap_or(20.0);
    let (docs, _) = corpus::build((megabytes * 1e6) as usize);
    let engine = Engine::builtin("en", &EngineOptions::default()).expect("built-in rules");
    let bytes: usize = docs.iter().map(String::len).sum();
    engine.clean_batch(&docs[..docs.len().min(10)], Mode::Article, threads);
    let start = std::time::Instant::now();
    let mut cleaned = 0usize;
    while cleaned == 0 || start.elapsed().as_secs_f64() < seconds {
        let out = engine.clean_batch(&docs, Mode::Article, threads);
        assert!(out.iter().all(Result::is_ok));
        cleaned += bytes;
    }
    println!("{:.2}", cleaned as f64 / 1e6 / start.elapsed().as_secs_f64());
}
