//! Rules as data: the TOML schema, validation, and the compiled rule table.
//!
//! A rule file holds an optional `[meta]` table and any number of `[[rule]]` tables:
//!
//! ```toml
//! [[rule]]
//! id = "en.related.you_may_also_like"
//! category = "related"
//! phrases = ["you may also like", "you might also like"]
//! scope = "line"          # line | prefix | suffix | contains
//! action = "cut_tail"     # drop_line | cut_tail | strip_prefix | caption
//! max_words = 8           # guard: the line has at most this many words
//! region = "tail"         # anywhere | head | tail | first_line
//! ```
//!
//! Phrases match the line's *key* (lower case, typographic quotes and dashes folded, leading
//! symbols and trailing `: » › . !` removed); patterns are `regex` crate expressions matched
//! against the line text itself. Both engines run in linear time.

use rayon::prelude::*;
use serde::Deserialize;
use std::collections::HashSet;

use crate::error::{Error, Result};

/// The categories the shipped rules use. User rules may name others (`[a-z][a-z0-9_]*`).
pub const CATEGORIES: &[&str] = &[
    "related",
    "bio",
    "caption",
    "credit",
    "share",
    "newsletter",
    "cookie",
    "navigation",
    "standards",
    "comments",
    "ads",
    "audio_widget",
    "label",
    "timestamp",
    "duplicate",
];

/// Where on a line a rule's match must sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole line.
    #[default]
    Line,
    /// The start of the line.
    Prefix,
    /// The end of the line.
    Suffix,
    /// Anywhere on the line, at word boundaries.
    Contains,
}

/// What a firing rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Remove the line.
    #[default]
    DropLine,
    /// Remove the line and every line after it (guarded by `min_words_before` and `max_tail_ratio`).
    CutTail,
    /// Remove the matched prefix of the line (a pattern rule); `metadata` keeps capture group 1.
    StripPrefix,
    /// The match is a photo credit: remove the line and its caption group.
    Caption,
}

/// Where in the document a rule may fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Anywhere.
    #[default]
    Anywhere,
    /// Before the first body line (a long, punctuated line that no rule matched).
    Head,
    /// After at least `min_words_before` words of body text.
    Tail,
    /// The first line of the document only.
    FirstLine,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    meta: Option<Meta>,
    /// Named sub-patterns: `{{NAME}}` in a pattern of the same file is replaced by `vars.NAME`.
    #[serde(default)]
    vars: std::collections::BTreeMap<String, String>,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    category: String,
    #[serde(default)]
    phrases: Option<Vec<String>>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    scope: Scope,
    #[serde(default)]
    action: Action,
    #[serde(default)]
    region: Region,
    #[serde(default)]
    max_words: Option<u32>,
    #[serde(default)]
    min_words_before: Option<u32>,
    #[serde(default)]
    max_tail_ratio: Option<f64>,
    #[serde(default)]
    max_prose_share: Option<f64>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    metadata: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// How a rule matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Phrases, already turned into keys.
    Phrases(Vec<String>),
    /// A regular expression over the line text.
    Pattern(String),
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub category: String,
    pub matcher: Matcher,
    pub scope: Scope,
    pub action: Action,
    pub region: Region,
    pub max_words: u32,
    pub min_words_before: u32,
    pub max_tail_ratio: f64,
    /// Tail cuts: at most this share of the words after the marker may sit in prose lines
    /// (long, punctuated lines): a teaser list is headlines, an article going on is prose.
    pub max_prose_share: f64,
    /// Pattern rules: the line must contain one of these literals before the regex runs.
    pub requires: Vec<String>,
    pub strict: bool,
    pub metadata: Option<String>,
    pub note: Option<String>,
    /// The file the rule came from.
    pub source: String,
    /// The language of that file (`meta.lang`); `None`: the rule applies to every language.
    pub lang: Option<String>,
}

