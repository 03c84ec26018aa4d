//! Parsers: text in, value trees with byte spans out. Parse errors are data, never panics.
//!
//! `node` is the value tree every YAML and JSON document becomes; `yaml`, `json` and `hcl`
//! parse one text each; `file` loads one file and dispatches on its kind. Depends on
//! `discover` (entries), `diagnostics` (parse errors are findings) and `source`.

pub mod file;
pub mod hcl;
pub mod json;
pub mod node;
pub mod yaml;
