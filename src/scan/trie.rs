//! A byte trie over phrase keys. Looking up a line's key walks it byte by byte and stops at the
//! first byte no phrase continues with: on a body line that is after a byte or two, where a
//! hash lookup per word boundary would hash and compare every candidate prefix.

use std::collections::BTreeMap;

/// Phrase keys (bytes) with the rules of each, walked from the start of a key or, for a trie
/// built with `reversed`, from its end.
#[derive(Debug, Default)]
pub struct Trie {
    /// Children of the root by byte (0: none; the root is never a child).
    root: Vec<u32>,
    nodes: Vec<Node>,
    edge_bytes: Vec<u8>,
    edge_targets: Vec<u32>,
    rules: Vec<u32>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Node {
    edges: (u32, u32),
    rules: (u32, u32),
}

#[derive(Default)]
struct Building {
    children: BTreeMap<u8, usize>,
    rules: Vec<u32>,
}

impl Trie {
    /// A trie of `(key, rules)`; with `reversed`, keys are stored back to front.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [u32])>, reversed: bool) -> Trie {
        let mut b: Vec<Building> = vec![Building::default()];
        for (key, rules) in entries {
            let mut at = 0;
            let bytes: Vec<u8> = if reversed { key.bytes().rev().collect() } else { key.bytes().collect() };
            for byte in bytes {
                at = match b[at].children.get(&byte) {
                    Some(&next) => next,
                    None => {
                        b.push(Building::default());
                        let next = b.len() - 1;
                        b[at].children.insert(byte, next);
                        next
                    }
                };
            }
            b[at].rules.extend_from_slice(rules);
        }
        let mut t = Trie { root: vec![0; 256], ..Trie::default() };
        for node in &b {
            let e0 = t.edge_bytes.len() as u32;
            for (&byte, &next) in &node.children {
                t.edge_bytes.push(byte);
                t.edge_targets.push(next as u32);
            }
            let r0 = t.rules.len() as u32;
            t.rules.extend_from_slice(&node.rules);
            t.nodes.push(Node { edges: (e0, t.edge_bytes.len() as u32), rules: (r0, t.rules.len() as u32) });
        }
        for (&byte, &next) in &b[0].children {
            t.root[usize::from(byte)] = next as u32;
        }
        t
    }

    /// Is the trie empty?
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    #[inline]
    fn step(&self, at: usize, byte: u8) -> Option<usize> {
        if at == 0 {
            return match self.root[usize::from(byte)] {
                0 => None,
                n => Some(n as usize),
            };
        }
        let (lo, hi) = self.nodes[at].edges;
        let bytes = &self.edge_bytes[lo as usize..hi as usize];
        bytes.iter().position(|&b| b == byte).map(|k| self.edge_targets[lo as usize + k] as usize)
    }

    #[inline]
    fn rules_of(&self, at: usize) -> &[u32] {
        let (lo, hi) = self.nodes[at].rules;
        &self.rules[lo as usize..hi as usize]
    }

    /// The rules of exactly `key` (walked in the trie's direction).
    pub fn get(&self, key: &[u8], reversed: bool) -> &[u32] {
        let mut at = 0;
        let mut step = |b: u8| match self.step(at, b) {
            Some(n) => {
                at = n;
                true
            }
            None => false,
        };
        let all = if reversed { key.iter().rev().all(|&b| step(b)) } else { key.iter().all(|&b| step(b)) };
        if all {
            self.rules_of(at)
        } else {
            &[]
        }
    }

    /// Every stored key that is a prefix of `bytes` (of a trie built forwards) or a suffix (of
    /// one built `reversed`, with `bytes` given back to front): `f(length, rules)`, shortest first.
    /// True when the walk reached the end of `bytes` (a longer key might continue past them),
    /// false when it stopped at a byte no key continues with.
    #[inline]
    pub fn walk(&self, bytes: impl Iterator<Item = u8>, mut f: impl FnMut(usize, &[u32])) -> bool {
        let mut at = 0;
        for (k, b) in bytes.enumerate() {
            match self.step(at, b) {
                Some(n) => at = n,
                None => return false,
            }
            let rules = self.rules_of(at);
            if !rules.is_empty() {
                f(k + 1, rules);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_suffixes_and_exact_keys() {
        let entries: Vec<(&str, &[u32])> = vec![("read", &[1]), ("read more", &[2, 3]), ("rea", &[]), ("é", &[4])];
        let t = Trie::new(entries.iter().copied(), false);
        let mut seen = Vec::new();
        assert!(!t.walk("read more here".bytes(), |n, r| seen.push((n, r.to_vec()))));
        assert_eq!(seen, vec![(4, vec![1]), (9, vec![2, 3])]);
        // The end of the bytes reached: a longer key could go on past them.
        assert!(t.walk("read mo".bytes(), |_, _| ()));
        assert!(t.walk("".bytes(), |_, _| ()));
        assert!(!t.walk("x".bytes(), |_, _| ()));
        assert_eq!(t.get(b"read more", false), &[2, 3]);
        assert!(t.get(b"read mor", false).is_empty());
        assert_eq!(t.get("é".as_bytes(), false), &[4]);
        let r = Trie::new(entries.iter().copied(), true);
        let mut seen = Vec::new();
        r.walk("please read more".bytes().rev(), |n, rules| seen.push((n, rules.to_vec())));
        assert_eq!(seen, vec![(9, vec![2, 3])]);
        assert_eq!(r.get(b"read", true), &[1]);
        assert!(Trie::new(std::iter::empty(), false).is_empty());
    }
}
