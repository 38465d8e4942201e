//! Bulk JSON lines: clean a block of JSONL records in one call, without Python objects.
//!
//! [`clean_jsonl_block`] splits a block of bytes into lines and, on rayon threads, parses each
//! record, cleans its text field with the [`Engine`], writes the text back, appends the report
//! field and serialises the line again. The output bytes are the bytes the Python bulk path writes
//! for the same record (`orjson.dumps` of the parsed record, text replaced, report added): every
//! field is kept in order, strings are written back in orjson's escaping, integers as written and
//! floats in orjson's shortest form.
//!
//! A line this path cannot reproduce exactly — malformed JSON (NaN included), invalid UTF-8, a
//! lone surrogate, a repeated key, an integer beyond 64 bits, a number out of float range, nesting
//! deeper than 64, a missing or non-string text field, an existing report field, a document the
//! engine refuses, text that looks like HTML in auto mode — is handed back as a *fallback*: the caller cleans it the general
//! way, at its place in the output, so quarantine entries and counts stay exactly those of the
//! general path.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::{Cleaned, Engine, Mode};

/// What to clean in each record.
#[derive(Debug, Clone)]
pub struct JsonlOptions {
    /// Field holding the text; a dotted path reaches into nested objects (a top-level key that
    /// equals the whole path wins, as in the Python path).
    pub text_field: String,
    /// Name of the report field appended to each record.
    pub report_field: String,
    /// Cleaning mode.
    pub mode: Mode,
}

/// Removals and characters of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    pub rule: String,
    pub category: String,
    pub removals: u64,
    pub chars: u64,
}

/// Counts over the records a block wrote (fallback lines are not counted here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockStats {
    /// Records cleaned and written.
    pub written: u64,
    /// Input bytes of those records (each line with its newline).
    pub bytes_in: u64,
    /// Records with at least one removal.
    pub changed: u64,
    /// Records whose non-empty text became empty.
    pub emptied: u64,
    /// Code points of normalised text before and after cleaning.
    pub chars_before: u64,
    pub chars_after: u64,
    /// Per (rule, category), in first-seen order.
    pub rules: Vec<RuleCount>,
    /// Records per language pack that ran (`lang="auto"` only), in first-seen order.
    pub langs: Vec<(String, u64)>,
}

/// Add `n` records of language `lang` to `langs` (a handful of entries: a linear search).
fn count_lang(langs: &mut Vec<(String, u64)>, lang: &str, n: u64) {
    match langs.iter_mut().find(|(l, _)| l == lang) {
        Some((_, k)) => *k += n,
        None => langs.push((lang.to_string(), n)),
    }
}

/// A line left to the caller: its index among the block's lines (blank lines count), its byte
/// range in the block (newline included) and the position in the output where its result goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback {
    pub line: usize,
    pub start: usize,
    pub end: usize,
    pub at: usize,
}

/// The result of one block.
#[derive(Debug, Default)]
pub struct BlockOutput {
    /// The output lines of the cleaned records, each ending in `\n`: these pieces (one per parallel
    /// task) one after the other. They are joined only where they are copied out
    /// ([`BlockOutput::write_to`]), so the block's bytes are copied once.
    pub pieces: Vec<Vec<u8>>,
    /// Lines to clean the slow way, in order (`at`: a byte offset into the joined pieces).
    pub fallbacks: Vec<Fallback>,
    pub stats: BlockStats,
}

impl BlockOutput {
    /// Bytes of output in all.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(Vec::len).sum()
    }

    /// No output bytes (every line was blank or handed back).
    pub fn is_empty(&self) -> bool {
        self.pieces.iter().all(Vec::is_empty)
    }

    /// Copy the output into `dst`, which is [`BlockOutput::len`] bytes long.
    pub fn write_to(&self, dst: &mut [u8]) {
        assert_eq!(dst.len(), self.len(), "the destination fits the output exactly");
        let mut at = 0;
        for p in &self.pieces {
            dst[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
    }

    /// The output as one vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.pieces.concat()
    }
}

/// Bytes of lines per parallel task: enough to amortise the task, small enough to balance threads.
const CHUNK_BYTES: usize = 64 << 10;
/// Nesting deeper than this goes to the fallback (the Python path has its own limits there).
const MAX_DEPTH: usize = 64;

