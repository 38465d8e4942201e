#![no_main]
//! Rule compilation: a fuzzed rule file compiles or gets a RuleError naming a rule; a compiled
//! one cleans a document with every invariant kept.
use dechaff_fuzz::{checks, RulesInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: RulesInput| {
    let opts = checks::Options::from(input.opts);
    checks::check_rules(&opts, &input.sels(), &input.text);
});
