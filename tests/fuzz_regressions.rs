//! Replays the fuzzers' committed findings, `fuzz/regressions/<target>/crash-*`, through the
//! same checks the fuzz targets assert (`fuzz/src/checks.rs`, included here, so neither
//! cargo-fuzz nor the `arbitrary` crate is needed). See docs/robustness.md.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return 0 };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("crash-")))
        .collect();
    files.sort();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| checks::run_target(target, &data));
        assert!(outcome.is_ok(), "{} fails the {target} checks again", path.display());
    }
    files.len()
}

#[test]
fn normalise_regressions() {
    replay("normalise");
}

#[test]
fn clean_article_regressions() {
    replay("clean_article");
}

#[test]
fn clean_page_regressions() {
    replay("clean_page");
}

#[test]
fn rules_regressions() {
    replay("rules");
}

#[test]
fn records_regressions() {
    replay("records");
}

/// The fast-path checks on blocks of JSON lines: plain records, escapes, nesting, numbers, blank
/// lines, lines it hands back (malformed, a lone surrogate, a repeated key, no text), a last line
/// without its newline.
#[test]
fn records_checks_hold_on_json_samples() {
    let lines = [
        r#"{"id": 1, "text": "A long enough first paragraph of the story, with words.\n\nShare this article"}"#,
        r#"{"text": "Quotes \" and \\ backslashes \t tabs \u00e9 \ud83d\ude00 and \u0001", "n": [1, 2.5, -0, 1e5, true, null]}"#,
        r#"  {"meta": {"a": {"b": []}}, "text": "date 2023-04-02 Body text here.\n\nTweet"}  "#,
        "",
        "   	",
        r#"{"text": "lone \ud800 surrogate"}"#,
        r#"{"text": "a", "text": "b"}"#,
        r#"{"title": "no text"}"#,
        r#"{"text": 5}"#,
        "not json at all",
        r#"{"text": "东京的会议。\n"}"#,
        r#"{"text": "last line without a newline"}"#,
    ];
    let block = lines.join("\n");
    for opts in [[0u8; 6], [1, 1, 1, 1, 1, 0]] {
        let mut data = opts.to_vec();
        data.extend_from_slice(block.as_bytes());
        checks::run_target("records", &data);
        data.push(b'\n');
        checks::run_target("records", &data);
    }
    // Five of the lines are records the fast path writes; the rest are blank or handed back.
    let engine = checks::builtin_engine(&checks::Options::from_bytes([0; 6]));
    assert_eq!(checks::check_records(&engine, block.as_bytes()), 5);
}

/// The checks themselves hold on a few hand-picked hostile inputs (and so the replay is never
/// vacuous, even before any regression is committed).
#[test]
fn checks_hold_on_hostile_samples() {
    let samples: [&str; 8] = [
        "",
        "\u{0301}\u{0301}x\u{0301}",
        "a\r\nb\rc\u{2028}d\u{0B}\u{0C}\u{85}e\n\n\n\nf",
        "\u{202E}Share this article\u{202C}\n\n\u{FEFF}Read more\u{00AD}",
        "Text\u{0}with\u{0}NULs.\n\tTabs\t and  spaces \u{3000}",
        "• Share this article\n* Related stories\n- Follow us on Twitter",
        "A long enough first paragraph of the story, with words and more words to pass.\n\nRelated stories\nOne\nTwo",
        "東京の会議は月曜日に予算を承認した。\n\nシェアする",
    ];
    for text in samples {
        for opts in [[0u8; 6], [1, 1, 1, 1, 1, 0]] {
            let mut data = opts.to_vec();
            data.extend_from_slice(text.as_bytes());
            for target in checks::TARGETS {
                checks::run_target(target, &data);
            }
        }
    }
}
