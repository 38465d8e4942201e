//! Python's string storage to and from UTF-8, without Python: CPython keeps a `str` as an array
//! of Latin-1 bytes, UCS-2 or UCS-4 code units (the narrowest that holds its largest character).
//! The binding reads a batch's strings in that form and writes results straight into new string
//! objects, so both conversions run on the engine's threads instead of serially under the GIL.

use std::borrow::Cow;

/// A Python string's code units, as CPython stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUnits<'a> {
    Latin1(&'a [u8]),
    Ucs2(&'a [u16]),
    Ucs4(&'a [u32]),
}

/// Storage for a new Python string, to be filled by [`write`].
#[derive(Debug, PartialEq, Eq)]
pub enum CodeUnitsMut<'a> {
    Latin1(&'a mut [u8]),
    Ucs2(&'a mut [u16]),
    Ucs4(&'a mut [u32]),
}

/// What CPython needs to allocate a string: its length in code points and its widest character
/// class (`max_char` is the class's largest value: 127, 255, 0xFFFF or 0x10FFFF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub chars: usize,
    pub max_char: u32,
}

/// The UTF-8 form of a Python string. ASCII text is borrowed as it is. A lone surrogate (which a
/// Python string can hold and UTF-8 cannot) becomes U+FFFD, and a high surrogate followed by a
/// low one becomes the character they encode, as a UTF-16 round trip with `errors="replace"`
/// does in Python.
pub fn to_utf8(units: CodeUnits<'_>) -> Cow<'_, str> {
    match units {
        CodeUnits::Latin1(b) if b.is_ascii() => {
            std::str::from_utf8(b).map_or_else(|_| Cow::Owned(widen(b, u32::from)), Cow::Borrowed)
        }
        CodeUnits::Latin1(b) => Cow::Owned(widen(b, u32::from)),
        CodeUnits::Ucs2(u) => Cow::Owned(widen(u, u32::from)),
        CodeUnits::Ucs4(u) => Cow::Owned(widen(u, |c| c)),
    }
}

/// UTF-8 of code units (`code` turns one into its value). Each run of ASCII units is found in
/// blocks of 16 (a loop the compiler vectorises), finished unit by unit up to the first non-ASCII
/// one, and narrowed in one go; the other characters are encoded one at a time.
fn widen<T: Copy>(units: &[T], code: impl Fn(T) -> u32) -> String {
    const BLOCK: usize = 16;
    let mut out: Vec<u8> = Vec::with_capacity(units.len() + units.len() / 4);
    let mut i = 0;
    while i < units.len() {
        let run = i;
        while let Some(block) = units.get(i..i + BLOCK) {
            if block.iter().fold(0, |m, &u| m | code(u)) >= 0x80 {
                break;
            }
            i += BLOCK;
        }
        while units.get(i).is_some_and(|&u| code(u) < 0x80) {
            i += 1;
        }
        out.extend(units[run..i].iter().map(|&u| code(u) as u8));
        let Some(&unit) = units.get(i) else { break };
        let c = code(unit);
        let next = units.get(i + 1).map(|&u| code(u));
        let (ch, used) = match (c, next) {
            (0xD800..=0xDBFF, Some(lo @ 0xDC00..=0xDFFF)) => {
                (char::from_u32(0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00)), 2)
            }
            _ => (char::from_u32(c), 1),
        };
        out.extend_from_slice(ch.unwrap_or(char::REPLACEMENT_CHARACTER).encode_utf8(&mut [0; 4]).as_bytes());
        i += used;
    }
    // Only whole characters were written: the check always passes.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The code points and character class of `text`: from its bytes alone (a non-ASCII text's
/// largest byte is its largest lead byte, which gives the class), so the loops vectorise.
pub fn shape(text: &str) -> Shape {
    let (mut top, mut continuation) = (0u8, 0usize);
    for chunk in text.as_bytes().chunks(64) {
        top = top.max(chunk.iter().fold(0, |m, &b| m.max(b)));
        continuation += usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from((b as i8) < -0x40)));
    }
    let max_char = match top {
        0..=0x7F => 0x7F,
        0x80..=0xC3 => 0xFF,
        0xC4..=0xEF => 0xFFFF,
        _ => 0x10FFFF,
    };
    Shape { chars: text.len() - continuation, max_char }
}

/// Write `text` into `dst`, which must have exactly `shape(text).chars` code units of a width
/// that holds its characters (panics otherwise: the caller allocated it from [`shape`]).
pub fn write(text: &str, dst: CodeUnitsMut<'_>) {
    match dst {
        CodeUnitsMut::Latin1(d) if text.is_ascii() => d.copy_from_slice(text.as_bytes()),
        CodeUnitsMut::Latin1(d) => fill(text, d, |c| u8::try_from(c).expect("a Latin-1 character")),
        CodeUnitsMut::Ucs2(d) => fill(text, d, |c| u16::try_from(c).expect("a BMP character")),
        CodeUnitsMut::Ucs4(d) => fill(text, d, |c| c),
    }
}

/// Decode `text` into `dst` (`unit` narrows a code point). Each run of ASCII bytes is found in
/// blocks of 16, finished byte by byte up to the first non-ASCII one, and widened in one go; the
/// other characters are decoded one at a time.
fn fill<T: Copy>(text: &str, dst: &mut [T], unit: impl Fn(u32) -> T) {
    const BLOCK: usize = 16;
    let bytes = text.as_bytes();
    let (mut i, mut j) = (0, 0);
    while i < bytes.len() {
        let run = i;
        while bytes.get(i..i + BLOCK).is_some_and(<[u8]>::is_ascii) {
            i += BLOCK;
        }
        while bytes.get(i).is_some_and(u8::is_ascii) {
            i += 1;
        }
        for (d, &b) in dst[j..j + (i - run)].iter_mut().zip(&bytes[run..i]) {
            *d = unit(u32::from(b));
        }
        j += i - run;
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else { break };
        dst[j] = unit(u32::from(c));
        (i, j) = (i + c.len_utf8(), j + 1);
    }
    assert_eq!(j, dst.len(), "the string's storage has room for exactly its characters");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How CPython would store `chars`.
    fn stored(chars: &[u32]) -> (Vec<u8>, Vec<u16>, Vec<u32>, u32) {
        let max = chars.iter().copied().max().unwrap_or(0);
        let class = match max {
            0..=0xFF => 0xFF,
            0x100..=0xFFFF => 0xFFFF,
            _ => 0x10FFFF,
        };
        (chars.iter().map(|&c| c as u8).collect(), chars.iter().map(|&c| c as u16).collect(), chars.to_vec(), class)
    }

    fn read(chars: &[u32]) -> String {
        let (l1, u2, u4, class) = stored(chars);
        match class {
            0xFF => to_utf8(CodeUnits::Latin1(&l1)).into_owned(),
            0xFFFF => to_utf8(CodeUnits::Ucs2(&u2)).into_owned(),
            _ => to_utf8(CodeUnits::Ucs4(&u4)).into_owned(),
        }
    }

    #[test]
    fn reads_every_width() {
        for s in ["", "plain ascii", "café au lait", "“quoted” — dash", "emoji 😀 and ü", "\u{10FFFF}x"] {
            let chars: Vec<u32> = s.chars().map(u32::from).collect();
            assert_eq!(read(&chars), s);
        }
        assert!(matches!(to_utf8(CodeUnits::Latin1(b"ascii only")), Cow::Borrowed("ascii only")));
        // Latin-1 bytes that happen to be valid UTF-8 are still Latin-1.
        assert_eq!(to_utf8(CodeUnits::Latin1(&[0xC3, 0xA9])), "Ã©");
    }

    #[test]
    fn surrogates_as_a_utf16_round_trip() {
        let cases: &[(&[u32], &str)] = &[
            (&[0x61, 0xD800, 0x62], "a\u{FFFD}b"),
            (&[0xDFFF], "\u{FFFD}"),
            (&[0xDC00, 0xD800], "\u{FFFD}\u{FFFD}"),
            (&[0xD83D, 0xDE00, 0x21], "😀!"),
            (&[0xD83D, 0xD83D, 0xDE00], "\u{FFFD}😀"),
            (&[0x1F600, 0xD800], "😀\u{FFFD}"),
        ];
        for (chars, want) in cases {
            assert_eq!(read(chars), *want, "{chars:x?}");
        }
    }

    #[test]
    fn shape_and_write_round_trip() {
        for s in ["", "abc", "\u{80}", "ÿ and ascii", "Ā", "“x”", "\u{FFFF}", "😀", "mixed é “ 😀 end", "\u{10FFFF}"]
        {
            let shape = shape(s);
            let chars: Vec<u32> = s.chars().map(u32::from).collect();
            assert_eq!(shape.chars, chars.len(), "{s:?}");
            let max = chars.iter().copied().max().unwrap_or(0);
            let want = [0x7F, 0xFF, 0xFFFF, 0x10FFFF].into_iter().find(|&c| max <= c).unwrap();
            assert_eq!(shape.max_char, want, "{s:?}");
            let back: Vec<u32> = match shape.max_char {
                0..=0xFF => {
                    let mut d = vec![0u8; shape.chars];
                    write(s, CodeUnitsMut::Latin1(&mut d));
                    d.into_iter().map(u32::from).collect()
                }
                0x100..=0xFFFF => {
                    let mut d = vec![0u16; shape.chars];
                    write(s, CodeUnitsMut::Ucs2(&mut d));
                    d.into_iter().map(u32::from).collect()
                }
                _ => {
                    let mut d = vec![0u32; shape.chars];
                    write(s, CodeUnitsMut::Ucs4(&mut d));
                    d
                }
            };
            assert_eq!(back, chars, "{s:?}");
        }
    }

    #[test]
    fn every_code_point_survives_both_ways() {
        let all: String = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
        let chars: Vec<u32> = all.chars().map(u32::from).collect();
        assert_eq!(read(&chars), all);
        let mut d = vec![0u32; shape(&all).chars];
        write(&all, CodeUnitsMut::Ucs4(&mut d));
        assert_eq!(d, chars);
    }

    #[test]
    fn ascii_runs_of_every_length_around_other_characters() {
        // ASCII runs of 0 to 40 units between other characters cross the 16-unit blocks at every
        // offset; each text is read from and written to every width that holds it.
        let alphabets: [&[char]; 3] = [&['a', 'é', 'ÿ'], &['a', 'é', '“', 'Ж'], &['a', 'é', '—', '😀']];
        for (k, alphabet) in alphabets.iter().enumerate() {
            let mut picks = crate::testing::random_strings(alphabet, 12, 3_000, 0x0C0D_E0A1 + k as u64);
            for n in 0..3_000usize {
                let other: String = picks.next().unwrap().chars().filter(|&c| c != 'a').collect();
                let mut s = String::new();
                for (m, c) in other.chars().enumerate() {
                    s.extend(std::iter::repeat_n('x', (n * 7 + m * 13) % 41));
                    s.push(c);
                }
                s.extend(std::iter::repeat_n('y', n % 37));
                let chars: Vec<u32> = s.chars().map(u32::from).collect();
                assert_eq!(read(&chars), s);
                let shape = shape(&s);
                assert_eq!(shape.chars, chars.len());
                let back: Vec<u32> = match shape.max_char {
                    0..=0xFF => {
                        let mut d = vec![0u8; shape.chars];
                        write(&s, CodeUnitsMut::Latin1(&mut d));
                        d.into_iter().map(u32::from).collect()
                    }
                    0x100..=0xFFFF => {
                        let mut d = vec![0u16; shape.chars];
                        write(&s, CodeUnitsMut::Ucs2(&mut d));
                        d.into_iter().map(u32::from).collect()
                    }
                    _ => {
                        let mut d = vec![0u32; shape.chars];
                        write(&s, CodeUnitsMut::Ucs4(&mut d));
                        d
                    }
                };
                assert_eq!(back, chars, "{s:?}");
            }
        }
    }
}
