#![no_main]
//! Article mode over the built-in rules: spans, output words, idempotence.
use dechaff_fuzz::{checks, TextInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: TextInput| {
    let opts = checks::Options::from(input.opts);
    checks::check_article(&checks::builtin_engine(&opts), &input.text);
});
