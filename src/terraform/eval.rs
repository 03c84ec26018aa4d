//! Evaluating Terraform expressions as far as they can be known: literals, `var.*`,
//! `local.*`, `count.index`, `each.key`/`each.value`, conditionals, templates, operators and
//! the common functions. References to resources, data sources and anything else are
//! unknown. Every known value keeps the places that produced it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};

use super::value::{Loc, Tv, V, fmt_num};
use crate::source::Span;

/// A file of a module: its path, parsed body and text.
#[derive(Clone, Copy)]
pub struct FileRef<'a> {
    pub path: &'a Arc<str>,
    pub body: &'a hcl_edit::structure::Body,
    pub text: &'a str,
}

impl FileRef<'_> {
    pub fn loc(&self, r: Option<std::ops::Range<usize>>) -> Option<Loc> {
        r.map(|r| Loc {
            path: self.path.clone(),
            span: Span::new(r.start, r.end),
        })
    }
}

/// Evaluation failed the way Terraform would (a missing key of a known map, a bad
/// argument); `try()` catches it, everything else treats it as unknown.
#[derive(Debug)]
pub struct Failed;

type R = Result<Tv, Failed>;

/// The values a module instance sees: its variables and locals.
pub struct Scope<'a> {
    pub vars: HashMap<String, Tv>,
    pub locals: HashMap<String, (&'a Expression, FileRef<'a>)>,
    cache: RefCell<HashMap<String, Tv>>,
    active: RefCell<HashSet<String>>,
    /// Locals that refer to themselves (reported by the caller).
    pub cycles: RefCell<Vec<String>>,
    /// Outputs of the module calls instantiated so far (`module.<name>` → map of outputs).
    pub modules: RefCell<HashMap<String, Tv>>,
}

impl<'a> Scope<'a> {
    pub fn new(
        vars: HashMap<String, Tv>,
        locals: HashMap<String, (&'a Expression, FileRef<'a>)>,
    ) -> Self {
        Scope {
            vars,
            locals,
            cache: RefCell::new(HashMap::new()),
            active: RefCell::new(HashSet::new()),
            cycles: RefCell::new(Vec::new()),
            modules: RefCell::new(HashMap::new()),
        }
    }

    /// Evaluate every local (finds cycles even in unused locals).
    pub fn evaluate_locals(&self) {
        let mut names: Vec<&String> = self.locals.keys().collect();
        names.sort();
        for n in names {
            self.local(n);
        }
    }

    fn local(&self, name: &str) -> Tv {
        if let Some(v) = self.cache.borrow().get(name) {
            return v.clone();
        }
        let Some((expr, file)) = self.locals.get(name).copied() else {
            return Tv::unknown();
        };
        if !self.active.borrow_mut().insert(name.to_string()) {
            let mut c = self.cycles.borrow_mut();
            if !c.iter().any(|x| x == name) {
                c.push(name.to_string());
            }
            return Tv::unknown();
        }
        let v = Eval::new(self, file)
            .eval(expr)
            .unwrap_or_else(|_| Tv::unknown());
        self.active.borrow_mut().remove(name);
        self.cache.borrow_mut().insert(name.to_string(), v.clone());
        v
    }
}

/// An evaluator for one file of a module instance (with `count.index` / `each` when the
/// block has them).
pub struct Eval<'s, 'a> {
    pub scope: &'s Scope<'a>,
    pub file: FileRef<'a>,
    pub count_index: Option<Tv>,
    pub each: Option<(Tv, Tv)>,
}

impl<'s, 'a> Eval<'s, 'a> {
    pub fn new(scope: &'s Scope<'a>, file: FileRef<'a>) -> Self {
        Eval {
            scope,
            file,
            count_index: None,
            each: None,
        }
    }

    fn at(&self, e: &Expression) -> Option<Loc> {
        self.file.loc(e.span())
    }

