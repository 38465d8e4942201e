//! Page mode: find the article inside whole-page text (one line per block, as in Common Crawl
//! WET records).
//!
//! 1. Every non-blank line gets cheap measurements (length, final punctuation, case, digits,
//!    function words, chrome keywords, rule hits, …) and page-level context (position, text
//!    density around it, neighbours): the stage-1 features.
//! 2. A logistic regression turns them into a content probability `p1` per line.
//! 3. A second logistic regression looks at the smoothed `p1` around the line (windows, content
//!    mass before and after, the best `p1` run) and gives `p2`.
//! 4. The article is the maximum-sum contiguous run of `p2 − T − B·marker`; the article rules then
//!    clean that run (tail markers, comments, bios, …).
//!
//! The weights live in `page/weights.rs`, written by `benchmarks/train_page.py` (trained on
//! `wcxb-dev` only). Everything is linear in the number of lines.
//!
//! `mode="auto"` ([`auto_select`]) uses a third small logistic regression over page-level
//! statistics and runs page mode only when it is confident.

mod weights;

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::Regex;
use rustc_hash::FxHashMap;

use crate::per_thread::PerThread;
use crate::segment::Features;
pub use weights::{N1, N2, NA};

/// Picks the article's lines of whole-page text; `None` when the text is not whole-page text.
pub type Selector = dyn Fn(&[PageLine<'_>]) -> Option<Vec<bool>>;

/// What page selection needs to know of one line.
#[derive(Debug, Clone, Copy)]
pub struct PageLine<'a> {
    pub text: &'a str,
    pub feat: Features,
    /// A rule matched the line (a marker of page chrome).
    pub marked: bool,
    /// A tail-cut rule matched the line ("Related", "Comments", "About the author", …).
    pub tail_marked: bool,
    pub blank_before: bool,
}

// ------------------------------------------------------------------------------------------
// Per-line measurements

/// Function words of en/de/fr/es/pt/it/nl/id/ru: a share of them marks running prose.
const FUNC: &str = "the and of to in is that it for with was on as are be this by at from have not but or an \
his her their they we you he she has had were been which who will would can could \
der die das und ist nicht mit den ein eine auch sich zu von dem des im für auf dass wird \
le la les et est des une un du dans que pour pas qui sur il elle sont au aux ce cette \
el los las y del en por con una es se para no lo como más pero su \
o os as e do da em um não com que uma dos das ao mais \
il di che è per della sono gli nel alla \
de het een en van dat niet zijn op te \
yang dan di ini itu dengan untuk tidak dari ke akan \
и в не на что с по это как он но из за то";

/// Keywords of page chrome, anywhere in a (lowercased) line.
const KW: &[&str] = &[
    "share",
    "comment",
    "related",
    "cookie",
    "subscribe",
    "newsletter",
    "sign in",
    "sign up",
    "log in",
    "login",
    "register",
    "advertis",
    "sponsor",
    "read more",
    "more stories",
    "recommended",
    "trending",
    "popular",
    "follow us",
    "privacy",
    "terms",
    "copyright",
    "©",
    "rights reserved",
    "skip to",
    "menu",
    "search",
    "contact",
    "about us",
    "tags",
    "categor",
    "previous",
    "next",
    "reply",
    "posted in",
    "leave a",
    "you may also",
    "you might also",
    "also like",
    "loading",
    "click here",
    "download",
    "print",
    "email",
    "facebook",
    "twitter",
    "linkedin",
    "whatsapp",
    "pinterest",
    "instagram",
    "youtube",
    "teilen",
    "kommentar",
    "anmelden",
    "datenschutz",
    "impressum",
    "werbung",
    "weiterlesen",
    "partager",
    "commentaire",
    "connexion",
    "publicité",
    "lire aussi",
    "mentions légales",
    "compartir",
    "comentario",
    "compartilhar",
    "comentários",
    "publicidad",
    "publicidade",
    "leia mais",
    "leer más",
    "condivid",
    "commenti",
    "поделиться",
    "коммент",
    "реклама",
    "подпис",
    "читайте также",
    "シェア",
    "コメント",
    "関連",
    "広告",
    "댓글",
    "공유",
    "관련",
    "评论",
    "分享",
    "相关",
    "登录",
];

/// Names of page sections; a short unpunctuated line with one of them is a section marker.
const MARKERS: &[&str] = &[
    "comment",
    "reply",
    "replies",
    "responses",
    "leave a",
    "related",
    "share",
    "author",
    "you may also",
    "you might also",
    "read more",
    "more from",
    "more stories",
    "recommended",
    "popular",
    "trending",
    "newsletter",
    "subscribe",
    "sign up",
    "tags",
    "filed under",
    "posted in",
    "categories",
    "previous",
    "next",
    "footer",
    "sidebar",
    "trackback",
    "reader interactions",
    "discussion",
    "conversation",
    "further reading",
    "see also",
    "advertisement",
    "sponsored",
    "about us",
    "follow us",
    "most read",
    "latest",
    "more on",
    "don't miss",
    "editor's pick",
    "top stories",
    "navigation",
    "menu",
    "kommentar",
    "teilen",
    "mehr zum thema",
    "das könnte",
    "weitere artikel",
    "ähnliche",
    "commentaire",
    "partager",
    "à lire aussi",
    "lire aussi",
    "articles similaires",
    "sur le même sujet",
    "comentario",
    "compartir",
    "relacionad",
    "te puede interesar",
    "lee también",
    "leia também",
    "comentários",
    "compartilhe",
    "veja também",
    "commenti",
    "condividi",
    "articoli correlati",
    "leggi anche",
    "комментари",
    "поделиться",
    "читайте также",
    "похожие",
    "популярное",
    "コメント",
    "関連記事",
    "シェア",
    "人気記事",
    "댓글",
    "관련기사",
    "공유",
    "评论",
    "相关",
    "分享",
    "推荐",
];

struct Tables {
    /// The function words, each packed by [`pack8`] (all of them are at most 8 bytes long).
    func: WordSet,
    kw: Keywords,
    markers: AhoCorasick,
    /// "http" and "www.", searched for in each lowercased line.
    http: memchr::memmem::Finder<'static>,
    www: memchr::memmem::Finder<'static>,
    /// Each thread searches with its own copies (see [`PerThread`]).
    regexes: PerThread<LineRegexes>,
}

/// Does a line hold one of a set of keywords? Most lines hold none and are read to their end. An
/// automaton reads them a state lookup per byte, each waiting for the last (a tenth of page
/// mode's time). Here each keyword of four bytes or more is known by one four-byte window of it,
/// the one made of the rarest letters (`you may also` by ` may`, not by `you `, which body text is
/// full of), and a filter reads the four bytes at every position of the line: only where they
/// hash to a window's slot are that slot's keywords compared, each placed so that its window lies
/// there. Every occurrence of a keyword puts its window at some position, so none is missed. The
/// filter tests five positions from each eight-byte load at once. Keywords under four bytes are
/// searched for on their own.
struct Keywords {
    /// Per hash of four bytes: 0, or 1 + the index in `slots` of the keywords whose window hashes
    /// there (bytes, not bits: the five tests of a load are OR-ed without extracting bits).
    table: Box<[u8; 1 << Keywords::HASH_BITS]>,
    /// The keywords of one slot: each with its window and the window's offset in it.
    slots: Vec<Vec<(u32, usize, &'static [u8])>>,
    /// The keywords under four bytes (`©`), each found by its last byte.
    short: Vec<&'static [u8]>,
}

impl Keywords {
    /// A table of 8 KiB: in the first level cache, and about one position in a hundred passes it
    /// by chance with some eighty keywords.
    const HASH_BITS: u32 = 13;

    fn new(words: &[&'static str]) -> Keywords {
        let (long, short): (Vec<&'static str>, Vec<&'static str>) = words.iter().partition(|w| w.len() >= 4);
        let mut table = Box::new([0u8; 1 << Self::HASH_BITS]);
        let mut slots: Vec<Vec<(u32, usize, &'static [u8])>> = Vec::new();
        for w in long {
            let b = w.as_bytes();
            let at = (0..=b.len() - 4)
                .min_by(|&x, &y| window_commonness(&b[x..x + 4]).total_cmp(&window_commonness(&b[y..y + 4])))
                .unwrap_or(0);
            let window = first_four(&b[at..]);
            let h = Self::hash(window);
            if table[h] == 0 {
                slots.push(Vec::new());
                table[h] = u8::try_from(slots.len()).expect("fewer than 256 keyword slots");
            }
            slots[usize::from(table[h]) - 1].push((window, at, b));
        }
        Keywords { table, slots, short: short.iter().map(|w| w.as_bytes()).collect() }
    }

    #[inline]
    fn hash(w: u32) -> usize {
        (w.wrapping_mul(0x9E37_79B1) >> (32 - Self::HASH_BITS)) as usize
    }

    fn is_match(&self, hay: &str) -> bool {
        let hay = hay.as_bytes();
        if self
            .short
            .iter()
            .any(|w| w.last().is_some_and(|&b| memchr::memchr_iter(b, hay).any(|j| hay[..=j].ends_with(w))))
        {
            return true;
        }
        // Does a keyword lie where its window is `window`, the four bytes at `p`?
        let found_at = |p: usize, window: u32| {
            let slot = self.table[Self::hash(window)];
            slot != 0
                && self.slots[usize::from(slot) - 1]
                    .iter()
                    .any(|&(w, at, word)| w == window && p >= at && hay[p - at..].starts_with(word))
        };
        // Five positions from each eight bytes, one test for all five (most lines pass none).
        let mut i = 0;
        while let Some(eight) = hay.get(i..i + 8) {
            let x = u64::from_le_bytes(eight.try_into().unwrap_or_default());
            let any = (0..5).fold(0u8, |m, k| m | self.table[Self::hash((x >> (8 * k)) as u32)]);
            if any != 0 && (0..5).any(|k| found_at(i + k, (x >> (8 * k)) as u32)) {
                return true;
            }
            i += 5;
        }
        (i..(hay.len() + 1).saturating_sub(4)).any(|p| found_at(p, first_four(&hay[p..])))
    }
}

/// How common four bytes are in text, as the product of their letters' frequencies in English
/// (percent; the space most common, bytes other than letters and the space at 1): a keyword is
/// known by its least common window.
fn window_commonness(window: &[u8]) -> f64 {
    const LETTERS: [f64; 26] = [
        8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.8, 4.0, 2.4, 6.7, 7.5, 1.9, 0.1, 6.0, 6.3, 9.1, 2.8, 1.0,
        2.4, 0.15, 2.0, 0.07,
    ];
    window
        .iter()
        .map(|&b| match b {
            b'a'..=b'z' => LETTERS[usize::from(b - b'a')],
            b' ' => 18.0,
            _ => 1.0,
        })
        .product()
}

/// The first four bytes of `b` (at least four long) as one integer.
#[inline]
fn first_four(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

#[derive(Debug, Clone)]
struct LineRegexes {
    /// [`DATE`] (Unicode `\d` and `\b`).
    date: Regex,
    /// [`DATE`] without Unicode: the same matches on ASCII text, and no slow fallback for `\b`.
    date_ascii: Regex,
    says: Regex,
}

/// A time, a numeric date or a year.
const DATE: &str = r"\b\d{1,2}:\d{2}\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b|\b(19|20)\d{2}\b";

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| Tables {
        func: WordSet::new(
            FUNC.split_whitespace().map(|w| pack8(w.as_bytes()).expect("function words fit in 8 bytes")),
        ),
        kw: Keywords::new(KW),
        markers: AhoCorasick::new(MARKERS).expect("marker automaton"),
        http: memchr::memmem::Finder::new("http"),
        www: memchr::memmem::Finder::new("www."),
        regexes: PerThread::new(LineRegexes {
            date: Regex::new(DATE).expect("date"),
            date_ascii: Regex::new(&format!("(?-u){DATE}")).expect("ASCII date"),
            says: Regex::new(r"(?i)(says|said|wrote|schreibt|dit|dice|disse|пишет)\s*:?\s*$").expect("says"),
        }),
    })
}

/// A set of packed words (never 0): open addressing, linear probing, a quarter full. Smaller and
/// quicker to probe than a general hash set for these few short keys.
struct WordSet {
    slots: Vec<u64>,
    shift: u32,
    /// The longest word, in bytes.
    max_len: usize,
}

impl WordSet {
    fn new(words: impl Iterator<Item = u64>) -> WordSet {
        let words: Vec<u64> = words.collect();
        let size = (4 * words.len()).next_power_of_two().max(2);
        // A packed word's length: its bytes up to the last that is not zero.
        let max_len = words.iter().map(|w| (64 - w.leading_zeros() as usize).div_ceil(8)).max().unwrap_or(0);
        let mut set = WordSet { slots: vec![0; size], shift: 64 - size.trailing_zeros(), max_len };
        for w in words {
            let mut i = set.slot(w);
            while set.slots[i] != 0 && set.slots[i] != w {
                i = (i + 1) & (size - 1);
            }
            set.slots[i] = w;
        }
        set
    }

    /// The first slot of `w` (Fibonacci hashing: the top bits of a multiplication).
    #[inline]
    fn slot(&self, w: u64) -> usize {
        (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    fn contains(&self, w: u64) -> bool {
        let mut i = self.slot(w);
        loop {
            match self.slots[i] {
                0 => return false,
                s if s == w => return true,
                _ => i = (i + 1) & (self.slots.len() - 1),
            }
        }
    }
}

/// Up to 8 bytes as one integer (zero-padded: no word contains a NUL byte); `None` when longer.
#[inline]
fn pack8(b: &[u8]) -> Option<u64> {
    let mut a = [0u8; 8];
    a.get_mut(..b.len())?.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Is the `\w+` token `tok` a function word once lowercased (character by character)? The
/// lowercased token is packed as [`pack8`] packs the function words.
#[inline]
fn is_function_word(tok: &str) -> bool {
    // Lowercased, a function word fits in 8 bytes.
    let key = if tok.is_ascii() {
        if tok.len() > 8 {
            return false;
        }
        // Packed in a register (byte stores then a wide load would stall).
        tok.bytes().rev().fold(0u64, |k, b| (k << 8) | u64::from(b.to_ascii_lowercase()))
    } else {
        let (mut a, mut len) = ([0u8; 8], 0);
        for l in tok.chars().flat_map(char::to_lowercase) {
            let Some(dst) = a.get_mut(len..len + l.len_utf8()) else { return false };
            l.encode_utf8(dst);
            len += l.len_utf8();
        }
        u64::from_le_bytes(a)
    };
    tables().func.contains(key)
}

/// The key of the ASCII `\w+` token `b[start..start + len]` (`len` ≤ 8) for a look-up among
/// the function words: its bytes packed as [`pack8`] packs them, with the lowercase bit (0x20)
/// set in each. That lowercases the letters and keeps the digits; `_` becomes 0x7F, which (like
/// `_`) no function word has. One load when 8 bytes are there.
#[inline]
fn ascii_key(b: &[u8], start: usize, len: usize) -> u64 {
    debug_assert!((1..=8).contains(&len));
    let mask = u64::MAX >> (64 - 8 * len);
    let bytes = match b.get(start..start + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        Some(w) => u64::from_le_bytes(w) & mask,
        None => b[start..start + len].iter().rev().fold(0u64, |k, &x| (k << 8) | u64::from(x)),
    };
    bytes | (0x2020_2020_2020_2020 & mask)
}

// Character classes, as bits: what the per-character loop of [`line_stats`] asks of a character.
const C_NUMERIC: u16 = 1 << 0;
const C_LOWER: u16 = 1 << 1;
const C_UPPER: u16 = 1 << 2;
const C_ALPHA: u16 = 1 << 3;
const C_SPACE: u16 = 1 << 4;
/// `\w`: alphanumeric or `_`.
const C_WORD: u16 = 1 << 5;
const C_COMMA: u16 = 1 << 6;
const C_PIPE: u16 = 1 << 7;
const C_SENT: u16 = 1 << 8;
const C_NOSPACE: u16 = 1 << 9;

/// The classes of any character (the definition; [`class`] looks ASCII up in a table).
fn class_of(c: char) -> u16 {
    let bit = |b: bool, k: u16| if b { k } else { 0 };
    bit(c.is_numeric(), C_NUMERIC)
        | bit(c.is_lowercase(), C_LOWER)
        | bit(c.is_uppercase(), C_UPPER)
        | bit(c.is_alphabetic(), C_ALPHA)
        | bit(c.is_whitespace(), C_SPACE)
        | bit(is_word_char(c), C_WORD)
        | bit(matches!(c, ',' | '，' | '、' | ';' | '；'), C_COMMA)
        | bit(matches!(c, '|' | '•' | '·' | '»' | '›'), C_PIPE)
        | bit(matches!(c, '.' | '!' | '?' | '。' | '！' | '？'), C_SENT)
        | bit(is_nospace(c), C_NOSPACE)
}

/// An ASCII white-space byte (as `char::is_whitespace` has it: not only `u8::is_ascii_whitespace`).
#[inline]
const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

#[inline]
const fn is_ascii_comma(b: u8) -> bool {
    matches!(b, b',' | b';')
}

#[inline]
const fn is_ascii_sent(b: u8) -> bool {
    matches!(b, b'.' | b'!' | b'?')
}

/// The bits of a `u64` from bit `at` up (none when `at` is 64).
#[inline]
fn from_bit(at: u32) -> u64 {
    u64::MAX.checked_shl(at).unwrap_or(0)
}

/// Bit `i` set when `chunk[i]` is a `\w` byte: an ASCII letter, digit or `_` (what [`BYTE_CLASS`]
/// marks [`C_WORD`]). At most 64 bytes, eight at a time in a word (SWAR).
#[inline]
fn word_bits(chunk: &[u8]) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    debug_assert!(chunk.len() <= 64);
    let mut bits = 0;
    for (k, group) in chunk.chunks(8).enumerate() {
        let v = match <[u8; 8]>::try_from(group) {
            Ok(w) => u64::from_le_bytes(w),
            Err(_) => group.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)),
        };
        // Letters in either case (0x20 folds upper to lower), digits, then `_`.
        let word = bytes_between(v | (0x20 * LOW), b'a' - 1, b'z' + 1)
            | bytes_between(v, b'0' - 1, b'9' + 1)
            | bytes_between(v, b'_' - 1, b'_' + 1);
        // One bit per byte: bit 8j + 7 of `word` moves to bit 56 + j of the product (the partial
        // products never overlap, so nothing carries), then down to bit j.
        bits |= ((word >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    bits
}

/// The high bit of each byte `x` of `v` set when `x` is ASCII and `lo < x < hi`, the others clear
/// (`hasbetween` of the "Bit Twiddling Hacks", exact per byte for `lo` ≤ 127 and `hi` ≤ 128: no
/// byte borrows or carries into the next).
#[inline]
const fn bytes_between(v: u64, lo: u8, hi: u8) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = v & !HIGH;
    (LOW * (127 + hi as u64) - x) & !v & (x + LOW * (127 - lo as u64)) & HIGH
}

/// Of the bytes of a plain line: characters (bytes that start one), digits, commas, sentence
/// marks and characters other than space, in one pass (byte sums per chunk of 255, which the
/// compiler vectorises).
fn byte_counts(b: &[u8]) -> [u32; 5] {
    let mut total = [0u32; 5];
    for chunk in b.chunks(255) {
        let (mut n, mut digits, mut commas, mut sent, mut nonspace) = (0u8, 0u8, 0u8, 0u8, 0u8);
        for &x in chunk {
            let starts = u8::from(!is_continuation(x));
            n = n.wrapping_add(starts);
            digits = digits.wrapping_add(u8::from(x.is_ascii_digit()));
            commas = commas.wrapping_add(u8::from(is_ascii_comma(x)));
            sent = sent.wrapping_add(u8::from(is_ascii_sent(x)));
            nonspace = nonspace.wrapping_add(starts & u8::from(!is_ascii_space(x)));
        }
        for (t, v) in total.iter_mut().zip([n, digits, commas, sent, nonspace]) {
            *t += u32::from(v);
        }
    }
    total
}

/// A byte that continues a UTF-8 character.
#[inline]
const fn is_continuation(b: u8) -> bool {
    matches!(b, 0x80..=0xBF)
}

/// [`class_of`] of the ASCII characters, by byte (a test checks it against `class_of`); the bytes
/// of other characters get no class, which is right for the [`PLAIN`] characters.
const BYTE_CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        let mut k = 0;
        if b.is_ascii_digit() {
            k |= C_NUMERIC | C_WORD;
        }
        if b.is_ascii_lowercase() {
            k |= C_LOWER | C_ALPHA | C_WORD;
        }
        if b.is_ascii_uppercase() {
            k |= C_UPPER | C_ALPHA | C_WORD;
        }
        if is_ascii_space(b) {
            k |= C_SPACE;
        }
        if is_ascii_comma(b) {
            k |= C_COMMA;
        }
        if is_ascii_sent(b) {
            k |= C_SENT;
        }
        k |= match b {
            b'_' => C_WORD,
            b'|' => C_PIPE,
            _ => 0,
        };
        t[i] = k;
        i += 1;
    }
    t
};

/// The classes of a character: a table look-up for ASCII.
#[inline]
fn class(c: char) -> u16 {
    if c.is_ascii() {
        BYTE_CLASS[c as usize]
    } else {
        class_of(c)
    }
}

/// `line` lowercased character by character (not `str::to_lowercase`, whose final sigma is
/// context-dependent) into `low`. A `plain` line ([`is_plain`]) is lowercased by its ASCII bytes.
fn lowercase_into(line: &str, plain: bool, low: &mut String) {
    low.clear();
    if plain {
        low.push_str(line);
        low.make_ascii_lowercase();
        return;
    }
    let mut rest = line;
    while !rest.is_empty() {
        // A run of ASCII at once, then one other character.
        let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        let from = low.len();
        low.push_str(&rest[..ascii]);
        low[from..].make_ascii_lowercase();
        rest = &rest[ascii..];
        if let Some(c) = rest.chars().next() {
            low.extend(c.to_lowercase());
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// Characters of scripts written without spaces (a character counts as half a word).
#[inline]
fn is_nospace(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x0E00..=0x0E7F | 0xFF66..=0xFF9F)
}

#[inline]
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '）' | '」' | '』' | '】')
}

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Raw measurements of one stripped, non-empty line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Characters.
    pub n: u32,
    /// Effective words: space-separated words without no-space characters, plus half the
    /// no-space characters; at least 1.
    pub weff: f64,
    pub ends_sent: bool,
    pub ends_ell: bool,
    pub ends_colon: bool,
    pub ends_alnum: bool,
    pub commas: u32,
    pub inner_sent: bool,
    /// Share of non-numeric tokens that start upper-case.
    pub cap: f64,
    /// Share of characters that are digits.
    pub digits: f64,
    /// Share of tokens that are function words.
    pub fw: f64,
    /// Share of tokens of 3 characters or fewer.
    pub short: f64,
    /// Mean length of the space-separated words.
    pub avgw: f64,
    pub kw: bool,
    pub pipes: bool,
    pub url: bool,
    pub upper: bool,
    pub bullet: bool,
    /// A short line (≤ 6 words, no sentence end) naming a page section.
    pub marker: bool,
    pub date_like: bool,
    pub says: bool,
}

impl Stats {
    /// A long sentence: at least 10 words, ending in sentence punctuation.
    #[inline]
    pub fn good(&self) -> bool {
        self.weff >= 10.0 && self.ends_sent
    }

    /// The length + punctuation score of the first version (and of the page-level features).
    #[inline]
    pub fn simple_score(&self) -> f64 {
        let w = self.weff;
        let base = if self.ends_sent { w.min(40.0) / 10.0 } else { 0.0 };
        base - if w < 10.0 || !self.ends_sent { 1.0 } else { 0.0 }
    }
}

fn starts_with_bullet(s: &str) -> bool {
    let mut it = s.chars();
    let (Some(a), Some(b)) = (it.next(), it.next()) else { return false };
    let space_at = |c: Option<char>| c.is_some_and(char::is_whitespace);
    if matches!(a, '-' | '*' | '•' | '–' | '—' | '·') {
        return b.is_whitespace();
    }
    if a.is_ascii_lowercase() {
        return matches!(b, '.' | ')') && space_at(it.next());
    }
    if a.is_ascii_digit() {
        if matches!(b, '.' | ')') {
            return space_at(it.next());
        }
        if b.is_ascii_digit() {
            let c = it.next();
            return matches!(c, Some('.' | ')')) && space_at(it.next());
        }
    }
    false
}

/// Could `s` end in "says:" or the like? A cheap necessary condition of the `says` pattern: the
/// line ends in the last letter of one of its words (in any case), then optional white space, one
/// optional colon and white space. Its ASCII case variants are s, d, e and t; any other
/// character is left to the pattern.
fn may_end_in_says(s: &str) -> bool {
    let s = s.trim_end();
    let s = s.strip_suffix(':').map_or(s, str::trim_end);
    match s.chars().next_back() {
        Some(c) if c.is_ascii() => matches!(c, 's' | 'S' | 'd' | 'D' | 'e' | 'E' | 't' | 'T'),
        Some(_) => true,
        None => false,
    }
}

/// Characters other than ASCII that [`Counts::plain`] reads byte by byte: punctuation of no
/// class, the only characters other than ASCII in most English lines.
const PLAIN: [char; 7] = ['‘', '’', '“', '”', '–', '—', '…'];

/// Character, word and token counts of a line: what [`line_stats`] gathers in one pass.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    /// Characters, no-space characters, numeric characters, commas, sentence marks.
    n: u32,
    ns: u32,
    digits: u32,
    commas: u32,
    sent_marks: u32,
    /// The last character is a sentence mark.
    last_sent_mark: bool,
    /// Some character is a pipe (or the like), lowercase, alphabetic.
    pipes: bool,
    has_lower: bool,
    has_alpha: bool,
    /// Space-separated words without no-space characters, and their characters.
    latin_words: u32,
    latin_chars: u32,
    /// `\w+` tokens: all, not numeric, not numeric and capitalised, of ≤ 3 characters,
    /// function words.
    ntok: u32,
    alpha_tok: u32,
    cap_tok: u32,
    short_tok: u32,
    fw_tok: u32,
}

impl Counts {
    /// Count one `\w+` token of `len` characters; `fw` tells whether it is a function word (asked
    /// only of tokens of at most 8 characters).
    #[inline]
    fn token(&mut self, len: u32, numeric: bool, cap: bool, fw: impl FnOnce() -> bool) {
        self.ntok += 1;
        if !numeric {
            self.alpha_tok += 1;
            self.cap_tok += u32::from(cap);
        }
        self.short_tok += u32::from(len <= 3);
        if len <= 8 && fw() {
            self.fw_tok += 1;
        }
    }

    /// The counts of any line, character by character (the definition).
    fn chars(s: &str) -> Counts {
        let mut c = Counts::default();
        let mut any = 0;
        let (mut word_len, mut word_nospace, mut in_word) = (0u32, false, false);
        let (mut in_tok, mut tok_start, mut tok_len, mut tok_numeric, mut tok_cap) = (false, 0, 0u32, true, false);
        for (i, ch) in s.char_indices() {
            let k = class(ch);
            any |= k;
            c.n += 1;
            let nospace = k & C_NOSPACE != 0;
            c.ns += u32::from(nospace);
            c.digits += u32::from(k & C_NUMERIC != 0);
            c.commas += u32::from(k & C_COMMA != 0);
            c.last_sent_mark = k & C_SENT != 0;
            c.sent_marks += u32::from(c.last_sent_mark);
            // Space-separated words.
            if k & C_SPACE != 0 {
                if in_word && !word_nospace {
                    c.latin_words += 1;
                    c.latin_chars += word_len;
                }
                in_word = false;
            } else {
                if !in_word {
                    in_word = true;
                    word_len = 0;
                    word_nospace = false;
                }
                word_len += 1;
                word_nospace |= nospace;
            }
            // \w+ tokens.
            if k & C_WORD != 0 {
                if !in_tok {
                    (in_tok, tok_start, tok_len, tok_numeric, tok_cap) = (true, i, 0, true, k & C_UPPER != 0);
                }
                tok_len += 1;
                tok_numeric &= k & C_NUMERIC != 0;
            } else if in_tok {
                c.token(tok_len, tok_numeric, tok_cap, || is_function_word(&s[tok_start..i]));
                in_tok = false;
            }
        }
        if in_tok {
            c.token(tok_len, tok_numeric, tok_cap, || is_function_word(&s[tok_start..]));
        }
        if in_word && !word_nospace {
            c.latin_words += 1;
            c.latin_chars += word_len;
        }
        (c.pipes, c.has_lower, c.has_alpha) = (any & C_PIPE != 0, any & C_LOWER != 0, any & C_ALPHA != 0);
        c
    }

    /// The same counts of a line of ASCII and [`PLAIN`] characters, from its bytes: a few passes
    /// the compiler vectorises, then a walk from token to token. The bytes of a `PLAIN`
    /// character have no class; it counts once, by its first byte.
    fn plain(s: &str) -> Counts {
        let b = s.as_bytes();
        // Sums of 0/1 over the bytes: loops the compiler vectorises.
        let any = |f: fn(u8) -> bool| b.iter().any(|&x| f(x));
        let [n, digits, commas, sent_marks, latin_chars] = byte_counts(b);
        let mut c = Counts {
            n,
            digits,
            commas,
            sent_marks,
            last_sent_mark: b.last().is_some_and(|&x| is_ascii_sent(x)),
            pipes: memchr::memchr(b'|', b).is_some(),
            has_lower: any(|x| x.is_ascii_lowercase()),
            has_alpha: any(|x| x.is_ascii_alphabetic()),
            // No no-space characters: every word counts.
            latin_words: crate::segment::byte_word_starts(b, is_ascii_space),
            latin_chars,
            ..Counts::default()
        };
        let func = &tables().func;
        let mut token = |start: usize, end: usize| {
            let tok = &b[start..end];
            // Most tokens start with a letter: not numeric, without a loop.
            let numeric = tok[0].is_ascii_digit() && tok.iter().all(u8::is_ascii_digit);
            let len = end - start;
            // No function word is longer than `func.max_len` bytes.
            let fw = || len <= func.max_len && func.contains(ascii_key(b, start, len));
            c.token(len as u32, numeric, tok[0].is_ascii_uppercase(), fw);
        };
        // From token to token through a bit per byte (set for `\w` bytes), 64 bytes at a time.
        // `open` is the start of a token that runs on into the next 64 bytes.
        let mut open: Option<usize> = None;
        for (base, chunk) in (0..).step_by(64).zip(b.chunks(64)) {
            let words = word_bits(chunk);
            let mut at = 0;
            loop {
                let start = match open {
                    Some(start) => start,
                    None => {
                        let rest = words & from_bit(at);
                        if rest == 0 {
                            break;
                        }
                        at = rest.trailing_zeros();
                        base + at as usize
                    }
                };
                // Past the end of a short last chunk every bit of `!words` is set: a token ends there.
                let ends = !words & from_bit(at);
                if ends == 0 {
                    open = Some(start);
                    break;
                }
                at = ends.trailing_zeros();
                token(start, base + at as usize);
                open = None;
            }
        }
        if let Some(start) = open {
            token(start, b.len());
        }
        c
    }

    /// The counts of a line: by bytes when it is plain (see [`is_plain`]), else by characters.
    fn of(s: &str, plain: bool) -> Counts {
        if plain {
            Counts::plain(s)
        } else {
            Counts::chars(s)
        }
    }
}

/// Is `s` made of ASCII and [`PLAIN`] characters only? Such a line is counted by bytes, and
/// lowercased by bytes: the `PLAIN` characters have no case.
fn is_plain(s: &str) -> bool {
    // Every `PLAIN` character is U+20xx, three bytes E2 80 xx: the bytes from one non-ASCII byte
    // to the next are checked, not decoded.
    const _: () = {
        let mut k = 0;
        while k < PLAIN.len() {
            assert!(PLAIN[k] as u32 >> 6 == 0x2000 >> 6);
            k += 1;
        }
    };
    let b = s.as_bytes();
    let mut at = 0;
    while let Some(p) = crate::normalise::next_non_ascii(b, at) {
        let plain = match b.get(p..p + 3) {
            Some(&[0xE2, 0x80, last]) => PLAIN.iter().any(|&c| c as u32 & 0x3F == u32::from(last & 0x3F)),
            _ => false,
        };
        if !plain {
            return false;
        }
        at = p + 3;
    }
    true
}

/// Measure one line. `low` is a scratch buffer (the lowercased line ends up in it).
pub fn line_stats(line: &str, low: &mut String) -> Stats {
    let s = line.trim();
    let t = tables();
    let plain = is_plain(s);
    lowercase_into(s, plain, low);
    let Counts {
        n,
        ns,
        digits,
        commas,
        sent_marks,
        last_sent_mark,
        pipes,
        has_lower,
        has_alpha,
        latin_words,
        latin_chars,
        ntok,
        alpha_tok,
        cap_tok,
        short_tok,
        fw_tok,
    } = Counts::of(s, plain);
    let weff = (f64::from(latin_words) + f64::from(ns) / 2.0).max(1.0);
    let last = s.chars().rev().find(|&c| !is_closer(c));
    let ell = s.ends_with("...") || s.ends_with('…');
    let ends_sent = last.is_some_and(|c| matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…')) && !ell;
    let per_tok = |k: u32| if ntok == 0 { 0.0 } else { f64::from(k) / f64::from(ntok) };
    let lows = low.as_str();
    let kw = t.kw.is_match(lows);
    let marker = weff <= 6.0 && !ends_sent && t.markers.is_match(lows);
    // `\d` is a decimal digit, which `is_numeric` counts: no digit, no date.
    let re = || t.regexes.get();
    let date_like = weff <= 12.0 && digits > 0 && if s.is_ascii() { &re().date_ascii } else { &re().date }.is_match(s);
    // "… says:" only looks at the end of the line.
    let tail_from = s.len().saturating_sub(24);
    let tail_from = (tail_from..s.len()).find(|&i| s.is_char_boundary(i)).unwrap_or(s.len());
    Stats {
        n,
        weff,
        ends_sent,
        ends_ell: ell,
        ends_colon: matches!(last, Some(':' | '：')),
        ends_alnum: last.is_some_and(char::is_alphanumeric),
        commas,
        inner_sent: sent_marks > u32::from(last_sent_mark),
        cap: if alpha_tok == 0 { 0.0 } else { f64::from(cap_tok) / f64::from(alpha_tok) },
        digits: if n == 0 { 0.0 } else { f64::from(digits) / f64::from(n) },
        fw: per_tok(fw_tok),
        short: per_tok(short_tok),
        avgw: if latin_words == 0 { 0.0 } else { f64::from(latin_chars) / f64::from(latin_words) },
        kw,
        pipes,
        url: t.http.find(lows.as_bytes()).is_some()
            || t.www.find(lows.as_bytes()).is_some()
            || memchr::memchr(b'@', s.as_bytes()).is_some(),
        upper: has_alpha && !has_lower,
        bullet: starts_with_bullet(s),
        marker,
        date_like,
        says: may_end_in_says(s) && re().says.is_match(&s[tail_from..]),
    }
}

// ------------------------------------------------------------------------------------------
// Maximum-sum runs

/// Maximum-sum contiguous run of `scores` as a half-open range plus its sum (the first best run
/// on ties; a run restarts when the running sum is ≤ 0). `None` for no scores.
pub fn kadane(scores: impl IntoIterator<Item = f64>) -> Option<(usize, usize, f64)> {
    let (mut best, mut range) = (f64::NEG_INFINITY, None);
    let (mut cur, mut start) = (0.0f64, 0usize);
    for (i, s) in scores.into_iter().enumerate() {
        if i == 0 || cur <= 0.0 {
            cur = s;
            start = i;
        } else {
            cur += s;
        }
        if cur > best {
            best = cur;
            range = Some((start, i + 1));
        }
    }
    range.map(|(a, b)| (a, b, best))
}

/// Maximum-sum contiguous run of `scores` as a half-open range; `None` when no run is positive.
pub fn best_run(scores: &[f64]) -> Option<(usize, usize)> {
    kadane(scores.iter().copied()).and_then(|(a, b, s)| (s > 0.0).then_some((a, b)))
}

// ------------------------------------------------------------------------------------------
// The model

#[inline]
fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z.clamp(-30.0, 30.0)).exp())
}

