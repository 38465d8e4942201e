//! Cheap necessary conditions for a match, computed once when the rules compile, so that the
//! scanner can skip a regex (or a literal gate) on lines where it cannot match:
//!
//! - the bytes a match can start with (for patterns anchored at the line's start: one table
//!   lookup on the line's first byte), and the pairs of bytes it can start with (a binary
//!   search: a Cyrillic letter's first byte is one of two, so only a pair tells them apart),
//! - a small set of bytes (at most three) one of which every match contains (a memchr pass).
//!
//! Both are derived from the pattern's syntax and only ever over-approximate: a line they rule
//! out cannot match, so skipping it changes no result.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A set of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.insert(b);
        }
    }

    /// Is `b` in the set?
    #[inline]
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn union(self, other: ByteSet) -> ByteSet {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        out
    }

    fn intersect(self, other: ByteSet) -> ByteSet {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a &= b;
        }
        out
    }

    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The bytes in the set, in ascending order (by set bits: the analysis calls this for every
    /// node of every pattern).
    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.iter().enumerate().flat_map(|(k, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros();
                    w &= w - 1;
                    (k as u32 * 64 + bit) as u8
                })
            })
        })
    }

    fn single(b: u8) -> ByteSet {
        let mut s = ByteSet::default();
        s.insert(b);
        s
    }

    /// Expected share of text bytes in the set (per 10,000).
    fn cost(&self) -> u32 {
        self.bytes().map(frequency).sum()
    }
}

/// A rough frequency of a byte in running text, per 10,000 bytes (news text in UTF-8: English and
/// European, and for the lead bytes of non-Latin scripts, text in those scripts, where every
/// letter carries one). It only ranks candidate bytes; it need not be exact.
fn frequency(b: u8) -> u32 {
    // a..z
    const LOWER: [u32; 26] = [
        650, 120, 230, 320, 1000, 180, 160, 450, 580, 10, 60, 330, 200, 560, 600, 160, 10, 500, 530, 750, 220, 80, 150,
        10, 140, 10,
    ];
    match b {
        b' ' => 1700,
        b'a'..=b'z' => LOWER[usize::from(b - b'a')],
        b',' | b'.' => 100,
        b'0'..=b'9' => 40,
        b'A'..=b'Z' => 25,
        b'"' | b'\'' | b'-' => 20,
        // Continuation bytes: a letter of Cyrillic, Greek, … text ends in one of 64.
        0x80..=0xBF => 80,
        // Lead bytes of whole alphabets: Greek, Cyrillic, Armenian, Hebrew, Arabic; Indic and
        // Thai; CJK. In text of those scripts, every other or every third byte.
        0xCE..=0xDB | 0xE0 | 0xE3..=0xED => 3000,
        // Latin letters with diacritics (é, ü, ç, ł, …).
        0xC3..=0xC5 => 150,
        // Typographic punctuation (’ “ ” – —).
        0xE2 => 100,
        0xC0..=0xFF => 20,
        _ => 5,
    }
}

/// Most bytes a required set may hold (memchr, memchr2, memchr3).
const MAX_REQUIRED: u32 = 3;
/// Literal sets with more (byte, place) pairs than this are left to an automaton.
const MAX_ANCHORS: usize = 16;
/// A required set whose bytes are this common (per 10,000) rules out too few lines to pay.
const MAX_REQUIRED_COST: u32 = 200;

/// What the syntax of a (sub-)pattern tells about its matches.
#[derive(Debug, Clone, Copy)]
struct Info {
    /// It can match the empty string.
    nullable: bool,
    /// Bytes a non-empty match can start with.
    first: ByteSet,
    /// Bytes every match contains (each of them).
    all: ByteSet,
    /// A small set of bytes one of which every match contains, if one was found.
    one_of: Option<ByteSet>,
}

