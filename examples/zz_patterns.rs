use dechaff::rules::{wrap_pattern, Matcher};
use dechaff::{segment, Engine, EngineOptions};
#[path = "../benches/support/corpus.rs"]
mod corpus;
fn main() {
    let (docs, _) = corpus::build(300_000);
    let engine = Engine::builtin("en", &EngineOptions::default()).unwrap();
    let norm: Vec<String> = docs.iter().map(|d| engine.normalise(d)).collect();
    let mut lines = Vec::new();
    for t in &norm {
        for l in segment::segment(t) {
            let s = &t[l.start..l.end];
            lines.push((s, segment::features(s).words));
        }
    }
    for r in engine.rules() {
        if let Matcher::Pattern(p) = &r.matcher {
            let re = regex::RegexBuilder::new(&wrap_pattern(p, r.scope))
                .size_limit(2 << 20)
                .dfa_size_limit(16 << 20)
                .build()
                .unwrap();
            let cand: Vec<&str> = lines.iter().filter(|l| l.1 <= r.max_words).map(|l| l.0).collect();
            for l in &cand {
                re.find(l);
            }
            let t = std::time::Instant::now();
            let mut n = 0;
            for _ in 0..20 {
                for l in &cand {
                    if re.find(l).is_some() {
                        n += 1;
                    }
                }
            }
            let el = t.elapsed();
            println!(
                "{:45} {:?} cand={} hits={} ns/line={:.0}",
                r.id,
                r.scope,
                cand.len(),
                n / 20,
                el.as_nanos() as f64 / 20.0 / cand.len() as f64
            );
        }
    }
}
