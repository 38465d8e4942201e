//! Stage 4: decisions. Rule hits plus document structure become removals: dropped lines,
//! stripped prefixes (with metadata), caption groups, duplicates and tail cuts.
//!
//! Decisions look only at the *surviving* lines, and the engine repeats them on the
//! survivors until nothing more is removed. Cleaning the output again therefore sees exactly
//! the lines of the last round and removes nothing: cleaning is idempotent by construction.

use rustc_hash::FxHashSet as HashSet;

use crate::rules::{Action, Region, Rule, Scope};
use crate::scan::Hit;
use crate::segment::Features;

/// Why something was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// A rule, by index into the engine's rule list.
    Rule(u32),
    /// A line that repeats an earlier line.
    Duplicate,
    /// A line that repeats the start of an earlier line and ends in an ellipsis.
    TruncatedDuplicate,
    /// Page mode: a line outside the article's run of lines.
    OutsideBody,
}

/// A line as the decision stage sees it.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// Byte range of the (remaining) line text in the normalised text.
    pub start: usize,
    pub end: usize,
    /// A blank line separates this line from the previous surviving line.
    pub blank_before: bool,
    pub feat: Features,
    /// Range of this line's hits in the shared hit list.
    pub hit_lo: u32,
    pub hit_hi: u32,
}

impl View {
    fn has_hits(&self) -> bool {
        self.hit_hi > self.hit_lo
    }
}

/// The decision for one line in one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Keep,
    Drop(Cause),
    /// Remove the first `len` bytes of the line (then leading spaces).
    Strip {
        len: usize,
        cause: Cause,
    },
}

/// Tuning of the structural decisions (not per rule).
#[derive(Debug, Clone, Copy)]
pub struct DecideOptions {
    /// Remove truncated repeats ("… Read more" teasers of an earlier line).
    pub dedup: bool,
    /// Also remove exact repeats of an earlier line (strict mode: lists and recipes repeat lines).
    pub dedup_exact: bool,
    /// Lines shorter than this many words are never duplicates.
    pub dedup_min_words: u32,
    /// A caption title (the short line above a credit line) has at most this many words.
    pub caption_title_max_words: u32,
    /// The text was normalised with `bullets`: a prefix is not stripped when a bullet glyph
    /// would then start the line (normalising the output would turn it into `- `).
    pub bullets: bool,
}

impl Default for DecideOptions {
    fn default() -> Self {
        DecideOptions {
            dedup: true,
            dedup_exact: false,
            dedup_min_words: 6,
            caption_title_max_words: 20,
            bullets: false,
        }
    }
}

/// A metadata value found by a label rule: (field name, byte range in the normalised text).
pub type Found = (String, usize, usize);

/// One round of decisions over the surviving lines, into `fate` (one per view; emptied first,
/// so its allocation serves one round and document after another).
pub fn decide_round(
    text: &str,
    views: &[View],
    hits: &[Hit],
    rules: &[Rule],
    opts: &DecideOptions,
    metadata: &mut Vec<Found>,
    fate: &mut Vec<Fate>,
) {
    let n = views.len();
    fate.clear();
    fate.resize(n, Fate::Keep);
    let fate = fate.as_mut_slice();
    let line = |i: usize| &text[views[i].start..views[i].end];
    let first_body = views.iter().position(|v| v.feat.words >= 10 && v.feat.terminal && !v.has_hits()).unwrap_or(n);
    let mut tail_candidates: Vec<(usize, u32)> = Vec::new();
    if opts.dedup {
        dedup(text, views, fate, opts);
    }

    // Words of plain body lines (no rule matched them) before the current line.
    let mut body_words = 0u32;
    for i in 0..n {
        let v = &views[i];
        let body_before = body_words;
        if !v.has_hits() {
            body_words += v.feat.words;
        }
        for hit in &hits[v.hit_lo as usize..v.hit_hi as usize] {
            let rule = &rules[hit.rule as usize];
            if v.feat.words > rule.max_words {
                continue;
            }
            let in_region = match rule.region {
                Region::Anywhere => true,
                Region::FirstLine => i == 0,
                Region::Head => i < first_body,
                Region::Tail => body_before >= rule.min_words_before,
            };
            if !in_region {
                continue;
            }
            // A marker met anywhere in a line that quotes someone is being talked about, not shown:
            // double quotes, guillemets, an opening single quote (‘, or ' starting the line; ’ is
            // also the apostrophe).
            if rule.scope == Scope::Contains && quotes(line(i)) {
                continue;
            }
            let cause = Cause::Rule(hit.rule);
            match rule.action {
                Action::DropLine => {
                    if !matches!(fate[i], Fate::Drop(_)) {
                        fate[i] = Fate::Drop(cause);
                    }
                }
                Action::StripPrefix => {
                    if fate[i] != Fate::Keep {
                        continue;
                    }
                    let Some((s, e)) = hit.span else { continue };
                    let l = line(i);
                    if s != 0 || e == 0 || splits_word(l, e) {
                        continue;
                    }
                    if opts.bullets && l[e..].trim_start().starts_with(crate::normalise::is_bullet) {
                        continue;
                    }
                    fate[i] = Fate::Strip { len: e, cause };
                    if let (Some(key), Some((cs, ce))) = (&rule.metadata, hit.capture) {
                        if !metadata.iter().any(|(k, _, _)| k == key) {
                            metadata.push((key.clone(), v.start + cs, v.start + ce));
                        }
                    }
                }
                Action::Caption => caption_group(text, views, hits, fate, i, cause, opts),
                Action::CutTail => tail_candidates.push((i, hit.rule)),
            }
        }
    }

    // Tail cuts: the first marker whose guards hold removes itself and all after it.
    for (i, r) in tail_candidates {
        let rule = &rules[r as usize];
        let before: u32 = (0..i)
            .filter(|&j| !views[j].has_hits() && !matches!(fate[j], Fate::Drop(_)))
            .map(|j| views[j].feat.words)
            .sum();
        if before < rule.min_words_before.max(1) {
            continue;
        }
        let alive_after = || (i..n).filter(|&j| !matches!(fate[j], Fate::Drop(_)));
        let after: u32 = alive_after().map(|j| views[j].feat.words).sum();
        if f64::from(after) > rule.max_tail_ratio * f64::from(before) {
            continue;
        }
        if rule.max_prose_share < 1.0 {
            let prose: u32 = alive_after().filter(|&j| is_prose(line(j), &views[j])).map(|j| views[j].feat.words).sum();
            if f64::from(prose) > rule.max_prose_share * f64::from(after) {
                continue;
            }
        }
        fate[i] = Fate::Drop(Cause::Rule(r));
        for f in &mut fate[i + 1..] {
            if !matches!(f, Fate::Drop(_)) {
                *f = Fate::Drop(Cause::Rule(r));
            }
        }
        break;
    }
}

