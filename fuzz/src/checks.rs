//! The invariants every fuzz target asserts, and the byte layout of fuzz inputs.
//!
//! This file has no dependency beyond `dechaff` and `unicode-normalization`: the fuzz crate
//! uses it as a module, and the main crate's `tests/fuzz_regressions.rs` includes it with
//! `#[path]`, so committed regression inputs replay under a plain `cargo test` (no cargo-fuzz,
//! no `arbitrary`).
//!
//! Input layout (what `#[derive(Arbitrary)]` on the fuzz crate's structs reads, byte for byte;
//! `cargo test` in `fuzz/` checks the two decoders agree): a fixed number of option bytes (one
//! per field, zero when the input is shorter), then the text: the longest valid UTF-8 prefix of
//! the remaining bytes.
#![allow(dead_code)]

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use dechaff::{Cleaned, Engine, EngineOptions, Error, Mode, NormaliseOptions};
use unicode_normalization::is_nfc;

/// Bytes of [`Options`] at the start of every input.
pub const OPTION_BYTES: usize = 6;
/// Bytes of one [`RuleSel`].
pub const RULE_SEL_BYTES: usize = 8;
/// Rules in a `rules` target input.
pub const RULES: usize = 3;

/// Categories a fuzz input may disable (one at a time: every combination is a cached engine).
pub const DISABLE: [&str; 2] = ["", "duplicate"];

/// Engine and normaliser switches, one byte each (booleans use the low bit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Options {
    pub strict: bool,
    pub ascii_punctuation: bool,
    pub bullets: bool,
    pub space_before_punctuation: bool,
    /// Index into [`DISABLE`] (mod 2).
    pub disable: u8,
    /// Spare byte: the `rules` target reads a flag from it.
    pub extra: u8,
}

impl Options {
    pub fn from_bytes(b: [u8; OPTION_BYTES]) -> Options {
        Options {
            strict: b[0] & 1 == 1,
            ascii_punctuation: b[1] & 1 == 1,
            bullets: b[2] & 1 == 1,
            space_before_punctuation: b[3] & 1 == 1,
            disable: b[4],
            extra: b[5],
        }
    }

    pub fn normalise(&self) -> NormaliseOptions {
        NormaliseOptions {
            ascii_punctuation: self.ascii_punctuation,
            bullets: self.bullets,
            space_before_punctuation: self.space_before_punctuation,
            french_spacing: self.extra & 2 == 2,
        }
    }

    /// Engine options. To keep the number of cached built-in engines small (each takes time
    /// and memory to build), `bullets` switches both line-start options on, and
    /// `space_before_punctuation` alone matters to the `normalise` target only.
    pub fn engine(&self) -> EngineOptions {
        let d = DISABLE[self.disable as usize % DISABLE.len()];
        EngineOptions {
            strict: self.strict,
            disable: if d.is_empty() { vec![] } else { vec![d.to_string()] },
            normalise: NormaliseOptions {
                ascii_punctuation: self.ascii_punctuation,
                bullets: self.bullets,
                space_before_punctuation: self.bullets,
                french_spacing: false,
            },
            max_bytes: 0,
            detect_language: false,
        }
    }

    /// The key of the cached built-in engine for these options (32 engines in all).
    fn key(&self) -> [u8; 5] {
        [
            u8::from(self.strict),
            u8::from(self.ascii_punctuation),
            u8::from(self.bullets),
            self.disable % 2,
            self.lang_auto(),
        ]
    }

    /// Bit 2 of `extra`: every language pack, chosen per document (`lang="auto"`).
    fn lang_auto(&self) -> u8 {
        self.extra >> 2 & 1
    }
}

/// One fuzzed rule: which fields it has. The pattern or phrase text comes from the input text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleSel {
    /// 0: phrases; 1: pattern; 2: pattern with `metadata`; 3: pattern with `requires`.
    pub kind: u8,
    pub scope: u8,
    pub action: u8,
    pub region: u8,
    /// 0: no guard, else the guard's value.
    pub max_words: u8,
    pub min_words_before: u8,
    /// 0: default, else n / 8.
    pub max_tail_ratio: u8,
    /// Low bit: `strict = true`.
    pub flags: u8,
}

