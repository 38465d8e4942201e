//! Fuzz inputs of the dechaff engine. The targets in `fuzz_targets/` take these structs
//! (`#[derive(Arbitrary)]`); [`checks`] holds the invariants and a hand-written decoder of the
//! same bytes, which the main crate's `tests/fuzz_regressions.rs` uses to replay
//! `fuzz/regressions/<target>/crash-*` without cargo-fuzz.

use arbitrary::Arbitrary;

pub mod checks;

/// Engine and normaliser switches ([`checks::Options`], one byte each).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct FuzzOptions {
    pub strict: bool,
    pub ascii_punctuation: bool,
    pub bullets: bool,
    pub space_before_punctuation: bool,
    pub disable: u8,
    pub extra: u8,
}

impl From<FuzzOptions> for checks::Options {
    fn from(o: FuzzOptions) -> Self {
        checks::Options {
            strict: o.strict,
            ascii_punctuation: o.ascii_punctuation,
            bullets: o.bullets,
            space_before_punctuation: o.space_before_punctuation,
            disable: o.disable,
            extra: o.extra,
        }
    }
}

/// Input of the `normalise`, `clean_article` and `clean_page` targets.
#[derive(Debug, Arbitrary)]
pub struct TextInput {
    pub opts: FuzzOptions,
    pub text: String,
}

/// One fuzzed rule: a [`checks::RuleSel`] read from its bytes by the decoder the replay uses.
#[derive(Debug, Clone, Copy)]
pub struct FuzzRule(pub checks::RuleSel);

impl<'a> Arbitrary<'a> for FuzzRule {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(FuzzRule(checks::RuleSel::from_bytes(u.arbitrary()?)))
    }

    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        <[u8; checks::RULE_SEL_BYTES] as Arbitrary>::size_hint(depth)
    }
}

/// Input of the `rules` target.
#[derive(Debug, Arbitrary)]
pub struct RulesInput {
    pub opts: FuzzOptions,
    pub rules: [FuzzRule; checks::RULES],
    pub text: String,
}

impl RulesInput {
    pub fn sels(&self) -> [checks::RuleSel; checks::RULES] {
        self.rules.map(|r| r.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbitrary::Unstructured;

    /// A small deterministic generator (xorshift), enough to vary lengths and bytes.
    fn inputs() -> Vec<Vec<u8>> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut out = vec![vec![], vec![1], b"\x01\x00\x01".to_vec()];
        for _ in 0..2000 {
            let len = (next() % 80) as usize;
            let mut v: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if next() % 2 == 0 {
                // mostly text after the option bytes
                v.extend("héllo wörld\n“quoted” — ok".bytes());
            }
            out.push(v);
        }
        out
    }

    #[test]
    fn hand_decoder_equals_arbitrary() {
        for data in inputs() {
            let a = TextInput::arbitrary_take_rest(Unstructured::new(&data)).unwrap();
            let (o, t) = checks::decode_text_input(&data);
            assert_eq!(checks::Options::from(a.opts), o, "{data:?}");
            assert_eq!(a.text, t, "{data:?}");
            let a = RulesInput::arbitrary_take_rest(Unstructured::new(&data)).unwrap();
            let (o, s, t) = checks::decode_rules_input(&data);
            assert_eq!(checks::Options::from(a.opts), o, "{data:?}");
            assert_eq!(a.sels(), s, "{data:?}");
            assert_eq!(a.text, t, "{data:?}");
        }
    }
}
