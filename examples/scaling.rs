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
//! mode on `threads` threads (`Engine::map_batch`) for about `seconds` and prints the MB/s. Each
//! result is dropped on the thread that made it, as the Python binding and the CLI do (they turn
//! it into a Python string or a JSON line there). Returning every result of the batch, as
//! `Engine::clean_batch` does, kept 20 MB of results alive until the caller freed them on one
//! thread: that cost one thread about 10 % and two threads about 20 %.

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
    let clean = |docs: &[String]| {
        engine
            .map_batch(docs.iter().collect(), threads, |d, worker| worker.clean(d, Mode::Article).map(|c| c.text.len()))
    };
    clean(&docs[..docs.len().min(10)]);
    let start = std::time::Instant::now();
    let mut cleaned = 0usize;
    while cleaned == 0 || start.elapsed().as_secs_f64() < seconds {
        let out = clean(&docs);
        assert!(out.iter().all(Result::is_ok));
        cleaned += bytes;
    }
    println!("{:.2}", cleaned as f64 / 1e6 / start.elapsed().as_secs_f64());
}
