//! Stage 3: scanning. Every line is looked up against all rules at once: whole-line and
//! prefix/suffix phrases by hash lookups of the line key, contains-phrases by one
//! Aho-Corasick automaton. Pattern rules run only on candidate lines: a line short enough for
//! the rule's `max_words` guard that holds one of its `requires` literals. (One `RegexSet` over
//! all patterns was measured at 3 MB/s: its lazy DFA thrashes on Unicode-heavy patterns.)
//! The two gates nearly every line asks (the contains gate, and the bytes a literal gate needs)
//! search each document once rather than each line ([`Document`]).
//! Everything is linear in the input.

mod document;
mod prefilter;
mod trie;

pub use document::{Document, Spares};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use rustc_hash::FxHashMap as HashMap;

use crate::error::{Error, Result};
use crate::per_thread::PerThread;
use crate::rules::{
    fold_into, line_key_into, trim_key_end, trim_key_start, wrap_pattern, Matcher, Region, Rule, Scope,
};
use crate::scan::prefilter::Needs;
use crate::scan::trie::Trie;

/// A rule that matched a line. `span` is the byte range of the match within the line, for
/// pattern rules; `capture` is the byte range of capture group 1, when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub rule: u32,
    pub span: Option<(usize, usize)>,
    pub capture: Option<(usize, usize)>,
}

/// All rules compiled into lookup tables and automata. Built once, shared by threads.
#[derive(Debug)]
pub struct Scanner {
    /// Whole-line, prefix and suffix phrase keys (the suffix trie is stored back to front).
    whole: Trie,
    prefix: Trie,
    suffix: Trie,
    prefix_max: usize,
    suffix_max: usize,
    /// Longest whole-line phrase key, in bytes.
    whole_max: usize,
    contains: Option<AhoCorasick>,
    contains_rules: Vec<u32>,
    /// Largest `max_words` of the contains-phrase rules: longer lines skip the automaton.
    contains_max_words: u32,
    patterns: Vec<PatternRule>,
    /// Which patterns can apply to a line, as bit sets (at most 64 patterns; else none).
    pattern_sets: Option<PatternSets>,
    /// Gate of the contains-phrase automaton: run it only when one of these literals is there
    /// (ASCII case-insensitively: the automaton holds them in lower case and runs over the line
    /// in ASCII lower case, where its SIMD prefilter works).
    contains_gate: Option<AhoCorasick>,
    /// The contains gate can search a whole document (no literal holds a newline, which a line
    /// cannot hold; else lines are searched one by one).
    index_contains: bool,
    /// The byte sets of the gates that go first ([`PatternRule::gate_set`]), each searched once
    /// per document.
    gate_sets: Vec<Vec<u8>>,
    /// The patterns' regexes, `regexes.get()[k]` for `patterns[k]`: each thread searches with
    /// its own copies (see [`PerThread`]).
    regexes: PerThread<Box<[PatternRegexes]>>,
}

/// A pattern rule's regexes.
#[derive(Debug, Clone)]
struct PatternRegexes {
    regex: Regex,
    /// The pattern without its Unicode word boundaries, when it has some: a superset the lazy DFA
    /// can run on any text, tried first (see [`prefilter::without_unicode_word_boundaries`]).
    relaxed: Option<Regex>,
}

/// Patterns as bit sets (bit `k`: `patterns[k]`), so that a line visits only the patterns that
/// could apply: each set holds every pattern the corresponding test in the loop would let pass.
#[derive(Debug)]
struct PatternSets {
    /// By the line's first byte: anchored patterns whose match can start with it, and the rest.
    by_first: Vec<u64>,
    /// By the line's words, `min(words, by_words.len() - 1)`: patterns whose `max_words` allows it.
    by_words: Vec<u64>,
    /// Patterns not limited to the first line.
    any_line: u64,
}

impl PatternSets {
    fn new(patterns: &[PatternRule]) -> Option<PatternSets> {
        if patterns.len() > 64 {
            return None;
        }
        let cap = patterns.iter().map(|p| p.max_words).filter(|&w| w < 10_000).max().unwrap_or(0) as usize + 1;
        let mut sets = PatternSets { by_first: vec![0; 256], by_words: vec![0; cap + 1], any_line: 0 };
        for (k, p) in patterns.iter().enumerate() {
            let bit = 1u64 << k;
            let anchored = matches!(p.scope, Scope::Line | Scope::Prefix);
            for (b, set) in sets.by_first.iter_mut().enumerate() {
                if !anchored || p.needs.may_start_with(b as u8) {
                    *set |= bit;
                }
            }
            for (w, set) in sets.by_words.iter_mut().enumerate() {
                if w as u32 <= p.max_words {
                    *set |= bit;
                }
            }
            if !p.first_line_only {
                sets.any_line |= bit;
            }
        }
        Some(sets)
    }

