//! Stage 5: assembly. Surviving lines become the output text; removals become spans.

use crate::decide::{Cause, View};

/// A removed span of the normalised text (byte offsets) and why it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    pub start: usize,
    pub end: usize,
    pub cause: Cause,
}

/// Join the surviving lines: one newline within a block, a blank line between blocks.
pub fn assemble(text: &str, views: &[View]) -> String {
    let mut out = String::with_capacity(views.iter().map(|v| v.end - v.start + 2).sum());
    for (k, v) in views.iter().enumerate() {
        if k > 0 {
            out.push_str(if v.blank_before { "\n\n" } else { "\n" });
        }
        out.push_str(&text[v.start..v.end]);
    }
    out
}

/// Sort removals and merge neighbours with the same cause that only white space separates,
/// where `mergeable(cause)` allows it (tail cuts: one span from the marker to the end).
pub fn merge_removals(text: &str, mut removals: Vec<Removal>, mergeable: impl Fn(Cause) -> bool) -> Vec<Removal> {
    removals.sort_unstable_by_key(|r| (r.start, r.end));
    // Merged in place: `kept` spans are final, the next one is read at `i >= kept`.
    let mut kept = 0usize;
    for i in 0..removals.len() {
        let r = removals[i];
        if let Some(last) = kept.checked_sub(1).map(|k| &mut removals[k]) {
            if last.cause == r.cause
                && mergeable(r.cause)
                && last.end <= r.start
                && text[last.end..r.start].trim().is_empty()
            {
                last.end = r.end;
                continue;
            }
        }
        removals[kept] = r;
        kept += 1;
    }
    removals.truncate(kept);
    removals
}