impl RuleSel {
    pub fn from_bytes(b: [u8; RULE_SEL_BYTES]) -> RuleSel {
        RuleSel {
            kind: b[0],
            scope: b[1],
            action: b[2],
            region: b[3],
            max_words: b[4],
            min_words_before: b[5],
            max_tail_ratio: b[6],
            flags: b[7],
        }
    }
}

/// Split an input into `N` fixed bytes (zero-padded) and the text (longest valid UTF-8 prefix).
pub fn split_input<const N: usize>(data: &[u8]) -> ([u8; N], &str) {
    let mut head = [0u8; N];
    let n = data.len().min(N);
    head[..n].copy_from_slice(&data[..n]);
    let rest = &data[n..];
    let text = match std::str::from_utf8(rest) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap(),
    };
    (head, text)
}

/// Decode a `normalise`, `clean_article` or `clean_page` input.
pub fn decode_text_input(data: &[u8]) -> (Options, &str) {
    let (head, text) = split_input::<OPTION_BYTES>(data);
    (Options::from_bytes(head), text)
}

/// Decode a `rules` input.
pub fn decode_rules_input(data: &[u8]) -> (Options, [RuleSel; RULES], &str) {
    const N: usize = OPTION_BYTES + RULES * RULE_SEL_BYTES;
    let (head, text) = split_input::<N>(data);
    let opts = Options::from_bytes(head[..OPTION_BYTES].try_into().unwrap());
    let mut sels = [RuleSel::default(); RULES];
    for (i, s) in sels.iter_mut().enumerate() {
        let at = OPTION_BYTES + i * RULE_SEL_BYTES;
        *s = RuleSel::from_bytes(head[at..at + RULE_SEL_BYTES].try_into().unwrap());
    }
    (opts, sels, text)
}

/// The built-in English engine for `opts`, built once per option set and shared.
pub fn builtin_engine(opts: &Options) -> Arc<Engine> {
    type Key = [u8; 5];
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Engine>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(opts.key())
        .or_insert_with(|| {
            let lang = if opts.lang_auto() == 1 { "auto" } else { "en" };
            Arc::new(Engine::builtin(lang, &opts.engine()).expect("built-in rules compile"))
        })
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

/// Characters normalisation never leaves in its output.
fn forbidden_after_normalise(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{09}' | '\u{0B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{200E}' | '\u{200F}' | '\u{180E}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FFFE}' | '\u{FFFF}'
        | '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
        | '\u{2028}' | '\u{2029}')
}

/// Normalised text: NFC, no forbidden characters, trimmed lines without space runs, at most
/// one blank line in a row, none at either end.
pub fn check_normalised_shape(n: &str, what: &str) {
    assert!(is_nfc(n), "{what}: not NFC: {n:?}");
    if let Some(c) = n.chars().find(|&c| forbidden_after_normalise(c)) {
        panic!("{what}: U+{:04X} survived normalisation: {n:?}", c as u32);
    }
    assert!(!n.starts_with('\n') && !n.ends_with('\n'), "{what}: blank line at an end: {n:?}");
    assert!(!n.contains("\n\n\n"), "{what}: two blank lines in a row: {n:?}");
    assert!(!n.contains("  "), "{what}: a space run: {n:?}");
    for line in n.split('\n') {
        assert!(!line.starts_with(' ') && !line.ends_with(' '), "{what}: line not trimmed: {line:?}");
    }
}

/// `normalise` is idempotent and yields normalised text.
pub fn check_normalise(text: &str, opts: &NormaliseOptions) {
    let once = dechaff::normalise(text, opts);
    check_normalised_shape(&once, "normalise");
    let twice = dechaff::normalise(&once, opts);
    assert_eq!(once, twice, "normalise is not idempotent (options {opts:?}) on {text:?}");
}