fn cheaper(a: Option<ByteSet>, b: Option<ByteSet>) -> Option<ByteSet> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.cost() < x.cost() { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The rarest single byte of `all`, as a set.
fn rarest(all: ByteSet) -> Option<ByteSet> {
    all.bytes().min_by_key(|&b| frequency(b)).map(ByteSet::single)
}

fn small(s: ByteSet) -> Option<ByteSet> {
    (s.len() <= MAX_REQUIRED).then_some(s)
}

fn info(h: &Hir) -> Info {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {
            Info { nullable: true, first: ByteSet::default(), all: ByteSet::default(), one_of: None }
        }
        HirKind::Literal(lit) => {
            let bytes = &lit.0;
            let mut all = ByteSet::default();
            bytes.iter().for_each(|&b| all.insert(b));
            let mut first = ByteSet::default();
            if let Some(&b) = bytes.first() {
                first.insert(b);
            }
            Info { nullable: bytes.is_empty(), first, all, one_of: rarest(all) }
        }
        HirKind::Class(class) => {
            // Every character of a match starts with one of these lead bytes: UTF-8 lead bytes
            // grow with the code point, so a range's lead bytes lie between its ends' ones.
            let mut first = ByteSet::default();
            match class {
                Class::Unicode(c) => {
                    for r in c.ranges() {
                        let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
                        let lo = r.start().encode_utf8(&mut a).as_bytes()[0];
                        let hi = r.end().encode_utf8(&mut b).as_bytes()[0];
                        first.insert_range(lo, hi);
                    }
                }
                Class::Bytes(c) => c.ranges().iter().for_each(|r| first.insert_range(r.start(), r.end())),
            }
            let all = if first.len() == 1 { first } else { ByteSet::default() };
            Info { nullable: false, first, all, one_of: small(first) }
        }
        HirKind::Repetition(rep) => {
            let sub = info(&rep.sub);
            if rep.min == 0 {
                Info { nullable: true, first: sub.first, all: ByteSet::default(), one_of: None }
            } else {
                sub
            }
        }
        HirKind::Capture(cap) => info(&cap.sub),
        HirKind::Concat(subs) => {
            let mut out = Info { nullable: true, first: ByteSet::default(), all: ByteSet::default(), one_of: None };
            for s in subs.iter().map(info) {
                if out.nullable {
                    out.first = out.first.union(s.first);
                }
                out.nullable &= s.nullable;
                out.all = out.all.union(s.all);
                out.one_of = cheaper(out.one_of, s.one_of);
            }
            out.one_of = cheaper(out.one_of, rarest(out.all));
            out
        }
        HirKind::Alternation(subs) => {
            let infos: Vec<Info> = subs.iter().map(info).collect();
            let mut out = Info { nullable: false, first: ByteSet::default(), all: ByteSet::default(), one_of: None };
            let mut union = Some(ByteSet::default());
            for (k, s) in infos.iter().enumerate() {
                out.nullable |= s.nullable;
                out.first = out.first.union(s.first);
                out.all = if k == 0 { s.all } else { out.all.intersect(s.all) };
                union = match (union, s.one_of) {
                    (Some(u), Some(o)) => small(u.union(o)),
                    _ => None,
                };
            }
            out.one_of = cheaper(union, rarest(out.all));
            out
        }
    }
}

/// Necessary conditions for a pattern to match.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    /// Bytes a match can start with; `None` when any byte can (or the pattern can match empty).
    pub first: Option<ByteSet>,
    /// The pairs of bytes a match can start with, sorted; `None` when unknown, too many, or a
    /// match can be shorter than two bytes.
    first_two: Option<Box<[[u8; 2]]>>,
    /// One of these bytes occurs in every match (at most three; none when not worth a pass).
    pub one_of: Vec<u8>,
    /// Literal sets: the longest literal, in bytes (0: unknown).
    pub max_len: usize,
    /// Small literal sets: each place a required byte sits in a literal, as (byte, offset,
    /// literal). Around each required byte of a line, these say whether a literal is there.
    anchors: Vec<(u8, usize, Box<[u8]>)>,
}

impl Needs {
    /// Analyse `pattern` (as compiled by the `regex` crate with its default options).
    /// A pattern that does not parse gets no conditions.
    pub fn of_pattern(pattern: &str) -> Needs {
        let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else { return Needs::default() };
        let i = info(&hir);
        let first = (!i.nullable && i.first.len() < 256).then_some(i.first);
        Needs { first, first_two: first_two(&hir), one_of: usable(i.one_of), max_len: 0, anchors: Vec::new() }
    }

