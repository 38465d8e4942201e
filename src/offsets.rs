//! Byte offsets (what Rust works in) to code-point offsets (what Python slices by),
//! computed once per document at the boundary.

/// Convert sorted-or-not byte offsets into code-point offsets of `text`, in place, and return
/// the number of code points in `text` (the same walk counts both). Every offset must lie on a
/// character boundary of `text` (the engine only makes such).
pub fn bytes_to_chars(text: &str, offsets: &mut [usize]) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let (mut byte, mut chars) = (0usize, 0usize);
    for i in order {
        let target = offsets[i].min(text.len());
        chars += count_chars(text, byte, target);
        byte = target;
        offsets[i] = chars;
    }
    chars + count_chars(text, byte, text.len())
}

/// The characters that start in `text[from..to]`. `str`'s own count reads a word at a time (a
/// byte filter compiled to two bytes per step); an offset off a character boundary, which the
/// engine never makes, is counted by its bytes instead of panicking.
fn count_chars(text: &str, from: usize, to: usize) -> usize {
    match text.get(from..to) {
        Some(s) => s.chars().count(),
        None => text.as_bytes()[from..to].iter().filter(|&&b| (b as i8) >= -0x40).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_multibyte_offsets() {
        let t = "aé😀b";
        let mut o = [0, 1, 3, 7, 8, 3];
        assert_eq!(bytes_to_chars(t, &mut o), 4);
        assert_eq!(o, [0, 1, 2, 3, 4, 2]);
        let mut none: [usize; 0] = [];
        assert_eq!(bytes_to_chars(t, &mut none), 4);
        let mut inside = [2, 6];
        assert_eq!(bytes_to_chars(t, &mut inside), 4, "offsets inside a character count its lead byte");
        assert_eq!(inside, [2, 3]);
        let mut ascii = [2, 0];
        assert_eq!(bytes_to_chars("abc", &mut ascii), 3);
        assert_eq!(ascii, [2, 0]);
    }

    #[test]
    fn every_boundary_of_random_text_maps_to_its_character_index() {
        let alphabet = ['a', ' ', '\n', 'é', '—', '“', '😀', 'Ж', '中', '\u{301}'];
        for (n, text) in crate::testing::random_strings(&alphabet, 300, 2_000, 0x0FF5_E7B0_C4A2).enumerate() {
            let bounds: Vec<(usize, usize)> =
                text.char_indices().map(|(b, _)| b).chain([text.len()]).enumerate().map(|(c, b)| (b, c)).collect();
            // every boundary, in a shuffled order, some of them twice
            let mut picked: Vec<(usize, usize)> = bounds.iter().copied().step_by(1 + n % 3).collect();
            picked.extend(bounds.iter().rev().step_by(2 + n % 5).copied());
            let turn = n % picked.len();
            picked.rotate_left(turn);
            let mut offsets: Vec<usize> = picked.iter().map(|&(b, _)| b).collect();
            assert_eq!(bytes_to_chars(&text, &mut offsets), text.chars().count(), "{text:?}");
            let want: Vec<usize> = picked.iter().map(|&(_, c)| c).collect();
            assert_eq!(offsets, want, "{text:?}");
        }
    }
}