/// Removal spans: byte offsets on character boundaries, `start < end <= len`, sorted, disjoint.
pub fn check_spans(out: &Cleaned) {
    let n = &out.normalized;
    let mut prev_end = 0;
    for (i, r) in out.removals.iter().enumerate() {
        assert!(r.start < r.end && r.end <= n.len(), "removal {i} {r:?} out of range (len {})", n.len());
        assert!(n.is_char_boundary(r.start) && n.is_char_boundary(r.end), "removal {i} {r:?} splits a character");
        assert!(
            i == 0 || r.start >= prev_end,
            "removal {i} {r:?} overlaps or is out of order (previous end {prev_end})"
        );
        prev_end = r.end;
    }
}

/// Cutting the spans out of `normalized` and dropping empty lines gives the output's lines.
pub fn check_cut_lines(out: &Cleaned) {
    let mut kept = String::with_capacity(out.normalized.len());
    let mut at = 0;
    for r in &out.removals {
        kept.push_str(&out.normalized[at..r.start]);
        at = r.end;
    }
    kept.push_str(&out.normalized[at..]);
    let left: Vec<&str> = kept.split('\n').filter(|l| !l.is_empty()).collect();
    let got: Vec<&str> = out.text.split('\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(left, got, "cutting the removals out of the normalised text does not give the output");
}

/// The words of a text as the engine sees them when it cuts a line: maximal runs of letters and
/// digits (`char::is_alphanumeric`). A `strip_prefix` cut never splits one; white-space tokens
/// it may split (`/"Reuters` → `"Reuters`), so they are not the unit here.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Every word of the output is a word of the normalised input, and every metadata value is a
/// piece of it.
pub fn check_words(out: &Cleaned) {
    let known: HashSet<&str> = words(&out.normalized).collect();
    for w in words(&out.text) {
        assert!(known.contains(w), "output word {w:?} is not a word of the normalised input");
    }
    for (k, v) in &out.metadata {
        assert!(out.normalized.contains(v.as_str()), "metadata {k}={v:?} is not in the normalised input");
    }
}

/// Everything one cleaning result must satisfy on its own.
pub fn check_result(engine: &Engine, input: &str, out: &Cleaned) {
    assert_eq!(out.normalized, engine.normalise(input), "`normalized` is not the normalised input");
    check_normalised_shape(&out.text, "output text");
    check_spans(out);
    check_cut_lines(out);
    check_words(out);
}

/// The bulk fast path (`records::clean_jsonl_block`) over a block of would-be JSON lines: every
/// output line is a JSON object with the report field, one per record written, and its text is
/// what article mode makes of the input record's text; the lines handed back to the general path
/// lie inside the block, in order, each placed at a line boundary of the output; every non-blank
/// input line is either written or handed back. Returns the number of records written.
pub fn check_records(engine: &Engine, block: &[u8]) -> usize {
    use dechaff::records::{clean_jsonl_block, JsonlOptions};
    let opts = JsonlOptions { text_field: "text".into(), report_field: "dechaff".into(), mode: Mode::Article };
    let r = clean_jsonl_block(engine, block, &opts, 1);
    let bytes = r.to_vec();
    assert_eq!(bytes.len(), r.len());
    let out = std::str::from_utf8(&bytes).expect("the output is UTF-8");
    assert!(out.is_empty() || out.ends_with('\n'), "the output ends in a newline");
    let written: Vec<&str> = out.split_terminator('\n').collect();
    assert_eq!(written.len() as u64, r.stats.written, "one output line per record written");
    let mut prev: Option<&dechaff::records::Fallback> = None;
    for f in &r.fallbacks {
        assert!(f.start < f.end && f.end <= block.len(), "{f:?} lies inside the block");
        assert!(f.at <= bytes.len() && (f.at == 0 || bytes[f.at - 1] == b'\n'), "{f:?} at a line boundary");
        if let Some(p) = prev {
            assert!(p.line < f.line && p.at <= f.at, "{f:?} after {p:?}");
        }
        prev = Some(f);
    }
    // The block's lines as the fast path counts them (a last line without its newline counts).
    let mut lines: Vec<&[u8]> = block.split_inclusive(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let blank = |l: &[u8]| l.iter().all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c));
    let handed_back: HashSet<usize> = r.fallbacks.iter().map(|f| f.line).collect();
    let records: Vec<&[u8]> =
        lines.iter().enumerate().filter(|(i, l)| !blank(l) && !handed_back.contains(i)).map(|(_, l)| *l).collect();
    assert_eq!(records.len(), written.len(), "every non-blank line is written or handed back");
    for (input, output) in records.iter().zip(&written) {
        let got: serde_json::Value = serde_json::from_str(output).unwrap_or_else(|e| panic!("{e}: {output:?}"));
        let report = got.get("dechaff").and_then(serde_json::Value::as_object).expect("a report object");
        let text = got.get("text").and_then(serde_json::Value::as_str).expect("a text string");
        // Where serde_json reads the input line too, the text is article mode's output.
        if let Ok(serde_json::Value::Object(rec)) = serde_json::from_slice::<serde_json::Value>(input) {
            if let Some(serde_json::Value::String(original)) = rec.get("text") {
                let want = engine.try_clean(original, Mode::Article).expect("the fast path cleaned it");
                assert_eq!(text, want.text, "the text of {input:?}");
                assert_eq!(
                    report.get("chars_after").and_then(serde_json::Value::as_u64),
                    Some(text.chars().count() as u64)
                );
            }
        }
    }
    written.len()
}

