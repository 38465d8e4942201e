//! Runs every shared case in `tests/cases/*.toml` through the Rust engine (pytest runs the
//! same files through the Python API).

use std::collections::HashMap;
use std::path::Path;

use dechaff::{normalise, Engine, EngineOptions, NormaliseOptions};
use toml::Value;

fn strings(case: &Value, key: &str) -> Vec<String> {
    case.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn options_for(case: &Value) -> EngineOptions {
    let mut opts = EngineOptions::default();
    if let Some(o) = case.get("options").and_then(Value::as_table) {
        for (k, v) in o {
            match k.as_str() {
                "strict" => opts.strict = v.as_bool().unwrap(),
                "disable" => {
                    opts.disable = v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
                }
                "ascii_punctuation" => opts.normalise.ascii_punctuation = v.as_bool().unwrap(),
                "bullets" => opts.normalise.bullets = v.as_bool().unwrap(),
                other => panic!("unknown option {other} in a case"),
            }
        }
    }
    opts
}

#[test]
fn shared_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let plain = NormaliseOptions::default();
    let (mut total, mut failures) = (0, Vec::new());
    let mut engines: HashMap<String, Engine> = HashMap::new();
    for file in files.iter().filter(|p| p.extension().is_some_and(|e| e == "toml")) {
        let doc: Value = toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        // A file may name the language its cases are written in (default: English).
        let lang = doc.get("lang").and_then(Value::as_str).unwrap_or("en");
        // Every case runs with its language's rules and again with detection (`"auto"`).
        for (case, lang) in doc["case"].as_array().unwrap().iter().flat_map(|c| [(c, lang), (c, "auto")]) {
            total += 1;
            let name = format!("{}:{lang}", case["name"].as_str().unwrap());
            let opts = options_for(case);
            let engine = engines
                .entry(format!("{lang} {opts:?}"))
                .or_insert_with(|| Engine::builtin(lang, &opts).expect("built-in rules compile"));
            let out = engine.clean(case["input"].as_str().unwrap());
            let text = normalise(&out.text, &plain);
            let mut problems = Vec::new();
            for s in strings(case, "must_remove") {
                if text.contains(&normalise(&s, &plain)) {
                    problems.push(format!("not removed: {s:?}"));
                }
            }
            for s in strings(case, "must_keep") {
                if !text.contains(&normalise(&s, &plain)) {
                    problems.push(format!("lost: {s:?}"));
                }
            }
            let cats: Vec<&str> = out.removals.iter().map(|r| engine.describe(r.cause).1).collect();
            for c in strings(case, "categories") {
                if !cats.contains(&c.as_str()) {
                    problems.push(format!("no removal of category {c}"));
                }
            }
            if let Some(meta) = case.get("metadata").and_then(Value::as_table) {
                for (k, v) in meta {
                    if !out.metadata.iter().any(|(mk, mv)| mk == k && Some(mv.as_str()) == v.as_str()) {
                        problems.push(format!("metadata {k} missing"));
                    }
                }
            }
            if let Some(spans) = case.get("spans").and_then(Value::as_array) {
                for sp in spans {
                    let want = sp["text"].as_str().unwrap();
                    let cat = sp.get("category").and_then(Value::as_str);
                    let found = out.removals.iter().any(|r| {
                        &out.normalized[r.start..r.end] == want && cat.is_none_or(|c| engine.describe(r.cause).1 == c)
                    });
                    if !found {
                        problems.push(format!("span {want:?} not reported"));
                    }
                }
            }
            // The engine's own invariants, on every case.
            let again = engine.clean(&out.text);
            if again.text != out.text || !again.removals.is_empty() {
                problems.push("not idempotent".into());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{}:{name}: {}",
                    file.file_name().unwrap().to_string_lossy(),
                    problems.join("; ")
                ));
            }
        }
    }
    assert!(total >= 160, "only {total} case runs");
    assert!(failures.is_empty(), "{} of {total} cases fail:\n{}", failures.len(), failures.join("\n"));
}