    /// The patterns a line could pass the first tests of.
    #[inline]
    fn candidates(&self, line: &str, words: u32, first: bool) -> u64 {
        let by_first = line.as_bytes().first().map_or(u64::MAX, |&b| self.by_first[usize::from(b)]);
        let w = (words as usize).min(self.by_words.len() - 1);
        by_first & self.by_words[w] & if first { u64::MAX } else { self.any_line }
    }
}

/// A compiled pattern rule's cheap gates (its regexes are in [`Scanner::regexes`]).
#[derive(Debug)]
struct PatternRule {
    rule: u32,
    max_words: u32,
    /// One of the rule's `requires` literals (as written, Capitalised or UPPER) must occur in
    /// its gate window before the regex runs.
    gate: Option<AhoCorasick>,
    /// Bytes one of which each gate literal holds: a memchr pass rules most lines out before
    /// the automaton runs.
    gate_needs: Needs,
    /// For a gate that goes first: its bytes' place in [`Scanner::gate_sets`] (the document
    /// index then tells whether they are in the gate's window).
    gate_set: Option<usize>,
    /// What the regex needs of a line to match: its first byte (anchored scopes), a byte.
    needs: Needs,
    captures: bool,
    first_line_only: bool,
    scope: Scope,
}

/// Segment normalised text into the decision stage's line views, scanning each line with
/// `scan_line(range, words, first, hits)` (`range`: the line's bytes in `text`), which appends
/// that line's hits.
pub fn scan_document(
    text: &str,
    scan_line: impl FnMut(std::ops::Range<usize>, u32, bool, &mut Vec<Hit>),
) -> (Vec<crate::decide::View>, Vec<Hit>) {
    let (mut views, mut hits) = (Vec::new(), Vec::new());
    scan_document_into(text, &mut Vec::new(), &mut views, &mut hits, scan_line);
    (views, hits)
}

/// [`scan_document`] into `views` and `hits` (emptied first), with `lines` as scratch: all three
/// reuse their allocations from one document to the next.
pub fn scan_document_into(
    text: &str,
    lines: &mut Vec<crate::segment::Line>,
    views: &mut Vec<crate::decide::View>,
    hits: &mut Vec<Hit>,
    mut scan_line: impl FnMut(std::ops::Range<usize>, u32, bool, &mut Vec<Hit>),
) {
    crate::segment::segment_into(text, lines);
    views.clear();
    hits.clear();
    views.extend(lines.iter().enumerate().map(|(i, l)| {
        let lo = hits.len() as u32;
        let line = &text[l.start..l.end];
        let feat = crate::segment::features(line);
        scan_line(l.start..l.end, feat.words, i == 0, hits);
        crate::decide::View {
            start: l.start,
            end: l.end,
            blank_before: l.blank_before,
            feat,
            hit_lo: lo,
            hit_hi: hits.len() as u32,
        }
    }));
}

/// Reusable per-thread buffers, so the hot loop does not allocate per line.
#[derive(Debug, Default)]
pub struct ScanBuffers {
    /// The previous document's gate indexes, for their allocations.
    pub(crate) spares: Spares,
    key: String,
    tail: String,
    /// The line (or, while its index is built, the document) in ASCII lower case, for the
    /// contains gate.
    lower: Vec<u8>,
    /// The vectors cleaning a document fills and empties again.
    pub(crate) vecs: crate::DocVecs,
}

impl ScanBuffers {
    /// Bytes these buffers hold allocated.
    pub(crate) fn retained_bytes(&self) -> usize {
        self.spares.retained_bytes()
            + self.key.capacity()
            + self.tail.capacity()
            + self.lower.capacity()
            + self.vecs.retained_bytes()
    }

    /// Buffers holding at least `bytes` allocated, as a huge document leaves them.
    #[cfg(test)]
    pub(crate) fn holding(bytes: usize) -> Self {
        ScanBuffers { lower: Vec::with_capacity(bytes), ..ScanBuffers::default() }
    }
}

#[inline]
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