/// Clean every JSON line of `block` on `threads` threads (0: the global pool, 1: this thread).
pub fn clean_jsonl_block(engine: &Engine, block: &[u8], opts: &JsonlOptions, threads: usize) -> BlockOutput {
    let path = Path::new(&opts.text_field);
    // (start, end) of every line, newline included; then chunks of about CHUNK_BYTES
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', block) {
        lines.push((start, end + 1));
        start = end + 1;
    }
    if start < block.len() {
        lines.push((start, block.len()));
    }
    let mut chunks: Vec<(usize, usize)> = Vec::new(); // ranges of `lines`
    let (mut lo, mut size) = (0, 0);
    for (i, (s, e)) in lines.iter().enumerate() {
        size += e - s;
        if size >= CHUNK_BYTES {
            chunks.push((lo, i + 1));
            (lo, size) = (i + 1, 0);
        }
    }
    if lo < lines.len() {
        chunks.push((lo, lines.len()));
    }
    let one = |&(lo, hi): &(usize, usize)| clean_chunk(engine, block, &lines[lo..hi], lo, opts, &path);
    let parts: Vec<ChunkOut<'_>> = if threads == 1 || chunks.len() < 2 {
        chunks.iter().map(one).collect()
    } else {
        engine.in_pool(threads, || chunks.par_iter().map(one).collect())
    };
    merge(parts)
}

struct ChunkOut<'e> {
    out: Vec<u8>,
    fallbacks: Vec<Fallback>,
    stats: BlockStats,
    rules: FxHashMap<(&'e str, &'e str), (usize, u64, u64)>,
}

fn merge(parts: Vec<ChunkOut<'_>>) -> BlockOutput {
    let mut res = BlockOutput::default();
    let mut rules: FxHashMap<(&str, &str), usize> = FxHashMap::default();
    let mut base = 0;
    for p in parts {
        res.fallbacks.extend(p.fallbacks.iter().map(|f| Fallback { at: f.at + base, ..*f }));
        base += p.out.len();
        res.pieces.push(p.out);
        let (s, t) = (&p.stats, &mut res.stats);
        t.written += s.written;
        t.bytes_in += s.bytes_in;
        t.changed += s.changed;
        t.emptied += s.emptied;
        t.chars_before += s.chars_before;
        t.chars_after += s.chars_after;
        for (lang, n) in &s.langs {
            count_lang(&mut t.langs, lang, *n);
        }
        let mut seen: Vec<_> = p.rules.into_iter().collect();
        seen.sort_by_key(|(_, (order, _, _))| *order);
        for ((rule, cat), (_, n, chars)) in seen {
            let i = *rules.entry((rule, cat)).or_insert_with(|| {
                t.rules.push(RuleCount { rule: rule.to_string(), category: cat.to_string(), removals: 0, chars: 0 });
                t.rules.len() - 1
            });
            t.rules[i].removals += n;
            t.rules[i].chars += chars;
        }
    }
    res
}

/// A parsed record: its canonical bytes with the text value's range in them (an empty range where a
/// top-level text field was left out, not copied), and the text.
struct Parsed {
    canon: Vec<u8>,
    text_at: (usize, usize),
    text: String,
}

enum Slot {
    /// Index into the parsed records; the line, should the engine refuse the text.
    Record(usize, Fallback),
    Fallback(Fallback),
}

fn clean_chunk<'e>(
    engine: &'e Engine,
    block: &[u8],
    lines: &[(usize, usize)],
    first: usize,
    opts: &JsonlOptions,
    path: &Path<'_>,
) -> ChunkOut<'e> {
    let mut slots = Vec::with_capacity(lines.len());
    let mut parsed = Vec::with_capacity(lines.len());
    for (k, &(s, e)) in lines.iter().enumerate() {
        let body = py_strip(&block[s..e]);
        if body.is_empty() {
            continue; // a blank line: not a record
        }
        let fb = Fallback { line: first + k, start: s, end: e, at: 0 };
        match parse_record(body, path, &opts.report_field) {
            Some(p) if !(opts.mode == Mode::Auto && looks_like_markup(&p.text)) => {
                slots.push(Slot::Record(parsed.len(), fb));
                parsed.push(p);
            }
            _ => slots.push(Slot::Fallback(fb)),
        }
    }
    let texts: Vec<&str> = parsed.iter().map(|p| p.text.as_str()).collect();
    let mut results: Vec<Option<Cleaned>> =
        engine.clean_batch(&texts, opts.mode, 1).into_iter().map(|r| r.ok()).collect();
    drop(texts);
    let mut out = ChunkOut {
        out: Vec::with_capacity(lines.iter().map(|(s, e)| e - s).sum::<usize>() + 256 * parsed.len()),
        fallbacks: Vec::new(),
        stats: BlockStats::default(),
        rules: FxHashMap::default(),
    };
    for slot in slots {
        match slot {
            Slot::Fallback(fb) => out.fallbacks.push(Fallback { at: out.out.len(), ..fb }),
            Slot::Record(i, fb) => match results[i].take() {
                // the engine refused it (above max_bytes): the general path quarantines it
                None => out.fallbacks.push(Fallback { at: out.out.len(), ..fb }),
                Some(c) => {
                    write_record(engine, &parsed[i], c, (fb.end - fb.start) as u64, &opts.report_field, &mut out)
                }
            },
        }
    }
    out
}

