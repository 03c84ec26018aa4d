#![no_main]
//! cargo-fuzz target `hcl_terraform`: see `octolint::fuzzing::hcl_terraform_target`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    octolint::fuzzing::hcl_terraform_target(data);
});
