#![no_main]
//! cargo-fuzz target `json`: see `octolint::fuzzing::json_target`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    octolint::fuzzing::json_target(data);
});
