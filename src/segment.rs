//! Stage 2: segmentation. The normalised text becomes its non-blank lines, each with byte
//! offsets, whether a blank line stands before it, and cheap features.

/// One non-blank line of the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Byte offset of the first character of the line.
    pub start: usize,
    /// Byte offset one past the last character (the `\n` is not part of the line).
    pub end: usize,
    /// A blank line separates this line from the previous non-blank one.
    pub blank_before: bool,
}

/// Cheap per-line features used by the decision stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    /// Whitespace-separated tokens, plus one per two characters of scripts written without spaces.
    pub words: u32,
    /// The line ends in sentence punctuation (after closing quotes and brackets).
    pub terminal: bool,
}

/// Split normalised text into its non-blank lines.
pub fn segment(text: &str) -> Vec<Line> {
    let mut lines = Vec::with_capacity(text.len() / 64 + 1);
    segment_into(text, &mut lines);
    lines
}

/// [`segment`] into `lines` (emptied first), reusing its allocation.
pub fn segment_into(text: &str, lines: &mut Vec<Line>) {
    lines.clear();
    let mut start = 0usize;
    let mut blank_before = false;
    let bytes = text.as_bytes();
    while start <= bytes.len() {
        let end = memchr_newline(bytes, start);
        if end > start && !text[start..end].trim().is_empty() {
            lines.push(Line { start, end, blank_before: blank_before && !lines.is_empty() });
            blank_before = false;
        } else {
            blank_before = true;
        }
        start = end + 1;
    }
}

#[inline]
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

/// Characters of scripts that do not separate words with spaces.
#[inline]
pub fn is_spaceless_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF
        | 0x0E00..=0x0E7F | 0x0E80..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x20000..=0x2FFFF)
}

/// Sentence-final punctuation in the scripts dechaff meets most.
#[inline]
pub fn is_terminal_punct(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？' | '։' | '؟' | '।' | '॥' | '።')
}

#[inline]
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '」' | '』' | '）' | '*')
}

/// Word starts in `bytes` (a byte that is not a space after a space, or the first byte when it is
/// not one), with every byte of 0x80 and above a word byte. Branch-free, counted in bytes per
/// chunk, so the compiler vectorises it 16 lanes wide.
#[inline]
pub(crate) fn byte_word_starts(bytes: &[u8], is_space: impl Fn(u8) -> bool + Copy) -> u32 {
    // A word start needs a space before it: at most every other byte of a chunk, so a count of
    // 128 pairs fits in a byte.
    const CHUNK: usize = 128;
    let Some(&first) = bytes.first() else { return 0 };
    let mut words = u32::from(!is_space(first));
    for (cur, prev) in bytes[1..].chunks(CHUNK).zip(bytes.chunks(CHUNK)) {
        let starts = cur.iter().zip(prev).fold(0u8, |n, (&b, &p)| n.wrapping_add(u8::from(!is_space(b) & is_space(p))));
        words += u32::from(starts);
    }
    words
}

/// Can a character of `line` (not all ASCII) be white space or of a script written without
/// spaces? Such characters live at lead bytes E0, E1 and E3 and above, and among the characters
/// of lead bytes C2 and E2 (U+0085, U+00A0, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F), which
/// are looked at one by one. Every other character counts as a word character.
fn may_hold_space_or_spaceless(line: &str) -> bool {
    let bytes = line.as_bytes();
    let wide = bytes.iter().fold(0u8, |acc, &b| acc | u8::from((b >= 0xE3) | (b == 0xE0) | (b == 0xE1)));
    // C2 and E2 are lead bytes (at or above 0xC0): each starts a character of `line`.
    wide != 0
        || memchr::memchr2_iter(0xC2, 0xE2, bytes).any(|i| line[i..].chars().next().is_some_and(char::is_whitespace))
}

