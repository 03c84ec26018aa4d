//! Findings and what happens to them after rules ran: suppression (inline comments,
//! annotations, config, baseline), fingerprints, sorting. Also the metadata of rules. Depends on `source` only.

pub mod baseline;
pub mod engine;
pub mod finding;
pub mod meta;
pub mod suppress;

pub use finding::{Finding, Location, Severity, Suppression};
pub use meta::{RuleMeta, new_finding};
