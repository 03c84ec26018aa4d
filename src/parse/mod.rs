//! Parsers: text in, value trees with byte spans out. Parse errors are data, never panics.
//! Depends on `source` and `model::node` only.

pub mod hcl;
pub mod yaml;