impl Scanner {
    /// Compile rules. The rule index in [`Hit::rule`] is the position in `rules`.
    pub fn new(rules: &[Rule]) -> Result<Self> {
        let mut whole: HashMap<String, Vec<u32>> = HashMap::default();
        let mut prefix: HashMap<String, Vec<u32>> = HashMap::default();
        let mut suffix: HashMap<String, Vec<u32>> = HashMap::default();
        let (mut whole_max, mut contains_max_words) = (0, 0);
        let mut contains_phrases = Vec::new();
        let mut contains_rules = Vec::new();
        let mut patterns = Vec::new();
        let mut regexes = Vec::new();
        let mut gate_sets: Vec<Vec<u8>> = Vec::new();
        let (mut prefix_max, mut suffix_max) = (0, 0);
        // The relaxed variants are new patterns to compile (the rules' own were compiled when
        // they were validated): compiled in parallel, as validation does (in order on an engine
        // thread, which may be building this scanner for other documents to use).
        let mut relaxed: Vec<Option<Regex>> =
            crate::rules::map_outside_workers(rules.iter().collect(), |rule| match &rule.matcher {
                Matcher::Pattern(p) => prefilter::without_unicode_word_boundaries(&wrap_pattern(p, rule.scope))
                    .and_then(|r| crate::rules::compile_pattern(&r).ok()),
                Matcher::Phrases(_) => None,
            });
        for (i, rule) in rules.iter().enumerate() {
            let idx = i as u32;
            match &rule.matcher {
                Matcher::Phrases(keys) => {
                    for k in keys {
                        let table = match rule.scope {
                            Scope::Line => {
                                whole_max = whole_max.max(k.len());
                                &mut whole
                            }
                            Scope::Prefix => {
                                prefix_max = prefix_max.max(k.len());
                                &mut prefix
                            }
                            Scope::Suffix => {
                                suffix_max = suffix_max.max(k.len());
                                &mut suffix
                            }
                            Scope::Contains => {
                                contains_max_words = contains_max_words.max(rule.max_words);
                                contains_phrases.push(k.clone());
                                contains_rules.push(idx);
                                continue;
                            }
                        };
                        let v = table.entry(k.clone()).or_default();
                        if !v.contains(&idx) {
                            v.push(idx);
                        }
                    }
                }
                Matcher::Pattern(p) => {
                    let wrapped = wrap_pattern(p, rule.scope);
                    let re = crate::rules::compile_pattern(&wrapped)
                        .map_err(|e| Error::rule(&rule.id, format!("the pattern does not compile: {e}")))?;
                    let gate_needs = Needs::of_literals(&case_variants(&rule.requires));
                    let gate = gate_automaton(rule, gate_needs.one_of.is_empty())?;
                    let gate_set = (gate.is_some()
                        && gate_goes_first(rule.scope, rule.max_words)
                        && (1..=3).contains(&gate_needs.one_of.len()))
                    .then(|| match gate_sets.iter().position(|s| *s == gate_needs.one_of) {
                        Some(k) => k,
                        None => {
                            gate_sets.push(gate_needs.one_of.clone());
                            gate_sets.len() - 1
                        }
                    });
                    patterns.push(PatternRule {
                        captures: re.captures_len() > 1,
                        needs: Needs::of_pattern(&wrapped),
                        rule: idx,
                        max_words: rule.max_words,
                        gate,
                        gate_needs,
                        gate_set,
                        first_line_only: rule.region == Region::FirstLine,
                        scope: rule.scope,
                    });
                    regexes.push(PatternRegexes { regex: re, relaxed: relaxed[i].take() });
                }
            }
        }
        let contains = if contains_phrases.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&contains_phrases)
                    .map_err(|e| Error::rule("contains-phrases", e.to_string()))?,
            )
        };
        // The contains automaton runs only behind its rules' literals, when every rule has some.
        let mut index_contains = false;
        let contains_gate =
            if rules.iter().any(|r| r.scope == Scope::Contains && matches!(r.matcher, Matcher::Phrases(_))) {
                let gated: Vec<&Rule> = rules
                    .iter()
                    .filter(|r| r.scope == Scope::Contains && matches!(r.matcher, Matcher::Phrases(_)))
                    .collect();
                if gated.iter().all(|r| !r.requires.is_empty()) {
                    let lits: Vec<String> =
                        gated.iter().flat_map(|r| &r.requires).map(|l| l.to_ascii_lowercase()).collect();
                    index_contains = lits.iter().all(|l| !l.contains('\n'));
                    Some(
                        AhoCorasickBuilder::new()
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(lits)
                            .map_err(|e| Error::rule("requires", e.to_string()))?,
                    )
                } else {
                    None
                }
            } else {
                None
            };
        let trie = |table: &HashMap<String, Vec<u32>>, reversed: bool| {
            Trie::new(table.iter().map(|(k, v)| (k.as_str(), v.as_slice())), reversed)
        };
        Ok(Scanner {
            whole: trie(&whole, false),
            prefix: trie(&prefix, false),
            suffix: trie(&suffix, true),
            prefix_max,
            suffix_max,
            whole_max,
            contains,
            contains_rules,
            contains_max_words,
            pattern_sets: PatternSets::new(&patterns),
            patterns,
            contains_gate,
            index_contains,
            gate_sets,
            regexes: PerThread::new(regexes.into_boxed_slice()),
        })
    }

    /// Find every rule that matches `line` (of `words` words; `first`: the document's first
    /// line), appending to `hits`: [`Scanner::scan_line_at`] with the line as its document.
    pub fn scan_line(&self, line: &str, words: u32, first: bool, buf: &mut ScanBuffers, hits: &mut Vec<Hit>) {
        self.scan_line_at(&mut Document::new(line), 0..line.len(), words, first, buf, hits);
    }

    /// Find every rule that matches the line at `at` in `doc` (of `words` words; `first`: the
    /// document's first line), appending to `hits`. A long line is folded only at its two ends:
    /// phrases can match there only, so the hot loop touches few bytes of body lines.
    pub fn scan_line_at(
        &self,
        doc: &mut Document<'_>,
        at: std::ops::Range<usize>,
        words: u32,
        first: bool,
        buf: &mut ScanBuffers,
        hits: &mut Vec<Hit>,
    ) {
        let text = doc.text;
        let line = &text[at.clone()];
        let lower = &mut buf.lower;
        // Larger documents are searched line by line: an index holds a place per byte of a set,
        // which hostile text could make as many as its bytes.
        let index = (text.len() <= MAX_INDEXED_BYTES).then(|| {
            doc.gates(std::ptr::from_ref(self) as usize, |t, gates| {
                let contains = self.contains_gate.as_ref().filter(|_| self.index_contains);
                gates.build(t, &self.gate_sets, contains, lower);
            })
        });
        let first_hit = hits.len();
        let phrase = |rule: u32| Hit { rule, span: None, capture: None };
        let want_contains = self.contains.is_some()
            && words <= self.contains_max_words
            && self.contains_gate.as_ref().is_none_or(|g| {
                index.and_then(|i| i.has_contains_literal(at.start, at.end)).unwrap_or_else(|| {
                    buf.lower.clear();
                    buf.lower.extend_from_slice(line.as_bytes());
                    buf.lower.make_ascii_lowercase();
                    g.is_match(buf.lower.as_slice())
                })
            });
        // Folding can shrink a character to a third of its bytes (’ → '): windows of three times
        // the longest phrase, plus a margin for the boundary check, always hold it.
        let head_len = self.prefix_max * 3 + 8;
        let tail_len = self.suffix_max * 3 + 8;
        let fits = line.len() <= (self.whole_max * 3 + 8).max(head_len + tail_len);
        if want_contains || fits && !self.phrases_by_ends(line, buf, hits) {
            line_key_into(line, &mut buf.key);
            let key = buf.key.as_str();
            hits.extend(self.whole.get(key.as_bytes(), false).iter().map(|&r| phrase(r)));
            self.prefixes(key, hits);
            self.suffixes(key, hits);
            if want_contains {
                self.contains_phrases(key, first_hit, hits);
            }
        } else if !fits {
            // A long line's two ends, each folded a few bytes first: on most lines the trie walk
            // stops within them, and the whole window is folded only when it does not.
            if !self.prefix.is_empty() {
                let head = |len| trim_key_start(&line[..floor_boundary(line, len)]);
                fold_end_first(head, head_len, &mut buf.key, hits, |key, hits| self.prefixes(key, hits));
            }
            if !self.suffix.is_empty() {
                let tail = |len| trim_key_end(&line[ceil_boundary(line, line.len() - len)..]);
                fold_end_first(tail, tail_len, &mut buf.tail, hits, |key, hits| self.suffixes(key, hits));
            }
        }
        let mut tail: Option<(usize, &str)> = None;
        let regexes = self.regexes.get();
        // The candidate patterns in order (all of them when there are too many for a bit set).
        let sets = self.pattern_sets.as_ref();
        let mut todo = sets.map_or(0, |s| s.candidates(line, words, first));
        let mut all = self.patterns.iter().enumerate();
        let mut next = || {
            if sets.is_none() {
                return all.next();
            }
            if todo == 0 {
                return None;
            }
            let k = todo.trailing_zeros() as usize;
            todo &= todo - 1;
            self.patterns.get(k).map(|p| (k, p))
        };
        while let Some((k, p)) = next() {
            if words > p.max_words || (p.first_line_only && !first) {
                continue;
            }
            // The literal gate goes first for some rules (see `gate_goes_first`).
            let gate_first = gate_goes_first(p.scope, p.max_words);
            if gate_first {
                // The document index first: most lines hold none of the gate's bytes in its window.
                let bytes_there = p.gate_set.zip(index).is_none_or(|(k, index)| {
                    let window = gate_window(p.scope, line);
                    index.has_byte(k, at.start + window.start, at.start + window.end)
                });
                if !bytes_there || !self.gate_passes(p, line) {
                    continue;
                }
            }
            // Suffix patterns see the end of the line only: body lines are long, a credit is short.
            let (offset, hay) = match p.scope {
                Scope::Suffix => *tail.get_or_insert_with(|| tail_window(line)),
                _ => (0, line),
            };
            // What the regex's syntax says a match needs: a first byte (anchored at the start),
            // one of a few bytes somewhere.
            let anchored = matches!(p.scope, Scope::Line | Scope::Prefix);
            if anchored && !p.needs.may_start(hay.as_bytes()) || !p.needs.may_contain(hay.as_bytes()) {
                continue;
            }
            let re = &regexes[k];
            if re.relaxed.as_ref().is_some_and(|r| !r.is_match(hay)) {
                continue;
            }
            let shift = |m: regex::Match<'_>| (m.start() + offset, m.end() + offset);
            let hit = if p.captures {
                re.regex.captures(hay).map(|caps| Hit {
                    rule: p.rule,
                    span: caps.get(0).map(shift),
                    capture: caps.get(1).map(shift),
                })
            } else {
                re.regex.find(hay).map(|m| Hit { rule: p.rule, span: Some(shift(m)), capture: None })
            };
            if let Some(hit) = hit {
                if gate_first || self.gate_passes(p, line) {
                    hits.push(hit);
                }
            }
        }
    }

    /// The rule's `requires` literals hold in the window its scope looks at.
    fn gate_passes(&self, p: &PatternRule, line: &str) -> bool {
        let Some(gate) = &p.gate else { return true };
        let hay = &line.as_bytes()[gate_window(p.scope, line)];
        if let Some(found) = p.gate_needs.find_literal(hay) {
            return found;
        }
        p.gate_needs.search_from(hay).is_some_and(|from| gate.is_match(&hay[from..]))
    }
}

