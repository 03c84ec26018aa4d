//! Findings and what happens to them after rules ran: suppression (inline comments,
//! annotations, config, baseline), fingerprints, sorting. Depends on `source` only.

pub mod baseline;
pub mod finding;
pub mod redact;
pub mod suppress;

pub use finding::{Finding, Location, Severity, Suppression};
