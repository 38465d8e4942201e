//! Stage 1: normalisation. NFC, one kind of line ending, no invisible or control characters,
//! one kind of space, no space runs, at most one blank line between paragraphs. Optional:
//! ASCII quotes/dashes/ellipsis, bullets as "- ", no space before closing punctuation.
//!
//! `normalise(normalise(x)) == normalise(x)` holds for every input and every option set.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Switches of the normaliser. The defaults keep the author's typography.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NormaliseOptions {
    /// Curly quotes → `'` and `"`, dashes and minus → `-`, `…` → `...`.
    pub ascii_punctuation: bool,
    /// A bullet glyph (`•`, `●`, `▪`, `►`, `*`, …) that starts a line becomes `- `.
    pub bullets: bool,
    /// Drop a space before `, . ; : ! ? )` when the mark does not start a word (`word ,` → `word,`).
    pub space_before_punctuation: bool,
    /// French typography: with `space_before_punctuation`, keep the space before `; : ! ?`.
    pub french_spacing: bool,
}

enum Mapped {
    Drop,
    Newline,
    Space,
    Keep(char),
    Str(&'static str),
}

#[inline]
fn map_char(c: char, opts: &NormaliseOptions) -> Mapped {
    match c {
        '\n' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => Mapped::Newline,
        '\t' | ' ' => Mapped::Space,
        '\u{00}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => Mapped::Drop,
        // Invisible format characters: zero-width space, word joiner, BOM, soft hyphen,
        // direction marks, embeddings, overrides and isolates, Mongolian vowel separator.
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{200E}' | '\u{200F}' | '\u{180E}' => Mapped::Drop,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FFFE}' | '\u{FFFF}' => Mapped::Drop,
        '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Mapped::Space,
        _ if opts.ascii_punctuation => match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => Mapped::Keep('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => Mapped::Keep('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => Mapped::Keep('-'),
            '\u{2026}' => Mapped::Str("..."),
            _ => Mapped::Keep(c),
        },
        _ => Mapped::Keep(c),
    }
}

/// Line layout while normalising: what separator the next content owes.
#[derive(Default)]
struct Layout {
    /// Newlines seen since the last content character.
    newlines: usize,
    /// White space seen since the last content character (on the same line).
    pending_space: bool,
    /// A character was dropped (a base and a combining mark may now meet: NFC again).
    dropped: bool,
}

impl Layout {
    /// Account for one mapped character: `Some(piece)` when it is content to write.
    fn content<'b>(&mut self, mapped: Mapped, buf: &'b mut [u8; 4]) -> Option<&'b str> {
        match mapped {
            Mapped::Drop => {
                self.dropped = true;
                None
            }
            Mapped::Newline => {
                self.newlines += 1;
                self.pending_space = false;
                None
            }
            Mapped::Space => {
                self.pending_space = true;
                None
            }
            Mapped::Keep(c) => Some(c.encode_utf8(buf)),
            Mapped::Str(s) => Some(s),
        }
    }

    /// Write the separator owed before content that starts now.
    fn separate(&mut self, out: &mut String) {
        if !out.is_empty() {
            if self.newlines == 1 {
                out.push('\n');
            } else if self.newlines > 1 {
                out.push_str("\n\n");
            } else if self.pending_space {
                out.push(' ');
            }
        }
        self.newlines = 0;
        self.pending_space = false;
    }
}

/// `c` through the character map, where `\r\n` is one line ending: `None` skips the `\r`.
#[inline]
fn map_line_end(c: char, newline_follows: bool, opts: &NormaliseOptions) -> Option<Mapped> {
    match c {
        '\r' if newline_follows => None,
        '\r' => Some(Mapped::Newline),
        _ => Some(map_char(c, opts)),
    }
}

