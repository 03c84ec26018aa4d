//! octolint: a fast, parallel GitOps policy and validation linter.
//!
//! Data flows one way: `cli` -> `config` -> `discover` -> `parse` -> `model` -> `rules`
//! -> `diagnostics` (suppress, fingerprint) -> `report`. See `DESIGN` notes in each module.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod cost;
pub mod diagnostics;
pub mod discover;
pub mod finalize;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod outcome;
pub mod parse;
pub mod pipeline;
pub mod policy;
pub mod redact;
pub mod render;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod source;
pub mod terraform;
pub mod validate;