/// Compute the features of one line of text.
pub fn features(line: &str) -> Features {
    let bytes = line.as_bytes();
    let mut words = 0u32;
    let mut spaceless = 0u32;
    // All of `char::is_whitespace`'s ASCII spaces count on a line that is not all ASCII; a line
    // that is counts the space character only.
    let is_space = |b: u8| matches!(b, b' ' | b'\t'..=b'\r');
    if line.is_ascii() {
        words = byte_word_starts(bytes, |b| b == b' ');
    } else if !may_hold_space_or_spaceless(line) {
        // Every non-ASCII character is a word character: a byte count gives the same.
        words = byte_word_starts(bytes, is_space);
    } else {
        // Runs of ASCII as above; other characters one by one.
        let facts = crate::chartable::CharFacts::get();
        let mut in_word = false;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] < 0x80 {
                // A lone ASCII byte before a non-ASCII character (a space between two words):
                // no run to find.
                if bytes.get(i + 1).is_none_or(|&b| b >= 0x80) {
                    let space = is_space(bytes[i]);
                    words += u32::from(!space && !in_word);
                    in_word = !space;
                    i += 1;
                    continue;
                }
                let end = crate::normalise::next_non_ascii(bytes, i).unwrap_or(bytes.len());
                let run = &bytes[i..end];
                words += byte_word_starts(run, is_space) - u32::from(in_word && !is_space(run[0]));
                in_word = !is_space(run[run.len() - 1]);
                i = end;
                continue;
            }
            let (c, len) = crate::chartable::char_at(line, i);
            i += len;
            if facts.word(c) {
                words += u32::from(!in_word);
                in_word = true;
                continue;
            }
            if is_spaceless_script(c) {
                spaceless += 1;
            }
            let space = c.is_whitespace();
            if !space && !in_word {
                words += 1;
            }
            in_word = !space;
        }
    }
    let terminal = line.trim_end().chars().rev().find(|&c| !is_closer(c)).is_some_and(is_terminal_punct);
    Features { words: words + spaceless / 2, terminal }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_with_blank_markers() {
        let t = "one\ntwo\n\nthree";
        let l = segment(t);
        assert_eq!(l.len(), 3);
        assert_eq!(&t[l[1].start..l[1].end], "two");
        assert!(!l[1].blank_before);
        assert!(l[2].blank_before);
        assert!(!l[0].blank_before);
        assert!(segment("").is_empty());
    }

    #[test]
    fn features_equal_a_char_by_char_count() {
        fn slow(line: &str) -> u32 {
            let (mut words, mut in_word, mut spaceless) = (0, false, 0);
            let ascii = line.is_ascii();
            for c in line.chars() {
                let space = if ascii { c == ' ' } else { c.is_whitespace() };
                words += u32::from(!space && !in_word);
                in_word = !space;
                spaceless += u32::from(is_spaceless_script(c));
            }
            words + spaceless / 2
        }
        for line in ["", " ", "a", " a  b ", "a\tb c", "a\tb é", "é\u{a0}x\u{3000}東京 y", "\u{85}x", "  東 京 "]
        {
            assert_eq!(features(line).words, slow(line), "{line:?}");
        }
        // Random lines mixing ASCII, Cyrillic, spaces of every kind and spaceless scripts, in
        // runs of every length (single spaces between non-ASCII words take a shortcut).
        let alphabet =
            ['a', 'Z', ' ', '\t', 'ж', 'Ё', 'é', '\u{a0}', '\u{2009}', '\u{3000}', '東', 'ก', '😀', '.', '\u{85}'];
        for line in crate::testing::random_strings(&alphabet, 30, 20_000, 0x0DDB_1A5E_5BAD_5EED) {
            assert_eq!(features(&line).words, slow(&line), "{line:?}");
        }
        // Lines whose non-ASCII characters are all word characters take a byte count; the
        // white space of lead bytes C2 and E2 beside their neighbours must not. Long lines cross
        // the count's chunks.
        let alphabet = [
            'a', ' ', ' ', 'x', '’', '“', '—', '©', 'ж', '\u{a0}', '\u{85}', '\u{2028}', '\u{202f}', '\u{205f}',
            '\u{200a}', '\u{2010}', '\u{1680}', '\t',
        ];
        for line in crate::testing::random_strings(&alphabet, 40, 20_000, 0x005E_ED0F_C2E2) {
            assert_eq!(features(&line).words, slow(&line), "{line:?}");
        }
        for line in crate::testing::random_strings(&alphabet[..9], 600, 2_000, 0x005E_ED0F_0128) {
            assert_eq!(features(&line).words, slow(&line), "{line:?}");
        }
        let ascii = crate::testing::random_strings(&['a', ' ', 'b', '\t'], 600, 2_000, 0x005E_ED0F_A5C1);
        for line in ascii {
            assert_eq!(features(&line).words, slow(&line), "{line:?}");
        }
    }

    #[test]
    fn byte_word_starts_equal_a_plain_count_across_chunks() {
        for line in crate::testing::random_strings(&['a', ' ', ',', 'é', '\t'], 1_000, 300, 0x00C0_017B_0875) {
            let b = line.as_bytes();
            let space = |x: u8| matches!(x, b' ' | b'\t');
            let starts = (0..b.len()).filter(|&i| !space(b[i]) && (i == 0 || space(b[i - 1]))).count();
            assert_eq!(byte_word_starts(b, space) as usize, starts);
        }
    }

    #[test]
    fn features_count_words_and_terminal() {
        assert_eq!(features("The cat sat.").words, 3);
        assert!(features("The cat sat.").terminal);
        assert!(features("He said “no.”").terminal);
        assert!(!features("A heading").terminal);
        assert_eq!(features("東京都の天気は晴れです").words, 6);
    }
}