/// Append the output line of one cleaned record and count it.
fn write_record<'e>(engine: &'e Engine, p: &Parsed, c: Cleaned, size: u64, report_field: &str, out: &mut ChunkOut<'e>) {
    let removed = engine.reported_removals(&c.normalized, &c.removals);
    let before = c.normalized.chars().count() as u64;
    let after = c.text.chars().count() as u64;
    let st = &mut out.stats;
    st.written += 1;
    st.bytes_in += size;
    st.chars_before += before;
    st.chars_after += after;
    st.changed += u64::from(!c.removals.is_empty());
    st.emptied += u64::from(!c.normalized.is_empty() && c.text.is_empty());
    if let Some(lang) = &c.lang {
        count_lang(&mut st.langs, lang, 1);
    }

    let o = &mut out.out;
    let (ts, te) = p.text_at;
    o.extend_from_slice(&p.canon[..ts]);
    write_str(o, &c.text);
    o.extend_from_slice(&p.canon[te..p.canon.len() - 1]); // all but the closing brace
    o.push(b',');
    write_str(o, report_field);
    o.extend_from_slice(b":{\"removed\":[");
    let order = out.rules.len();
    for (k, &(start, end, rule, cat)) in removed.iter().enumerate() {
        let n = (end - start) as u64;
        let e = out.rules.entry((rule, cat)).or_insert((order + k, 0, 0));
        e.1 += 1;
        e.2 += n;
        if k > 0 {
            o.push(b',');
        }
        o.extend_from_slice(b"{\"start\":");
        o.extend_from_slice(start.to_string().as_bytes());
        o.extend_from_slice(b",\"end\":");
        o.extend_from_slice(end.to_string().as_bytes());
        o.extend_from_slice(b",\"rule\":");
        write_str(o, rule);
        o.extend_from_slice(b",\"category\":");
        write_str(o, cat);
        o.push(b'}');
    }
    o.extend_from_slice(b"],\"chars_before\":");
    o.extend_from_slice(before.to_string().as_bytes());
    o.extend_from_slice(b",\"chars_after\":");
    o.extend_from_slice(after.to_string().as_bytes());
    o.extend_from_slice(b",\"metadata\":{");
    // dict(pairs): a repeated key keeps its first place and takes the last value
    let mut keys: Vec<&str> = Vec::with_capacity(c.metadata.len());
    for (k, _) in &c.metadata {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    for (j, k) in keys.iter().enumerate() {
        if j > 0 {
            o.push(b',');
        }
        let v = &c.metadata.iter().rev().find(|(kk, _)| kk == k).expect("key from the list").1;
        write_str(o, k);
        o.push(b':');
        write_str(o, v);
    }
    o.extend_from_slice(b"},\"mode\":");
    write_str(o, if c.mode == Mode::Page { "page" } else { "article" });
    if let Some(lang) = &c.lang {
        o.extend_from_slice(b",\"lang\":");
        write_str(o, lang);
    }
    o.extend_from_slice(b"}}\n");
}

/// `bytes.strip()`: ASCII whitespace (space, \t, \n, \r, \v, \f) off both ends.
fn py_strip(mut b: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    while let [first, rest @ ..] = b {
        if !ws(first) {
            break;
        }
        b = rest;
    }
    while let [rest @ .., last] = b {
        if !ws(last) {
            break;
        }
        b = rest;
    }
    b
}

/// Python's `str.isspace()` (Unicode White_Space plus the separators U+001C..U+001F).
fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `text.lstrip()[:1] == "<"`: the Python path asks whether such a text is HTML (auto mode).
fn looks_like_markup(text: &str) -> bool {
    text.chars().find(|&c| !py_is_space(c)) == Some('<')
}