/// Documents up to this size are indexed for the line gates ([`Document`]); larger ones are
/// searched line by line (same results).
pub const MAX_INDEXED_BYTES: usize = 1 << 18;

/// The bytes of a long line's ends folded first for the prefix and suffix tries (see
/// [`Scanner::scan_line_at`]): the walk seldom gets further on a body line.
const FIRST_FOLD: usize = 24;

/// Look up a long line's end, `end(len)` being its window of `len` bytes: [`FIRST_FOLD`] bytes
/// folded into `key` first, and the whole window only when `lookup`'s trie walk got past them
/// (the first try's hits are then dropped).
fn fold_end_first<'a>(
    end: impl Fn(usize) -> &'a str,
    len: usize,
    key: &mut String,
    hits: &mut Vec<Hit>,
    lookup: impl Fn(&str, &mut Vec<Hit>) -> bool,
) {
    let before = hits.len();
    fold_into(end(FIRST_FOLD.min(len)), key);
    if lookup(key, hits) && len > FIRST_FOLD {
        hits.truncate(before);
        fold_into(end(len), key);
        lookup(key, hits);
    }
}

/// Rules limited to lines this short test their regex before their literal gate.
const SHORT_LINE_WORDS: u32 = 20;

/// Does a rule's literal gate go before its regex? For unanchored patterns that reach long
/// lines: a regex anchored at the line's start fails on its first bytes, and on short lines the
/// regex is the cheaper test (there the gate is checked only when it matched).
fn gate_goes_first(scope: Scope, max_words: u32) -> bool {
    matches!(scope, Scope::Suffix | Scope::Contains) && max_words > SHORT_LINE_WORDS
}

