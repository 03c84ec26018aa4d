//! Compiled schemas: JSON Schema / OpenAPI v3 (the subset Kubernetes, CRDs and Helm
//! `values.schema.json` use) turned once into an arena of nodes that the walk reads without
//! allocating. `$ref`s become arena indexes, so recursive definitions are fine.

use std::collections::HashMap;

use serde_json::Value;

use super::checks::Check;

pub type Id = u32;

pub const T_NULL: u8 = 1;
pub const T_BOOL: u8 = 2;
pub const T_INT: u8 = 4;
pub const T_NUM: u8 = 8;
pub const T_STR: u8 = 16;
pub const T_ARR: u8 = 32;
pub const T_OBJ: u8 = 64;

/// What a mapping accepts besides its declared properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Additional {
    Any,
    Forbid,
    Schema(Id),
}

/// One compiled schema node.
#[derive(Debug)]
pub struct Node {
    /// Allowed types (bit set of `T_*`); 0 accepts any type.
    pub types: u8,
    pub properties: Vec<(Box<str>, Id)>,
    pub additional: Additional,
    pub required: Vec<Box<str>>,
    pub items: Option<Id>,
    pub enumeration: Option<Vec<Value>>,
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    pub pattern: Option<regex::Regex>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub all_of: Vec<Id>,
    pub any_of: Vec<Id>,
    pub one_of: Vec<Id>,
    pub not: Option<Id>,
    pub reference: Option<Id>,
    /// A Kubernetes embedded object: `apiVersion`, `kind` and `metadata` are always allowed.
    pub embedded: bool,
    /// Checks the API server makes that the schema does not encode.
    pub check: Check,
    /// Name of the definition this node is (for messages), if any.
    pub def: Option<Box<str>>,
}

impl Default for Node {
    fn default() -> Self {
        Node {
            types: 0,
            properties: Vec::new(),
            additional: Additional::Any,
            required: Vec::new(),
            items: None,
            enumeration: None,
            minimum: None,
            maximum: None,
            pattern: None,
            min_length: None,
            max_length: None,
            min_items: None,
            max_items: None,
            all_of: Vec::new(),
            any_of: Vec::new(),
            one_of: Vec::new(),
            not: None,
            reference: None,
            embedded: false,
            check: Check::None,
            def: None,
        }
    }
}

impl Node {
    pub fn property(&self, name: &str) -> Option<Id> {
        self.properties
            .binary_search_by(|(k, _)| k.as_ref().cmp(name))
            .ok()
            .map(|i| self.properties[i].1)
    }
}

/// How objects without `additionalProperties` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// JSON Schema: absent `additionalProperties` allows anything (Kubernetes' strict
    /// schemas say `false` where they mean it; Helm values schemas).
    JsonSchema,
    /// A CRD's structural schema: fields not declared are unknown (pruned by the API server,
    /// rejected by strict field validation) unless `x-kubernetes-preserve-unknown-fields`.
    Structural,
}

/// An arena of compiled nodes.
#[derive(Debug)]
pub struct Compiled {
    pub nodes: Vec<Node>,
}

impl Compiled {
    pub fn node(&self, id: Id) -> &Node {
        &self.nodes[id as usize]
    }
}

/// Compiles schemas into one arena, resolving `$ref`s by definition name.
pub struct Compiler<'a> {
    pub nodes: Vec<Node>,
    defs: &'a dyn Fn(&str) -> Option<&'a Value>,
    def_ids: HashMap<String, Id>,
    dialect: Dialect,
    depth: usize,
}

const MAX_DEPTH: usize = 200;

impl<'a> Compiler<'a> {
    pub fn new(defs: &'a dyn Fn(&str) -> Option<&'a Value>, dialect: Dialect) -> Self {
        Compiler {
            nodes: vec![Node::default()],
            defs,
            def_ids: HashMap::new(),
            dialect,
            depth: 0,
        }
    }

    pub fn finish(self) -> Compiled {
        Compiled { nodes: self.nodes }
    }

    /// The id of an accept-anything node.
    pub const ANY: Id = 0;

    /// Compile a named definition (once).
    pub fn def(&mut self, name: &str) -> Id {
        if let Some(&id) = self.def_ids.get(name) {
            return id;
        }
        let id = self.nodes.len() as Id;
        self.nodes.push(Node::default());
        self.def_ids.insert(name.to_string(), id);
        if let Some(v) = (self.defs)(name) {
            let mut n = self.build(v, Some(name));
            n.def = Some(name.into());
            if let Some(c) = super::checks::for_definition(name) {
                n.check = c;
            }
            self.nodes[id as usize] = n;
        }
        id
    }

    pub fn compile(&mut self, v: &Value) -> Id {
        let n = self.build(v, None);
        self.push(n)
    }

    fn push(&mut self, n: Node) -> Id {
        self.nodes.push(n);
        (self.nodes.len() - 1) as Id
    }