    /// Evaluate, with failures as unknown.
    pub fn value(&self, e: &Expression) -> Tv {
        self.eval(e).unwrap_or_else(|_| Tv::unknown())
    }

    pub fn eval(&self, e: &Expression) -> R {
        let here = self.at(e);
        Ok(match e {
            Expression::Null(_) => Tv::new(V::Null, here),
            Expression::Bool(b) => Tv::new(V::Bool(*b.value()), here),
            Expression::Number(n) => Tv::new(n.value().as_f64().map_or(V::Unknown, V::Num), here),
            Expression::String(s) => Tv::new(V::Str(s.as_str().to_string()), here),
            Expression::Array(a) => {
                let items: Vec<Tv> = a.iter().map(|x| self.value(x)).collect();
                Tv::new(V::List(items), here)
            }
            Expression::Object(o) => {
                let mut m = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(x) => match self.value(x).to_str() {
                            Some(s) => s,
                            None => return Ok(Tv::new(V::Unknown, here)),
                        },
                    };
                    m.insert(key, self.value(v.expr()));
                }
                Tv::new(V::Map(m), here)
            }
            Expression::StringTemplate(t) => self.template(t, here),
            Expression::HeredocTemplate(h) => self.template(&h.template, here),
            Expression::Parenthesis(p) => return self.eval(p.inner()),
            Expression::Variable(_) => Tv::new(V::Unknown, here),
            Expression::Traversal(t) => return self.traversal(&t.expr, &t.operators, here),
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                if !f.name.namespace.is_empty() {
                    return Ok(Tv::new(V::Unknown, here));
                }
                let args: Vec<&Expression> = f.args.iter().collect();
                return super::funcs::call(self, name, &args, here);
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                return match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr),
                    Some(false) => self.eval(&c.false_expr),
                    None => Ok(Tv::new(V::Unknown, here)),
                };
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr)?;
                let out = match (u.operator.value(), &v.v) {
                    (UnaryOperator::Not, V::Bool(b)) => V::Bool(!b),
                    (UnaryOperator::Neg, _) => v.as_num().map_or(V::Unknown, |n| V::Num(-n)),
                    _ => V::Unknown,
                };
                Tv::new(out, here)
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(&b.lhs_expr)?;
                let r = self.eval(&b.rhs_expr)?;
                let mut out = Tv::new(binary(*b.operator.value(), &l, &r), here);
                // A computed value is still controlled by where its inputs were written.
                if let Some(first) = l.origin.first().or(r.origin.first())
                    && out.is_known()
                {
                    out.origin.insert(0, first.clone());
                }
                out
            }
            Expression::ForExpr(_) => Tv::new(V::Unknown, here),
        })
    }

    fn template(&self, t: &Template, here: Option<Loc>) -> Tv {
        let mut s = String::new();
        let mut origin: Option<Loc> = None;
        for e in t.iter() {
            match e {
                Element::Literal(l) => s.push_str(l.as_str()),
                Element::Interpolation(i) => match self.value(&i.expr) {
                    v if v.to_str().is_some() => {
                        if origin.is_none() {
                            origin = v.origin.first().cloned();
                        }
                        s.push_str(&v.to_str().unwrap_or_default());
                    }
                    _ => return Tv::new(V::Unknown, here),
                },
                Element::Directive(_) => return Tv::new(V::Unknown, here),
            }
        }
        let mut out = Tv::new(V::Str(s), here);
        if let Some(o) = origin {
            out.origin.insert(0, o);
        }
        out
    }

    fn traversal(
        &self,
        base: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        here: Option<Loc>,
    ) -> R {
        let attr = |i: usize| -> Option<&str> {
            match ops.get(i).map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
                _ => None,
            }
        };
        let (mut v, rest) = match base {
            Expression::Variable(name) => match (name.as_str(), attr(0)) {
                ("var", Some(n)) => match self.scope.vars.get(n) {
                    Some(v) => (v.clone(), 1),
                    None => return Ok(Tv::new(V::Unknown, here)),
                },
                ("local", Some(n)) => (self.scope.local(n), 1),
                ("module", Some(n)) => match self.scope.modules.borrow().get(n) {
                    Some(v) => (v.clone(), 1),
                    None => return Ok(Tv::new(V::Unknown, here)),
                },
                ("count", Some("index")) => match &self.count_index {
                    Some(i) => (i.clone(), 1),
                    None => return Ok(Tv::new(V::Unknown, here)),
                },
                ("each", Some("key")) => match &self.each {
                    Some((k, _)) => (k.clone(), 1),
                    None => return Ok(Tv::new(V::Unknown, here)),
                },
                ("each", Some("value")) => match &self.each {
                    Some((_, v)) => (v.clone(), 1),
                    None => return Ok(Tv::new(V::Unknown, here)),
                },
                _ => return Ok(Tv::new(V::Unknown, here)),
            },
            other => (self.eval(other)?, 0),
        };
        for op in &ops[rest..] {
            if !v.is_known() {
                return Ok(Tv::new(V::Unknown, here));
            }
            v = match op.value() {
                TraversalOperator::GetAttr(a) => index(&v, &V::Str(a.as_str().to_string()))?,
                TraversalOperator::Index(e) => {
                    let k = self.eval(e)?;
                    if !k.is_known() {
                        return Ok(Tv::new(V::Unknown, here));
                    }
                    index(&v, &k.v)?
                }
                TraversalOperator::LegacyIndex(i) => index(&v, &V::Num(*i.value() as f64))?,
                _ => return Ok(Tv::new(V::Unknown, here)),
            };
        }
        Ok(v)
    }
}