/// The bytes of `line` where a rule's `requires` literals must occur, by its scope.
fn gate_window(scope: Scope, line: &str) -> std::ops::Range<usize> {
    match scope {
        Scope::Prefix => 0..floor_boundary(line, WINDOW),
        Scope::Suffix => ceil_boundary(line, line.len().saturating_sub(GATE_TAIL))..line.len(),
        _ => 0..line.len(),
    }
}

/// The automaton of a rule's `requires` literals (ASCII case-insensitive), if it has any.
/// `prefilter`: let the automaton skip ahead to its literals' start bytes (not needed when the
/// scanner looks for a required byte first).
fn gate_automaton(rule: &Rule, prefilter: bool) -> Result<Option<AhoCorasick>> {
    if rule.requires.is_empty() {
        return Ok(None);
    }
    gate_of(&rule.requires, prefilter).map(Some).map_err(|e| Error::rule(&rule.id, format!("`requires`: {e}")))
}

/// A case-sensitive automaton over `literals` in lower case, Capitalised and UPPER case: as
/// good as a case-insensitive one for the literals rules use, and its prefilter stays fast.
fn gate_of<S: AsRef<str>>(
    literals: &[S],
    prefilter: bool,
) -> std::result::Result<AhoCorasick, aho_corasick::BuildError> {
    // A full DFA: one table lookup per byte, worth its memory for the few gates there are.
    AhoCorasickBuilder::new()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(prefilter)
        .build(case_variants(literals))
}