/// NFC first: decomposition singletons (e.g. U+2000 → U+2002) then meet the character map.
fn nfc_first(text: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc_quick_yes(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// `is_nfc_quick(text.chars()) == IsNormalized::Yes`, checking only the runs of characters that
/// are not NFC starters. A starter (ASCII, most letters of most alphabets) always passes and
/// resets the check's state, so the check splits at it; the bytes of starters from blocks of
/// starters only are skipped without decoding.
fn is_nfc_quick_yes(text: &str) -> bool {
    let facts = crate::chartable::CharFacts::get();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(from) = next_to_check(bytes, i, facts) {
        // The run of characters that are not starters from here (none if this one is).
        let mut k = from;
        let starter = loop {
            let Some(&b) = bytes.get(k) else { break None };
            let (c, len) = crate::chartable::char_at(text, k);
            if b < 0x80 || facts.nfc_starter(c) {
                break Some(len);
            }
            k += len;
        };
        if k > from && is_nfc_quick(text[from..k].chars()) != IsNormalized::Yes {
            return false;
        }
        let Some(len) = starter else { return true };
        i = k + len;
    }
    true
}

/// The first byte at or after `from` that is neither ASCII, nor a continuation byte, nor the
/// lead of a two-byte character that must be a starter: the start of a character to look at.
/// (Built on [`next_non_ascii`], stopping at every non-ASCII byte, it cost 13 % more
/// instructions on Russian text: in such text every chunk has a high bit.)
#[inline]
fn next_to_check(bytes: &[u8], from: usize, facts: crate::chartable::CharFacts) -> Option<usize> {
    let skip = |b: u8| b < 0xC0 || facts.nfc_lead(b);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if word & 0x8080_8080_8080_8080 != 0 {
            if let Some(k) = chunk.iter().position(|&b| !skip(b)) {
                return Some(i + k);
            }
        }
        i += 8;
    }
    bytes[i.min(bytes.len())..].iter().position(|&b| !skip(b)).map(|k| i + k)
}

/// The position of the first byte ≥ 0x80 at or after `from`, eight bytes at a time.
#[inline]
pub(crate) fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let high = u64::from_le_bytes(word) & 0x8080_8080_8080_8080;
        if high != 0 {
            return Some(i + (high.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b >= 0x80).map(|p| i + p)
}

/// Glyphs that mark a list item when they start a line.
#[inline]
pub fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '·'
            | '‣'
            | '⁃'
            | '◦'
            | '▪'
            | '▫'
            | '●'
            | '○'
            | '■'
            | '□'
            | '►'
            | '▸'
            | '▶'
            | '➢'
            | '➤'
            | '✓'
            | '✔'
            | '*'
    )
}

#[inline]
fn is_closing_punct(c: char) -> bool {
    matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | ')')
}

/// Normalise `text` (see the module documentation). Never fails, never panics.
pub fn normalise(text: &str, opts: &NormaliseOptions) -> String {
    if opts.bullets || opts.space_before_punctuation {
        return normalise_chars(text, opts);
    }
    normalise_runs(text, opts)
}

/// Bytes the fast path copies as they are: printable ASCII other than the space.
const fn plain_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 0x7F {
        t[b] = true;
        b += 1;
    }
    t
}
static PLAIN: [bool; 256] = plain_table();

/// Skip sixteen, then eight bytes at a time while they are plain bytes and single spaces each
/// followed by a plain byte (what the run loop of [`normalise_runs`] would take one by one).
#[inline]
fn skip_plain_words(bytes: &[u8], mut i: usize) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Sixteen bytes at a time while they pass (the same tests, in one vector register).
    while let Some(block) = bytes.get(i..i + 17) {
        let block: &[u8; 17] = block.try_into().expect("17 bytes");
        let mut bad = [0u8; 16];
        for k in 0..16 {
            let (b, next) = (block[k], block[k + 1]);
            bad[k] = u8::from(b.wrapping_sub(0x20) > 0x5E) | (u8::from(b == b' ') & u8::from(next == b' '));
        }
        if u128::from_le_bytes(bad) != 0 || block[15] == b' ' && !PLAIN[block[16] as usize] {
            break;
        }
        i += 16;
    }
    while i + 9 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let w = u64::from_le_bytes(word);
        // Every byte in 0x20..=0x7E: ASCII, at least 0x20, below 0x7F (no carries: all < 0x80).
        if w & HIGH != 0 || (w + 0x60 * LOW) & HIGH != HIGH || (w + LOW) & HIGH != 0 {
            break;
        }
        // The spaces, exactly: a zero byte of w ^ 0x20..
        let t = w ^ (0x20 * LOW);
        let spaces = !(((t & !HIGH) + !HIGH) | t) & HIGH;
        if spaces & (spaces >> 8) != 0 || (spaces >> 56 != 0 && !PLAIN[bytes[i + 8] as usize]) {
            break;
        }
        i += 8;
    }
    i
}

