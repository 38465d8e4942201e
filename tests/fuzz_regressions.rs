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
