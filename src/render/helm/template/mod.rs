//! A Go `text/template` engine: lexer and parser ([`parse`]), Go-like values ([`value`]),
//! Go's formatting ([`gofmt`]) and the executor ([`exec`]). Functions beyond the Go
//! builtins come from the embedder through [`exec::Funcs`]. Nothing here knows Helm.

pub mod exec;
pub mod gofmt;
pub mod parse;
pub mod value;

#[cfg(test)]
mod tests;
