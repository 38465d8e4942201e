//! Page mode: find the article inside whole-page text (one line per block, as in Common Crawl
//! WET records). Every line gets a score from cheap features; the article is the best
//! contiguous run of lines (maximum-sum), and the article rules then clean that run.
//!
//! This first version scores a line by its length and final punctuation only, with a barrier
//! at lines that a rule matched (menus, "Related", "Comments", …).

use crate::segment::Features;

/// What page selection needs to know of one line.
#[derive(Debug, Clone, Copy)]
pub struct PageLine<'a> {
    pub text: &'a str,
    pub feat: Features,
    /// A rule matched the line (a marker of page chrome).
    pub marked: bool,
    pub blank_before: bool,
}

fn ends_in_ellipsis(s: &str) -> bool {
    s.ends_with('…') || s.ends_with("...")
}

/// Score of one line: long sentence-final lines are body, short or unpunctuated ones are not.
fn line_score(l: &PageLine<'_>) -> f64 {
    let w = f64::from(l.feat.words);
    let sentence = l.feat.terminal && !ends_in_ellipsis(l.text);
    let mut s = if sentence { w.min(40.0) / 10.0 } else { 0.0 };
    if l.feat.words < 10 || !sentence {
        s -= 1.0;
    }
    if l.marked && l.feat.words <= 8 {
        s -= 1.0;
    }
    s
}

/// Maximum-sum contiguous run of `scores` as a half-open range; `None` when no run is positive.
pub fn best_run(scores: &[f64]) -> Option<(usize, usize)> {
    let (mut best, mut best_range) = (0.0f64, None);
    let (mut sum, mut start) = (0.0f64, 0usize);
    for (i, &s) in scores.iter().enumerate() {
        if sum <= 0.0 {
            sum = 0.0;
            start = i;
        }
        sum += s;
        if sum > best {
            best = sum;
            best_range = Some((start, i + 1));
        }
    }
    best_range
}

/// Which lines belong to the article (true) in whole-page text.
pub fn select_lines(lines: &[PageLine<'_>]) -> Vec<bool> {
    let scores: Vec<f64> = lines.iter().map(line_score).collect();
    let mut keep = vec![false; lines.len()];
    if let Some((a, b)) = best_run(&scores) {
        keep[a..b].fill(true);
    }
    keep
}

/// Does this look like whole-page text (menus and teasers around an article) rather than an
/// already-extracted article? Decides `mode="auto"`.
pub fn looks_like_page(lines: &[PageLine<'_>]) -> bool {
    let n = lines.len();
    if n < 8 {
        return false;
    }
    let short = lines.iter().filter(|l| l.feat.words < 4).count() as f64 / n as f64;
    let marked = lines.iter().filter(|l| l.marked).count() as f64 / n as f64;
    let total: u64 = lines.iter().map(|l| u64::from(l.feat.words)).sum();
    let scores: Vec<f64> = lines.iter().map(line_score).collect();
    let inside: u64 = best_run(&scores).map_or(0, |(a, b)| lines[a..b].iter().map(|l| u64::from(l.feat.words)).sum());
    let outside = if total == 0 { 0.0 } else { 1.0 - inside as f64 / total as f64 };
    short + marked + outside > 0.75
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::features;

    fn page(lines: &[&'static str]) -> Vec<PageLine<'static>> {
        lines.iter().map(|t| PageLine { text: t, feat: features(t), marked: false, blank_before: false }).collect()
    }

    #[test]
    fn best_run_finds_the_dense_block() {
        assert_eq!(best_run(&[-1.0, 2.0, 3.0, -1.0, -5.0, 1.0]), Some((1, 3)));
        assert_eq!(best_run(&[-1.0, -2.0]), None);
        assert_eq!(best_run(&[]), None);
    }

    #[test]
    fn selects_the_article_among_chrome() {
        let body = "The council voted on Monday to approve the new budget after a long debate about roads and schools.";
        let lines = page(&["Home", "News", "Sport", "Weather", body, body, body, "Related", "Other story", "Footer"]);
        let keep = select_lines(&lines);
        assert_eq!(keep, vec![false, false, false, false, true, true, true, false, false, false]);
        assert!(looks_like_page(&lines));
        assert!(!looks_like_page(&page(&[body, body, body])));
    }
}
