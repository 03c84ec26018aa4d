//! Go-like dynamic values for the template engine: `nil`, bool, int (Go `int`/`int64`),
//! float64, string, slices, maps with reference semantics (sorted keys, as Go's template
//! package iterates them) and the few Helm objects that have methods (`.Files`,
//! `.Capabilities.APIVersions`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A map entry: the value and the origin index of the values node it came from (0: none).
#[derive(Clone, Debug)]
pub struct Slot {
    pub v: Value,
    pub o: u32,
}

pub type Map = BTreeMap<String, Slot>;

/// Objects with methods.
#[derive(Debug)]
pub enum Obj {
    /// `.Files` or a `.Files.Glob` result: chart-relative path to content.
    Files(BTreeMap<String, Rc<[u8]>>),
    /// `.Capabilities.APIVersions`: `group/version` and `group/version/Kind` entries.
    ApiVersions(Vec<String>),
    /// `.Capabilities.KubeVersion`: prints as its `Version`.
    KubeVersion(Rc<RefCell<Map>>),
}

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// `[]byte` (from `.Files.GetBytes`, `b64dec` is a string in Sprig).
    Bytes(Rc<[u8]>),
    List(Rc<Vec<Value>>),
    Map(Rc<RefCell<Map>>),
    Obj(Rc<Obj>),
}

impl Value {
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Str(Rc::from(s.as_ref()))
    }

    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }

    pub fn map(m: Map) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }

    pub fn new_map() -> Value {
        Value::map(Map::new())
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Go's `text/template` truth: zero values and empty collections are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Obj(o) => match &**o {
                Obj::Files(f) => !f.is_empty(),
                Obj::ApiVersions(v) => !v.is_empty(),
                Obj::KubeVersion(_) => true,
            },
        }
    }

    /// Sprig's `empty`.
    pub fn is_empty(&self) -> bool {
        !self.truthy()
    }

    /// Go's type name (`typeOf`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) => "[]uint8",
            Value::List(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
            Value::Obj(o) => match &**o {
                Obj::Files(_) => "common.Files",
                Obj::ApiVersions(_) => "common.VersionSet",
                Obj::KubeVersion(_) => "*common.KubeVersion",
            },
        }
    }

    /// Go's reflect kind name (`kindOf`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Obj(o) => match &**o {
                Obj::Files(_) => "map",
                Obj::ApiVersions(_) => "slice",
                Obj::KubeVersion(_) => "ptr",
            },
        }
    }

    /// Deep copy (maps get new identities).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::list(l.iter().map(Value::deep_copy).collect()),
            Value::Map(m) => Value::map(
                m.borrow()
                    .iter()
                    .map(|(k, s)| {
                        (
                            k.clone(),
                            Slot {
                                v: s.v.deep_copy(),
                                o: s.o,
                            },
                        )
                    })
                    .collect(),
            ),
            v => v.clone(),
        }
    }

    /// Number of elements (`len`), `None` when the value has no length.
    pub fn len(&self) -> Option<usize> {
        match self {
            Value::Str(s) => Some(s.len()),
            Value::Bytes(b) => Some(b.len()),
            Value::List(l) => Some(l.len()),
            Value::Map(m) => Some(m.borrow().len()),
            Value::Obj(o) => match &**o {
                Obj::Files(f) => Some(f.len()),
                Obj::ApiVersions(v) => Some(v.len()),
                Obj::KubeVersion(_) => None,
            },
            _ => None,
        }
    }

    /// The elements when the value is a list (`[]interface{}` or `[]string`).
    pub fn as_list(&self) -> Option<Rc<Vec<Value>>> {
        match self {
            Value::List(l) => Some(l.clone()),
            Value::Obj(o) => match &**o {
                Obj::ApiVersions(v) => Some(Rc::new(v.iter().map(Value::str).collect())),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Build a map value from `(key, value)` pairs without origins.
pub fn map_of(pairs: Vec<(&str, Value)>) -> Value {
    Value::map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), Slot { v, o: 0 }))
            .collect(),
    )
}

/// Go's `==` on two basic values as text/template's `eq` does it; `Err` on incomparable
/// kinds.
pub fn go_eq(a: &Value, b: &Value) -> Result<bool, String> {
    Ok(match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Nil, _) | (_, Value::Nil) => false,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Map(_), _) | (Value::List(_), _) | (Value::Bytes(_), _) => {
            return Err("non-comparable type".into());
        }
        (_, Value::Map(_)) | (_, Value::List(_)) | (_, Value::Bytes(_)) => {
            return Err("non-comparable types".into());
        }
        _ => return Err("incompatible types for comparison".into()),
    })
}

/// Go's `<` for `lt`/`le`/`gt`/`ge`.
pub fn go_less(a: &Value, b: &Value) -> Result<bool, String> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Str(x), Value::Str(y)) => x < y,
        (Value::Nil, _)
        | (_, Value::Nil)
        | (Value::Bool(_), _)
        | (Value::Map(_), _)
        | (Value::List(_), _) => return Err("invalid type for comparison".into()),
        _ => return Err("incompatible types for comparison".into()),
    })
}
