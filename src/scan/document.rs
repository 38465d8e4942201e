//! Per-document indexes of what the scanner's line gates look for.
//!
//! Two gates run on nearly every line: the contains-phrase gate (its literals, ASCII
//! case-insensitively, anywhere in the line) and the byte prefilter of each pattern whose literal
//! gate goes first (one of a few bytes in the gate's window). Asked line by line, each is a short
//! search with a fixed cost per call. A document is searched once per gate instead, and each line
//! asks a sorted list whether something lies inside its window. A literal holds no newline, so an
//! occurrence lies inside one line.
//!
//! The contains gate's document search reports leftmost matches that do not overlap, so it can
//! hide an occurrence behind a match that starts earlier. An occurrence hidden that way overlaps a
//! reported match, and so does the window that holds it. A window that holds a reported match says
//! yes, one that a reported match only overlaps says "don't know" (the line is then searched on its
//! own), and any other window holds no occurrence.

use aho_corasick::AhoCorasick;

/// The normalised text of one document, and the index each scanner built over it.
#[derive(Debug)]
pub struct Document<'t> {
    /// The normalised text; lines are byte ranges of it.
    pub text: &'t str,
    /// By scanner (its address: scanners outlive the documents they scan; 0: a spare).
    indexes: Vec<(usize, DocGates)>,
}

/// Indexes of an earlier document, kept for their allocations ([`Document::reuse`]).
#[derive(Debug, Default)]
pub struct Spares(Vec<(usize, DocGates)>);

impl Spares {
    /// Bytes these indexes hold allocated.
    pub(crate) fn retained_bytes(&self) -> usize {
        self.0.iter().map(|(_, g)| g.retained_bytes()).sum()
    }
}

impl<'t> Document<'t> {
    /// A document whose indexes are built on first use.
    pub fn new(text: &'t str) -> Self {
        Document::reuse(text, Spares::default())
    }

    /// A document whose indexes reuse the allocations of `spares`.
    pub fn reuse(text: &'t str, spares: Spares) -> Self {
        let mut indexes = spares.0;
        for (owner, _) in &mut indexes {
            *owner = 0;
        }
        Document { text, indexes }
    }

    /// This document's indexes, as spares for the next document.
    pub fn into_spares(self) -> Spares {
        Spares(self.indexes)
    }

    /// The index of `owner` (a scanner's address) over this document, built the first time.
    pub(super) fn gates(&mut self, owner: usize, build: impl FnOnce(&str, &mut DocGates)) -> &DocGates {
        let at = match self.indexes.iter().position(|(o, _)| *o == owner) {
            Some(at) => at,
            None => {
                let at = match self.indexes.iter().position(|(o, _)| *o == 0) {
                    Some(spare) => spare,
                    None => {
                        self.indexes.push((0, DocGates::default()));
                        self.indexes.len() - 1
                    }
                };
                build(self.text, &mut self.indexes[at].1);
                self.indexes[at].0 = owner;
                at
            }
        };
        &self.indexes[at].1
    }
}

/// Where a document holds what one scanner's gates look for.
#[derive(Debug, Default)]
pub struct DocGates {
    /// Per byte set of the scanner ([`DocGates::has_byte`]): where its bytes are, ascending.
    bytes: Vec<Vec<usize>>,
    /// The contains gate's leftmost non-overlapping matches in the ASCII-lowercased text, in
    /// order. `None`: not indexed.
    contains: Option<Vec<(usize, usize)>>,
}

impl DocGates {
    /// Bytes this index holds allocated.
    fn retained_bytes(&self) -> usize {
        let positions: usize = self.bytes.iter().map(Vec::capacity).sum();
        let matches = self.contains.as_ref().map_or(0, Vec::capacity);
        positions * size_of::<usize>()
            + matches * size_of::<(usize, usize)>()
            + self.bytes.capacity() * size_of::<Vec<usize>>()
    }