    /// Conditions for "one of these literals occurs" (exact bytes).
    pub fn of_literals<S: AsRef<[u8]>>(literals: &[S]) -> Needs {
        if literals.is_empty() || literals.iter().any(|l| l.as_ref().is_empty()) {
            return Needs::default();
        }
        let infos: Vec<Info> =
            literals.iter().map(|l| info(&Hir::literal(l.as_ref().to_vec().into_boxed_slice()))).collect();
        let mut all = infos[0].all;
        let mut starts = ByteSet::default();
        for i in &infos {
            all = all.intersect(i.all);
            starts = starts.union(i.first);
        }
        let best = cheaper(cheaper(cover(&infos), rarest(all)), small(starts));
        let max_len = literals.iter().map(|l| l.as_ref().len()).max().unwrap_or(0);
        let one_of = usable(best);
        let mut anchors = Vec::new();
        for lit in literals {
            let lit = lit.as_ref();
            for (off, b) in lit.iter().enumerate() {
                if one_of.contains(b) {
                    anchors.push((*b, off, lit.to_vec().into_boxed_slice()));
                }
            }
        }
        if one_of.is_empty() || anchors.len() > MAX_ANCHORS {
            anchors.clear();
        }
        Needs { first: None, first_two: None, one_of, max_len, anchors }
    }

    /// Could a match lie in `hay`, as far as the required bytes tell?
    #[inline]
    pub fn may_contain(&self, hay: &[u8]) -> bool {
        self.first_required(hay).is_some()
    }

    /// Where the first required byte is in `hay` (0 when there are none to look for), or `None`
    /// when it is absent and no match can be there.
    #[inline]
    fn first_required(&self, hay: &[u8]) -> Option<usize> {
        match *self.one_of.as_slice() {
            [a] => memchr::memchr(a, hay),
            [a, b] => memchr::memchr2(a, b, hay),
            [a, b, c] => memchr::memchr3(a, b, c, hay),
            _ => Some(0),
        }
    }

    /// Literal sets: where in `hay` a search for the literals must start (every match holds a
    /// required byte, so none starts more than the longest literal before the first one), or
    /// `None` when no literal can occur.
    #[inline]
    pub fn search_from(&self, hay: &[u8]) -> Option<usize> {
        let at = self.first_required(hay)?;
        Some(if self.max_len == 0 { 0 } else { at.saturating_sub(self.max_len - 1) })
    }

    /// Small literal sets: does one of the literals occur in `hay`? `None` when the set is not
    /// small enough to tell this way (then an automaton must).
    #[inline]
    pub fn find_literal(&self, hay: &[u8]) -> Option<bool> {
        if self.anchors.is_empty() {
            return None;
        }
        let at = |q: usize| {
            self.anchors.iter().any(|(b, off, lit)| hay[q] == *b && q >= *off && hay[q - off..].starts_with(lit))
        };
        Some(match *self.one_of.as_slice() {
            [a] => memchr::memchr_iter(a, hay).any(at),
            [a, b] => memchr::memchr2_iter(a, b, hay).any(at),
            [a, b, c] => memchr::memchr3_iter(a, b, c, hay).any(at),
            _ => return None,
        })
    }

    /// Could a match start with the byte `b`?
    #[inline]
    pub fn may_start_with(&self, b: u8) -> bool {
        self.first.is_none_or(|set| set.contains(b))
    }

    /// Could a match start at the start of `hay`, as far as its first two bytes tell?
    #[inline]
    pub fn may_start(&self, hay: &[u8]) -> bool {
        let first = match (&self.first, hay.first()) {
            (None, _) => true,
            (Some(set), Some(&b)) => set.contains(b),
            (Some(_), None) => false,
        };
        first
            && match (&self.first_two, hay) {
                (None, _) => true,
                (Some(pairs), [a, b, ..]) => pairs.binary_search(&[*a, *b]).is_ok(),
                (Some(_), _) => false,
            }
    }
}

/// At most this many pairs of first bytes are kept for a pattern ([`Needs::may_start`]).
const MAX_FIRST_TWO: usize = 256;

/// The pairs of bytes every match of `hir` starts with (sorted), from the regex syntax's own
/// prefix literals cut to two bytes; `None` when they are unknown (an unbounded class or too many
/// alternatives at the start) or a match can be shorter than two bytes.
fn first_two(hir: &Hir) -> Option<Box<[[u8; 2]]>> {
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_literal_len(2)
        .limit_class(32)
        .limit_total(MAX_FIRST_TWO)
        .extract(hir);
    let mut pairs: Vec<[u8; 2]> =
        seq.literals()?.iter().map(|l| <[u8; 2]>::try_from(l.as_bytes()).ok()).collect::<Option<_>>()?;
    pairs.sort_unstable();
    pairs.dedup();
    (!pairs.is_empty()).then(|| pairs.into_boxed_slice())
}