/// `literals` in lower case (as written), Capitalised and UPPER case: what a gate matches.
fn case_variants<S: AsRef<str>>(literals: &[S]) -> Vec<String> {
    let mut variants: Vec<String> = Vec::new();
    for lit in literals {
        let lit = lit.as_ref();
        let mut cap = lit.to_string();
        if let Some(f) = cap.get(..1) {
            cap.replace_range(..1, &f.to_ascii_uppercase());
        }
        for v in [lit.to_string(), cap, lit.to_ascii_uppercase()] {
            if !variants.contains(&v) {
                variants.push(v);
            }
        }
    }
    variants
}

/// Bytes at the end of a line where a suffix rule's `requires` literal must occur.
pub const GATE_TAIL: usize = 160;

/// Bytes of a line that prefix literals and suffix patterns look at.
pub const WINDOW: usize = 256;

/// The last [`WINDOW`] bytes of `line`, starting after a white space (so `^` in a suffix pattern
/// still means "a word starts here"), with their offset in the line.
fn tail_window(line: &str) -> (usize, &str) {
    if line.len() <= WINDOW {
        return (0, line);
    }
    let from = ceil_boundary(line, line.len() - WINDOW);
    match line[from..].find(char::is_whitespace) {
        Some(ws) => {
            let start = from + ws + line[from + ws..].chars().next().map_or(1, char::len_utf8);
            (start, &line[start..])
        }
        None => (0, line),
    }
}

impl Scanner {
    /// The whole-line, prefix and suffix phrases of a line without contains phrases, from its
    /// key's two ends folded a few bytes each. True when the trie walks all stopped within those
    /// bytes, which decides every such phrase (folding goes character by character, so the
    /// folded ends are the two ends of the folded key); false, with `hits` as they were, when
    /// the whole key must be folded.
    fn phrases_by_ends(&self, line: &str, buf: &mut ScanBuffers, hits: &mut Vec<Hit>) -> bool {
        let key = trim_key_end(trim_key_start(line));
        if key.len() <= 2 * FIRST_FOLD {
            return false;
        }
        let before = hits.len();
        fold_into(&key[..floor_boundary(key, FIRST_FOLD)], &mut buf.key);
        let decided = !self.whole.walk(buf.key.bytes(), |_, _| ()) && !self.prefixes(&buf.key, hits) && {
            fold_into(&key[ceil_boundary(key, key.len() - FIRST_FOLD)..], &mut buf.tail);
            !self.suffixes(&buf.tail, hits)
        };
        if !decided {
            hits.truncate(before);
        }
        decided
    }

    /// Prefix phrases: every prefix of the key that ends at a word boundary, up to the longest.
    /// True when the walk reached the end of `key`: a longer key could hold more (see
    /// [`Trie::walk`]).
    fn prefixes(&self, key: &str, hits: &mut Vec<Hit>) -> bool {
        // A stored key is whole characters, so `end` is a character boundary of `key`.
        self.prefix.walk(key.bytes(), |end, rules| {
            let last_is_word = key[..end].chars().next_back().is_some_and(is_word);
            let next_is_word = key[end..].chars().next().is_some_and(is_word);
            if !last_is_word || !next_is_word {
                hits.extend(rules.iter().map(|&rule| Hit { rule, span: None, capture: None }));
            }
        })
    }

    /// Suffix phrases: every suffix of the key that starts at a word boundary, up to the longest.
    /// True when the walk reached the start of `key` (see [`Scanner::prefixes`]).
    fn suffixes(&self, key: &str, hits: &mut Vec<Hit>) -> bool {
        self.suffix.walk(key.bytes().rev(), |len, rules| {
            let pos = key.len() - len;
            let first_is_word = key[pos..].chars().next().is_some_and(is_word);
            let prev_is_word = key[..pos].chars().next_back().is_some_and(is_word);
            if !first_is_word || !prev_is_word {
                hits.extend(rules.iter().map(|&rule| Hit { rule, span: None, capture: None }));
            }
        })
    }

