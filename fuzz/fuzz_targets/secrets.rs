#![no_main]
//! cargo-fuzz target `secrets`: see `octolint::fuzzing::secrets_target`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    octolint::fuzzing::secrets_target(data);
});