/// Bytes of the plain character at `at` (0: none there): a plain ASCII byte, or a non-ASCII
/// character the map keeps as it is (letters of every script; curly quotes and dashes without
/// `ascii_punctuation`).
#[inline]
fn plain_len(src: &str, at: usize, opts: &NormaliseOptions) -> usize {
    let bytes = src.as_bytes();
    match bytes.get(at) {
        Some(&b) if PLAIN[b as usize] => 1,
        Some(&b) if b < 0x80 => 0,
        // U+00C0..=U+07FF (Latin letters, Greek, Cyrillic, Hebrew, Arabic …): all kept as they are.
        Some(0xC3..=0xDF) => 2,
        // U+0080..=U+00BF: C1 controls, U+0085, U+00A0 and U+00AD are not.
        Some(0xC2) => match bytes.get(at + 1) {
            Some(&b2) if b2 >= 0xA1 && b2 != 0xAD => 2,
            _ => 0,
        },
        Some(_) => {
            let c = src[at..].chars().next().unwrap_or(' ');
            if matches!(map_char(c, opts), Mapped::Keep(k) if k == c) {
                c.len_utf8()
            } else {
                0
            }
        }
        None => 0,
    }
}

/// The fast path (no line-start or punctuation options): runs of plain characters (see
/// [`plain_len`]) are copied whole; white space, controls and the characters the map changes go
/// one by one through the same map as [`normalise_chars`], which this function must equal byte
/// for byte.
fn normalise_runs(text: &str, opts: &NormaliseOptions) -> String {
    let src = nfc_first(text);
    let src: &str = &src;
    let bytes = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut layout = Layout::default();
    let mut i = 0;

    let plain_at = |at: usize| plain_len(src, at, opts);
    while i < bytes.len() {
        if plain_at(i) > 0 {
            // A run of plain characters and single spaces between them is copied as it is: the
            // character path would write the same (a space owed before content on its line).
            let start = i;
            loop {
                i = skip_plain_words(bytes, i);
                let n = match plain_at(i) {
                    0 if bytes.get(i) == Some(&b' ') => match plain_at(i + 1) {
                        0 => 0,
                        after => 1 + after,
                    },
                    n => n,
                };
                if n == 0 {
                    break;
                }
                i += n;
            }
            layout.separate(&mut out);
            out.push_str(&src[start..i]);
            continue;
        }
        let b = bytes[i];
        let c = if b < 0x80 {
            i += 1;
            b as char
        } else {
            let c = src[i..].chars().next().unwrap_or('\u{FFFD}');
            i += c.len_utf8();
            c
        };
        let Some(mapped) = map_line_end(c, bytes.get(i) == Some(&b'\n'), opts) else { continue };
        let mut buf = [0u8; 4];
        let Some(piece) = layout.content(mapped, &mut buf) else { continue };
        layout.separate(&mut out);
        out.push_str(piece);
    }
    if layout.dropped && !is_nfc_quick_yes(&out) {
        out = out.nfc().collect();
    }
    out
}

