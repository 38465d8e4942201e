#![no_main]
//! The bulk CLI's JSONL fast path over raw bytes (six option bytes, then the block of lines):
//! output lines, handed-back lines and cleaned texts (see `checks::check_records`).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dechaff_fuzz::checks::run_target("records", data);
});
