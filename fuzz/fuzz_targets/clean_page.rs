#![no_main]
//! Page and auto modes over the built-in rules: spans, output words, the output is a clean article.
use dechaff_fuzz::{checks, TextInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: TextInput| {
    let opts = checks::Options::from(input.opts);
    checks::check_page(&checks::builtin_engine(&opts), &input.text);
});