/// Article mode: the invariants, then idempotence (cleaning the output changes nothing).
pub fn check_article(engine: &Engine, text: &str) {
    let out = engine.clean_mode(text, Mode::Article);
    assert_eq!(out.mode, Mode::Article);
    check_result(engine, text, &out);
    let again = engine.clean_mode(&out.text, Mode::Article);
    assert_eq!(again.text, out.text, "article mode is not idempotent on {text:?}");
    assert!(again.removals.is_empty(), "cleaning the output again removed {:?}", again.removals);
}

/// Page and auto modes: the invariants; the output, cleaned in article mode, is unchanged.
pub fn check_page(engine: &Engine, text: &str) {
    for mode in [Mode::Page, Mode::Auto] {
        let out = engine.clean_mode(text, mode);
        assert!(out.mode != Mode::Auto, "the result names mode Auto");
        if mode == Mode::Page {
            assert_eq!(out.mode, Mode::Page);
        }
        check_result(engine, text, &out);
        let again = engine.clean_mode(&out.text, Mode::Article);
        assert_eq!(again.text, out.text, "{mode:?} output changed when cleaned in article mode: {text:?}");
        assert!(again.removals.is_empty(), "{mode:?} output, cleaned again, lost {:?}", again.removals);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule files
// ---------------------------------------------------------------------------------------------

/// A TOML basic string holding `s` exactly.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The rule file and document of a `rules` input: the text is split at U+0001 into one field
/// per rule (its pattern, or its phrases separated by U+0002) and the document. With the low bit
/// of `opts.extra` set, the whole text is the rule file instead, and the document is fixed.
pub fn rule_file(opts: &Options, sels: &[RuleSel; RULES], text: &str) -> (String, String) {
    const DOC: &str = "Breaking: The council met on Monday to vote on the budget, officials said.\n\
        Share this article\nBy Jane Doe\nRelated stories\nSomething else entirely";
    if opts.extra & 1 == 1 {
        return (text.to_string(), DOC.to_string());
    }
    let mut parts = text.split('\u{1}');
    let mut file = String::from("[vars]\nV = \"Photo|Getty\"\n");
    for (i, s) in sels.iter().enumerate() {
        let Some(field) = parts.next() else { break };
        file.push_str(&format!("\n[[rule]]\nid = \"r{i}\"\ncategory = \"fuzz{i}\"\n"));
        match s.kind % 4 {
            0 => {
                let phrases: Vec<String> = field.split('\u{2}').map(toml_str).collect();
                file.push_str(&format!("phrases = [{}]\n", phrases.join(", ")));
            }
            k => {
                file.push_str(&format!("pattern = {}\n", toml_str(field)));
                if k == 2 {
                    file.push_str("metadata = \"field\"\n");
                }
                if k == 3 {
                    let lit: String = field.chars().filter(|c| c.is_alphanumeric()).take(4).collect();
                    file.push_str(&format!("requires = [{}]\n", toml_str(&lit)));
                }
            }
        }
        let scope = ["line", "prefix", "suffix", "contains"][s.scope as usize % 4];
        let action = ["drop_line", "cut_tail", "strip_prefix", "caption"][s.action as usize % 4];
        let region = ["anywhere", "head", "tail", "first_line"][s.region as usize % 4];
        file.push_str(&format!("scope = \"{scope}\"\naction = \"{action}\"\nregion = \"{region}\"\n"));
        if s.max_words > 0 {
            file.push_str(&format!("max_words = {}\n", s.max_words));
        }
        if s.min_words_before > 0 {
            file.push_str(&format!("min_words_before = {}\n", s.min_words_before - 1));
        }
        if s.max_tail_ratio > 0 {
            file.push_str(&format!("max_tail_ratio = {}\n", f64::from(s.max_tail_ratio) / 8.0));
        }
        if s.flags & 1 == 1 {
            file.push_str("strict = true\n");
        }
    }
    let doc: Vec<&str> = parts.collect();
    (file, doc.join("\n"))
}

/// Build an engine from a fuzzed rule file: it compiles or is refused with a `RuleError` that
/// names a rule or the file; when it compiles, cleaning with it keeps every invariant.
pub fn check_rules(opts: &Options, sels: &[RuleSel; RULES], text: &str) {
    let (file, doc) = rule_file(opts, sels, text);
    let eopts = EngineOptions { disable: vec![], ..opts.engine() };
    match Engine::new(&[("fuzz.toml".to_string(), file.clone())], eopts) {
        Ok(engine) => {
            check_article(&engine, &doc);
            check_page(&engine, &doc);
        }
        Err(Error::Rule { rule, message }) => {
            assert!(!message.is_empty(), "a RuleError without a message");
            // Raw rule files may spell an id with escapes: there, any non-empty name will do.
            let named = opts.extra & 1 == 1 && !rule.is_empty()
                || ["fuzz.toml", "rules", "contains-phrases", "requires"].contains(&rule.as_str())
                || file.contains(&format!("id = \"{rule}\""));
            assert!(named, "RuleError names {rule:?}, which is neither the file nor a rule of it");
        }
        Err(e) => panic!("building an engine from rules gave a non-rule error: {e}"),
    }
}

/// Run the checks of `target` on one raw fuzz input (what the fuzz target and the regression
/// replay both call).
pub fn run_target(target: &str, data: &[u8]) {
    match target {
        "normalise" => {
            let (opts, text) = decode_text_input(data);
            check_normalise(text, &opts.normalise());
        }
        "clean_article" => {
            let (opts, text) = decode_text_input(data);
            check_article(&builtin_engine(&opts), text);
        }
        "clean_page" => {
            let (opts, text) = decode_text_input(data);
            check_page(&builtin_engine(&opts), text);
        }
        "rules" => {
            let (opts, sels, text) = decode_rules_input(data);
            check_rules(&opts, &sels, text);
        }
        "records" => {
            let (opts, _) = decode_text_input(data);
            check_records(&builtin_engine(&opts), &data[OPTION_BYTES.min(data.len())..]);
        }
        other => panic!("unknown fuzz target {other:?}"),
    }
}

/// The fuzz targets, by name.
pub const TARGETS: [&str; 5] = ["normalise", "clean_article", "clean_page", "rules", "records"];