/// Limits that keep a hostile rule file from exhausting memory or time.
pub const MAX_RULE_FILE_BYTES: usize = 1 << 20;
pub const MAX_RULES: usize = 5_000;
pub const MAX_PHRASES: usize = 50_000;
pub const MAX_PATTERN_BYTES: usize = 2_000;
/// Longest pattern once `{{vars}}` are expanded.
pub const MAX_EXPANDED_PATTERN_BYTES: usize = 8_000;
pub const MAX_PHRASE_BYTES: usize = 300;
/// Compiled size limit handed to the regex crate, per pattern.
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Default guard: words of body text before a tail marker.
pub const DEFAULT_MIN_WORDS_BEFORE: u32 = 40;
/// Default guard: a tail cut may remove at most this many words per word kept before it.
pub const DEFAULT_MAX_TAIL_RATIO: f64 = 1.5;

/// Fold a line (or phrase) into the key phrases are matched against, into `out`: leading
/// symbols and trailing `: » › . ! | > -` removed, then [`fold_into`].
pub fn line_key_into(line: &str, out: &mut String) {
    fold_into(trim_key_end(trim_key_start(line)), out);
}

/// The start of a key: leading characters that are not letters, digits or `©` removed.
pub fn trim_key_start(line: &str) -> &str {
    line.trim_start_matches(|c: char| !(c.is_alphanumeric() || c == '©'))
}

/// The end of a key: trailing white space and `: » › . ! | > - – — → · • *` removed.
pub fn trim_key_end(line: &str) -> &str {
    line.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(c, ':' | '»' | '›' | '.' | '!' | '|' | '>' | '-' | '–' | '—' | '→' | '·' | '•' | '*')
    })
}

/// Lower-case `text` and fold typographic quotes, dashes and the ellipsis to ASCII, into `out`.
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    // Runs of ASCII are copied and lower-cased whole, runs of characters that fold to themselves
    // (most of a lower-case non-Latin text) copied whole; other characters go one by one.
    let facts = crate::chartable::CharFacts::get();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            // A lone ASCII byte (a space between two words) needs no search for the run's end.
            let end = match bytes.get(i + 1) {
                Some(&b) if b < 0x80 => crate::normalise::next_non_ascii(bytes, i).unwrap_or(bytes.len()),
                _ => i + 1,
            };
            let from = out.len();
            out.push_str(&text[i..end]);
            out[from..].make_ascii_lowercase();
            i = end;
            continue;
        }
        let start = i;
        let mut other = None;
        while i < bytes.len() && bytes[i] >= 0x80 {
            let (c, len) = crate::chartable::char_at(text, i);
            if facts.folds_to_itself(c) != Some(true) {
                other = Some((c, len));
                break;
            }
            i += len;
        }
        out.push_str(&text[start..i]);
        if let Some((c, len)) = other {
            i += len;
            fold_char(c, out);
        }
    }
}

/// Fold one character into `out` (see [`fold_into`]).
pub(crate) fn fold_char(c: char, out: &mut String) {
    match c {
        '‘' | '’' | '‛' | '′' => out.push('\''),
        '“' | '”' | '„' | '″' => out.push('"'),
        '–' | '—' | '‐' | '‑' | '−' => out.push('-'),
        '…' => out.push_str("..."),
        _ if c.is_uppercase() => out.extend(c.to_lowercase()),
        _ => out.push(c),
    }
}

/// The key of a line or phrase (see [`line_key_into`]).
pub fn line_key(line: &str) -> String {
    let mut s = String::new();
    line_key_into(line, &mut s);
    s
}

fn valid_ident(s: &str, extra: &[char]) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// Probe lines: a pattern that matches all of them matches (almost) everything.
const PROBES: &[&str] = &["x", "The council approved the budget on Monday.", "Über 3 Mio. Menschen", "東京"];

fn check_pattern(id: &str, pattern: &str, scope: Scope) -> Result<regex::Regex> {
    if pattern.trim().is_empty() {
        return Err(Error::rule(id, "the pattern is empty: it would match every line"));
    }
    if pattern.len() > MAX_EXPANDED_PATTERN_BYTES {
        return Err(Error::rule(id, format!("the pattern is longer than {MAX_EXPANDED_PATTERN_BYTES} bytes")));
    }
    let re = compile_pattern(&wrap_pattern(pattern, scope))
        .map_err(|e| Error::rule(id, format!("the pattern does not compile: {e}")))?;
    if re.is_match("") {
        return Err(Error::rule(id, "the pattern matches the empty line, so it would match everything"));
    }
    if PROBES.iter().all(|p| re.is_match(p)) {
        return Err(Error::rule(id, "the pattern matches every probe line: it would match everything"));
    }
    Ok(re)
}