    fn build(&mut self, v: &Value, def: Option<&str>) -> Node {
        let mut n = Node::default();
        let Some(o) = v.as_object() else {
            if v == &Value::Bool(false) {
                // `false` accepts nothing: an empty enumeration
                n.enumeration = Some(Vec::new());
            }
            return n;
        };
        if self.depth > MAX_DEPTH {
            return n;
        }
        self.depth += 1;
        if let Some(r) = o.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or(r).to_string();
            n.reference = Some(self.def(&name));
        }
        match o.get("type") {
            Some(Value::String(s)) => n.types = type_bit(s),
            Some(Value::Array(a)) => {
                n.types = a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(type_bit)
                    .fold(0, |x, y| x | y)
            }
            _ => {}
        }
        if n.types & T_NUM != 0 {
            n.types |= T_INT;
        }
        if o.get("nullable").and_then(Value::as_bool) == Some(true) && n.types != 0 {
            n.types |= T_NULL;
        }
        let int_or_string =
            o.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
        if int_or_string {
            n.types = T_INT | T_STR | T_NULL;
        }
        let preserve = o
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            == Some(true);
        n.embedded = o
            .get("x-kubernetes-embedded-resource")
            .and_then(Value::as_bool)
            == Some(true);
        if let Some(props) = o.get("properties").and_then(Value::as_object) {
            let mut list: Vec<(Box<str>, Id)> = Vec::with_capacity(props.len());
            for (k, s) in props {
                let mut pn = self.build(s, None);
                if let Some(d) = def
                    && let Some(c) = super::checks::for_property(d, k)
                {
                    pn.check = c;
                }
                let id = self.push(pn);
                list.push((k.as_str().into(), id));
            }
            list.sort_by(|a, b| a.0.cmp(&b.0));
            n.properties = list;
        }
        n.additional = match o.get("additionalProperties") {
            Some(Value::Bool(false)) => Additional::Forbid,
            Some(Value::Bool(true)) => Additional::Any,
            Some(s @ Value::Object(_)) => Additional::Schema(self.compile(s)),
            _ => {
                // A structural object that declares properties knows all its fields; one that
                // declares none (`metadata: {type: object}`) accepts any.
                if self.dialect == Dialect::Structural && !n.properties.is_empty() && !preserve {
                    Additional::Forbid
                } else {
                    Additional::Any
                }
            }
        };
        if preserve && n.additional == Additional::Forbid && o.get("additionalProperties").is_none()
        {
            n.additional = Additional::Any;
        }
        if let Some(req) = o.get("required").and_then(Value::as_array) {
            n.required = req
                .iter()
                .filter_map(Value::as_str)
                .map(Into::into)
                .collect();
        }
        if let Some(items) = o.get("items") {
            match items {
                Value::Array(a) if !a.is_empty() => n.items = Some(self.compile(&a[0])),
                Value::Object(_) => n.items = Some(self.compile(items)),
                _ => {}
            }
        }
        if let Some(e) = o.get("enum").and_then(Value::as_array) {
            n.enumeration = Some(e.clone());
        }
        if let Some(c) = o.get("const") {
            n.enumeration = Some(vec![c.clone()]);
        }
        let excl = |k: &str| o.get(k);
        n.minimum = o.get("minimum").and_then(Value::as_f64).map(|m| {
            (
                m,
                excl("exclusiveMinimum").and_then(Value::as_bool) == Some(true),
            )
        });
        if let Some(m) = excl("exclusiveMinimum").and_then(Value::as_f64) {
            n.minimum = Some((m, true));
        }
        n.maximum = o.get("maximum").and_then(Value::as_f64).map(|m| {
            (
                m,
                excl("exclusiveMaximum").and_then(Value::as_bool) == Some(true),
            )
        });
        if let Some(m) = excl("exclusiveMaximum").and_then(Value::as_f64) {
            n.maximum = Some((m, true));
        }
        if let Some(p) = o.get("pattern").and_then(Value::as_str) {
            // ECMA-262 patterns mostly parse as Rust regexes; one that does not is skipped
            // rather than guessed at.
            n.pattern = regex::Regex::new(p).ok();
        }
        n.min_length = o.get("minLength").and_then(Value::as_u64);
        n.max_length = o.get("maxLength").and_then(Value::as_u64);
        n.min_items = o.get("minItems").and_then(Value::as_u64);
        n.max_items = o.get("maxItems").and_then(Value::as_u64);
        for (key, out) in [("allOf", 0), ("anyOf", 1), ("oneOf", 2)] {
            let Some(list) = o.get(key).and_then(Value::as_array) else {
                continue;
            };
            // Branches that only name types (Kubernetes' IntOrString and Quantity) become a
            // type union: cheaper, and the message names the types.
            if out != 0 && n.types == 0 && list.iter().all(type_only) {
                for b in list {
                    let t = match b.get("type") {
                        Some(Value::String(s)) => type_bit(s),
                        Some(Value::Array(a)) => a
                            .iter()
                            .filter_map(Value::as_str)
                            .map(type_bit)
                            .fold(0, |x, y| x | y),
                        _ => 0,
                    };
                    n.types |= t;
                }
                if n.types & T_NUM != 0 {
                    n.types |= T_INT;
                }
                continue;
            }
            let ids: Vec<Id> = list.iter().map(|s| self.compile(s)).collect();
            match out {
                0 => n.all_of = ids,
                1 => n.any_of = ids,
                _ => n.one_of = ids,
            }
        }
        if let Some(not) = o.get("not") {
            n.not = Some(self.compile(not));
        }
        self.depth -= 1;
        n
    }
}

fn type_only(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key("type"))
}

fn type_bit(s: &str) -> u8 {
    match s {
        "null" => T_NULL,
        "boolean" => T_BOOL,
        "integer" => T_INT,
        "number" => T_NUM,
        "string" => T_STR,
        "array" => T_ARR,
        "object" => T_OBJ,
        _ => 0,
    }
}

/// `string`, `integer or string`, ... for messages.
pub fn type_names(types: u8) -> String {
    let mut names = Vec::new();
    for (bit, name) in [
        (T_OBJ, "object"),
        (T_ARR, "array"),
        (T_STR, "string"),
        (T_NUM, "number"),
        (T_INT, "integer"),
        (T_BOOL, "boolean"),
    ] {
        if types & bit != 0 && !(bit == T_INT && types & T_NUM != 0) {
            names.push(name);
        }
    }
    match names.len() {
        0 => "null".into(),
        1 => names[0].into(),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {last}", names.join(", "))
        }
    }
}