/// A line of running prose: long, ending in sentence punctuation, not a teaser cut off with "…".
fn is_prose(line: &str, v: &View) -> bool {
    v.feat.words >= PROSE_MIN_WORDS && v.feat.terminal && !line.ends_with('…') && !line.ends_with("...")
}

/// Words a line needs to count as prose for the `max_prose_share` guard.
const PROSE_MIN_WORDS: u32 = 15;

/// True when cutting `line` at byte `at` would split a word in two.
fn splits_word(line: &str, at: usize) -> bool {
    let before = line[..at].chars().next_back().is_some_and(char::is_alphanumeric);
    let after = line[at..].chars().next().is_some_and(char::is_alphanumeric);
    before && after
}

/// A credit on line `i`: drop it, and the caption lines directly above it in the same block —
/// a short title-like line (no sentence punctuation) or a line the caption merely repeats.
fn caption_group(
    text: &str,
    views: &[View],
    _hits: &[Hit],
    fate: &mut [Fate],
    i: usize,
    cause: Cause,
    opts: &DecideOptions,
) {
    if matches!(fate[i], Fate::Drop(_)) {
        return; // another credit rule already took this line and its group
    }
    fate[i] = Fate::Drop(cause);
    let caption = &text[views[i].start..views[i].end];
    let mut j = i;
    for _ in 0..2 {
        if j == 0 || views[j].blank_before {
            break;
        }
        let p = j - 1;
        let pv = &views[p];
        if pv.has_hits() || fate[p] != Fate::Keep {
            break;
        }
        let prev = &text[pv.start..pv.end];
        let repeated = pv.feat.words >= 3 && caption.len() > prev.len() && caption.starts_with(prev);
        let title_like = !pv.feat.terminal && pv.feat.words <= opts.caption_title_max_words;
        if !(repeated || title_like) {
            break;
        }
        fate[p] = Fate::Drop(cause);
        j = p;
    }
}

/// Endings that mark a truncated teaser: an ellipsis, optionally followed by "Read more".
fn truncated_stem(line: &str) -> Option<&str> {
    let mut s = line.trim_end();
    for tail in ["read more", "continue reading", "more"] {
        if s.len() >= tail.len()
            && s.is_char_boundary(s.len() - tail.len())
            && s[s.len() - tail.len()..].eq_ignore_ascii_case(tail)
        {
            s = s[..s.len() - tail.len()].trim_end();
            break;
        }
    }
    let s = s.trim_end_matches(['[', ']', '(', ')', ' ']);
    let stem = s.strip_suffix('…').or_else(|| s.strip_suffix("..."))?;
    let stem = stem.trim_end_matches(['[', '(', ' ', '.']);
    Some(stem)
}

fn dedup(text: &str, views: &[View], fate: &mut [Fate], opts: &DecideOptions) {
    let mut seen: HashSet<&str> = HashSet::default();
    for i in 0..views.len() {
        let v = &views[i];
        let l = &text[v.start..v.end];
        if v.feat.words < opts.dedup_min_words {
            continue;
        }
        if fate[i] == Fate::Keep {
            if opts.dedup_exact && seen.contains(l) {
                fate[i] = Fate::Drop(Cause::Duplicate);
                continue;
            }
            if let Some(stem) = truncated_stem(l) {
                let stem_words = stem.split_whitespace().count() as u32;
                if stem_words >= 5
                    && views[..i].iter().any(|p| {
                        let pl = &text[p.start..p.end];
                        pl.len() > stem.len() && pl.starts_with(stem)
                    })
                {
                    fate[i] = Fate::Drop(Cause::TruncatedDuplicate);
                    continue;
                }
            }
        }
        if opts.dedup_exact {
            seen.insert(l);
        }
    }
}

/// Does `line` quote someone (see [`Scope::Contains`] in SEMANTICS.md)?
fn quotes(line: &str) -> bool {
    line.contains(['"', '“', '”', '«', '»', '„', '‘']) || line.starts_with('\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_stems() {
        assert_eq!(
            truncated_stem("David is a reporter covering the European ... Read more"),
            Some("David is a reporter covering the European")
        );
        assert_eq!(truncated_stem("A teaser line…"), Some("A teaser line"));
        assert_eq!(truncated_stem("A normal sentence."), None);
    }

    #[test]
    fn word_split_check() {
        assert!(splits_word("date 2022-12-18Russian", 15));
        assert!(!splits_word("date 2022-12-18 Russian", 16));
    }
}
