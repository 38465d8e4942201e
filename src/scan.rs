//! Stage 3: scanning. Every line is looked up against all rules at once: whole-line and
//! prefix/suffix phrases by hash lookups of the line key, contains-phrases by one
//! Aho-Corasick automaton. Pattern rules run only on candidate lines: a line short enough for
//! the rule's `max_words` guard that holds one of its `requires` literals. (One `RegexSet` over
//! all patterns was measured at 3 MB/s: its lazy DFA thrashes on Unicode-heavy patterns.)
//! Everything is linear in the input.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::rules::{line_key_into, wrap_pattern, Matcher, Rule, Scope, REGEX_SIZE_LIMIT};

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
    whole: HashMap<String, Vec<u32>>,
    prefix: HashMap<String, Vec<u32>>,
    suffix: HashMap<String, Vec<u32>>,
    prefix_max: usize,
    suffix_max: usize,
    contains: Option<AhoCorasick>,
    contains_rules: Vec<u32>,
    patterns: Vec<PatternRule>,
}

/// A compiled pattern rule with its cheap gates.
#[derive(Debug)]
struct PatternRule {
    regex: Regex,
    rule: u32,
    max_words: u32,
    requires: Vec<String>,
    captures: bool,
}

/// Reusable per-thread buffers, so the hot loop does not allocate per line.
#[derive(Debug, Default)]
pub struct ScanBuffers {
    key: String,
}

#[inline]
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

impl Scanner {
    /// Compile rules. The rule index in [`Hit::rule`] is the position in `rules`.
    pub fn new(rules: &[Rule]) -> Result<Self> {
        let mut whole: HashMap<String, Vec<u32>> = HashMap::new();
        let mut prefix: HashMap<String, Vec<u32>> = HashMap::new();
        let mut suffix: HashMap<String, Vec<u32>> = HashMap::new();
        let mut contains_phrases = Vec::new();
        let mut contains_rules = Vec::new();
        let mut patterns = Vec::new();
        let (mut prefix_max, mut suffix_max) = (0, 0);
        for (i, rule) in rules.iter().enumerate() {
            let idx = i as u32;
            match &rule.matcher {
                Matcher::Phrases(keys) => {
                    for k in keys {
                        let table = match rule.scope {
                            Scope::Line => &mut whole,
                            Scope::Prefix => {
                                prefix_max = prefix_max.max(k.len());
                                &mut prefix
                            }
                            Scope::Suffix => {
                                suffix_max = suffix_max.max(k.len());
                                &mut suffix
                            }
                            Scope::Contains => {
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
                    let re = regex::RegexBuilder::new(&wrapped)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| Error::rule(&rule.id, format!("the pattern does not compile: {e}")))?;
                    patterns.push(PatternRule {
                        captures: re.captures_len() > 1,
                        regex: re,
                        rule: idx,
                        max_words: rule.max_words,
                        requires: rule.requires.clone(),
                    });
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
        Ok(Scanner { whole, prefix, suffix, prefix_max, suffix_max, contains, contains_rules, patterns })
    }

    /// Find every rule that matches `line` (of `words` words), appending to `hits`.
    pub fn scan_line(&self, line: &str, words: u32, buf: &mut ScanBuffers, hits: &mut Vec<Hit>) {
        let first_hit = hits.len();
        line_key_into(line, &mut buf.key);
        let key = buf.key.as_str();
        let phrase = |rule: u32| Hit { rule, span: None, capture: None };
        if let Some(rules) = self.whole.get(key) {
            hits.extend(rules.iter().map(|&r| phrase(r)));
        }
        if !self.prefix.is_empty() {
            // Every prefix of the key that ends at a word boundary, up to the longest phrase.
            let limit = key.len().min(self.prefix_max);
            for (pos, c) in key.char_indices() {
                let end = pos + c.len_utf8();
                if end > limit {
                    break;
                }
                let next_is_word = key[end..].chars().next().is_some_and(is_word);
                if !is_word(c) || !next_is_word {
                    if let Some(rules) = self.prefix.get(&key[..end]) {
                        hits.extend(rules.iter().map(|&r| phrase(r)));
                    }
                }
            }
        }
        if !self.suffix.is_empty() {
            let limit = key.len().min(self.suffix_max);
            for (pos, c) in key.char_indices().rev() {
                if key.len() - pos > limit {
                    break;
                }
                let prev_is_word = key[..pos].chars().next_back().is_some_and(is_word);
                if !is_word(c) || !prev_is_word {
                    if let Some(rules) = self.suffix.get(&key[pos..]) {
                        hits.extend(rules.iter().map(|&r| phrase(r)));
                    }
                }
            }
        }
        if let Some(ac) = &self.contains {
            for m in ac.find_overlapping_iter(key) {
                let before = key[..m.start()].chars().next_back().is_some_and(is_word);
                let after = key[m.end()..].chars().next().is_some_and(is_word);
                let first = key[m.start()..].chars().next().is_some_and(is_word);
                let last = key[..m.end()].chars().next_back().is_some_and(is_word);
                if !(before && first || after && last) {
                    let r = self.contains_rules[m.pattern().as_usize()];
                    if !hits[first_hit..].iter().any(|h| h.rule == r) {
                        hits.push(phrase(r));
                    }
                }
            }
        }
        for p in &self.patterns {
            if words > p.max_words || !(p.requires.is_empty() || p.requires.iter().any(|r| line.contains(r.as_str()))) {
                continue;
            }
            if p.captures {
                if let Some(caps) = p.regex.captures(line) {
                    let m = caps.get(0).map(|m| (m.start(), m.end()));
                    let c = caps.get(1).map(|m| (m.start(), m.end()));
                    hits.push(Hit { rule: p.rule, span: m, capture: c });
                }
            } else if let Some(m) = p.regex.find(line) {
                hits.push(Hit { rule: p.rule, span: Some((m.start(), m.end())), capture: None });
            }
        }
    }
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
        s.scan_line(line, crate::segment::features(line).words, &mut ScanBuffers::default(), &mut hits);
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
    fn contains_hits_are_per_line() {
        let s = scanner("[[rule]]\nid='c'\ncategory='cookie'\nscope='contains'\nphrases=['we use cookies']\n");
        let mut hits = Vec::new();
        let mut buf = ScanBuffers::default();
        s.scan_line("We use cookies here", 4, &mut buf, &mut hits);
        s.scan_line("and we use cookies there", 5, &mut buf, &mut hits);
        assert_eq!(hits.len(), 2);
    }

    #[test]
    fn pattern_hits_carry_spans_and_captures() {
        let s = scanner(
            "[[rule]]\nid='d'\ncategory='label'\nscope='prefix'\naction='strip_prefix'\nmetadata='date'\n\
             pattern='date (\\d{4}-\\d{2}-\\d{2}) '\n",
        );
        let mut hits = Vec::new();
        s.scan_line("date 2022-12-18 Body text", 4, &mut ScanBuffers::default(), &mut hits);
        assert_eq!(hits[0].span, Some((0, 16)));
        assert_eq!(hits[0].capture, Some((5, 15)));
    }
}
