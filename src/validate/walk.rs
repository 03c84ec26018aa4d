//! The validation walk: one parsed YAML/JSON tree against one compiled schema, collecting
//! violations with the span of the offending key or value and the JSON path to it.

use crate::parse::node::{Node, Scalar, Value};
use crate::source::Span;

use super::checks::{self, Check};
use super::schema::{
    Additional, Compiled, Id, T_ARR, T_BOOL, T_INT, T_NULL, T_NUM, T_OBJ, T_STR, type_names,
};

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    /// A field the schema does not declare (VAL001).
    UnknownField,
    /// A value of the wrong type (VAL002).
    WrongType,
    /// A required field is missing (VAL003).
    MissingRequired,
    /// A value outside the allowed set, range, pattern or syntax (VAL004).
    InvalidValue,
}

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub problem: Problem,
    pub span: Span,
    /// JSON path (`spec.template.spec.containers[0].image`).
    pub path: String,
    pub message: String,
    /// A suggestion (`did you mean `containers`?`).
    pub help: Option<String>,
}

/// Walk options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A partial object (Kustomize patch): never report missing required fields.
    pub partial: bool,
    /// `null` is accepted wherever a value is (Kubernetes prunes nulls).
    pub null_ok: bool,
    /// Apply the checks beyond the schema (built-in Kubernetes schemas).
    pub extra_checks: bool,
}

#[derive(Clone, Copy)]
enum Seg<'n> {
    Key(&'n str),
    Index(usize),
}

/// Work limit per walk: bounds `anyOf`/`oneOf` retries on hostile input.
const BUDGET: usize = 2_000_000;

pub struct Walker<'s, 'n> {
    schema: &'s Compiled,
    opts: Options,
    path: Vec<Seg<'n>>,
    budget: usize,
    pub out: Vec<Violation>,
}

impl<'s, 'n> Walker<'s, 'n> {
    pub fn new(schema: &'s Compiled, opts: Options) -> Self {
        Walker {
            schema,
            opts,
            path: Vec::new(),
            budget: BUDGET,
            out: Vec::new(),
        }
    }

    /// Start with a path prefix (for objects inside a `kind: List`, or values paths).
    pub fn validate(&mut self, node: &'n Node, id: Id, anchor: Span) {
        self.walk(node, id, anchor);
    }

    fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if k.contains(['.', '/', ' ', '[']) || k.is_empty() {
                        s.push_str(&format!("[{k:?}]"));
                    } else {
                        if !s.is_empty() {
                            s.push('.');
                        }
                        s.push_str(k);
                    }
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        if s.is_empty() { "(root)".into() } else { s }
    }

    fn report(&mut self, problem: Problem, span: Span, message: String, help: Option<String>) {
        let path = self.path_string();
        self.out.push(Violation {
            problem,
            span,
            path,
            message,
            help,
        });
    }

    fn walk(&mut self, node: &'n Node, id: Id, key_span: Span) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let s = self.schema.node(id);
        let types = s.types;
        if types != 0 && !type_matches(node, types, self.opts.null_ok) {
            let got = describe(node);
            let msg = format!(
                "`{}` must be {}, not {got}",
                self.path_string(),
                type_names(types)
            );
            self.report(Problem::WrongType, node.span, msg, None);
            return;
        }
        if node.is_null() && self.opts.null_ok {
            return;
        }
        if let Some(r) = s.reference {
            self.walk(node, r, key_span);
        }
        if let Some(allowed) = &s.enumeration
            && !matches!(node.value, Value::Map(_) | Value::Seq(_))
        {
            let v = node.to_json();
            // In a built-in kind, `""` is decoded as the Go zero value and defaulted, like an
            // absent field (CRDs and values schemas validate the JSON as written).
            let zero = self.opts.extra_checks && v.as_str() == Some("");
            if !allowed.contains(&v) && !zero {
                let list = allowed
                    .iter()
                    .map(|a| format!("`{}`", json_text(a)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let msg = format!(
                    "`{}` must be one of {list}, not `{}`",
                    self.path_string(),
                    json_text(&v)
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
        }
        match &node.value {
            Value::Map(entries) => self.walk_map(node, entries, id, key_span),
            Value::Seq(items) => {
                if let Some(item) = s.items {
                    for (i, it) in items.iter().enumerate() {
                        self.path.push(Seg::Index(i));
                        self.walk(it, item, it.span);
                        self.path.pop();
                    }
                }
                let n = items.len() as u64;
                if let Some(min) = s.min_items
                    && n < min
                {
                    let msg = format!(
                        "`{}` must have at least {min} item(s), has {n}",
                        self.path_string()
                    );
                    self.report(Problem::InvalidValue, node.span, msg, None);
                }
                if let Some(max) = s.max_items
                    && n > max
                {
                    let msg = format!(
                        "`{}` must have at most {max} item(s), has {n}",
                        self.path_string()
                    );
                    self.report(Problem::InvalidValue, node.span, msg, None);
                }
            }
            Value::Scalar { .. } => self.scalar_bounds(node, id),
        }
        for &a in &s.all_of {
            self.walk(node, a, key_span);
        }
        if !s.any_of.is_empty() {
            self.alternatives(node, &s.any_of, key_span, false);
        }
        if !s.one_of.is_empty() {
            self.alternatives(node, &s.one_of, key_span, true);
        }
        if let Some(not) = s.not {
            let mut trial = self.trial();
            trial.walk(node, not, key_span);
            self.budget = trial.budget;
            if trial.out.is_empty() {
                let msg = format!(
                    "`{}` matches a shape the schema forbids",
                    self.path_string()
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
        }
        if self.opts.extra_checks && s.check != Check::None {
            self.extra(node, s.check);
        }
    }

    fn trial(&self) -> Walker<'s, 'n> {
        Walker {
            schema: self.schema,
            opts: self.opts,
            path: self.path.clone(),
            budget: self.budget,
            out: Vec::new(),
        }
    }

    fn alternatives(&mut self, node: &'n Node, branches: &[Id], key_span: Span, one: bool) {
        let mut best: Option<Vec<Violation>> = None;
        let mut matched = 0;
        for &b in branches {
            let mut trial = self.trial();
            trial.walk(node, b, key_span);
            self.budget = trial.budget;
            if trial.out.is_empty() {
                matched += 1;
                if !one {
                    return;
                }
            } else if best.as_ref().is_none_or(|v| trial.out.len() < v.len()) {
                best = Some(trial.out);
            }
        }
        if matched == 0 {
            self.out.extend(best.unwrap_or_default());
        }
        // More than one `oneOf` match is left alone: the schemas we read use `oneOf` for
        // alternatives that overlap on purpose more often than for exclusivity.
    }

    fn walk_map(&mut self, node: &'n Node, entries: &'n [(Node, Node)], id: Id, key_span: Span) {
        let s = self.schema.node(id);
        for (k, v) in entries {
            let Some(key) = k.key_text() else {
                continue;
            };
            if let Some(pid) = s.property(key) {
                self.path.push(Seg::Key(key));
                self.walk(v, pid, k.span);
                self.path.pop();
                continue;
            }
            match s.additional {
                Additional::Any => {}
                Additional::Schema(a) => {
                    self.path.push(Seg::Key(key));
                    self.walk(v, a, k.span);
                    self.path.pop();
                }
                Additional::Forbid => {
                    if s.embedded && matches!(key, "apiVersion" | "kind" | "metadata") {
                        continue;
                    }
                    // SOPS metadata on an encrypted manifest: Flux, helm-secrets and `sops -d`
                    // remove it before the object reaches the API server.
                    if self.path.is_empty() && key == "sops" && v.get("mac").is_some() {
                        continue;
                    }
                    // Strategic merge patch directives (`$patch: delete`, `$retainKeys`).
                    if self.opts.partial && key.starts_with('$') {
                        continue;
                    }
                    self.path.push(Seg::Key(key));
                    let suggestion = checks::suggest(
                        key,
                        s.properties
                            .iter()
                            .map(|(p, _)| p.as_ref())
                            .filter(|p| node.get(p).is_none()),
                    );
                    let msg = match suggestion {
                        Some(sug) => format!(
                            "unknown field `{}`: did you mean `{sug}`?",
                            self.path_string()
                        ),
                        None => format!("unknown field `{}`", self.path_string()),
                    };
                    let help = suggestion.map(|s| format!("did you mean `{s}`?"));
                    self.report(Problem::UnknownField, k.span, msg, help);
                    self.path.pop();
                }
            }
        }
        if !self.opts.partial {
            for r in &s.required {
                if node.get(r).is_none() {
                    let msg = if self.path.is_empty() {
                        format!("required field `{r}` is missing")
                    } else {
                        format!(
                            "required field `{r}` is missing in `{}`",
                            self.path_string()
                        )
                    };
                    self.report(Problem::MissingRequired, key_span, msg, None);
                }
            }
        }
    }

    fn scalar_bounds(&mut self, node: &'n Node, id: Id) {
        let s = self.schema.node(id);
        if let Some(x) = node.as_f64() {
            if let Some((min, excl)) = s.minimum
                && (x < min || excl && x == min)
            {
                let msg = format!(
                    "`{}` must be {} {min}, not {x}",
                    self.path_string(),
                    if excl { "greater than" } else { "at least" }
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
            if let Some((max, excl)) = s.maximum
                && (x > max || excl && x == max)
            {
                let msg = format!(
                    "`{}` must be {} {max}, not {x}",
                    self.path_string(),
                    if excl { "less than" } else { "at most" }
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
        }
        if let Some(text) = node.as_str() {
            let n = text.chars().count() as u64;
            if let Some(p) = &s.pattern
                && !p.is_match(text)
            {
                let msg = format!(
                    "`{}` must match `{}`, not `{text}`",
                    self.path_string(),
                    p.as_str()
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
            if let Some(min) = s.min_length
                && n < min
            {
                let msg = format!(
                    "`{}` must be at least {min} character(s) long",
                    self.path_string()
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
            if let Some(max) = s.max_length
                && n > max
            {
                let msg = format!(
                    "`{}` must be at most {max} character(s) long",
                    self.path_string()
                );
                self.report(Problem::InvalidValue, node.span, msg, None);
            }
        }
    }

    fn extra(&mut self, node: &'n Node, check: Check) {
        let text = node.key_text().filter(|_| node.as_map().is_none());
        // Templated text (`{{ .Values.x }}`, `$(VAR)`) is not a final value.
        if text.is_some_and(|t| t.contains("{{") || t.contains("$(")) {
            return;
        }
        match check {
            Check::None => {}
            Check::Enum(allowed) => {
                let Some(t) = node.as_str() else { return };
                // The API server decodes `""` as the field's zero value and defaults it, like
                // an absent field (charts render `podManagementPolicy: ""` when unset).
                if !t.is_empty() && !allowed.contains(&t) {
                    let list = allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sug = checks::suggest(t, allowed.iter().copied());
                    let path = self.path_string();
                    let msg = match sug {
                        Some(s) => format!(
                            "`{path}` must be one of {list}, not `{t}`: did you mean `{s}`?"
                        ),
                        None => format!("`{path}` must be one of {list}, not `{t}`"),
                    };
                    let help = sug.map(|s| format!("did you mean `{s}`?"));
                    self.report(Problem::InvalidValue, node.span, msg, help);
                }
            }
            Check::Quantity => {
                if let Some(t) = node.as_str()
                    && !checks::is_quantity(t)
                {
                    let path = self.path_string();
                    let msg = format!(
                        "`{path}` is not a valid resource quantity: `{t}` (use a suffix such as `Mi`, `Gi`, `M`, `G` or `m`)"
                    );
                    let help = quantity_fix(t).map(|f| format!("did you mean `{f}`?"));
                    self.report(Problem::InvalidValue, node.span, msg, help);
                }
            }
            Check::DnsLabel => {
                if let Some(t) = node.as_str()
                    && !checks::is_dns_label(t)
                {
                    let path = self.path_string();
                    let msg = format!(
                        "`{path}` must be a DNS-1123 label (lowercase letters, digits and `-`, at most 63 characters), not `{t}`"
                    );
                    self.report(Problem::InvalidValue, node.span, msg, None);
                }
            }
            Check::PortName => {
                if let Some(t) = node.as_str()
                    && !checks::is_port_name(t)
                {
                    let path = self.path_string();
                    let msg = format!(
                        "`{path}` must be an IANA service name (at most 15 lowercase letters, digits and `-`, with a letter), not `{t}`"
                    );
                    self.report(Problem::InvalidValue, node.span, msg, None);
                }
            }
            Check::Port(lo, hi) => {
                if let Some(p) = node.as_i64()
                    && !(lo..=hi).contains(&p)
                {
                    let path = self.path_string();
                    let msg = format!("`{path}` must be a port number from {lo} to {hi}, not {p}");
                    self.report(Problem::InvalidValue, node.span, msg, None);
                }
            }
            Check::PortOrName => {
                if let Some(p) = node.as_i64()
                    && !(1..=65535).contains(&p)
                {
                    let path = self.path_string();
                    let msg = format!("`{path}` must be a port number from 1 to 65535, not {p}");
                    self.report(Problem::InvalidValue, node.span, msg, None);
                } else if let Some(t) = node.as_str()
                    && !checks::is_port_name(t)
                {
                    let path = self.path_string();
                    let msg = format!(
                        "`{path}` must be a port number or an IANA service name (at most 15 lowercase letters, digits and `-`), not `{t}`"
                    );
                    self.report(Problem::InvalidValue, node.span, msg, None);
                }
            }
            Check::Labels => {
                for (k, v) in node.as_map().unwrap_or(&[]) {
                    let Some(key) = k.key_text() else { continue };
                    if key.contains("{{") || key.contains("$(") {
                        continue;
                    }
                    if !checks::is_label_key(key) {
                        let path = self.path_string();
                        let msg = format!(
                            "`{path}` has an invalid label key `{key}` (an optional DNS subdomain prefix and `/`, then at most 63 alphanumerics, `-`, `_` or `.`)"
                        );
                        self.report(Problem::InvalidValue, k.span, msg, None);
                    }
                    if let Some(val) = v.as_str()
                        && !val.contains("{{")
                        && !val.contains("$(")
                        && !checks::is_label_value(val)
                    {
                        let path = self.path_string();
                        let msg = format!(
                            "`{path}` has an invalid value `{val}` for label `{key}` (at most 63 alphanumerics, `-`, `_` or `.`, alphanumeric at both ends)"
                        );
                        self.report(Problem::InvalidValue, v.span, msg, None);
                    }
                }
            }
        }
    }
}

/// `512MB` -> `512M`, `1GiB` -> `1Gi`.
fn quantity_fix(t: &str) -> Option<String> {
    let fixed = t.strip_suffix('B').or_else(|| t.strip_suffix('b'))?;
    let fixed = match fixed.strip_suffix('K') {
        Some(number) => format!("{number}k"),
        None => fixed.to_string(),
    };
    checks::is_quantity(&fixed).then_some(fixed)
}

fn type_matches(node: &Node, types: u8, null_ok: bool) -> bool {
    match &node.value {
        Value::Map(_) => types & T_OBJ != 0,
        Value::Seq(_) => types & T_ARR != 0,
        Value::Scalar { kind, text, .. } => match kind {
            Scalar::Null => null_ok || types & T_NULL != 0,
            Scalar::Bool(_) => types & T_BOOL != 0,
            Scalar::Int => types & (T_INT | T_NUM) != 0,
            Scalar::Float => {
                types & T_NUM != 0
                    || types & T_INT != 0
                        && crate::parse::node::parse_float(text)
                            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
            }
            Scalar::Str => types & T_STR != 0,
        },
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Map(_) => "an object".into(),
        Value::Seq(_) => "an array".into(),
        Value::Scalar { kind, text, .. } => match kind {
            Scalar::Null => "null".into(),
            Scalar::Bool(_) => format!("boolean `{text}`"),
            Scalar::Int => format!("integer `{text}`"),
            Scalar::Float => format!("number `{text}`"),
            Scalar::Str => format!("string `{:?}`", text.as_str()),
        },
    }
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
