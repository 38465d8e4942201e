//! Test helpers shared by the modules' unit tests.

/// A fixed xorshift sequence starting at `seed`: each call gives a number below its argument
/// (the same numbers on every run).
pub fn picker(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}

/// `count` strings of fewer than `max_len` characters drawn from `alphabet`, from [`picker`]'s
/// sequence starting at `seed` (the same strings on every run).
pub fn random_strings(alphabet: &[char], max_len: u64, count: usize, seed: u64) -> impl Iterator<Item = String> + '_ {
    let mut next = picker(seed);
    (0..count).map(move |_| {
        let len = next(max_len as usize);
        (0..len).map(|_| alphabet[next(alphabet.len())]).collect()
    })
}