    /// Contains phrases, at word boundaries, once per rule and line.
    fn contains_phrases(&self, key: &str, first_hit: usize, hits: &mut Vec<Hit>) {
        let Some(ac) = &self.contains else { return };
        if !ac.is_match(key) {
            return; // the prefiltered search: most lines hold no contains phrase at all
        }
        for m in ac.find_overlapping_iter(key) {
            let before = key[..m.start()].chars().next_back().is_some_and(is_word);
            let after = key[m.end()..].chars().next().is_some_and(is_word);
            let first = key[m.start()..].chars().next().is_some_and(is_word);
            let last = key[..m.end()].chars().next_back().is_some_and(is_word);
            if !(before && first || after && last) {
                let r = self.contains_rules[m.pattern().as_usize()];
                if !hits[first_hit..].iter().any(|h| h.rule == r) {
                    hits.push(Hit { rule: r, span: None, capture: None });
                }
            }
        }
    }
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary of `s` at or above `i`.
fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rule_file;

    fn scanner(toml: &str) -> Scanner {
        Scanner::new(&parse_rule_file("t", toml).unwrap()).unwrap()
    }

    fn rules_hit(s: &Scanner, line: &str) -> Vec<u32> {
        let mut hits = Vec::new();
        s.scan_line(line, crate::segment::features(line).words, true, &mut ScanBuffers::default(), &mut hits);
        hits.iter().map(|h| h.rule).collect()
    }

    #[test]
    fn scopes() {
        let s = scanner(
            "[[rule]]\nid='w'\ncategory='related'\nphrases=['You may also like']\n\
             [[rule]]\nid='p'\ncategory='related'\nscope='prefix'\nphrases=['Read more:']\n\
             [[rule]]\nid='s'\ncategory='related'\nscope='suffix'\nphrases=['... read more']\n\
             [[rule]]\nid='c'\ncategory='cookie'\nscope='contains'\nphrases=['uses cookies']\n\
             [[rule]]\nid='r'\ncategory='caption'\nscope='suffix'\npattern='[A-Z]+/AFP via Getty Images'\n",
        );
        assert_eq!(rules_hit(&s, "You May Also Like:"), vec![0]);
        assert_eq!(rules_hit(&s, "You may also like this one"), Vec::<u32>::new());
        assert_eq!(rules_hit(&s, "READ MORE: Budget vote delayed"), vec![1]);
        assert_eq!(rules_hit(&s, "Read more about it in the report."), Vec::<u32>::new());
        assert_eq!(rules_hit(&s, "The writer of the essay … Read more"), vec![2]);
        assert_eq!(rules_hit(&s, "This site uses cookies to work."), vec![3]);
        assert_eq!(rules_hit(&s, "This site reuses cookies"), Vec::<u32>::new());
        assert_eq!(rules_hit(&s, "A man. JANE DOE/AFP via Getty Images"), vec![4]);
        assert_eq!(rules_hit(&s, "A man. JANE DOE/AFP via Getty Images."), Vec::<u32>::new());
    }

    #[test]
    fn suffix_patterns_see_the_tail_of_long_lines() {
        let s = scanner("[[rule]]\nid='r'\ncategory='caption'\nscope='suffix'\nrequires=['/']\npattern='[A-Z]+/AFP'\n");
        let long = format!("{} JANE/AFP", "word ".repeat(200));
        let mut hits = Vec::new();
        s.scan_line(&long, 202, false, &mut ScanBuffers::default(), &mut hits);
        assert_eq!(hits.len(), 1);
        let (a, b) = hits[0].span.unwrap();
        assert_eq!(&long[a..b], "JANE/AFP");
        hits.clear();
        let url_early = format!("see http://x.org/a {}", "word ".repeat(100));
        s.scan_line(&url_early, 103, false, &mut ScanBuffers::default(), &mut hits);
        assert!(hits.is_empty());
    }

    /// The phrase hits of a line as the scanner found them before it folded a few bytes of each
    /// end first: the whole key, or a long line's two windows.
    fn phrase_hits_from_whole_folds(s: &Scanner, line: &str) -> Vec<u32> {
        let (mut hits, mut key) = (Vec::new(), String::new());
        let head_len = s.prefix_max * 3 + 8;
        let tail_len = s.suffix_max * 3 + 8;
        if line.len() <= (s.whole_max * 3 + 8).max(head_len + tail_len) {
            line_key_into(line, &mut key);
            hits.extend(s.whole.get(key.as_bytes(), false).iter().map(|&rule| Hit { rule, span: None, capture: None }));
            s.prefixes(&key, &mut hits);
            s.suffixes(&key, &mut hits);
        } else {
            fold_into(trim_key_start(&line[..floor_boundary(line, head_len)]), &mut key);
            s.prefixes(&key, &mut hits);
            fold_into(trim_key_end(&line[ceil_boundary(line, line.len() - tail_len)..]), &mut key);
            s.suffixes(&key, &mut hits);
        }
        let mut rules: Vec<u32> = hits.iter().map(|h| h.rule).collect();
        rules.sort_unstable();
        rules
    }