/// Write `s` as a JSON string the way orjson does: `"`, `\\` and control characters escaped
/// (short forms for \b \t \n \f \r, else `\u00xx`), everything else as UTF-8.
pub fn write_str(o: &mut Vec<u8>, s: &str) {
    o.push(b'"');
    write_escaped(o, s);
    o.push(b'"');
}

/// The inside of [`write_str`].
fn write_escaped(o: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(j) = next_to_escape(b, from) {
        o.extend_from_slice(&b[from..j]);
        from = j + 1;
        match b[j] {
            b'"' => o.extend_from_slice(b"\\\""),
            b'\\' => o.extend_from_slice(b"\\\\"),
            b'\n' => o.extend_from_slice(b"\\n"),
            b'\r' => o.extend_from_slice(b"\\r"),
            b'\t' => o.extend_from_slice(b"\\t"),
            0x08 => o.extend_from_slice(b"\\b"),
            0x0c => o.extend_from_slice(b"\\f"),
            c => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                o.extend_from_slice(b"\\u00");
                o.push(HEX[(c >> 4) as usize]);
                o.push(HEX[(c & 15) as usize]);
            }
        }
    }
    o.extend_from_slice(&b[from..]);
}

/// The first byte at or after `i` that needs escaping in a JSON string: a control byte (below
/// 0x20), `"` or `\`. Text has few (mostly newlines), so it looks 32 bytes, then 8, at a time.
#[inline]
fn next_to_escape(b: &[u8], mut i: usize) -> Option<usize> {
    let word = |k: usize| u64::from_le_bytes(b[k..k + 8].try_into().expect("eight bytes"));
    while i + 32 <= b.len() {
        if (escape_mask(word(i)) | escape_mask(word(i + 8)) | escape_mask(word(i + 16)) | escape_mask(word(i + 24)))
            != 0
        {
            break;
        }
        i += 32;
    }
    while i + 8 <= b.len() {
        let m = escape_mask(word(i));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\').map(|p| i + p)
}

/// The bytes of `word` (little-endian) that need escaping, as their high bits; bytes above the
/// lowest one flagged may be flagged wrongly, the lowest is exact. Bit tricks: a byte below `n`
/// (≤ 0x80) leaves its high bit set in `(word - n·ONES) & !word`, and borrows only start there.
#[inline]
fn escape_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    below(word, 0x20) | below(word ^ (ONES * u64::from(b'"')), 1) | below(word ^ (ONES * u64::from(b'\\')), 1)
}

// ---------------------------------------------------------------------------------------- parsing

/// The text field's path: the whole name (a top-level key equal to it wins) and its parts.
struct Path<'a> {
    full: &'a str,
    parts: Vec<&'a str>,
}

impl<'a> Path<'a> {
    fn new(full: &'a str) -> Self {
        Path { full, parts: full.split('.').collect() }
    }
}

/// Where the text was found: at the literal top-level key, or by walking the parts.
#[derive(Default)]
struct Found {
    literal: Option<Option<(usize, usize, String)>>, // Some(None): found, not a string
    nested: Option<Option<(usize, usize, String)>>,
}

/// Parse one stripped line into its canonical (orjson) bytes; None when this path cannot
/// reproduce the general path's output for it (see the module doc).
fn parse_record(line: &[u8], path: &Path<'_>, report_field: &str) -> Option<Parsed> {
    let text = std::str::from_utf8(line).ok()?;
    let line = text.as_bytes();
    let mut p = Parser { s: line, text, i: 0, out: Vec::with_capacity(line.len() + 16), found: Found::default() };
    p.ws();
    if p.peek()? != b'{' {
        return None;
    }
    p.object(0, Some(0), path, report_field)?;
    p.ws();
    if p.i != p.s.len() {
        return None;
    }
    let canon = p.out;
    let (ts, te, text) = match p.found.literal {
        Some(Some(t)) => t,
        Some(None) => return None,
        None => p.found.nested??,
    };
    Some(Parsed { canon, text_at: (ts, te), text })
}

