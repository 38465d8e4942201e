//! The benchmark corpus, built at run time: the seed articles in `../shared/seeds/*.txt` when
//! that folder exists (their text never enters the repository), else the articles of
//! `examples/sample.jsonl`. Like `benchmarks/bench_speed.py`, the articles are repeated with small
//! variations (body paragraphs shuffled, numbers shifted, a numbered last line) so that no two
//! documents are the same.

use std::path::{Path, PathBuf};

/// The base articles and where they came from.
pub fn base_articles() -> (Vec<String>, String) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("DECHAFF_SHARED").map_or_else(|| repo.join("../shared"), PathBuf::from);
    let seeds = shared.join("seeds");
    if let Ok(dir) = std::fs::read_dir(&seeds) {
        let mut paths: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        paths.sort();
        let docs: Vec<String> = paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
        if !docs.is_empty() {
            return (docs, seeds.display().to_string());
        }
    }
    let sample = repo.join("examples/sample.jsonl");
    let text = std::fs::read_to_string(&sample).expect("examples/sample.jsonl");
    let docs = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["text"].as_str().expect("a text field").to_string()
        })
        .collect();
    (docs, sample.display().to_string())
}

/// Documents of about `target_bytes` bytes in all, varied deterministically.
pub fn build(target_bytes: usize) -> (Vec<String>, String) {
    let (base, source) = base_articles();
    let number = regex::Regex::new(r"\d+").unwrap();
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut docs, mut size) = (Vec::new(), 0);
    while size < target_bytes {
        let n = docs.len();
        let paras: Vec<&str> = base[n % base.len()].split("\n\n").collect();
        let cut = paras.len().saturating_sub(3).max(1).min(paras.len());
        let (mut body, tail) = (paras[..cut].to_vec(), &paras[cut..]);
        for i in (1..body.len()).rev() {
            body.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        body.extend_from_slice(tail);
        let text = body.join("\n\n");
        let shift = (n % 97) as u64;
        let text = number.replace_all(&text, |c: &regex::Captures<'_>| {
            c[0].parse::<u64>().map_or_else(|_| c[0].to_string(), |v| (v + shift).to_string())
        });
        let doc = format!("{text}\n\nStory {n}.");
        size += doc.len();
        docs.push(doc);
    }
    (docs, source)
}
