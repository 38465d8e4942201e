use super::*;
use crate::segment::features;
use crate::{Engine, EngineOptions, Mode};

fn page(lines: &[&'static str]) -> Vec<PageLine<'static>> {
    lines
        .iter()
        .map(|t| PageLine { text: t, feat: features(t), marked: false, tail_marked: false, blank_before: false })
        .collect()
}

const BODY: [&str; 5] = [
    "The council voted on Monday to approve the new budget after a long debate about roads and schools.",
    "Members of the opposition said the plan would raise local taxes, but the mayor rejected that claim.",
    "\"We have waited for this for years,\" said one resident, who lives near the old bridge on the river.",
    "The budget includes money for two new schools, a library and the repair of several busy streets.",
    "A final vote on the details is expected next month, when the council meets again in the town hall.",
];

fn whole_page() -> Vec<&'static str> {
    let mut v = vec!["Skip to content", "Home", "News", "Sport", "Weather", "Subscribe", "Log in"];
    v.push("Council approves the new budget");
    v.extend(BODY);
    v.extend(["Share this article", "Related", "Five things to do this weekend", "Local team wins the cup"]);
    v.extend(["Contact us", "Privacy policy", "© 2024 The Town Gazette"]);
    v
}

#[test]
fn kadane_finds_the_dense_block() {
    assert_eq!(best_run(&[-1.0, 2.0, 3.0, -1.0, -5.0, 1.0]), Some((1, 3)));
    assert_eq!(best_run(&[-1.0, -2.0]), None);
    assert_eq!(best_run(&[]), None);
    assert_eq!(kadane([-3.0, -1.0, -2.0]), Some((1, 2, -1.0)));
    assert_eq!(kadane([1.0, -1.0, 1.0]), Some((0, 1, 1.0)), "first best run on ties");
}

#[test]
fn line_measurements() {
    let mut low = String::new();
    let s = line_stats("  The cat sat on the mat, and then it slept in the warm sun all day long.  ", &mut low);
    assert_eq!(s.weff, 17.0);
    assert!(s.ends_sent && !s.ends_ell && s.good());
    assert_eq!(s.commas, 1);
    assert!(s.fw > 0.3, "{}", s.fw);
    assert!(!s.kw && !s.marker && !s.upper);
    let s = line_stats("Read more…", &mut low);
    assert!(s.ends_ell && !s.ends_sent && s.kw && s.marker);
    let s = line_stats("RELATED STORIES", &mut low);
    assert!(s.upper && s.marker);
    let s = line_stats("東京都の天気は晴れです", &mut low);
    assert_eq!(s.weff, 5.5);
    assert!(line_stats("1. First step", &mut low).bullet);
    assert!(line_stats("- item", &mut low).bullet);
    assert!(!line_stats("1990 was a year", &mut low).bullet);
    assert!(line_stats("March 3, 2021 at 10:42", &mut low).date_like);
    assert!(line_stats("John Smith says:", &mut low).says);
    let s = line_stats("Visit www.example.com | Contact", &mut low);
    assert!(s.url && s.pipes);
    assert!(line_stats("Question? Yes. Done.", &mut low).inner_sent);
}

#[test]
fn features_have_the_trained_width() {
    let lines = page(&whole_page());
    let a = analyse(&lines);
    assert_eq!(a.x1.len(), lines.len() * N1);
    assert!(a.x1.iter().all(|v| v.is_finite()));
    let p1 = stage1(&a);
    let x2 = stage2_features(&a, &p1);
    assert_eq!(x2.len(), lines.len() * N2);
    assert!(line_probs(&a).iter().all(|p| (0.0..=1.0).contains(p)));
    let empty = analyse(&[]);
    assert!(line_probs(&empty).is_empty());
    assert!(select_lines(&[]).is_empty());
}

#[test]
fn selects_the_article_among_chrome() {
    let texts = whole_page();
    let keep = select_lines(&page(&texts));
    let kept: Vec<&str> = texts.iter().zip(&keep).filter(|(_, k)| **k).map(|(t, _)| *t).collect();
    for b in BODY {
        assert!(kept.contains(&b), "body line dropped: {b}\nkept: {kept:?}");
    }
    for chrome in ["Skip to content", "Home", "Subscribe", "Privacy policy", "© 2024 The Town Gazette", "Contact us"] {
        assert!(!kept.contains(&chrome), "chrome kept: {chrome}");
    }
}

#[test]
fn auto_tells_pages_from_articles() {
    assert!(looks_like_page(&page(&whole_page())));
    assert!(!looks_like_page(&page(&BODY)));
    let mut article = vec!["Council approves the new budget"];
    article.extend(BODY);
    article.extend(BODY.iter().rev());
    assert!(!looks_like_page(&page(&article)));
}

#[test]
fn engine_page_mode_end_to_end() {
    let e = Engine::builtin("en", &EngineOptions::default()).unwrap();
    let doc = whole_page().join("\n");
    let out = e.clean_mode(&doc, Mode::Page);
    assert_eq!(out.mode, Mode::Page);
    for b in BODY {
        assert!(out.text.contains(b), "{}", out.text);
    }
    assert!(!out.text.contains("Privacy policy") && !out.text.contains("Subscribe"));
    assert_eq!(e.clean_mode(&doc, Mode::Auto).text, out.text);
    assert_eq!(e.clean(&out.text).text, out.text, "page output is a clean article");
    let article = BODY.join("\n\n");
    assert_eq!(e.clean_mode(&article, Mode::Auto).mode, Mode::Article);
}

// ------------------------------------------------------------------------------------------
// Training-data export for `benchmarks/train_page.py` (not a test: run it through that script).
//
// DECHAFF_PAGE_EXPORT = stage1 | stage2 | clean | mask | article | auto; DECHAFF_PAGE_IN: documents, each as
// "<byte length>\n<text>"; DECHAFF_PAGE_OUT: output path; DECHAFF_PAGE_P: one probability per
// non-blank line (stage2, clean, auto; keep flags for mask); DECHAFF_PAGE_TB: "t,b;t,b;…" selection parameters (clean,
// auto: the first pair).

fn read_docs(path: &str) -> Vec<String> {
    let data = std::fs::read(path).expect("DECHAFF_PAGE_IN");
    let mut docs = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let nl = i + data[i..].iter().position(|&b| b == b'\n').expect("length line");
        let len: usize = std::str::from_utf8(&data[i..nl]).unwrap().trim().parse().expect("length");
        docs.push(String::from_utf8(data[nl + 1..nl + 1 + len].to_vec()).expect("utf-8"));
        i = nl + 1 + len;
    }
    docs
}