/// `v[key]` of a known value: a missing key or index fails like Terraform.
fn index(v: &Tv, key: &V) -> R {
    match (&v.v, key) {
        (V::Map(m), k) => {
            let key = match k {
                V::Str(s) => s.clone(),
                V::Num(n) => fmt_num(*n),
                _ => return Err(Failed),
            };
            m.get(&key).cloned().ok_or(Failed)
        }
        (V::List(l), k) => {
            let i = match k {
                V::Num(n) => *n,
                V::Str(s) => s.parse().map_err(|_| Failed)?,
                _ => return Err(Failed),
            };
            if i < 0.0 || i.fract() != 0.0 {
                return Err(Failed);
            }
            l.get(i as usize).cloned().ok_or(Failed)
        }
        (V::Null, _) => Err(Failed),
        _ => Ok(Tv::unknown()),
    }
}

fn binary(op: BinaryOperator, l: &Tv, r: &Tv) -> V {
    use BinaryOperator as B;
    if !l.is_known() || !r.is_known() {
        return V::Unknown;
    }
    match op {
        B::Eq => V::Bool(equal(l, r)),
        B::NotEq => V::Bool(!equal(l, r)),
        B::And | B::Or => match (l.as_bool(), r.as_bool()) {
            (Some(a), Some(b)) => V::Bool(if op == B::And { a && b } else { a || b }),
            _ => V::Unknown,
        },
        _ => {
            let (Some(a), Some(b)) = (l.as_num(), r.as_num()) else {
                return V::Unknown;
            };
            match op {
                B::Plus => V::Num(a + b),
                B::Minus => V::Num(a - b),
                B::Mul => V::Num(a * b),
                B::Div if b != 0.0 => V::Num(a / b),
                B::Mod if b != 0.0 => V::Num(a % b),
                B::Less => V::Bool(a < b),
                B::LessEq => V::Bool(a <= b),
                B::Greater => V::Bool(a > b),
                B::GreaterEq => V::Bool(a >= b),
                _ => V::Unknown,
            }
        }
    }
}

fn equal(l: &Tv, r: &Tv) -> bool {
    match (&l.v, &r.v) {
        (V::Num(a), V::Num(b)) => a == b,
        (V::List(a), V::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y)),
        (V::Map(a), V::Map(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        (a, b) => a == b,
    }
}
