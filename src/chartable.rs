//! Per-character facts the hot loops ask of non-ASCII text, for every code point below
//! [`LIMIT`] (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic and Southeast Asian scripts,
//! general punctuation), as bits computed once from the definitions they stand for. One table
//! lookup replaces the Unicode property searches the definitions make character by character,
//! which took most of the time on Cyrillic text. Code points at or above the limit take the
//! definitions themselves.

use std::sync::OnceLock;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfc_quick, IsNormalized};

/// The table covers U+0000 to U+2FFF.
pub const LIMIT: u32 = 0x3000;

/// The character leaves the NFC quick check as ASCII does: combining class 0 and NFC_QC=Yes, so
/// it neither fails the check nor holds it at Maybe, and it resets the previous combining class.
const NFC_STARTER: u8 = 1;
/// [`crate::rules::fold_into`] copies the character as it is.
const FOLDS_TO_ITSELF: u8 = 2;
/// A word character for [`crate::segment::features`]: not white space, not a spaceless script.
const WORD: u8 = 4;

// The definitions the table stands for.

fn is_nfc_starter(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
}

/// `scratch`: a buffer for the folded form.
fn is_self_folding(c: char, scratch: &mut String) -> bool {
    scratch.clear();
    crate::rules::fold_char(c, scratch);
    scratch.chars().eq(std::iter::once(c))
}

fn is_word(c: char) -> bool {
    !c.is_whitespace() && !crate::segment::is_spaceless_script(c)
}

/// The bits of every code point below [`LIMIT`] (surrogates: none), and which two-byte lead bytes
/// start only NFC starters (bit `lead - 0xC0`).
struct Tables {
    bits: Vec<u8>,
    nfc_leads: u32,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut scratch = String::new();
        let bits: Vec<u8> = (0..LIMIT)
            .map(|cp| {
                let Some(c) = char::from_u32(cp) else { return 0 };
                let facts = [
                    (is_nfc_starter(c), NFC_STARTER),
                    (is_self_folding(c, &mut scratch), FOLDS_TO_ITSELF),
                    (is_word(c), WORD),
                ];
                facts.iter().filter(|(on, _)| *on).fold(0, |bits, (_, bit)| bits | bit)
            })
            .collect();
        // Lead byte L of a two-byte sequence starts the code points (L & 0x1F) << 6 .. + 64.
        let nfc_leads = (0xC2..=0xDFu32)
            .filter(|lead| {
                let first = ((lead & 0x1F) << 6) as usize;
                bits[first..first + 64].iter().all(|b| b & NFC_STARTER != 0)
            })
            .fold(0, |mask, lead| mask | 1 << (lead - 0xC0));
        Tables { bits, nfc_leads }
    })
}

/// The facts about characters, with the table fetched once per caller.
#[derive(Clone, Copy)]
pub struct CharFacts {
    bits: &'static [u8],
    nfc_leads: u32,
}

impl CharFacts {
    /// The table (built on first use, about a millisecond).
    #[inline]
    pub fn get() -> CharFacts {
        let t = tables();
        CharFacts { bits: &t.bits, nfc_leads: t.nfc_leads }
    }

    /// Every character this byte can start as the lead of a two-byte sequence is an NFC starter.
    #[inline]
    pub fn nfc_lead(self, b: u8) -> bool {
        (0xC0..=0xDF).contains(&b) && (self.nfc_leads >> (b - 0xC0)) & 1 != 0
    }

    #[inline]
    fn has(self, c: char, bit: u8) -> Option<bool> {
        self.bits.get(c as usize).map(|&b| b & bit != 0)
    }

    /// Combining class 0 and NFC_QC=Yes.
    #[inline]
    pub fn nfc_starter(self, c: char) -> bool {
        self.has(c, NFC_STARTER).unwrap_or_else(|| is_nfc_starter(c))
    }

    /// `fold_into` copies `c` unchanged; `None` above the table (ask the definition).
    #[inline]
    pub fn folds_to_itself(self, c: char) -> Option<bool> {
        self.has(c, FOLDS_TO_ITSELF)
    }

    /// Not white space and not a spaceless script.
    #[inline]
    pub fn word(self, c: char) -> bool {
        self.has(c, WORD).unwrap_or_else(|| is_word(c))
    }
}

/// The character that starts at byte `i` of `text` (a character boundary) and its length in
/// bytes; two-byte characters, the alphabets of the table, without the general decoder.
#[inline(always)]
pub fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes();
    if let (Some(&lead @ 0xC2..=0xDF), Some(&next)) = (b.get(i), b.get(i + 1)) {
        let cp = (u32::from(lead & 0x1F) << 6) | u32::from(next & 0x3F);
        if let Some(c) = char::from_u32(cp) {
            return (c, 2);
        }
    }
    let c = text[i..].chars().next().unwrap_or('\0');
    (c, c.len_utf8().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_definitions_for_every_code_point() {
        let facts = CharFacts::get();
        let mut scratch = String::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(facts.nfc_starter(c), is_nfc_starter(c), "{c:?}");
            assert_eq!(facts.word(c), is_word(c), "{c:?}");
            let same = is_self_folding(c, &mut scratch);
            assert_eq!(facts.folds_to_itself(c), ((c as u32) < LIMIT).then_some(same), "{c:?}");
        }
        // Spot checks of what the bits mean.
        assert!(facts.nfc_starter('ж') && facts.nfc_starter('é') && !facts.nfc_starter('\u{301}'));
        assert!(!facts.nfc_starter('\u{2000}')); // a singleton decomposition: NFC_QC=No
        assert_eq!(facts.folds_to_itself('ж'), Some(true));
        assert_eq!(facts.folds_to_itself('Ж'), Some(false));
        assert_eq!(facts.folds_to_itself('’'), Some(false));
        assert!(facts.word('ж') && !facts.word('\u{a0}') && !facts.word('ก'));
        // Lead bytes: every two-byte character after a vouched-for lead is a starter.
        for lead in 0xC2..=0xDFu8 {
            let all = (0..64u32)
                .filter_map(|k| char::from_u32((u32::from(lead & 0x1F) << 6) | k))
                .all(|c| facts.nfc_starter(c));
            assert_eq!(facts.nfc_lead(lead), all, "{lead:#x}");
        }
        assert!(facts.nfc_lead(0xD0) && facts.nfc_lead(0xD1) && !facts.nfc_lead(0xCC));
        // Cyrillic; combining marks
    }

    #[test]
    fn char_at_decodes_every_width() {
        let text = "aé ж“😀\u{7ff}\u{800}";
        let mut i = 0;
        for c in text.chars() {
            assert_eq!(char_at(text, i), (c, c.len_utf8()), "at {i}");
            i += c.len_utf8();
        }
    }
}
