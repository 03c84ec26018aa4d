//! Terraform values as octolint knows them: known values with the chain of places that
//! produced them, or unknown. Unknown values are never guessed and never reported.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::source::Span;

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub path: Arc<str>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Tv>),
    Map(BTreeMap<String, Tv>),
    Unknown,
}

/// The unknown value, for references into unknown values.
static UNKNOWN: Tv = Tv {
    v: V::Unknown,
    origin: Origin::new_const(),
};

/// The places a value came from: most values have one, which is kept inline (a value is
/// made for every expression evaluated; a heap allocation each was a tenth of the model's
/// work).
pub type Origin = smallvec::SmallVec<[Loc; 1]>;

/// A value and where it came from: `origin[0]` is where it was written (a tfvars line, a
/// module argument, a default), followed by the places it passed through on the way to
/// where it is used (module call arguments).
#[derive(Clone, Debug, PartialEq)]
pub struct Tv {
    pub v: V,
    pub origin: Origin,
}

impl Tv {
    pub fn new(v: V, at: Option<Loc>) -> Tv {
        Tv {
            v,
            origin: at.into_iter().collect(),
        }
    }

    pub fn unknown() -> Tv {
        Tv::new(V::Unknown, None)
    }

    pub fn is_known(&self) -> bool {
        !matches!(self.v, V::Unknown)
    }

    /// Known all the way down (no unknown element).
    pub fn is_wholly_known(&self) -> bool {
        match &self.v {
            V::Unknown => false,
            V::List(l) => l.iter().all(Tv::is_wholly_known),
            V::Map(m) => m.values().all(Tv::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.v {
            V::Bool(b) => Some(*b),
            V::Str(s) if s == "true" => Some(true),
            V::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_num(&self) -> Option<f64> {
        match &self.v {
            V::Num(n) => Some(*n),
            V::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Tv]> {
        match &self.v {
            V::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Tv>> {
        match &self.v {
            V::Map(m) => Some(m),
            _ => None,
        }
    }

    /// `self[key]` for maps (nested blocks are lists of maps: the first is used). Any part of
    /// an unknown value is unknown (a `dynamic` block over an unknown collection): present,
    /// never missing.
    pub fn get(&self, key: &str) -> Option<&Tv> {
        match &self.v {
            V::Map(m) => m.get(key),
            V::List(l) if l.len() == 1 => l[0].get(key),
            V::Unknown => Some(&UNKNOWN),
            _ => None,
        }
    }

    /// Follow `keys` through maps and single-block lists.
    pub fn path(&self, keys: &[&str]) -> Option<&Tv> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The value as a string, as Terraform converts primitives.
    pub fn to_str(&self) -> Option<String> {
        match &self.v {
            V::Str(s) => Some(s.clone()),
            V::Num(n) => Some(fmt_num(*n)),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Strings of a list (or a single string).
    pub fn strings(&self) -> Vec<String> {
        match &self.v {
            V::List(l) => l.iter().filter_map(Tv::to_str).collect(),
            _ => self.to_str().into_iter().collect(),
        }
    }

    /// Append a place the value passed through.
    pub fn via(mut self, loc: Loc) -> Tv {
        if self.origin.last() != Some(&loc) {
            self.origin.push(loc);
        }
        self
    }
}

pub fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
