//! Language detection for `lang="auto"`: the script of the letters, then a profile of short
//! function words. No model, no download; linear in the sampled text.
//!
//! Cyrillic text is Russian or Ukrainian (letters and function words that only one of them
//! uses); Latin text is English, German, French, Spanish, Italian or Portuguese (function-word
//! counts). Anything else, or too little evidence, is undetermined (`None`).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// The languages the detector can name, in the order of its score table.
pub const DETECTABLE: &[&str] = &["en", "de", "fr", "es", "it", "pt", "ru", "uk"];

/// At most this many bytes of a document are read (its start: titles and body lead).
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// Function-word hits the best Latin language needs, its lead over the second, and its share of
/// the words read (function words are a third or more of running text in these languages; a
/// language they do not belong to matches a few by chance).
const MIN_HITS: u32 = 4;
const MIN_LEAD: f64 = 1.25;
const MIN_SHARE: f64 = 0.08;

/// Frequent short words per language. A word listed for several languages counts for each.
const STOP_WORDS: [(&str, &str); 8] = [
    (
        "en",
        "the and of to in is that for it with was on as are be by this have from at he she they his her \
         not but an or were had which will would has their said its been who you we our there than",
    ),
    (
        "de",
        "der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es an als wie bei \
         nach wird oder aus sie er hat noch aber einen wurde über sind werden ich nur vor zum zur einer",
    ),
    (
        "fr",
        "le la les et des est une un du dans que qui pour pas sur au avec il elle ce par plus sont ont aux \
         mais ou cette été leur ses son nous vous je ne se sa été d'un d'une l'on c'est",
    ),
    (
        "es",
        "el los las del que y en un una por con para es se no al lo como más pero sus su le ha fue este \
         esta ya son entre cuando muy sin sobre también hasta desde está han hay",
    ),
    (
        "it",
        "il di che e la per non un una sono del della con si dei nel alla gli le più anche come ma è \
         questo ha ci delle lo degli nella essere stato dalla già quando anni dopo",
    ),
    (
        "pt",
        "o a os as de que e do da em um uma para com não no na por mais dos das se ao foi como mas são \
         pelo pela também está ele ela seu sua isso nos já ou quando há muito",
    ),
    (
        "ru",
        "и в не на что с по это как он к но из у за о от его для так же уже только был была были быть \
         который которые если бы ещё или при этом также чтобы",
    ),
    (
        "uk",
        "і в не на що з до це як він у та але від за його для так вже лише був була були бути який які \
         якщо б ще або при цьому також щоб й із через",
    ),
];

/// The function words, each with the bits of the languages that list it (bit `i`: `DETECTABLE[i]`).
fn stop_words() -> &'static StopWords {
    static TABLE: OnceLock<StopWords> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut masks: FxHashMap<&'static str, u8> = FxHashMap::default();
        for (i, (_, words)) in STOP_WORDS.iter().enumerate() {
            for w in words.split_whitespace() {
                *masks.entry(w).or_default() |= 1 << i;
            }
        }
        StopWords::new(masks.into_iter().map(|(w, m)| (w.as_bytes(), m)))
    })
}

/// A word of at most 16 bytes as one number: its bytes, little-endian (never 0 for a word).
#[inline]
fn pack16(word: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    b[..word.len()].copy_from_slice(word);
    u128::from_le_bytes(b)
}

/// Function words by their packed bytes: open addressing, linear probing, at most a quarter full.
/// A lookup costs a multiply and a probe or two, where a general hash map hashed byte strings.
struct StopWords {
    keys: Vec<u128>,
    masks: Vec<u8>,
    shift: u32,
}

