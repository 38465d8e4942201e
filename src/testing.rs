//! Test helpers shared by the modules' unit tests.

/// `count` strings of fewer than `max_len` characters drawn from `alphabet`, from a fixed xorshift
/// sequence starting at `seed` (the same strings on every run).
pub fn random_strings(
    alphabet: &[char],
    max_len: u64,
    count: usize,
    mut seed: u64,
) -> impl Iterator<Item = String> + '_ {
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..count).map(move |_| {
        let len = next() % max_len;
        (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
    })
}