/// The general path, character by character, with every option.
fn normalise_chars(text: &str, opts: &NormaliseOptions) -> String {
    let src = nfc_first(text);
    let src: &str = &src;
    let mut out = String::with_capacity(src.len());
    let mut layout = Layout::default();
    let mut chars = src.chars().peekable();
    while let Some(raw) = chars.next() {
        let Some(mapped) = map_line_end(raw, chars.peek() == Some(&'\n'), opts) else { continue };
        let mut buf = [0u8; 4];
        let Some(piece) = layout.content(mapped, &mut buf) else { continue };
        let at_line_start = out.is_empty() || layout.newlines > 0;
        if opts.space_before_punctuation && layout.newlines == 0 && layout.pending_space {
            // The character after the mark: within the piece when it is several (`…` → `...`).
            let mut rest = piece.chars();
            let first = rest.next().unwrap_or(' ');
            let next = rest.next().or_else(|| chars.peek().copied());
            let french = opts.french_spacing && matches!(first, ';' | ':' | '!' | '?');
            if is_closing_punct(first) && !french && !next.is_some_and(|n| n.is_alphanumeric()) {
                layout.pending_space = false; // `word ,` → `word,`
            }
        }
        layout.separate(&mut out);
        if at_line_start && opts.bullets {
            let first = piece.chars().next().unwrap_or(' ');
            if is_bullet(first) {
                out.push('-');
                layout.pending_space = true;
                continue;
            }
        }
        out.push_str(piece);
    }
    if layout.dropped && !is_nfc_quick_yes(&out) {
        // Dropping an invisible character can bring a base and a combining mark together.
        out = out.nfc().collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalise(s, &NormaliseOptions::default())
    }

    #[test]
    fn line_endings_and_blank_runs() {
        assert_eq!(n("a\r\nb\rc\n\n\n\nd\n"), "a\nb\nc\n\nd");
        assert_eq!(n("\n\n  a  \n"), "a");
    }

    #[test]
    fn spaces_and_invisibles() {
        assert_eq!(n("a\u{00A0}\u{2003} b\t\tc"), "a b c");
        assert_eq!(n("zero\u{200B}width\u{00AD} soft"), "zerowidth soft");
        assert_eq!(n("bell\u{07} nul\u{0}x"), "bell nulx");
        assert_eq!(n("  indented line  "), "indented line");
    }

    #[test]
    fn nfc_and_recomposition_after_drop() {
        assert_eq!(n("e\u{0301}"), "\u{e9}");
        assert_eq!(n("e\u{200B}\u{0301}"), "\u{e9}");
        assert_eq!(n("\u{2000}x"), "x");
    }

    #[test]
    fn options() {
        let o = NormaliseOptions {
            ascii_punctuation: true,
            bullets: true,
            space_before_punctuation: true,
            french_spacing: false,
        };
        assert_eq!(normalise("“Hi” – it’s… fine", &o), "\"Hi\" - it's... fine");
        assert_eq!(normalise("  • one\n●two\n- three", &o), "- one\n- two\n- three");
        assert_eq!(normalise("word , next . costs .5", &o), "word, next. costs .5");
    }

    #[test]
    fn fast_path_equals_char_path() {
        // A small deterministic generator over the characters the two paths treat differently.
        let alphabet: Vec<char> =
            "ab .,\n\r\t\u{0}\u{7f}\u{85}\u{a0}\u{200b}\u{2028}é\u{301}’“—…•東😀\u{fffd}".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..5000 {
            let mut s = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            for k in 0..len {
                let r = seed.rotate_left(k as u32 * 5) as usize;
                s.push(alphabet[r % alphabet.len()]);
            }
            for ascii in [false, true] {
                let o = NormaliseOptions { ascii_punctuation: ascii, ..Default::default() };
                assert_eq!(normalise_runs(&s, &o), normalise_chars(&s, &o), "input {s:?}");
            }
        }
    }

    #[test]
    fn plain_len_agrees_with_the_map_for_every_character() {
        for ascii_punctuation in [false, true] {
            let o = NormaliseOptions { ascii_punctuation, ..Default::default() };
            for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                let s = c.to_string();
                let kept = matches!(map_char(c, &o), Mapped::Keep(k) if k == c) && c != ' ';
                assert_eq!(plain_len(&s, 0, &o), if kept { c.len_utf8() } else { 0 }, "{c:?}");
            }
        }
    }

    #[test]
    fn fast_path_equals_char_path_on_long_plain_runs() {
        // Mostly plain bytes and spaces, so that the eight-byte skip runs, with rarer breakers.
        let alphabet: Vec<char> =
            "abcdefg.,xyz     AB\n\t\u{0}é\u{a0}~\u{7f}’—東\u{301}\u{200b}\u{2028}…".chars().collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5000 {
            let mut s = String::new();
            for _ in 0..(seed % 90) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let r = (seed >> 11) as usize;
                s.push(alphabet[if r % 8 == 0 { r % alphabet.len() } else { r % 17 }]);
            }
            for ascii in [false, true] {
                let o = NormaliseOptions { ascii_punctuation: ascii, ..Default::default() };
                assert_eq!(normalise_runs(&s, &o), normalise_chars(&s, &o), "input {s:?}");
            }
        }
    }

    #[test]
    fn nfc_quick_check_by_runs() {
        let samples = [
            "",
            "abc",
            "é",
            "e\u{301}",
            "a\u{301}b\u{301}",
            "x\u{315}\u{300}y",
            "abcdefghé\u{301}",
            "東京 Åström",
            "и\u{306}",
            "ёжик й",
            "жx\u{315}\u{300}ж",
            "ж\u{300}\u{315}",
            "\u{2000}ж",
            "ж\u{2000}",
            "Ω Ω",
        ];
        for s in samples {
            assert_eq!(is_nfc_quick_yes(s), is_nfc_quick(s.chars()) == IsNormalized::Yes, "{s:?}");
        }
        // Random strings over starters and non-starters of every width, in runs of every length
        // (runs longer than eight bytes cross the byte scan's chunks).
        let alphabet = [
            'a',
            ' ',
            'é',
            'ж',
            'Ж',
            'Ω',
            '\u{301}',
            '\u{315}',
            '\u{483}',
            '\u{344}',
            '\u{2000}',
            '’',
            '東',
            '\u{1161}',
            '\u{1100}',
            '\u{AC00}',
            '\u{11A8}',
            '😀',
            '\u{1D15E}',
            '\u{FB1D}',
            'ם',
            '\u{5B4}',
            '\u{0958}',
        ];
        let mut passed = 0;
        for s in crate::testing::random_strings(&alphabet, 24, 20_000, 0x1234_5678_9ABC_DEF1) {
            let want = is_nfc_quick(s.chars()) == IsNormalized::Yes;
            assert_eq!(is_nfc_quick_yes(&s), want, "{s:?}");
            passed += usize::from(want);
        }
        assert!(passed > 1_000 && passed < 19_000, "both outcomes occur ({passed} passed)");
    }

    #[test]
    fn plain_words_are_skipped_as_eight_bytes_at_a_time_would() {
        // The definition: eight bytes at a time, each of 0x20..=0x7E, no two spaces in a row, a
        // space as the eighth byte only before a plain byte.
        fn by_eights(bytes: &[u8], mut i: usize) -> usize {
            while i + 9 <= bytes.len() {
                let w = &bytes[i..i + 9];
                let ok = w[..8].iter().all(|b| (0x20..=0x7E).contains(b))
                    && !w[..8].windows(2).any(|p| p == b"  ")
                    && (w[7] != b' ' || PLAIN[w[8] as usize]);
                if !ok {
                    break;
                }
                i += 8;
            }
            i
        }
        // Mostly plain, so that runs reach past one and two blocks of sixteen.
        let mut alphabet = vec!['a'; 150];
        alphabet.extend(['b', 'Z', '!', '~', ' ', ' ', ' ', ' ', '\x7f', '\n', '\t', '\x1f', 'é', '’']);
        let mut far = 0;
        for s in crate::testing::random_strings(&alphabet, 80, 20_000, 0x5EED_0016) {
            let b = s.as_bytes();
            for from in [0, 1, 7] {
                let at = from.min(b.len());
                let got = skip_plain_words(b, at);
                assert_eq!(got, by_eights(b, at), "{s:?} from {at}");
                far += usize::from(got >= at + 32);
            }
        }
        assert!(far > 1_000, "runs of two blocks and more occur ({far})");
    }

    #[test]
    fn idempotent_on_samples() {
        let o = NormaliseOptions {
            ascii_punctuation: true,
            bullets: true,
            space_before_punctuation: true,
            french_spacing: false,
        };
        for s in ["a , , b", " \u{0301}x", "\u{387}a", "•", "x\r\n\r\n\r\ny", "a \u{200B},5", "«  a  »"] {
            for opts in [NormaliseOptions::default(), o] {
                let once = normalise(s, &opts);
                assert_eq!(normalise(&once, &opts), once, "input {s:?}");
            }
        }
    }
}
