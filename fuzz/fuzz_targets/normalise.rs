#![no_main]
//! normalise: no panic, NFC, no control or invisible characters, trimmed lines, idempotent.
use dechaff_fuzz::{checks, TextInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: TextInput| {
    let opts = checks::Options::from(input.opts);
    checks::check_normalise(&input.text, &opts.normalise());
});