#[test]
#[ignore = "training-data export, run by benchmarks/train_page.py"]
fn export() {
    use std::fmt::Write as _;
    let Ok(job) = std::env::var("DECHAFF_PAGE_EXPORT") else { return };
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set"));
    let docs = read_docs(&env("DECHAFF_PAGE_IN"));
    let probs: Vec<f64> = if job == "stage1" || job == "article" {
        Vec::new()
    } else {
        std::fs::read_to_string(env("DECHAFF_PAGE_P")).unwrap().split_whitespace().map(|v| v.parse().unwrap()).collect()
    };
    let tb: Vec<(f64, f64)> = std::env::var("DECHAFF_PAGE_TB")
        .unwrap_or_else(|_| format!("{},{}", weights::T_SELECT, weights::B_MARKER))
        .split(';')
        .map(|p| {
            let (t, b) = p.split_once(',').expect("t,b");
            (t.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    let e = Engine::builtin("en", &EngineOptions::default()).unwrap();
    let mut out = String::new();
    let mut at = 0usize;
    let mut buf = crate::scan::ScanBuffers::default();
    for (d, doc) in docs.iter().enumerate() {
        let normalized = e.normalise(doc);
        let (views, hits) = e.scan(&mut crate::scan::Document::new(&normalized), &mut buf, crate::ALL_LANGS);
        let lines = e.page_lines(&normalized, &views, &hits);
        let a = analyse(&lines);
        let m = lines.len();
        let p = if probs.is_empty() { &[][..] } else { &probs[at..at + m] };
        at += m;
        match job.as_str() {
            "stage1" => {
                for (k, l) in lines.iter().enumerate() {
                    write!(out, "{d}").unwrap();
                    for v in &a.x1[k * N1..(k + 1) * N1] {
                        write!(out, "\t{v}").unwrap();
                    }
                    writeln!(out, "\t{}", l.text.trim()).unwrap();
                }
            }
            "stage2" => {
                let x2 = stage2_features(&a, p);
                for row in x2.chunks_exact(N2) {
                    write!(out, "{d}").unwrap();
                    for v in row {
                        write!(out, "\t{v}").unwrap();
                    }
                    out.push('\n');
                }
            }
            "clean" => {
                for &(t, b) in &tb {
                    let keep = select_from_probs(&a, p, t, b);
                    let sel = move |_: &[PageLine<'_>]| Some(keep.clone());
                    let text = e.clean_selecting(doc, &mut buf, Some(&sel)).text;
                    write!(out, "{}\n{text}", text.len()).unwrap();
                }
            }
            "mask" => {
                // `probs` are keep flags (> 0.5: keep), for prototyping selections outside Rust.
                let keep: Vec<bool> = p.iter().map(|v| *v > 0.5).collect();
                let sel = move |_: &[PageLine<'_>]| Some(keep.clone());
                let text = e.clean_selecting(doc, &mut buf, Some(&sel)).text;
                write!(out, "{}\n{text}", text.len()).unwrap();
            }
            "article" => {
                let text = e.clean(doc).text;
                write!(out, "{}\n{text}", text.len()).unwrap();
            }
            "auto" => {
                let keep = select_from_probs(&a, p, tb[0].0, tb[0].1);
                let f = auto_features(&lines, &a, &keep);
                let row: Vec<String> = f.iter().map(|v| v.to_string()).collect();
                writeln!(out, "{d}\t{m}\t{}", row.join("\t")).unwrap();
            }
            other => panic!("unknown export job {other}"),
        }
    }
    assert!(probs.is_empty() || at == probs.len(), "probabilities do not match the lines");
    std::fs::write(env("DECHAFF_PAGE_OUT"), out).unwrap();
}

#[test]
fn ascii_class_table_matches_the_definition() {
    for b in 0u8..128 {
        assert_eq!(BYTE_CLASS[b as usize], class_of(b as char), "byte {b:#x}");
    }
    for c in PLAIN {
        assert_eq!(class_of(c), 0, "{c}");
    }
}

#[test]
fn function_words_are_looked_up_lowercased() {
    for w in FUNC.split_whitespace() {
        assert!(is_function_word(w), "{w}");
        assert!(is_function_word(&w.to_uppercase()), "{w}");
    }
    assert!(!is_function_word("thesis") && !is_function_word("_the") && !is_function_word("Überhaupt"));
    // The Kelvin sign lowercases to an ASCII k.
    assert!(is_function_word("\u{212a}e"));
}

#[test]
fn word_bits_mark_the_word_bytes() {
    let word = |x: u8| BYTE_CLASS[usize::from(x)] & C_WORD != 0;
    // Every byte value at every place of a chunk of every length, among bytes of both kinds.
    for len in 1..=64 {
        for fill in [b' ', b'a', 0xE2, b'_'] {
            let mut chunk = vec![fill; len];
            let filled = if word(fill) { u64::MAX >> (64 - len) } else { 0 };
            for at in 0..len {
                for x in 0..=255u8 {
                    chunk[at] = x;
                    let want = filled & !(1 << at) | u64::from(word(x)) << at;
                    assert_eq!(word_bits(&chunk), want, "{len} {at} {x:#x} {fill:#x}");
                }
                chunk[at] = fill;
            }
        }
    }
    assert_eq!(word_bits(&[]), 0);
}

#[test]
fn byte_counts_equal_counting_byte_by_byte() {
    let alphabet = ['a', 'Z', '7', ' ', '\t', ',', ';', '.', '!', '?', '’', '—', '…'];
    // Any of them, then ASCII only (every byte a character: full byte sums in every chunk), then
    // runs of one byte.
    let lines = crate::testing::random_strings(&alphabet, 1_000, 2_000, 0x00B7_7E5C_0047)
        .chain(crate::testing::random_strings(&alphabet[..10], 1_000, 500, 0x00B7_7E5C_0048))
        .chain(
            ['a', '7', ',', '.', ' '].iter().flat_map(|&c| [254, 255, 256, 511, 1000].map(|n| c.to_string().repeat(n))),
        );
    for line in lines {
        let b = line.as_bytes();
        let count = |f: &dyn Fn(u8) -> bool| b.iter().filter(|&&x| f(x)).count() as u32;
        let want = [
            count(&|x| !is_continuation(x)),
            count(&|x| x.is_ascii_digit()),
            count(&|x| is_ascii_comma(x)),
            count(&|x| is_ascii_sent(x)),
            count(&|x| !is_continuation(x) && !is_ascii_space(x)),
        ];
        assert_eq!(byte_counts(b), want, "{line:?}");
    }
}

#[test]
fn plain_lines_lowercase_as_by_characters() {
    // The PLAIN characters have no case, so lowercasing a plain line's ASCII bytes is enough.
    assert!(PLAIN.iter().all(|&c| c.to_lowercase().eq([c]) && c.to_uppercase().eq([c])));
    let mut alphabet: Vec<char> = "aZq Q7_,.!?".chars().collect();
    alphabet.extend(PLAIN);
    let (mut by_bytes, mut by_chars) = (String::new(), String::new());
    for line in crate::testing::random_strings(&alphabet, 200, 3_000, 0x00A5_C11C_A5E5) {
        assert!(is_plain(&line));
        lowercase_into(&line, true, &mut by_bytes);
        lowercase_into(&line, false, &mut by_chars);
        assert_eq!(by_bytes, by_chars, "{line:?}");
    }
    assert!(!is_plain("Été") && !is_plain("ΣΟΦΙΑ") && is_plain("don’t — “Yes…”"));
}

#[test]
fn plain_by_bytes_equals_plain_by_characters() {
    // The PLAIN characters, their neighbours in U+2000–U+207F (E2 80 xx and E2 81 xx), other
    // three-byte characters ending in the same bytes, and characters of two and four bytes.
    let mut alphabet: Vec<char> = "a Z.".chars().collect();
    alphabet.extend(PLAIN);
    alphabet.extend(['\u{2012}', '\u{2015}', '\u{2017}', '\u{201A}', '\u{2027}', '\u{2053}', '\u{2059}', '\u{1013}']);
    alphabet.extend(['\u{3013}', 'é', '😀', '\u{2000}', '\u{203F}', '\u{2040}']);
    let by_chars = |s: &str| s.chars().all(|c| c.is_ascii() || PLAIN.contains(&c));
    for line in crate::testing::random_strings(&alphabet, 12, 30_000, 0x0091_A1B7_7E5E) {
        assert_eq!(is_plain(&line), by_chars(&line), "{line:?}");
    }
}

#[test]
fn plain_lines_count_as_by_characters() {
    let pieces = [
        "The",
        " ",
        "cat",
        "  ",
        "\t",
        "\u{b}",
        "sat,",
        "on;",
        "the",
        "MAT.",
        "Is",
        "it?",
        "Yes!",
        "|",
        "x_y",
        "_",
        "2024",
        "12:30",
        "a1",
        "ÉTÉ",
        "’",
        "“",
        "”",
        "‘",
        "–",
        "—",
        "…",
        "don’t",
        "“Hello”",
        "of",
        "Of",
        "und",
        "de",
        // Function words of four to six letters, and words one letter longer.
        "With",
        "which",
        "WOULD",
        "dengan",
        "dengans",
        "whiches",
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789",
    ];
    let plain_pieces: Vec<&str> = pieces.iter().copied().filter(|p| is_plain(p)).collect();
    let mut rng: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Up to 11 pieces of any kind, then up to 79 plain ones: lines past the 64-byte chunks the
    // token walk reads, with tokens across their edges.
    let mut long = 0;
    for round in 0..10_000 {
        let (from, most) = if round < 5000 { (&pieces[..], 12) } else { (&plain_pieces[..], 80) };
        let mut s = String::new();
        for _ in 0..next() % most {
            s.push_str(from[(next() % from.len() as u64) as usize]);
        }
        if is_plain(&s) {
            assert_eq!(Counts::plain(&s), Counts::chars(&s), "{s:?}");
            long += usize::from(s.len() > 128);
        }
    }
    assert!(long > 2000, "{long} lines over 128 bytes");
}

#[test]
fn keyword_filter_agrees_with_the_automaton() {
    let plain = AhoCorasick::new(KW).unwrap();
    let kw = &tables().kw;
    // Keyword pieces and whole keywords (of every length, © and CJK included) among other text,
    // lowercased as the lines are: every start, end and near miss.
    let mut alphabet: Vec<char> = "abcdefghilmnoprstuvwy ©.'".chars().collect();
    alphabet.extend(['シ', 'ェ', 'ア', '関', '連', '댓', '글', 'п', 'о', 'д']);
    for line in crate::testing::random_strings(&alphabet, 40, 30_000, 0x00C0_FFEE_0004) {
        assert_eq!(kw.is_match(&line), plain.is_match(&line), "{line:?}");
    }
    for (i, w) in KW.iter().enumerate() {
        let cut = &w[..w.char_indices().last().map_or(0, |(at, _)| at)];
        for line in [w.to_string(), format!("x{w}"), format!("{w} y"), format!("ab {cut} cd")] {
            assert_eq!(kw.is_match(&line), plain.is_match(&line), "{i} {line:?}");
        }
    }
    // Every keyword after 0 to 15 bytes and before 0 to 7, whole and cut short by one character:
    // its window then falls in every place of the five-position groups and of the line's tail.
    for w in KW {
        let cut = &w[..w.char_indices().last().map_or(0, |(at, _)| at)];
        for (before, after) in (0..16).flat_map(|b| (0..8).map(move |a| (b, a))) {
            for word in [*w, cut] {
                let line = format!("{}{word}{}", &"ab c".repeat(4)[..before], &"d e".repeat(3)[..after]);
                assert_eq!(kw.is_match(&line), plain.is_match(&line), "{line:?}");
            }
        }
    }
    for line in BODY.iter().chain(whole_page().iter()) {
        let low = line.to_lowercase();
        assert_eq!(kw.is_match(&low), plain.is_match(&low), "{low:?}");
    }
}