#[inline]
fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

#[inline]
fn dot(w: &[f64], b: f64, x: &[f64]) -> f64 {
    b + w.iter().zip(x).map(|(a, c)| a * c).sum::<f64>()
}

#[inline]
fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Per-line measurements of a page plus the page-level numbers both models share.
pub struct Analysis {
    pub stats: Vec<Stats>,
    /// Stage-1 features, `N1` per line.
    pub x1: Vec<f64>,
}

/// Stage-1 features of every line of a page.
pub fn analyse(lines: &[PageLine<'_>]) -> Analysis {
    let m = lines.len();
    let mut low = String::new();
    let stats: Vec<Stats> = lines.iter().map(|l| line_stats(l.text, &mut low)).collect();
    // Filled row by row below (not zeroed first: the rows are several times the page's size).
    let mut x1 = Vec::with_capacity(m * N1);
    if m == 0 {
        return Analysis { stats, x1 };
    }
    // Lines seen more than once on the page: each distinct line gets an id, the ids a count.
    let mut ids: FxHashMap<&str, u32> = FxHashMap::with_capacity_and_hasher(m, Default::default());
    let line_id: Vec<u32> = lines
        .iter()
        .map(|l| {
            let next = ids.len() as u32;
            *ids.entry(l.text.trim()).or_insert(next)
        })
        .collect();
    let mut counts = vec![0u32; ids.len()];
    for &id in &line_id {
        counts[id as usize] += 1;
    }
    let good: Vec<f64> = stats.iter().map(|s| flag(s.good())).collect();
    let gw = |k: usize| if stats[k].good() { stats[k].weff } else { 0.0 };
    let tot_g = {
        let t: f64 = (0..m).map(gw).sum();
        if t > 0.0 {
            t
        } else {
            1.0
        }
    };
    let tot_w = {
        let t: f64 = stats.iter().map(|s| s.weff).sum();
        if t > 0.0 {
            t
        } else {
            1.0
        }
    };
    let longest = (0..m).fold(0, |b, k| if stats[k].weff > stats[b].weff { k } else { b });
    let (bs, be, _) = kadane(stats.iter().map(Stats::simple_score)).unwrap_or((0, 0, 0.0));
    let mut pre = Vec::with_capacity(m + 1);
    pre.push(0.0);
    for g in &good {
        pre.push(pre.last().copied().unwrap_or(0.0) + g);
    }
    let win = |k: usize, r: usize| {
        let (a, b) = (k.saturating_sub(r), (k + r + 1).min(m));
        (pre[b] - pre[a] - good[k]) / (if b - a > 1 { (b - a - 1) as f64 } else { 1.0 })
    };
    let mf = m as f64;
    let (mut cum_g, mut cum_w) = (0.0, 0.0);
    let (mut markers_after_longest, mut tails_after_longest) = (0u32, 0u32);
    for k in 0..m {
        let s = &stats[k];
        let l = &lines[k];
        let w = s.weff;
        let cum = cum_g / tot_g;
        let (mk_before, tail_before) = if k > longest {
            (f64::from(markers_after_longest.min(3)) / 3.0, f64::from(tails_after_longest.min(2)) / 2.0)
        } else {
            (0.0, 0.0)
        };
        let mut x = [0.0; N1];
        let base = [
            (1.0 + w).ln(),
            flag(w < 4.0),
            flag(w >= 10.0),
            flag(w >= 25.0),
            flag(s.ends_sent),
            flag(s.ends_ell),
            flag(s.ends_colon),
            flag(s.ends_alnum),
            (f64::from(s.commas) / w).min(1.0),
            flag(s.inner_sent),
            s.cap,
            s.digits,
            s.fw,
            s.short,
            s.avgw / 10.0,
            flag(s.kw && w <= 8.0),
            flag(s.kw && w > 8.0),
            flag(s.pipes),
            flag(s.url),
            flag(s.upper),
            flag(s.bullet),
            flag(counts[line_id[k] as usize] > 1),
            k as f64 / mf,
            cum_w / tot_w,
            cum,
            cum.min(1.0 - cum - gw(k) / tot_g),
            (k as f64 - longest as f64).abs() / mf,
            flag(bs <= k && k < be),
            win(k, 2),
            win(k, 5),
            win(k, 15),
            flag(k == 0 || l.blank_before),
            flag(k + 1 == m || lines[k + 1].blank_before),
            flag(s.marker),
            mk_before,
            flag(s.date_like),
            flag(s.says),
        ];
        x[..base.len()].copy_from_slice(&base);
        let mut j = base.len();
        for nb in [k.checked_sub(1), (k + 1 < m).then_some(k + 1)] {
            if let Some(nb) = nb {
                let t = &stats[nb];
                x[j] = (1.0 + t.weff).ln();
                x[j + 1] = flag(t.ends_sent);
                x[j + 2] = good[nb];
            }
            j += 3;
        }
        // Rule hits: a short line a rule matched is chrome; after a tail marker the page turns.
        x[j] = flag(l.marked && w <= 8.0);
        x[j + 1] = flag(l.tail_marked);
        x[j + 2] = tail_before;
        debug_assert_eq!(j + 3, N1);
        x1.extend_from_slice(&x);
        if k > longest {
            markers_after_longest += u32::from(s.marker);
            tails_after_longest += u32::from(l.tail_marked);
        }
        cum_g += gw(k);
        cum_w += w;
    }
    Analysis { stats, x1 }
}

/// Stage-1 probabilities.
pub fn stage1(a: &Analysis) -> Vec<f64> {
    a.x1.chunks_exact(N1).map(|x| sigmoid(dot(&weights::W1, weights::B1, x))).collect()
}

/// Stage-2 features (`N2` per line) from the stage-1 probabilities `p`.
pub fn stage2_features(a: &Analysis, p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut x2 = Vec::with_capacity(m * N2);
    if m == 0 {
        return x2;
    }
    let mut pre = Vec::with_capacity(m + 1);
    pre.push(0.0);
    for v in p {
        pre.push(pre.last().copied().unwrap_or(0.0) + v);
    }
    let mut cm = Vec::with_capacity(m + 1);
    cm.push(0.0);
    for (v, s) in p.iter().zip(&a.stats) {
        cm.push(cm.last().copied().unwrap_or(0.0) + v * (1.0 + s.weff).ln());
    }
    let tot = if cm[m] > 0.0 { cm[m] } else { 1.0 };
    let (rs, re, _) = kadane(p.iter().map(|v| v - weights::T_REGION)).unwrap_or((0, 0, 0.0));
    let win = |k: usize, r: usize| {
        let (lo, hi) = (k.saturating_sub(r), (k + r + 1).min(m));
        (pre[hi] - pre[lo] - p[k]) / ((hi - lo - 1).max(1) as f64)
    };
    let mf = m as f64;
    for k in 0..m {
        let before = cm[k] / tot;
        let after = (tot - cm[k + 1]) / tot;
        let inside = rs <= k && k < re;
        let dist = if inside { 0.0 } else { (k.abs_diff(rs).min(k.abs_diff(re - 1))) as f64 / mf };
        let x1 = &a.x1[k * N1..(k + 1) * N1];
        let row = [
            logit(p[k]),
            win(k, 1),
            win(k, 3),
            win(k, 10),
            if k > 0 { p[k - 1] } else { 0.0 },
            if k + 1 < m { p[k + 1] } else { 0.0 },
            before,
            after,
            before.min(after),
            flag(inside),
            dist,
            flag(k < rs),
            x1[0],
            x1[4],
            x1[15],
            x1[1],
            x1[21],
            x1[N1 - 3],
            x1[N1 - 2],
        ];
        x2.extend_from_slice(&row);
    }
    x2
}

/// Stage-2 content probability of every line.
pub fn line_probs(a: &Analysis) -> Vec<f64> {
    let p1 = stage1(a);
    let x2 = stage2_features(a, &p1);
    x2.chunks_exact(N2).map(|x| sigmoid(dot(&weights::W2, weights::B2, x))).collect()
}

/// Keep the maximum-sum run of `p − T − B·marker` (nothing when no run is positive).
pub fn select_from_probs(a: &Analysis, p: &[f64], t: f64, b: f64) -> Vec<bool> {
    let mut keep = vec![false; p.len()];
    let scores = p.iter().zip(&a.stats).map(|(v, s)| v - t - if s.marker { b } else { 0.0 });
    if let Some((lo, hi, sum)) = kadane(scores) {
        if sum > 0.0 {
            keep[lo..hi].fill(true);
        }
    }
    keep
}

/// Which lines belong to the article (true) in whole-page text.
pub fn select_lines(lines: &[PageLine<'_>]) -> Vec<bool> {
    let a = analyse(lines);
    let p = line_probs(&a);
    select_from_probs(&a, &p, weights::T_SELECT, weights::B_MARKER)
}

// ------------------------------------------------------------------------------------------
// mode="auto"

/// Page-level features of the auto-detector (`NA` values).
pub fn auto_features(lines: &[PageLine<'_>], a: &Analysis, keep: &[bool]) -> [f64; NA] {
    let m = lines.len();
    if m == 0 {
        return [0.0; NA];
    }
    let mf = m as f64;
    let share = |f: &dyn Fn(usize) -> bool| (0..m).filter(|&k| f(k)).count() as f64 / mf;
    let st = &a.stats;
    let short = share(&|k| st[k].weff < 4.0);
    let nopunct = share(&|k| !st[k].ends_sent);
    let head = m.min(20);
    let head_short = (0..head).filter(|&k| st[k].weff < 4.0).count() as f64 / head as f64;
    let repeated = share(&|k| a.x1[k * N1 + 21] > 0.0);
    let (bs, be, _) = kadane(st.iter().map(Stats::simple_score)).unwrap_or((0, 0, 0.0));
    let tot_n: f64 = st.iter().map(|s| f64::from(s.n)).sum::<f64>().max(1.0);
    let outside_simple = (0..m).filter(|&k| k < bs || k >= be).map(|k| f64::from(st[k].n)).sum::<f64>() / tot_n;
    let outside_sel = (0..m).filter(|&k| !keep[k]).map(|k| f64::from(st[k].n)).sum::<f64>() / tot_n;
    let good_out = (0..m).filter(|&k| !keep[k] && st[k].good()).map(|k| f64::from(st[k].n)).sum::<f64>() / tot_n;
    let markers = share(&|k| st[k].marker);
    let marked = share(&|k| lines[k].marked);
    let kw_short = share(&|k| st[k].kw && st[k].weff <= 8.0);
    [
        (1.0 + mf).ln(),
        short,
        nopunct,
        repeated,
        head_short,
        outside_simple,
        markers,
        outside_sel,
        good_out,
        marked,
        kw_short,
    ]
}

/// The auto-detector's logit: positive means whole-page text.
pub fn auto_logit(f: &[f64; NA]) -> f64 {
    dot(&weights::WA, weights::BA, f)
}

/// `mode="auto"`: the page-mode selection when `lines` look like whole-page text (menus and
/// teasers around an article), `None` for an already-extracted article.
pub fn auto_select(lines: &[PageLine<'_>]) -> Option<Vec<bool>> {
    if lines.len() < weights::AUTO_MIN_LINES {
        return None;
    }
    let a = analyse(lines);
    let p = line_probs(&a);
    let keep = select_from_probs(&a, &p, weights::T_SELECT, weights::B_MARKER);
    (auto_logit(&auto_features(lines, &a, &keep)) > weights::AUTO_T).then_some(keep)
}

/// Does this look like whole-page text rather than an already-extracted article?
pub fn looks_like_page(lines: &[PageLine<'_>]) -> bool {
    auto_select(lines).is_some()
}

#[cfg(test)]
mod tests;
