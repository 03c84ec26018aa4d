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
    /// `.Capabilities.KubeVersion` (a struct of strings; an action prints its `Version`).
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
                Obj::Files(_) => "engine.files",
                Obj::ApiVersions(_) => "common.VersionSet",
                Obj::KubeVersion(_) => "common.KubeVersion",
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
                Obj::KubeVersion(_) => "struct",
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

/// The comparison class of text/template's `basicKind`: `None` for the kinds it cannot
/// order or compare as basic values (nil, slices, maps, objects).
fn basic_kind(v: &Value) -> Option<u8> {
    match v {
        Value::Bool(_) => Some(0),
        Value::Int(_) => Some(1),
        Value::Float(_) => Some(2),
        Value::Str(_) => Some(3),
        _ => None,
    }
}

fn incompatible(a: &Value, b: &Value) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// Go's `==` as text/template's `eq` does it: nil equals only nil, basic values of one kind
/// compare, and the errors are Go's (values printed as `%s` prints them).
pub fn go_eq(a: &Value, b: &Value) -> Result<bool, String> {
    use super::gofmt::{sprint, sprintf};
    match (a, b) {
        (Value::Nil, Value::Nil) => return Ok(true),
        (Value::Nil, _) | (_, Value::Nil) => return Ok(false),
        _ => {}
    }
    if basic_kind(a) != basic_kind(b) {
        return Err(incompatible(a, b));
    }
    Ok(match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Obj(x), Value::Obj(y))
            if matches!((&**x, &**y), (Obj::KubeVersion(_), Obj::KubeVersion(_))) =>
        {
            // a struct of strings: equal when every field is
            sprint(a) == sprint(b)
        }
        _ if a.type_name() != b.type_name() => {
            return Err(format!(
                "non-comparable types {}: {}, {}: {}",
                sprintf("%s", std::slice::from_ref(a)),
                a.type_name(),
                b.type_name(),
                sprint(b)
            ));
        }
        _ => {
            return Err(format!(
                "non-comparable type {}: {}",
                sprintf("%s", std::slice::from_ref(b)),
                b.type_name()
            ));
        }
    })
}

/// Go's `<` for `lt`/`le`/`gt`/`ge`, with text/template's errors.
pub fn go_less(a: &Value, b: &Value) -> Result<bool, String> {
    const INVALID: &str = "invalid type for comparison";
    let ka = basic_kind(a).ok_or(INVALID)?;
    let kb = basic_kind(b).ok_or(INVALID)?;
    if ka != kb {
        return Err(incompatible(a, b));
    }
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Str(x), Value::Str(y)) => x < y,
        _ => return Err(INVALID.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: Vec<Value>) -> Value {
        Value::list(v)
    }

    /// Results and messages of `eq` and `lt` as Helm's Go library gives them (each taken
    /// from the oracle: `error calling eq: <message>`).
    #[test]
    fn comparisons_and_their_errors_are_gos() {
        let one = Value::Int(1);
        let l1 = list(vec![Value::Int(1)]);
        let la = list(vec![Value::str("a")]);
        let bytes = Value::Bytes(Rc::from(&b""[..]));
        let dict = map_of(vec![("a", Value::Int(1))]);
        let a = Value::str("a");
        assert_eq!(go_eq(&Value::Nil, &Value::Nil), Ok(true));
        assert_eq!(go_eq(&Value::Nil, &one), Ok(false));
        assert_eq!(go_eq(&one, &Value::Nil), Ok(false));
        assert_eq!(go_eq(&l1, &Value::Nil), Ok(false));
        assert_eq!(go_eq(&Value::Bool(true), &Value::Bool(true)), Ok(true));
        assert_eq!(go_eq(&Value::Float(1.5), &Value::Float(1.5)), Ok(true));
        assert_eq!(go_eq(&Value::str("a"), &Value::str("b")), Ok(false));
        let cases: Vec<(&Value, &Value, &str)> = vec![
            (&l1, &l1, "non-comparable type [%!s(int=1)]: []interface {}"),
            (&la, &la, "non-comparable type [a]: []interface {}"),
            (
                &one,
                &l1,
                "incompatible types for comparison: int and []interface {}",
            ),
            (
                &l1,
                &one,
                "incompatible types for comparison: []interface {} and int",
            ),
            (
                &Value::Bool(true),
                &one,
                "incompatible types for comparison: bool and int",
            ),
            (
                &one,
                &Value::Float(1.0),
                "incompatible types for comparison: int and float64",
            ),
            (
                &l1,
                &dict,
                "non-comparable types [%!s(int=1)]: []interface {}, map[string]interface {}: map[a:1]",
            ),
            (&bytes, &bytes, "non-comparable type : []uint8"),
            (
                &a,
                &bytes,
                "incompatible types for comparison: string and []uint8",
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(go_eq(a, b), Err(want.to_string()), "eq {a:?} {b:?}");
        }
        // `KubeVersion` is a struct of strings: equal field by field
        let kube = |v: &str| {
            let m = map_of(vec![("Version", Value::str(v)), ("Major", Value::str("1"))]);
            let Value::Map(m) = m else { unreachable!() };
            Value::Obj(Rc::new(Obj::KubeVersion(m)))
        };
        assert_eq!(go_eq(&kube("v1.31.0"), &kube("v1.31.0")), Ok(true));
        assert_eq!(go_eq(&kube("v1.31.0"), &kube("v1.30.0")), Ok(false));
        assert_eq!(
            go_eq(&kube("v1.31.0"), &one),
            Err("incompatible types for comparison: common.KubeVersion and int".into())
        );
        // other objects are maps and slices: never comparable
        let files = Value::Obj(Rc::new(Obj::Files(Default::default())));
        assert_eq!(
            go_eq(&files, &files),
            Err("non-comparable type map[]: engine.files".into())
        );
        assert_eq!(go_less(&one, &Value::Int(2)), Ok(true));
        assert_eq!(go_less(&Value::Float(2.0), &Value::Float(1.5)), Ok(false));
        assert_eq!(go_less(&Value::str("a"), &Value::str("b")), Ok(true));
        assert_eq!(go_less(&Value::str("a"), &Value::str("a")), Ok(false));
        assert_eq!(go_less(&Value::Int(2), &Value::Int(2)), Ok(false));
        assert_eq!(go_less(&Value::Float(1.5), &Value::Float(1.5)), Ok(false));
        let invalid = "invalid type for comparison";
        for (a, b) in [
            (&Value::Nil, &one),
            (&one, &Value::Nil),
            (&Value::Bool(true), &Value::Bool(false)),
            (&l1, &l1),
            (&one, &l1),
            (&dict, &one),
        ] {
            assert_eq!(go_less(a, b), Err(invalid.to_string()), "lt {a:?} {b:?}");
        }
        assert_eq!(
            go_less(&Value::Bool(true), &one),
            Err("incompatible types for comparison: bool and int".into())
        );
        assert_eq!(
            go_less(&Value::Float(1.5), &Value::Int(2)),
            Err("incompatible types for comparison: float64 and int".into())
        );
    }
}