    #[test]
    fn phrase_hits_from_the_folded_ends_equal_those_from_whole_folds() {
        // Short and long phrases (longer than the bytes folded first), with characters that fold
        // to fewer or more bytes (’ → ', … → ...), in each scope but contains.
        let s = scanner(
            "[[rule]]\nid='w1'\ncategory='related'\nphrases=['You may also like', 'Zoë’s picks of the week for you all…']\n\
             [[rule]]\nid='w2'\ncategory='related'\nphrases=['the most read stories on this website today and on every other day of the week']\n\
             [[rule]]\nid='p1'\ncategory='related'\nscope='prefix'\nphrases=['Read more:', 'more', 'Дом']\n\
             [[rule]]\nid='p2'\ncategory='related'\nscope='prefix'\nphrases=['Don’t miss the latest stories from our newsroom']\n\
             [[rule]]\nid='s1'\ncategory='related'\nscope='suffix'\nphrases=['… read more', 'dom']\n\
             [[rule]]\nid='s2'\ncategory='related'\nscope='suffix'\nphrases=['click here to read the full story on our website']\n",
        );
        let parts = [
            "You may also like",
            "YOU MAY ALSO LIKE",
            "Zoë’s picks of the week for you all…",
            "zoë's picks of the week",
            "the most read stories on this website today",
            "the most read stories on this website today and on every other day of the week",
            "Read more:",
            "read more",
            "more",
            "Дом",
            "дом",
            "Dom",
            "Don’t miss the latest stories from our newsroom",
            "Don't miss the latest",
            "… read more",
            "... read more",
            "click here to read the full story on our website",
            "click here to",
            "the",
            "word",
            "Zoë",
            "a—b",
            "x…",
            "’",
            "é",
            " ",
            " ",
            " ",
            "» ",
            "— ",
            "...",
            "*",
            "| ",
            ": ",
            "\u{a0}",
        ];
        let mut next = crate::testing::picker(0x9e37_79b9_7f4a_7c15);
        let mut buf = ScanBuffers::default();
        let (mut lines_with_hits, mut long_lines) = (0, 0);
        for _ in 0..30_000 {
            let mut line = String::new();
            for _ in 0..1 + next(10) {
                line.push_str(parts[next(parts.len())]);
                if next(3) == 0 {
                    line.push(' ');
                }
            }
            // Some lines padded to every length around the bytes folded first and the windows.
            if next(2) == 0 {
                let filler = "word ".repeat(next(90));
                line = if next(2) == 0 { format!("{filler}{line}") } else { format!("{line} {filler}") };
            }
            let line = line.trim();
            let mut hits = Vec::new();
            s.scan_line(line, crate::segment::features(line).words, false, &mut buf, &mut hits);
            let mut got: Vec<u32> = hits.iter().map(|h| h.rule).collect();
            got.sort_unstable();
            assert_eq!(got, phrase_hits_from_whole_folds(&s, line), "{line:?}");
            lines_with_hits += usize::from(!got.is_empty());
            long_lines += usize::from(line.len() > 300);
        }
        assert!(lines_with_hits > 3_000 && long_lines > 3_000, "{lines_with_hits} lines with hits, {long_lines} long");
    }

    #[test]
    fn contains_hits_are_per_line() {
        let s = scanner("[[rule]]\nid='c'\ncategory='cookie'\nscope='contains'\nphrases=['we use cookies']\n");
        let mut hits = Vec::new();
        let mut buf = ScanBuffers::default();
        s.scan_line("We use cookies here", 4, false, &mut buf, &mut hits);
        s.scan_line("and we use cookies there", 5, false, &mut buf, &mut hits);
        assert_eq!(hits.len(), 2);
    }

    #[test]
    fn pattern_hits_carry_spans_and_captures() {
        let s = scanner(
            "[[rule]]\nid='d'\ncategory='label'\nscope='prefix'\naction='strip_prefix'\nmetadata='date'\n\
             pattern='date (\\d{4}-\\d{2}-\\d{2}) '\n",
        );
        let mut hits = Vec::new();
        s.scan_line("date 2022-12-18 Body text", 4, true, &mut ScanBuffers::default(), &mut hits);
        assert_eq!(hits[0].span, Some((0, 16)));
        assert_eq!(hits[0].capture, Some((5, 15)));
    }
}