    /// Index `text` for byte sets `sets` (one to three bytes each) and, if given, the contains
    /// gate (an automaton of lowercase literals, none holding a newline), reusing this index's
    /// allocations. `lower` is a buffer for the lowercased text.
    pub(super) fn build(&mut self, text: &str, sets: &[Vec<u8>], contains: Option<&AhoCorasick>, lower: &mut Vec<u8>) {
        let hay = text.as_bytes();
        self.bytes.resize_with(sets.len(), Vec::new);
        for (set, at) in sets.iter().zip(&mut self.bytes) {
            at.clear();
            match *set.as_slice() {
                [a] => at.extend(memchr::memchr_iter(a, hay)),
                [a, b] => at.extend(memchr::memchr2_iter(a, b, hay)),
                [a, b, c] => at.extend(memchr::memchr3_iter(a, b, c, hay)),
                _ => {} // never asked: the scanner only indexes sets of one to three bytes
            }
        }
        match contains {
            Some(ac) => {
                lower.clear();
                lower.extend_from_slice(hay);
                lower.make_ascii_lowercase();
                let found = self.contains.get_or_insert_with(Vec::new);
                found.clear();
                found.extend(ac.find_iter(lower.as_slice()).map(|m| (m.start(), m.end())));
            }
            None => self.contains = None,
        }
    }

    /// [`DocGates::build`] into a new index.
    #[cfg(test)]
    fn of(text: &str, sets: &[Vec<u8>], contains: Option<&AhoCorasick>) -> Self {
        let mut g = DocGates::default();
        g.build(text, sets, contains, &mut Vec::new());
        g
    }

    /// Does a byte of set `set` lie in `lo..hi`?
    #[inline]
    pub fn has_byte(&self, set: usize, lo: usize, hi: usize) -> bool {
        let at = &self.bytes[set];
        let i = at.partition_point(|&p| p < lo);
        at.get(i).is_some_and(|&p| p < hi)
    }

    /// Does a contains-gate literal lie wholly in `lo..hi`? `None` when the index cannot tell
    /// (see the module's comment) or the gate was not indexed.
    #[inline]
    pub fn has_contains_literal(&self, lo: usize, hi: usize) -> Option<bool> {
        let found = self.contains.as_ref()?;
        // Matches do not overlap, so their ends ascend as their starts do.
        let first = found.partition_point(|&(_, end)| end <= lo);
        let mut overlapped = false;
        for &(start, end) in found[first..].iter().take_while(|&&(start, _)| start < hi) {
            if start >= lo && end <= hi {
                return Some(true);
            }
            overlapped = true;
        }
        (!overlapped).then_some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_see_exactly_what_lies_inside_them() {
        let text = "see photo (AP)\nEmail me@x.org now\nplain line, a sign-up Mail";
        let sets = vec![vec![b'('], vec![b'@', b'?']];
        // Overlapping literals, as the contains gate is built (leftmost-first, lower case).
        let ac = aho_corasick::AhoCorasickBuilder::new()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(["email", "mail me", "ai", "sign-up mail", "up"])
            .unwrap();
        let g = DocGates::of(text, &sets, Some(&ac));
        let first = 0..text.find('\n').unwrap();
        assert!(g.has_byte(0, first.start, first.end) && !g.has_byte(1, first.start, first.end));
        let second = first.end + 1..text.rfind('\n').unwrap();
        assert!(g.has_byte(1, second.start, second.end) && !g.has_byte(0, second.start, second.end));
        assert_eq!(g.has_contains_literal(second.start, second.end), Some(true));
        assert_eq!(g.has_contains_literal(0, first.end), Some(false));
        // "email" is reported; a window starting inside it cannot be told from the index.
        assert_eq!(g.has_contains_literal(second.start + 1, second.end), None);
        // Every window of the text: the index agrees with a search of the window whenever it answers.
        let mut answered = 0;
        for lo in 0..=text.len() {
            for hi in lo..=text.len() {
                let window = text[lo..hi].to_ascii_lowercase();
                if let Some(yes) = g.has_contains_literal(lo, hi) {
                    assert_eq!(yes, ac.is_match(&window), "{lo}..{hi}");
                    answered += 1;
                }
                assert_eq!(g.has_byte(0, lo, hi), text[lo..hi].contains('('), "{lo}..{hi}");
                assert_eq!(g.has_byte(1, lo, hi), text[lo..hi].contains(['@', '?']), "{lo}..{hi}");
            }
        }
        assert!(answered > text.len() * text.len() / 4, "{answered}");
        assert_eq!(DocGates::of(text, &sets, None).has_contains_literal(0, 3), None);
        // Reused for another text, an index holds that text's places only.
        let mut reused = DocGates::of(text, &sets, Some(&ac));
        reused.build("no (", &sets, None, &mut Vec::new());
        assert!(reused.has_byte(0, 3, 4) && !reused.has_byte(1, 0, 4));
        assert_eq!(reused.has_contains_literal(0, 4), None);
    }
}
