//! Parsers: text in, value trees with byte spans out. Parse errors are data, never panics.
//!
//! `node` is the value tree every YAML and JSON document becomes; `yaml`, `json` and `hcl`
//! parse one text each (`hcl_tree` is the compact tree a Terraform file is kept as); `file`
//! loads one file and dispatches on its kind. Depends on `discover` (entries), `diagnostics`
//! (parse errors are findings) and `source`.

pub mod file;
pub mod hcl;
pub mod hcl_tree;
pub mod json;
pub mod node;
pub mod yaml;