/// Lazy-DFA cache per pattern and thread. Credit patterns (Unicode name classes, searched in
/// reverse) rebuilt their states on every line with the regex crate's 2 MiB default.
const DFA_CACHE_BYTES: usize = 16 << 20;

/// Compiled patterns by their wrapped source, shared by every engine in the process: validating a
/// rule and building its scanner compile it once, and so do further engines (other options, a
/// language's own scanner). Cleared when it reaches [`MAX_CACHED_PATTERNS`], which holds every
/// built-in pack (191 patterns) several times over while what the cache can keep alive stays below
/// what one engine may hold anyway ([`MAX_RULES`] patterns of up to [`REGEX_SIZE_LIMIT`] each).
static COMPILED: std::sync::Mutex<Option<rustc_hash::FxHashMap<String, regex::Regex>>> = std::sync::Mutex::new(None);
const MAX_CACHED_PATTERNS: usize = 1024;

/// Compile a wrapped pattern (see [`wrap_pattern`]) with dechaff's limits, or clone the compiled
/// one (a clone shares the program and has its own search caches).
pub fn compile_pattern(wrapped: &str) -> std::result::Result<regex::Regex, regex::Error> {
    let lock = || COMPILED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(re) = lock().as_ref().and_then(|m| m.get(wrapped)) {
        return Ok(re.clone());
    }
    // Compiled outside the lock: engines may be built on several threads at once.
    let re = regex::RegexBuilder::new(wrapped).size_limit(REGEX_SIZE_LIMIT).dfa_size_limit(DFA_CACHE_BYTES).build()?;
    let mut cache = lock();
    let map = cache.get_or_insert_with(Default::default);
    if map.len() >= MAX_CACHED_PATTERNS {
        map.clear();
    }
    map.insert(wrapped.to_string(), re.clone());
    Ok(re)
}

/// Anchor a pattern according to its scope.
pub fn wrap_pattern(pattern: &str, scope: Scope) -> String {
    match scope {
        Scope::Line => format!("^(?:{pattern})$"),
        Scope::Prefix => format!("^(?:{pattern})"),
        Scope::Suffix => format!("(?:{pattern})$"),
        Scope::Contains => format!("(?:{pattern})"),
    }
}

/// Parse and validate one rule file. `source` names it in errors.
pub fn parse_rule_file(source: &str, text: &str) -> Result<Vec<Rule>> {
    if text.len() > MAX_RULE_FILE_BYTES {
        return Err(Error::rule(source, format!("the rule file is larger than {MAX_RULE_FILE_BYTES} bytes")));
    }
    let file: RuleFile =
        toml::from_str(text).map_err(|e| Error::rule(source, format!("invalid rule file: {}", e.message())))?;
    let _ = file.meta.as_ref().map(|m| (&m.version, &m.description));
    let lang = file.meta.and_then(|m| m.lang).filter(|l| !l.is_empty());
    if let Some(l) = &lang {
        if !valid_ident(l, &['-', '_']) {
            return Err(Error::rule(source, format!("meta.lang {l:?} is not a language code")));
        }
    }
    if file.rules.len() > MAX_RULES {
        return Err(Error::rule(source, format!("more than {MAX_RULES} rules in one file")));
    }
    let vars = file.vars;
    // Validation compiles each pattern (most of an engine's build time): rules in parallel, the
    // first error in file order reported.
    let rules: Vec<Result<Rule>> = map_outside_workers(file.rules, |mut spec| {
        if let Some(p) = spec.pattern.take() {
            spec.pattern = Some(expand_vars(&spec.id, &p, &vars)?);
        }
        validate(source, spec).map(|r| Rule { lang: lang.clone(), ..r })
    });
    rules.into_iter().collect()
}

