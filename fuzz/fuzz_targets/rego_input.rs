#![no_main]
//! cargo-fuzz target `rego_input`: see `octolint::fuzzing::rego_input_target`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    octolint::fuzzing::rego_input_target(data);
});
