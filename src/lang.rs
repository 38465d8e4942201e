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

fn stop_words() -> &'static FxHashMap<&'static str, u8> {
    static TABLE: OnceLock<FxHashMap<&'static str, u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: FxHashMap<&'static str, u8> = FxHashMap::default();
        for (i, (_, words)) in STOP_WORDS.iter().enumerate() {
            for w in words.split_whitespace() {
                *t.entry(w).or_default() |= 1 << i;
            }
        }
        t
    })
}

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

impl Profile {
    /// Read at most [`SAMPLE_BYTES`] of `text`.
    pub fn of(text: &str) -> Profile {
        let mut end = text.len().min(SAMPLE_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let table = stop_words();
        let mut p = Profile::default();
        let mut word = String::with_capacity(32);
        let mut in_word = false;
        let mut long = false;
        let flush = |word: &mut String, long: bool, p: &mut Profile| {
            let w = word.trim_end_matches('\'');
            if !w.is_empty() {
                p.words += 1;
                if !long {
                    if let Some(&mask) = table.get(w) {
                        for (i, h) in p.hits.iter_mut().enumerate() {
                            *h += u32::from(mask >> i & 1);
                        }
                    }
                }
            }
            word.clear();
        };
        let bytes = &text.as_bytes()[..end];
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // ASCII letters, the common case, without decoding.
            let c = if b < 0x80 {
                i += 1;
                if b.is_ascii_alphabetic() {
                    p.latin += 1;
                    if word.len() < 24 {
                        word.push(b.to_ascii_lowercase() as char);
                    } else {
                        long = true;
                    }
                    in_word = true;
                    continue;
                }
                b as char
            } else {
                let c = text[i..end].chars().next().unwrap_or(' ');
                i += c.len_utf8();
                c
            };
            if c == '\'' || c == '’' {
                // An apostrophe inside a word (l'on, don't) is part of it.
                if in_word && word.len() < 24 {
                    word.push('\'');
                }
                continue;
            }
            if !c.is_alphabetic() {
                if in_word {
                    flush(&mut word, long, &mut p);
                    in_word = false;
                    long = false;
                }
                continue;
            }
            match c {
                '\u{C0}'..='\u{24F}' => p.latin += 1,
                '\u{400}'..='\u{4FF}' => {
                    p.cyrillic += 1;
                    match c {
                        'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' => p.uk_letters += 1,
                        'ы' | 'э' | 'ъ' | 'ё' | 'Ы' | 'Э' | 'Ъ' | 'Ё' => p.ru_letters += 1,
                        _ => {}
                    }
                }
                _ => p.other += 1,
            }
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

    #[test]
    fn only_the_sample_is_read() {
        let long = "x ".repeat(SAMPLE_BYTES) + "the and of to in is that for it with";
        assert_eq!(Profile::of(&long).hits[0], 0);
        let cut = "é".repeat(SAMPLE_BYTES); // a sample end inside a character
        assert_eq!(Profile::of(&cut).latin as usize, SAMPLE_BYTES / 2);
    }
}