/// `items.map(f)`, in parallel except on a thread of a rayon pool, where it runs in order. An
/// engine thread may be building a value that other documents wait for (a language's scanner,
/// built on first use inside a `OnceLock`: `Engine::lang_scanner`); joining parallel jobs there
/// would let it take up such a document, which then waits for the value its own thread is
/// building: a deadlock.
pub(crate) fn map_outside_workers<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    if rayon::current_thread_index().is_some() {
        items.into_iter().map(f).collect()
    } else {
        items.into_par_iter().map(f).collect()
    }
}

/// Replace `{{NAME}}` by the file's `vars.NAME` (one level: a var may not use another).
fn expand_vars(id: &str, pattern: &str, vars: &std::collections::BTreeMap<String, String>) -> Result<String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(Error::rule(id, format!("the pattern is longer than {MAX_PATTERN_BYTES} bytes")));
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(Error::rule(id, "unclosed `{{` in the pattern"));
        };
        let name = &after[..close];
        let value =
            vars.get(name).ok_or_else(|| Error::rule(id, format!("unknown var {{{{{name}}}}} in the pattern")))?;
        out.push_str("(?:");
        out.push_str(value);
        out.push(')');
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn validate(source: &str, spec: RuleSpec) -> Result<Rule> {
    let id = spec.id.clone();
    if !valid_ident(&id, &['.', '_', '-']) {
        return Err(Error::rule(
            if id.is_empty() { source } else { &id },
            "a rule id must be non-empty and use only ASCII letters, digits, '.', '_' and '-'",
        ));
    }
    if !valid_ident(&spec.category, &['_']) || !spec.category.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Error::rule(
            &id,
            format!("invalid category {:?}: use lower-case letters, digits and '_'", spec.category),
        ));
    }
    let matcher = match (spec.phrases, spec.pattern) {
        (Some(_), Some(_)) => return Err(Error::rule(&id, "give either `phrases` or `pattern`, not both")),
        (None, None) => return Err(Error::rule(&id, "a rule needs `phrases` or `pattern`")),
        (Some(phrases), None) => {
            if phrases.is_empty() {
                return Err(Error::rule(&id, "`phrases` is empty: the rule would never fire"));
            }
            let mut keys = Vec::with_capacity(phrases.len());
            for p in &phrases {
                if p.len() > MAX_PHRASE_BYTES {
                    return Err(Error::rule(&id, format!("a phrase is longer than {MAX_PHRASE_BYTES} bytes")));
                }
                let key = if spec.scope == Scope::Line {
                    line_key(p)
                } else {
                    let mut k = String::new();
                    fold_into(p.trim(), &mut k);
                    k
                };
                if !key.chars().any(char::is_alphanumeric) {
                    return Err(Error::rule(
                        &id,
                        format!("the phrase {p:?} has no letter or digit: it would match everything"),
                    ));
                }
                keys.push(key);
            }
            if matches!(spec.action, Action::StripPrefix) {
                return Err(Error::rule(&id, "strip_prefix needs a `pattern`, not phrases"));
            }
            Matcher::Phrases(keys)
        }
        (None, Some(pattern)) => {
            let re = check_pattern(&id, &pattern, spec.scope)?;
            if spec.metadata.is_some() && re.captures_len() < 2 {
                return Err(Error::rule(&id, "`metadata` needs a capture group in the pattern"));
            }
            Matcher::Pattern(pattern)
        }
    };
    if matches!(spec.action, Action::StripPrefix) && spec.scope != Scope::Prefix {
        return Err(Error::rule(&id, "strip_prefix works with scope = \"prefix\" only"));
    }
    if let Some(key) = &spec.metadata {
        if !valid_ident(key, &['_']) {
            return Err(Error::rule(&id, "`metadata` must be a simple field name"));
        }
    }
    let ratio = spec.max_tail_ratio.unwrap_or(DEFAULT_MAX_TAIL_RATIO);
    if !(ratio.is_finite() && ratio >= 0.0) {
        return Err(Error::rule(&id, "`max_tail_ratio` must be a non-negative number"));
    }
    if spec.requires.iter().any(String::is_empty) {
        return Err(Error::rule(&id, "`requires` holds an empty literal: it would hold for every line"));
    }
    if let Matcher::Phrases(keys) = &matcher {
        if !spec.requires.is_empty() {
            let lits: Vec<String> = spec.requires.iter().map(|l| l.to_ascii_lowercase()).collect();
            if let Some(k) = keys.iter().find(|k| !lits.iter().any(|l| k.contains(l.as_str()))) {
                return Err(Error::rule(&id, format!("the phrase {k:?} holds none of the `requires` literals")));
            }
        }
    }
    let prose = spec.max_prose_share.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&prose) {
        return Err(Error::rule(&id, "`max_prose_share` must be between 0 and 1"));
    }
    Ok(Rule {
        id,
        category: spec.category,
        matcher,
        scope: spec.scope,
        action: spec.action,
        region: spec.region,
        max_words: spec.max_words.unwrap_or(u32::MAX),
        min_words_before: spec.min_words_before.unwrap_or(DEFAULT_MIN_WORDS_BEFORE),
        max_tail_ratio: ratio,
        max_prose_share: prose,
        requires: spec.requires,
        strict: spec.strict,
        metadata: spec.metadata,
        note: spec.note,
        source: source.to_string(),
        lang: None,
    })
}

