//! Byte offsets (what Rust works in) to code-point offsets (what Python slices by),
//! computed once per document at the boundary.

/// Convert sorted-or-not byte offsets into code-point offsets of `text`, in place.
/// Every offset must lie on a character boundary of `text` (the engine only makes such).
pub fn bytes_to_chars(text: &str, offsets: &mut [usize]) {
    if text.is_ascii() || offsets.is_empty() {
        return;
    }
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let bytes = text.as_bytes();
    let (mut byte, mut chars) = (0usize, 0usize);
    for i in order {
        let target = offsets[i].min(bytes.len());
        // Count the characters in bytes[byte..target]: every byte that is not a continuation byte.
        chars += bytes[byte..target].iter().filter(|&&b| (b as i8) >= -0x40).count();
        byte = target;
        offsets[i] = chars;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_multibyte_offsets() {
        let t = "aé😀b";
        let mut o = [0, 1, 3, 7, 8, 3];
        bytes_to_chars(t, &mut o);
        assert_eq!(o, [0, 1, 2, 3, 4, 2]);
    }
}
