//! Built-in rules: the [`rule::Rule`] trait and its context, the explicit registry of
//! built-in rules (`builtin`), the engine that runs them over parsed documents, the
//! repository model and the Terraform model (`run`), and the generated rule pages (`docs`).
//! Rules never print, read files or know the output format. Depends on `model`,
//! `terraform`, `cost`, `secrets`, `config`, `diagnostics` and `source`.

pub mod builtin;
pub mod docs;
pub mod rule;
pub mod run;

use rule::Rule;

/// Every built-in rule, sorted by id.
pub fn registry() -> &'static [&'static dyn Rule] {
    builtin::ALL
}