impl StopWords {
    fn new(words: impl Iterator<Item = (&'static [u8], u8)>) -> StopWords {
        let words: Vec<(&[u8], u8)> = words.collect();
        let size = (words.len() * 4).next_power_of_two().max(16);
        let mut t = StopWords { keys: vec![0; size], masks: vec![0; size], shift: 64 - size.trailing_zeros() };
        for (w, mask) in words {
            assert!(!w.is_empty() && w.len() <= MAX_STOP_WORD_BYTES, "function word {w:?}");
            let key = pack16(w);
            let mut i = t.slot(key);
            while t.keys[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            (t.keys[i], t.masks[i]) = (key, mask);
        }
        t
    }

    #[inline]
    fn slot(&self, key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The language bits of the word in the first `n` bytes of `window` (0: not a function
    /// word); `n` is 1 to 16, and the bytes past it are ignored.
    #[inline]
    fn get(&self, window: &[u8; 16], n: usize) -> u8 {
        let key = u128::from_le_bytes(*window) & (u128::MAX >> (128 - 8 * n));
        let mut i = self.slot(key);
        loop {
            match self.keys[i] {
                0 => return 0,
                k if k == key => return self.masks[i],
                _ => i = (i + 1) & (self.keys.len() - 1),
            }
        }
    }
}

/// Bytes of the longest function word: a longer word is counted without a lookup.
const MAX_STOP_WORD_BYTES: usize = 14;
/// A word is read up to this many bytes (lowercased); a longer one is counted, never looked up.
const MAX_WORD_BYTES: usize = 24;

/// What the detector saw: letters per script and function-word hits per language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub latin: u32,
    pub cyrillic: u32,
    /// Letters of other scripts (CJK, Hangul, Arabic, Greek, …).
    pub other: u32,
    /// Letters only Ukrainian uses (і ї є ґ) and only Russian uses (ы э ъ ё).
    pub uk_letters: u32,
    pub ru_letters: u32,
    /// Function-word hits, in [`DETECTABLE`] order.
    pub hits: [u32; 8],
    /// Words read.
    pub words: u32,
}

/// The word being read: its lowercased bytes (the first [`MAX_WORD_BYTES`] or a character more)
/// and whether letters past them were dropped; and the words read so far, with how many had each
/// set of language bits (turned into [`Profile::hits`] at the end).
struct Words {
    buf: [u8; MAX_WORD_BYTES + 16],
    len: usize,
    long: bool,
    count: u32,
    by_mask: [u32; 256],
}

impl Words {
    /// Count the word read so far (without its trailing apostrophes) and look it up; start anew.
    #[inline]
    fn flush(&mut self, table: &StopWords) {
        let mut n = self.len;
        while n > 0 && self.buf[n - 1] == b'\'' {
            n -= 1;
        }
        if n > 0 {
            self.count += 1;
            if !self.long && n <= MAX_STOP_WORD_BYTES {
                let window = self.buf[..16].try_into().expect("the buffer holds 16 bytes");
                self.by_mask[usize::from(table.get(window, n))] += 1;
            }
        }
        self.len = 0;
        self.long = false;
    }

    /// Function-word hits per language.
    fn hits(&self) -> [u32; 8] {
        let mut hits = [0u32; 8];
        for (mask, &n) in self.by_mask.iter().enumerate().skip(1).filter(|(_, &n)| n > 0) {
            for (i, h) in hits.iter_mut().enumerate() {
                *h += n * u32::from(mask >> i & 1 == 1);
            }
        }
        hits
    }
}

/// The end of the run of ASCII letters that starts at `i`: eight bytes at a time, then one.
#[inline]
fn ascii_letters_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F * ONES;
    while let Some(chunk) = bytes.get(i..i + 8) {
        // A byte is a letter when it is ASCII and, with the 0x20 bit set, in 0x61..=0x7A: the
        // exact per-byte range test of "hasbetween" (no carry crosses a byte: each sum stays
        // below 0x100).
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) | (0x20 * ONES);
        let low = x & LOW7;
        let letters = ((127 + 0x7B) * ONES - low) & !x & (low + (127 - 0x60) * ONES) & (0x80 * ONES);
        let others = !letters & (0x80 * ONES);
        if others != 0 {
            return i + (others.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
        i += 1;
    }
    i
}

impl Profile {
    /// Count one letter (`c.is_alphabetic()`) by its script.
    #[inline]
    fn count_letter(&mut self, c: char) {
        match c {
            'a'..='z' | 'A'..='Z' | '\u{C0}'..='\u{24F}' => self.latin += 1,
            '\u{400}'..='\u{4FF}' => {
                self.cyrillic += 1;
                match c {
                    'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' => self.uk_letters += 1,
                    'ы' | 'э' | 'ъ' | 'ё' | 'Ы' | 'Э' | 'Ъ' | 'Ё' => self.ru_letters += 1,
                    _ => {}
                }
            }
            _ => self.other += 1,
        }
    }

    /// Read at most [`SAMPLE_BYTES`] of `text`. A word is a run of letters (`char::is_alphabetic`)
    /// and inner apostrophes (`'` or `’`, kept as `'`), lowercased; any other character ends it.
    pub fn of(text: &str) -> Profile {
        let mut end = text.len().min(SAMPLE_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut p = Profile::default();
        let table = stop_words();
        let mut w = Words { buf: [0; MAX_WORD_BYTES + 16], len: 0, long: false, count: 0, by_mask: [0; 256] };
        let mut in_word = false;
        let bytes = &text.as_bytes()[..end];
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // ASCII, the common case, without decoding: a run of letters at once.
            if b < 0x80 {
                if b.is_ascii_alphabetic() {
                    let start = i;
                    i = ascii_letters_end(bytes, i);
                    let run = &bytes[start..i];
                    p.latin += run.len() as u32;
                    // each letter is kept while the word is shorter than the limit
                    let take = run.len().min(MAX_WORD_BYTES.saturating_sub(w.len));
                    for (d, &c) in w.buf[w.len..w.len + take].iter_mut().zip(run) {
                        *d = c.to_ascii_lowercase();
                    }
                    w.len += take;
                    w.long |= take < run.len();
                    in_word = true;
                    continue;
                }
                i += 1;
                if b == b'\'' {
                    if in_word && w.len < MAX_WORD_BYTES {
                        w.buf[w.len] = b'\'';
                        w.len += 1;
                    }
                } else if in_word {
                    w.flush(table);
                    in_word = false;
                }
                continue;
            }
            let c = text[i..end].chars().next().unwrap_or(' ');
            i += c.len_utf8();
            if c == '’' {
                // An apostrophe inside a word (l'on, don't) is part of it.
                if in_word && w.len < MAX_WORD_BYTES {
                    w.buf[w.len] = b'\'';
                    w.len += 1;
                }
                continue;
            }
            if !c.is_alphabetic() {
                if in_word {
                    w.flush(table);
                    in_word = false;
                }
                continue;
            }
            p.count_letter(c);
            if w.len < MAX_WORD_BYTES {
                // at most three characters of four bytes: the buffer holds them
                for lc in c.to_lowercase() {
                    w.len += lc.encode_utf8(&mut w.buf[w.len..]).len();
                }
            } else {
                w.long = true;
            }
            in_word = true;
        }
        if in_word {
            w.flush(table);
        }
        p.words = w.count;
        p.hits = w.hits();
        p
    }

    /// The language these counts point to, or `None` when the evidence is thin or the script
    /// is not one the detector knows.
    pub fn language(&self) -> Option<&'static str> {
        let letters = self.latin + self.cyrillic + self.other;
        if letters == 0 || self.other * 2 > letters {
            return None;
        }
        if self.cyrillic > self.latin {
            let (ru, uk) = (self.hits[6] * 3 + self.ru_letters, self.hits[7] * 3 + self.uk_letters);
            return match ru.cmp(&uk) {
                std::cmp::Ordering::Greater => Some("ru"),
                std::cmp::Ordering::Less => Some("uk"),
                std::cmp::Ordering::Equal => None,
            };
        }
        let mut ranked: Vec<(u32, usize)> = self.hits[..6].iter().copied().zip(0..).collect();
        ranked.sort_by(|a, b| b.cmp(a));
        let (best, i) = ranked[0];
        let second = ranked[1].0;
        let enough = best >= MIN_HITS && f64::from(best) >= MIN_SHARE * f64::from(self.words);
        (enough && f64::from(best) >= MIN_LEAD * f64::from(second)).then_some(DETECTABLE[i])
    }
}

/// The language of `text`, or `None` when it cannot tell (see [`Profile::language`]).
pub fn detect(text: &str) -> Option<&'static str> {
    Profile::of(text).language()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_languages_apart() {
        let samples = [
            ("en", "The council said that the new bridge would open in the spring, and that it was on budget."),
            ("de", "Der Stadtrat hat am Montag beschlossen, dass die neue Brücke im Frühjahr für den Verkehr geöffnet wird."),
            ("fr", "Le conseil municipal a décidé lundi que le nouveau pont serait ouvert au printemps pour les voitures."),
            ("es", "El ayuntamiento decidió el lunes que el nuevo puente se abrirá en primavera para los coches y las bicis."),
            ("it", "Il consiglio comunale ha deciso lunedì che il nuovo ponte sarà aperto in primavera per le auto e per i pedoni."),
            ("pt", "A câmara municipal decidiu na segunda-feira que a nova ponte será aberta na primavera para os carros e também para as bicicletas."),
            ("ru", "Городской совет в понедельник решил, что новый мост откроют весной, и это было ожидаемо для всех жителей."),
            ("uk", "Міська рада в понеділок вирішила, що новий міст відкриють навесні, і це було очікувано для всіх мешканців."),
        ];
        for (want, text) in samples {
            assert_eq!(detect(text), Some(want), "{text}");
        }
    }

    #[test]
    fn thin_or_foreign_evidence_is_undetermined() {
        assert_eq!(detect(""), None);
        assert_eq!(detect("12345 ---"), None);
        assert_eq!(detect("Menu Home Login"), None);
        assert_eq!(detect("東京都は月曜日、新しい橋を春に開通させると発表した。"), None);
    }

    /// The definition, character by character with a `String` word (the first version of
    /// [`Profile::of`]): the byte loop must count exactly what it counts.
    fn of_reference(text: &str) -> Profile {
        let mut end = text.len().min(SAMPLE_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut p = Profile::default();
        let (mut word, mut in_word, mut long) = (String::new(), false, false);
        let flush = |word: &mut String, long: bool, p: &mut Profile| {
            let w = word.trim_end_matches('\'');
            if !w.is_empty() {
                p.words += 1;
                if !long {
                    for (i, (_, words)) in STOP_WORDS.iter().enumerate() {
                        p.hits[i] += u32::from(words.split_whitespace().any(|s| s == w));
                    }
                }
            }
            word.clear();
        };
        for c in text[..end].chars() {
            if c == '\'' || c == '’' {
                if in_word && word.len() < 24 {
                    word.push('\'');
                }
                continue;
            }
            if !c.is_alphabetic() {
                if in_word {
                    flush(&mut word, long, &mut p);
                    (in_word, long) = (false, false);
                }
                continue;
            }
            p.count_letter(c);
            if word.len() < 24 {
                word.extend(c.to_lowercase());
            } else {
                long = true;
            }
            in_word = true;
        }
        if in_word {
            flush(&mut word, long, &mut p);
        }
        p
    }

    #[test]
    fn letter_runs_end_where_a_byte_by_byte_scan_ends() {
        let end = |b: &[u8], i: usize| i + b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        for c in 0..=255u8 {
            for at in 0..20 {
                let mut b = *b"abcdefghijKLMNOPQRSTuvwxyzABCD";
                b[at] = c;
                for start in 0..b.len() {
                    assert_eq!(ascii_letters_end(&b, start), end(&b, start), "{c:#x} at {at}, from {start}");
                }
            }
        }
    }

    #[test]
    fn the_byte_loop_counts_what_the_definition_counts() {
        // Letters of each script, apostrophes in and around words, words at and past the length
        // limits, case that lowercases to more bytes (İ, ẞ), digits and punctuation as breaks.
        let alphabet: Vec<char> = "aeTHe tiznd'’ ÉéßẞİıçãЁёыіїєґЫІдлякиχωΣ東京한 0-.,\n"
            .chars()
            .chain(['\u{300}', '\u{2019}', '\u{A0}'])
            .collect();
        let words = ["the ", "THE ", "d'un ", "l’on ", "c'est", "который ", "також ", "più ", "está "];
        for (k, t) in crate::testing::random_strings(&alphabet, 90, 40_000, 0x1a9).enumerate() {
            let t =
                if k % 3 == 0 { format!("{}{t}{}", words[k % words.len()], words[(k / 3) % words.len()]) } else { t };
            assert_eq!(Profile::of(&t), of_reference(&t), "{t:?}");
        }
        let long = format!("{} the {}'''' and", "x".repeat(23), "y".repeat(30));
        assert_eq!(Profile::of(&long), of_reference(&long));
        for t in ["the'''", "'the", "the’’ and", "İİİİİİİİİİİİ the", "ẞẞẞẞẞẞẞẞẞẞẞẞ der"]
        {
            assert_eq!(Profile::of(t), of_reference(t), "{t:?}");
        }
    }

    #[test]
    fn only_the_sample_is_read() {
        let long = "x ".repeat(SAMPLE_BYTES) + "the and of to in is that for it with";
        assert_eq!(Profile::of(&long).hits[0], 0);
        let cut = "é".repeat(SAMPLE_BYTES); // a sample end inside a character
        assert_eq!(Profile::of(&cut).latin as usize, SAMPLE_BYTES / 2);
    }
}