struct Parser<'s> {
    s: &'s [u8],
    /// `s` as the `&str` it was validated as: slicing it between ASCII bytes needs no new check.
    text: &'s str,
    i: usize,
    out: Vec<u8>,
    found: Found,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Open an object or array at `depth` (copying `open`); true when it is empty, closed as well.
    fn open(&mut self, depth: usize, open: u8, close: u8) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(open)?;
        self.out.push(open);
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            self.out.push(close);
            return Some(true);
        }
        Some(false)
    }

    /// An object at `depth`; `level` is how many parts of the text path lead here (None: off the path).
    fn object(&mut self, depth: usize, level: Option<usize>, path: &Path<'_>, report_field: &str) -> Option<()> {
        if self.open(depth, b'{', b'}')? {
            return Some(());
        }
        let mut keys: Vec<String> = Vec::new();
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let mut key = String::new();
            self.string(Some(&mut key), true)?;
            if keys.contains(&key) {
                return None; // a repeated key: Python keeps the first place and the last value
            }
            self.eat(b':')?;
            self.out.push(b':');
            self.ws();
            // does this value lead to the text?
            let mut target: Option<bool> = None; // Some(true): literal, Some(false): nested end
            let mut next: Option<usize> = None;
            if level == Some(0) {
                if key == report_field {
                    return None; // the report would replace a field in place
                }
                if key == path.full {
                    target = Some(true);
                } else if path.parts.len() > 1 && key == path.parts[0] {
                    next = Some(1);
                }
            } else if let Some(l) = level {
                if key == path.parts[l] {
                    if l + 1 == path.parts.len() {
                        target = Some(false);
                    } else {
                        next = Some(l + 1);
                    }
                }
            }
            keys.push(key);
            if let Some(literal) = target {
                let at = self.out.len();
                let hit = if self.peek()? == b'"' {
                    // at most the rest of the line: no regrowth while it is decoded
                    let mut text = String::with_capacity(self.s.len() - self.i);
                    // The literal field always wins, so its value is not copied; a nested one may
                    // lose to a literal found later and stay a plain field of the record.
                    self.string(Some(&mut text), !literal)?;
                    Some((at, self.out.len(), text))
                } else {
                    self.value(depth + 1, None, path, report_field)?;
                    None
                };
                if literal {
                    self.found.literal = Some(hit);
                } else {
                    self.found.nested = Some(hit);
                }
            } else {
                self.value(depth + 1, next, path, report_field)?;
            }
            if self.separator(b'}')? {
                return Some(());
            }
        }
    }

    /// After a member or element: copy a `,` (`Some(false)`: more follow) or the closing
    /// bracket `close` (`Some(true)`); anything else is not JSON (`None`).
    fn separator(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let b = self.peek()?;
        if b != b',' && b != close {
            return None;
        }
        self.i += 1;
        self.out.push(b);
        Some(b == close)
    }

    fn value(&mut self, depth: usize, level: Option<usize>, path: &Path<'_>, report_field: &str) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth, level, path, report_field),
            b'[' => {
                if self.open(depth, b'[', b']')? {
                    return Some(());
                }
                loop {
                    self.value(depth + 1, None, path, report_field)?;
                    if self.separator(b']')? {
                        return Some(());
                    }
                }
            }
            b'"' => self.string(None, true),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            self.out.extend_from_slice(word);
            Some(())
        } else {
            None
        }
    }

    /// A number, written as orjson prints what it parsed: integers from i64::MIN to u64::MAX as
    /// written (`-0` as `0`), numbers with a fraction or exponent as floats ([`write_float`]).
    /// A larger integer (which orjson would turn into a float) goes to the fallback.
    fn number(&mut self) -> Option<()> {
        let s = self.s;
        let start = self.i;
        let mut i = start;
        let neg = s[i] == b'-';
        if neg {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let d0 = *i;
            while s.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > d0
        };
        let int_start = i;
        match s.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        let int = &s[int_start..i];
        let mut float = false;
        if s.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
            float = true;
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
            float = true;
        }
        let token = std::str::from_utf8(&s[start..i]).ok()?;
        self.i = i;
        if !float {
            if neg && int == b"0" {
                self.out.push(b'0');
                return Some(());
            }
            if int.len() <= 20 {
                let v: i128 = token.parse().ok()?;
                if (i64::MIN as i128..=u64::MAX as i128).contains(&v) {
                    self.out.extend_from_slice(token.as_bytes());
                    return Some(());
                }
            }
            return None; // beyond 64 bits: the Python path keeps it exact
        }
        let v: f64 = token.parse().ok()?;
        if !v.is_finite()
            || (v == 0.0 && token.bytes().take_while(|c| !matches!(c, b'e' | b'E')).any(|c| matches!(c, b'1'..=b'9')))
        {
            return None; // out of range: the Python path decides
        }
        write_float(&mut self.out, v);
        Some(())
    }

    /// A string at `self.i` (the opening quote): written out in orjson's escaping when `copy`, its
    /// decoded value put in `decoded` when asked for (the text field is only decoded: its cleaned
    /// text replaces it). None for a lone surrogate or a raw control character.
    fn string(&mut self, mut decoded: Option<&mut String>, copy: bool) -> Option<()> {
        let s = self.s;
        let mut i = self.i + 1;
        if copy {
            self.out.push(b'"');
        }
        loop {
            // a run of plain bytes
            let run = i;
            i += memchr::memchr2(b'"', b'\\', &s[i..]).unwrap_or(s.len() - i);
            // a raw control character is invalid JSON (folded without branches: vectorised)
            if s[run..i].iter().fold(false, |a, &c| a | (c < 0x20)) {
                return None;
            }
            if i > run {
                if copy {
                    self.out.extend_from_slice(&s[run..i]);
                }
                if let Some(d) = decoded.as_deref_mut() {
                    // the run starts and stops at ASCII bytes of the validated line: a whole &str
                    d.push_str(self.text.get(run..i)?);
                }
            }
            match s.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    if copy {
                        self.out.push(b'"');
                    }
                    return Some(());
                }
                b'\\' => {
                    let c = match s.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = hex4(s.get(i + 2..i + 6)?)?;
                            if (0xD800..0xDC00).contains(&hi) {
                                if s.get(i + 6..i + 8)? != b"\\u" {
                                    return None;
                                }
                                let lo = hex4(s.get(i + 8..i + 12)?)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                i += 6;
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                            } else {
                                char::from_u32(hi)? // a lone low surrogate is no char: None
                            }
                        }
                        _ => return None,
                    };
                    i += if s[i + 1] == b'u' { 6 } else { 2 };
                    if copy {
                        write_escaped(&mut self.out, c.encode_utf8(&mut [0u8; 4]));
                    }
                    if let Some(d) = decoded.as_deref_mut() {
                        d.push(c);
                    }
                }
                _ => return None, // a raw control character: invalid JSON
            }
        }
    }
}

