//! Per-thread copies of values that are cheap to copy and costly to share.
//!
//! The case in point is `regex::Regex`: it keeps its search caches in a pool with a lock-free
//! slot for the first thread that searches with it. Every other thread takes a lock per search,
//! and all of them write the pool's cache lines. The scanner runs several regex searches per
//! line, so two threads sharing one `Regex` kept passing those cache lines back and forth. A copy
//! shares the compiled program and brings its own pool, whose lock-free slot its thread then owns.
//! Engine alone, article mode, 1 → 2 threads on two cores, old and new builds interleaved
//! (`examples/scaling.rs`): medians 1.59× → 1.78× over ten rounds, 1.73× → 1.86× over six.

use thread_local::ThreadLocal;

/// A value, and a copy of it for each thread that asks. Copies live as long as this value, so
/// their number is at most the number of threads running at once: a thread started after another
/// ended may get the ended thread's copy (thread ids are reused), still used by one thread at a time.
#[derive(Debug)]
pub struct PerThread<T: Clone + Send> {
    original: T,
    copies: ThreadLocal<T>,
}

impl<T: Clone + Send> PerThread<T> {
    /// Wrap `original`; threads get copies of it.
    pub fn new(original: T) -> Self {
        PerThread { original, copies: ThreadLocal::new() }
    }

    /// The calling thread's copy, made on its first call.
    #[inline]
    pub fn get(&self) -> &T {
        self.copies.get_or(|| self.original.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_gets_its_own_copy_of_the_same_value() {
        let shared = PerThread::new(regex::Regex::new(r"\bcat\b").unwrap());
        let here = shared.get() as *const regex::Regex as usize;
        assert_eq!(shared.get() as *const regex::Regex as usize, here, "one copy per thread");
        let there = std::thread::scope(|s| {
            s.spawn(|| {
                assert!(shared.get().is_match("a cat sat"));
                shared.get() as *const regex::Regex as usize
            })
            .join()
            .unwrap()
        });
        assert_ne!(there, here);
        assert!(shared.get().is_match("the cat") && !shared.get().is_match("concat"));
    }
}