/// Parse several rule files, keep the rules the options select, and refuse duplicate ids.
pub fn load_rules(sources: &[(String, String)], strict: bool, disable: &[String]) -> Result<Vec<Rule>> {
    let mut seen = HashSet::new();
    let mut named: HashSet<String> = CATEGORIES.iter().map(|c| c.to_string()).collect();
    let mut out = Vec::new();
    let mut phrases = 0usize;
    for (name, text) in sources {
        for rule in parse_rule_file(name, text)? {
            named.insert(rule.category.clone());
            if !seen.insert(rule.id.clone()) {
                return Err(Error::rule(&rule.id, format!("duplicate rule id (again in {name})")));
            }
            if let Matcher::Phrases(p) = &rule.matcher {
                phrases += p.len();
            }
            if (rule.strict && !strict) || disable.iter().any(|d| d == &rule.category) {
                continue;
            }
            out.push(rule);
        }
    }
    if seen.len() > MAX_RULES {
        return Err(Error::rule("rules", format!("more than {MAX_RULES} rules in all")));
    }
    if phrases > MAX_PHRASES {
        return Err(Error::rule("rules", format!("more than {MAX_PHRASES} phrases in all")));
    }
    // A category no rule has is a typo ("captions"): disabling it would silently do nothing.
    if let Some(d) = disable.iter().find(|d| !named.contains(d.as_str())) {
        let mut known: Vec<&str> = named.iter().map(String::as_str).collect();
        known.sort_unstable();
        return Err(Error::option(
            "disable",
            format!("no rule has the category {d:?}; categories: {}", known.join(", ")),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(rule: &str) -> Result<Vec<Rule>> {
        parse_rule_file("test.toml", &format!("[[rule]]\n{rule}"))
    }

    #[test]
    fn of_several_invalid_rules_the_first_in_the_file_is_named() {
        // Rules are validated in parallel; the error reported must not depend on which finishes first.
        let bad =
            |id: &str, k: usize| format!("[[rule]]\nid = \"{id}\"\ncategory = \"x\"\npattern = \"(unclosed{k}\"\n");
        let good = "[[rule]]\nid = \"fine\"\ncategory = \"x\"\nphrases = [\"read more\"]\n";
        for _ in 0..20 {
            let text: String =
                [good.to_string()].into_iter().chain((0..40).map(|k| bad(&format!("bad{k}"), k))).collect();
            match parse_rule_file("test.toml", &text) {
                Err(Error::Rule { rule, .. }) => assert_eq!(rule, "bad0"),
                other => panic!("expected a rule error, got {other:?}"),
            }
        }
    }

    #[test]
    fn compiled_patterns_are_shared_and_behave_alike() {
        let wrapped = wrap_pattern("(?i:photo):? ([A-Z][a-z]+)", Scope::Line);
        let a = compile_pattern(&wrapped).unwrap();
        let b = compile_pattern(&wrapped).unwrap();
        assert_eq!(a.as_str(), b.as_str());
        for line in ["Photo: Reuters", "photo Jane", "A photo: Reuters", ""] {
            assert_eq!(a.is_match(line), b.is_match(line), "{line:?}");
            assert_eq!(a.captures(line).map(|c| c[1].to_string()), b.captures(line).map(|c| c[1].to_string()));
        }
        assert!(compile_pattern("(unclosed").is_err());
        assert!(compile_pattern("(unclosed").is_err(), "errors are not cached as successes");
    }

    #[test]
    fn keys_fold_case_symbols_and_trailing_marks() {
        assert_eq!(line_key("🎙️ Voice is AI-generated."), "voice is ai-generated");
        assert_eq!(line_key("  • You May Also Like:"), "you may also like");
        assert_eq!(line_key("Don’t miss »"), "don't miss");
        assert_eq!(line_key("© 2024 Acme"), "© 2024 acme");
        let mut k = String::new();
        fold_into("Read More:", &mut k);
        assert_eq!(k, "read more:");
    }

    #[test]
    fn folding_runs_equals_folding_each_character() {
        // fold_into copies runs of ASCII and of characters the table says fold to themselves;
        // the result must be what folding each character alone gives.
        let alphabet =
            ['a', 'Q', ' ', '’', '“', '—', '…', 'ж', 'Ж', 'Ё', 'é', 'É', 'ß', 'İ', 'Σ', '東', '😀', '\u{301}'];
        let (mut got, mut want) = (String::new(), String::new());
        for text in crate::testing::random_strings(&alphabet, 30, 20_000, 0x5EED_F01D_CAFE_0001) {
            fold_into(&text, &mut got);
            want.clear();
            text.chars().for_each(|c| fold_char(c, &mut want));
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn valid_rules_parse() {
        let r = one("id='a.b'\ncategory='related'\nphrases=['Related']\naction='cut_tail'\nscope='line'").unwrap();
        assert_eq!(r[0].action, Action::CutTail);
        assert_eq!(r[0].matcher, Matcher::Phrases(vec!["related".into()]));
    }

    #[test]
    fn bad_rules_name_the_rule() {
        for (body, needle) in [
            ("id='x'\ncategory='ads'\npattern=''", "empty"),
            ("id='x'\ncategory='ads'\npattern='.*'", "empty line"),
            ("id='x'\ncategory='ads'\npattern='(?s).+'", "every probe"),
            ("id='x'\ncategory='ads'\nphrases=['...']", "no letter"),
            ("id='x'\ncategory='ads'\nphrases=[]", "never fire"),
            ("id='x'\ncategory='ads'\npattern='('", "compile"),
            ("id='x'\ncategory='Ads'\nphrases=['ad']", "category"),
            ("id='x'\ncategory='ads'\nphrases=['ad']\nbogus=1", "unknown field"),
            (
                "id='x'\ncategory='label'\npattern='date'\nscope='prefix'\naction='strip_prefix'\nmetadata='date'",
                "capture",
            ),
        ] {
            let err = one(body).unwrap_err().to_string();
            assert!(err.contains(needle), "{body:?} gave {err}");
            assert!(err.contains("x") || err.contains("test.toml"), "{err}");
        }
    }

    #[test]
    fn vars_expand() {
        let f = "[vars]\nAG = 'AFP|AP'\n[[rule]]\nid='c'\ncategory='caption'\nscope='suffix'\npattern='/{{AG}}'\n";
        let r = parse_rule_file("f", f).unwrap();
        assert_eq!(r[0].matcher, Matcher::Pattern("/(?:AFP|AP)".into()));
        assert!(parse_rule_file("f", &f.replace("{{AG}}", "{{NOPE}}")).unwrap_err().to_string().contains("NOPE"));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let f = "[[rule]]\nid='a'\ncategory='ads'\nphrases=['ad']\n".to_string();
        let err = load_rules(&[("f1".into(), f.clone()), ("f2".into(), f)], false, &[]).unwrap_err();
        assert!(err.to_string().contains("duplicate"));
    }
}
