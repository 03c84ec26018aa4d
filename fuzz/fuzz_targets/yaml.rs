#![no_main]
//! cargo-fuzz target `yaml`: see `octolint::fuzzing::yaml_target`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    octolint::fuzzing::yaml_target(data);
});
