//! `octolint verify`: run the `test_*` rules of policies, like `conftest verify`.

use super::Policies;

#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub file: String,
    /// `data.<namespace>.test_<name>`
    pub name: String,
    pub passed: bool,
    /// Why it failed when it did not just evaluate to false/undefined.
    pub error: Option<String>,
}

/// Evaluate every test rule; a test passes when it is defined and true.
pub fn run(policies: &Policies) -> Vec<TestResult> {
    let mut engine = policies.engine();
    let mut out = Vec::new();
    for (file, name) in &policies.tests {
        let (passed, error) = match engine.eval_rule(name.clone()) {
            Ok(v) => (v == regorus::Value::from(true), None),
            Err(e) => (false, Some(super::short_error(&e))),
        };
        out.push(TestResult {
            file: file.clone(),
            name: name.clone(),
            passed,
            error,
        });
    }
    out
}