/// `pattern` with its Unicode word-boundary assertions dropped, when it has any (`None`
/// otherwise, or when it does not parse). It matches wherever `pattern` does, and more. The
/// point: the regex crate's lazy DFA cannot evaluate a Unicode `\b` on non-ASCII text and falls
/// back to a backtracker that clears a visited set as large as the line times the pattern's states
/// before each search. On Cyrillic text one such prefix rule cost 585 ns a line; the relaxed
/// pattern runs on the DFA and rules most lines out first.
pub fn without_unicode_word_boundaries(pattern: &str) -> Option<String> {
    fn strip(h: &Hir, changed: &mut bool) -> Hir {
        match h.kind() {
            HirKind::Look(
                Look::WordUnicode
                | Look::WordUnicodeNegate
                | Look::WordStartUnicode
                | Look::WordEndUnicode
                | Look::WordStartHalfUnicode
                | Look::WordEndHalfUnicode,
            ) => {
                *changed = true;
                Hir::empty()
            }
            HirKind::Repetition(r) => {
                Hir::repetition(regex_syntax::hir::Repetition { sub: Box::new(strip(&r.sub, changed)), ..r.clone() })
            }
            HirKind::Capture(c) => {
                Hir::capture(regex_syntax::hir::Capture { sub: Box::new(strip(&c.sub, changed)), ..c.clone() })
            }
            HirKind::Concat(subs) => Hir::concat(subs.iter().map(|x| strip(x, changed)).collect()),
            HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(|x| strip(x, changed)).collect()),
            _ => h.clone(),
        }
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut changed = false;
    let relaxed = strip(&hir, &mut changed);
    changed.then(|| relaxed.to_string())
}

/// A greedy cover: few, rare bytes such that each literal holds one of them.
fn cover(literals: &[Info]) -> Option<ByteSet> {
    let mut set = ByteSet::default();
    let mut open: Vec<ByteSet> = literals.iter().map(|i| i.all).collect();
    while !open.is_empty() {
        if set.len() == MAX_REQUIRED {
            return None;
        }
        // The byte that closes the most open literals per unit of frequency.
        let b = (0..=255u8).filter(|&b| open.iter().any(|o| o.contains(b))).max_by_key(|&b| {
            open.iter().filter(|o| o.contains(b)).count() as u64 * 1_000_000 / u64::from(frequency(b))
        })?;
        set.insert(b);
        open.retain(|o| !o.contains(b));
    }
    Some(set)
}