/// A finite float as orjson writes it: the shortest digits that read back the same, in decimal
/// notation from 1e-5 up to below 1e16 (`100.0`, `0.00001`), else as `1.5e-7` or `1e+16`.
fn write_float(o: &mut Vec<u8>, v: f64) {
    if v == 0.0 {
        o.extend_from_slice(if v.is_sign_negative() { b"-0.0" } else { b"0.0" });
        return;
    }
    // The fewest digits that read back as `v` ("-1.2345e-7"); when two such strings are equally
    // close (an exact tie), Rust and orjson may pick differently: print `v` again correctly rounded
    // (half to even) to that many digits, as orjson's (and Python's repr's) choice is.
    let shortest = format!("{v:e}");
    let n = shortest.split_once('e').map_or(0, |(m, _)| m.bytes().filter(u8::is_ascii_digit).count());
    let sci = format!("{:.*e}", n.saturating_sub(1), v);
    let (mant, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let exp: i32 = exp.parse().expect("LowerExp exponent is an integer");
    let (sign, mant) = mant.strip_prefix('-').map_or(("", mant), |m| ("-", m));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    o.extend_from_slice(sign.as_bytes());
    if (-5..=15).contains(&exp) {
        if exp >= 0 {
            let point = exp as usize + 1;
            if digits.len() > point {
                o.extend_from_slice(&digits.as_bytes()[..point]);
                o.push(b'.');
                o.extend_from_slice(&digits.as_bytes()[point..]);
            } else {
                o.extend_from_slice(digits.as_bytes());
                o.extend(std::iter::repeat_n(b'0', point - digits.len()));
                o.extend_from_slice(b".0");
            }
        } else {
            o.extend_from_slice(b"0.");
            o.extend(std::iter::repeat_n(b'0', (-exp - 1) as usize));
            o.extend_from_slice(digits.as_bytes());
        }
    } else {
        o.extend_from_slice(mant.as_bytes());
        o.push(b'e');
        if exp > 0 {
            o.push(b'+');
        }
        o.extend_from_slice(exp.to_string().as_bytes());
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0;
    for &c in b {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_words_at_a_time_equals_byte_by_byte() {
        fn naive(s: &str) -> Vec<u8> {
            let mut o = Vec::new();
            for c in s.chars() {
                match c {
                    '"' => o.extend_from_slice(b"\\\""),
                    '\\' => o.extend_from_slice(b"\\\\"),
                    '\n' => o.extend_from_slice(b"\\n"),
                    '\r' => o.extend_from_slice(b"\\r"),
                    '\t' => o.extend_from_slice(b"\\t"),
                    '\u{8}' => o.extend_from_slice(b"\\b"),
                    '\u{c}' => o.extend_from_slice(b"\\f"),
                    c if (c as u32) < 0x20 => o.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
                    c => o.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                }
            }
            o
        }
        // Every byte value below 0x80 at every offset of a 70-byte string (both loops of the scan
        // and its tail), a second one after it, random texts and a few wider ones.
        let specials: Vec<char> = (0u8..0x80).map(char::from).chain(['é', '’', '😀', '\u{7f}', '\u{85}']).collect();
        let plain: Vec<char> =
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?()".chars().collect();
        for &c in &specials {
            for at in 0..plain.len() {
                for second in [None, Some((at + 1) % plain.len()), Some((at + 9) % plain.len())] {
                    let mut t = plain.clone();
                    t[at] = c;
                    if let Some(k) = second {
                        t[k] = '\n';
                    }
                    let t: String = t.into_iter().collect();
                    let mut o = Vec::new();
                    write_escaped(&mut o, &t);
                    assert_eq!(o, naive(&t), "{t:?}");
                }
            }
        }
        let alphabet: Vec<char> = "ab \n\"\\\t\u{1}\u{1f}é😀".chars().collect();
        let random = crate::testing::random_strings(&alphabet, 120, 5_000, 0x5eed);
        let fixed =
            ["", "\"", "a\\b", "line\nline\r\n\t\u{1}\u{1f} end \u{7f}", "😀😀😀😀 “x” \u{0}"].map(String::from);
        for t in random.chain(fixed) {
            let mut o = Vec::new();
            write_escaped(&mut o, &t);
            assert_eq!(o, naive(&t), "{t:?}");
        }
        // The lowest flagged byte of a word is the first that needs escaping.
        let words = [
            0u64,
            u64::MAX,
            0x2020_2020_2020_2020,
            0x7f7f_7f7f_7f7f_7f7f,
            0x8080_8080_8080_8080,
            0x2200_1f5c_2221_1f20,
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let random_words = (0..100_000).map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed & 0x7f7f_7f7f_7f7f_7f7f | seed.rotate_left(7) & 0x8080_8080_8080_8080
        });
        for w in words.into_iter().chain(random_words) {
            let first = w.to_le_bytes().iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\');
            let m = escape_mask(w);
            assert_eq!((m != 0).then(|| (m.trailing_zeros() / 8) as usize), first, "{w:#x}");
        }
    }
    use crate::EngineOptions;

    fn engine() -> Engine {
        Engine::builtin("en", &EngineOptions::default()).unwrap()
    }

    fn opts(field: &str) -> JsonlOptions {
        JsonlOptions { text_field: field.into(), report_field: "dechaff".into(), mode: Mode::Article }
    }

    fn run(block: &str, field: &str) -> BlockOutput {
        clean_jsonl_block(&engine(), block.as_bytes(), &opts(field), 2)
    }

    #[test]
    fn keeps_fields_and_order() {
        let r =
            run("{\"id\": 1, \"text\": \"Hello there.\\n\\nShare this article\", \"x\": [1.5, null, true]}\n", "text");
        assert!(r.fallbacks.is_empty());
        let line = String::from_utf8(r.to_vec()).unwrap();
        assert!(
            line.starts_with("{\"id\":1,\"text\":\"Hello there.\",\"x\":[1.5,null,true],\"dechaff\":{\"removed\":[{"),
            "{line}"
        );
        assert!(line.ends_with("\"metadata\":{},\"mode\":\"article\"}}\n"), "{line}");
        assert_eq!(r.stats.written, 1);
        assert_eq!(r.stats.changed, 1);
    }

    #[test]
    fn escapes_like_orjson() {
        let r = run("{\"text\":\"a\",\"k\":\"\\u00e9\\/\\u0001\\ud83d\\ude00\\\"\u{7f}\"}", "text");
        let line = String::from_utf8(r.to_vec()).unwrap();
        assert!(line.starts_with("{\"text\":\"a\",\"k\":\"é/\\u0001😀\\\"\u{7f}\","), "{line}");
    }

    #[test]
    fn falls_back_where_output_could_differ() {
        let cases = [
            "{\"text\":\"\\ud800\"}",          // lone surrogate
            "{\"text\":\"a\",\"text\":\"b\"}", // repeated key
            "{\"text\":\"a\",\"n\":1e400}",    // infinite
            "{\"text\":\"a\",\"n\":1e-400}",   // underflows to zero
            "{\"text\":\"a\",\"n\":NaN}",
            "{\"text\":\"a\",\"n\":01}",
            "{\"text\":5}",
            "{\"body\":\"a\"}",
            "{\"text\":\"a\",\"dechaff\":1}",
            "[1]",
            "{\"text\":\"a\"",
            "{\"text\":\"a\"} x",
        ];
        for c in cases {
            let r = run(c, "text");
            assert_eq!(r.fallbacks.len(), 1, "{c}");
            assert!(r.is_empty(), "{c}");
        }
        let r = run("{\"text\":\"a\",\"n\":[0.5,-2.25,0.0001,1.0,-9223372036854775808,18446744073709551615]}", "text");
        assert!(r.fallbacks.is_empty());
    }

    #[test]
    fn floats_like_orjson() {
        let cases = [
            (1e-5, "0.00001"),
            (9.99e-6, "9.99e-6"),
            (1.5e-7, "1.5e-7"),
            (4.35e-5, "0.0000435"),
            (9999999000000000.0, "9999999000000000.0"),
            (1e16, "1e+16"),
            (1.2345678901234567e19, "1.2345678901234567e+19"),
            (5e-324, "5e-324"),
            (123.0, "123.0"),
            (0.5, "0.5"),
            (-0.0, "-0.0"),
            (-12.25, "-12.25"),
            (651204122913538.2, "651204122913538.2"), // a tie between .2 and .3
        ];
        for (v, want) in cases {
            let mut o = Vec::new();
            write_float(&mut o, v);
            assert_eq!(String::from_utf8(o).unwrap(), want);
        }
        let r = run("{\"text\":\"a\",\"n\":[1e5,-0,0.10,2.5E-3,18446744073709551615]}", "text");
        let line = String::from_utf8(r.to_vec()).unwrap();
        assert!(line.contains("[100000.0,0,0.1,0.0025,18446744073709551615]"), "{line}");
        // An integer beyond 64 bits, which orjson would read as a float, is the Python path's.
        let r = run("{\"text\":\"a\",\"n\":18446744073709551616}", "text");
        assert_eq!((r.len(), r.fallbacks.len()), (0, 1));
    }

    #[test]
    fn dotted_paths() {
        let r = run("{\"a\":{\"b\":\"apple\"},\"a.b\":\"zebra\"}\n{\"a\":{\"b\":\"apple\"}}\n{\"a\":{\"c\":1}}\n{\"a\":{\"b\":3},\"a.b\":\"zebra\"}", "a.b");
        let text = String::from_utf8(r.to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("{\"a\":{\"b\":\"apple\"},\"a.b\":\"zebra\",\"dechaff\""), "{}", lines[0]);
        assert!(lines[1].starts_with("{\"a\":{\"b\":\"apple\"},\"dechaff\""), "{}", lines[1]);
        assert!(lines[2].starts_with("{\"a\":{\"b\":3},\"a.b\":\"zebra\",\"dechaff\""), "{}", lines[2]);
        assert_eq!(r.fallbacks.len(), 1);
        assert_eq!(r.fallbacks[0].line, 2);
    }

    #[test]
    fn blank_lines_and_positions() {
        let r = run("\n  \n{\"text\":\"a\"}\nbad\n{\"text\":\"b\"}", "text");
        assert_eq!(r.stats.written, 2);
        assert_eq!(r.fallbacks.len(), 1);
        let f = r.fallbacks[0];
        assert_eq!((f.line, f.start, f.end), (3, 17, 21));
        assert_eq!(&r.to_vec()[f.at - 1..f.at], b"\n");
        assert_eq!(r.stats.bytes_in, 13 + 12);
    }

    #[test]
    fn python_whitespace() {
        // every character Python's str.isspace() accepts (CPython 3.11)
        let py: Vec<char> = "\t\n\u{b}\u{c}\r\u{1c}\u{1d}\u{1e}\u{1f} \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}".chars().collect();
        for c in '\0'..=char::MAX {
            assert_eq!(py_is_space(c), py.contains(&c), "{:?}", c);
        }
    }
}