fn usable(set: Option<ByteSet>) -> Vec<u8> {
    match set {
        Some(s) if s.len() <= MAX_REQUIRED && s.cost() <= MAX_REQUIRED_COST => s.bytes().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxed_patterns_drop_unicode_word_boundaries_and_match_a_superset() {
        assert_eq!(without_unicode_word_boundaries(r"^(?:cat|dog)$"), None);
        assert_eq!(without_unicode_word_boundaries(r"(?-u:\b)cat"), None, "ASCII boundaries stay");
        assert_eq!(without_unicode_word_boundaries(r"(unclosed"), None);
        let patterns = [r"^(?:(?i:читайте) (?:нас|наш[а-я]*)\b[^.]{0,9}?(?i:telegram))", r"\bcat\b", r"(?:x\B|\<y\>)+"];
        let lines =
            ["Читайте нас в Telegram", "Читайте наши Telegram", "Читайте насTelegram", "cat", "concat", "xx y", "ёcat"];
        for pattern in patterns {
            let relaxed = without_unicode_word_boundaries(pattern).expect("has a boundary");
            assert!(!relaxed.contains("\\b"), "{relaxed}");
            let (strict, loose) = (regex::Regex::new(pattern).unwrap(), regex::Regex::new(&relaxed).unwrap());
            for line in lines {
                assert!(!strict.is_match(line) || loose.is_match(line), "{pattern} on {line:?}");
            }
        }
        // The relaxed pattern lets through what the boundary alone ruled out.
        let relaxed = regex::Regex::new(&without_unicode_word_boundaries(r"\bcat\b").unwrap()).unwrap();
        assert!(relaxed.is_match("concat") && !regex::Regex::new(r"\bcat\b").unwrap().is_match("concat"));
    }

    #[test]
    fn first_two_bytes_never_rule_out_a_match() {
        let patterns = [
            r"^(?:(?i:подпишитесь|будьте в курсе|главные новости)[^\n]{0,20}?(?i:рассылк|на почту))",
            r"^(?:(?i:sign up|subscribe|get)\b[^\n]{0,30}?\b(?i:newsletters?|inbox))",
            r"^(?:Фото|ФОТО|Кадр)\s?:",
            r#"^(?:[«"„“(]?(?i:сми|сетевое издание))"#,
            r"^(?:a|bc)",
            r"^(?:x?y?)",
            r"^(?:[a-z]+ing)",
            r"^(?:\w+:)",
        ];
        let parts = [
            "Подпишитесь",
            "ПОДПИШИТЕСЬ",
            "подпиш",
            "Будьте в курсе",
            "главные новости",
            " на почту",
            " рассылку",
            "Sign up",
            "SUBSCRIBE",
            "get",
            "Get",
            "gets",
            " our ",
            "newsletter",
            " inbox",
            "Фото",
            "ФОТО",
            "фото",
            "Кадр",
            ":",
            " ",
            "«",
            "(",
            "СМИ",
            "сми",
            "Сетевое издание",
            "a",
            "b",
            "c",
            "bc",
            "x",
            "y",
            "ring",
            "В",
            "Дом",
            "The",
            "ё",
            "é",
            "",
        ];
        let mut next = crate::testing::picker(0x0F12_57B0_7E55);
        let lines: Vec<String> =
            (0..20_000).map(|_| (0..1 + next(6)).map(|_| parts[next(parts.len())]).collect()).collect();
        for pattern in patterns {
            let (re, needs) = (regex::Regex::new(pattern).unwrap(), Needs::of_pattern(pattern));
            let (mut matched, mut ruled_out) = (0, 0);
            for line in &lines {
                let may = needs.may_start(line.as_bytes());
                assert!(may || !re.is_match(line), "{pattern} ruled out {line:?}, which it matches");
                matched += usize::from(re.is_match(line));
                ruled_out += usize::from(!may);
            }
            assert!(matched > 20, "{pattern}: {matched} lines match");
            // Two bytes are known for the patterns whose every match is at least two bytes long.
            let known = needs.first_two.is_some();
            assert_eq!(
                known,
                !pattern.contains("a|bc")
                    && !pattern.contains("x?y?")
                    && !pattern.contains("[a-z]+")
                    && !pattern.contains("\\w"),
                "{pattern}"
            );
            assert!(!known || ruled_out > 10_000, "{pattern}: {ruled_out} lines ruled out");
        }
        // A Cyrillic pair: the first byte alone cannot tell "Подпишитесь" from "Вчера".
        let needs = Needs::of_pattern(patterns[0]);
        assert!(needs.may_start_with("В".as_bytes()[0]) && !needs.may_start("Вчера".as_bytes()));
    }

    #[test]
    fn byte_sets_list_their_bytes_in_order() {
        for members in
            [vec![], vec![0u8], vec![255u8], vec![0, 1, 63, 64, 127, 128, 191, 192, 255], (0..=255).collect()]
        {
            let mut set = ByteSet::default();
            members.iter().for_each(|&b| set.insert(b));
            assert_eq!(set.bytes().collect::<Vec<u8>>(), members);
            assert_eq!(set.len() as usize, members.len());
        }
    }

    #[test]
    fn first_bytes_and_required_bytes() {
        let n = Needs::of_pattern(r"^(?:[^\n]{10,200} \[(?:INSIGHT|VIDEO)\]\|?)$");
        assert_eq!(n.one_of, vec![b'[']);
        assert!(n.first.is_some_and(|f| f.contains(b'x') && !f.contains(b'\n')));
        let n = Needs::of_pattern(r"^(?:(?i:share|tweet) now)");
        let f = n.first.unwrap();
        assert!(f.contains(b's') && f.contains(b'S') && f.contains(b'T') && !f.contains(b'x'));
        assert!(f.contains("ſ".as_bytes()[0]), "Unicode case folding of s");
        assert!(Needs::of_pattern(r"^(?:a?b*)").first.is_none(), "nullable: no first-byte test");
        assert!(Needs::of_pattern(r"\bfoo|\b").first.is_none());
    }

    #[test]
    fn literal_gates() {
        let n = Needs::of_literals(&["AFP/", "AFP /", "Getty/"]);
        assert_eq!(n.one_of, vec![b'/']);
        let n = Needs::of_literals(&[" via ", " Via ", " VIA "]);
        assert_eq!(n.one_of, vec![b'V', b'v']);
        assert!(n.may_contain(b"x via y") && !n.may_contain(b"nothing here"));
        assert_eq!(n.find_literal(b"Photo: Jane Doe via AFP"), Some(true));
        assert_eq!(n.find_literal(b"Via Appia, vivid views"), Some(false));
        assert_eq!(n.find_literal(b"v"), Some(false));
        assert!(Needs::of_literals(&["the", "and"]).one_of.is_empty(), "too common to pay");
    }
}
