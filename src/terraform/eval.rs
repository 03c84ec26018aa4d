//! Evaluating Terraform expressions as far as they can be known: literals, `var.*`,
//! `local.*`, `count.index`, `each.key`/`each.value`, conditionals, templates, operators and
//! the common functions. References to resources, data sources and anything else are
//! unknown. Every known value keeps the places that produced it.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::parse::hcl_tree::{
    BinaryOperator, Body, Element, Expr, Expression, ObjectKey, TraversalOperator, UnaryOperator,
};

use super::value::{Loc, Tv, V, fmt_num};
use crate::source::Span;

/// A file of a module: its path, parsed body and text.
#[derive(Clone, Copy)]
pub struct FileRef<'a> {
    pub path: &'a Arc<str>,
    pub body: &'a Body,
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

/// Size units of one value node (list element, map entry, scalar): about its memory in bytes.
pub const NODE_UNITS: usize = 32;
/// Largest value one expression may produce, in size units ([`NODE_UNITS`] per node plus one
/// per byte of every string and key): 4 MiB of text, or about 130,000 list elements.
pub const MAX_VALUE_SIZE: usize = 4 << 20;
/// Total size units one stack (with all its module instances) may evaluate.
pub const MAX_STACK_WORK: u64 = 256 << 20;

/// The evaluation budget of one stack, shared by all its module instances. Past the budget
/// values become unknown and the places where that happened are recorded.
#[derive(Default)]
pub struct Budget {
    work: Cell<u64>,
    exhausted: Cell<bool>,
    /// Where a value was too large or the stack ran out of work, with what happened.
    pub hits: RefCell<Vec<(Loc, String)>>,
}

impl Budget {
    pub fn new() -> Rc<Budget> {
        Rc::new(Budget::default())
    }

    /// Is the stack's work budget used up?
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Charge `units` of work; false (and a hit at `at`) once the budget is used up.
    pub fn charge(&self, units: u64, at: Option<&Loc>) -> bool {
        if self.exhausted.get() {
            return false;
        }
        let w = self.work.get().saturating_add(units);
        self.work.set(w);
        if w > MAX_STACK_WORK {
            self.exhausted.set(true);
            if let Some(at) = at {
                self.hit(
                    at.clone(),
                    format!(
                        "evaluation stopped here: the stack exceeded octolint's evaluation budget of {MAX_STACK_WORK} units; later values are unknown"
                    ),
                );
            }
            return false;
        }
        true
    }

    pub fn hit(&self, at: Loc, message: String) {
        let mut h = self.hits.borrow_mut();
        if !h.iter().any(|(l, _)| *l == at) {
            h.push((at, message));
        }
    }
}

/// The size of a value in units (see [`MAX_VALUE_SIZE`]), counting no further than `cap + 1`.
pub fn size_capped(t: &Tv, cap: usize) -> usize {
    let mut total = 0usize;
    let mut stack: Vec<&Tv> = vec![t];
    while let Some(t) = stack.pop() {
        total += NODE_UNITS;
        match &t.v {
            V::Str(s) => total += s.len(),
            V::List(l) => stack.extend(l.iter()),
            V::Map(m) => {
                for (k, v) in m {
                    total += k.len();
                    stack.push(v);
                }
            }
            _ => {}
        }
        if total > cap {
            return cap + 1;
        }
    }
    total
}

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
    /// The evaluation budget of the stack this scope belongs to.
    pub budget: Rc<Budget>,
}

impl<'a> Scope<'a> {
    pub fn new(
        vars: HashMap<String, Tv>,
        locals: HashMap<String, (&'a Expression, FileRef<'a>)>,
    ) -> Self {
        Self::with_budget(vars, locals, Budget::new())
    }

    /// A scope that charges its work to `budget` (shared by a whole stack).
    pub fn with_budget(
        vars: HashMap<String, Tv>,
        locals: HashMap<String, (&'a Expression, FileRef<'a>)>,
        budget: Rc<Budget>,
    ) -> Self {
        Scope {
            budget,
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
    /// Iterators of the `dynamic` blocks being expanded, innermost last: (name, key, value).
    pub iterators: Vec<(String, Tv, Tv)>,
}

impl<'s, 'a> Eval<'s, 'a> {
    pub fn new(scope: &'s Scope<'a>, file: FileRef<'a>) -> Self {
        Eval {
            scope,
            file,
            count_index: None,
            each: None,
            iterators: Vec::new(),
        }
    }

    /// This evaluator with one more `dynamic` block iterator (`<name>.key`, `<name>.value`).
    pub fn with_iterator(&self, name: &str, key: Tv, value: Tv) -> Eval<'s, 'a> {
        let mut iterators = self.iterators.clone();
        iterators.push((name.to_string(), key, value));
        Eval {
            scope: self.scope,
            file: self.file,
            count_index: self.count_index.clone(),
            each: self.each.clone(),
            iterators,
        }
    }

    fn at(&self, e: &Expression) -> Option<Loc> {
        self.file.loc(e.span())
    }

    /// Evaluate, with failures as unknown.
    pub fn value(&self, e: &Expression) -> Tv {
        self.eval(e).unwrap_or_else(|_| Tv::unknown())
    }

    /// Evaluate `e`. A value larger than [`MAX_VALUE_SIZE`], or any value once the stack's
    /// work budget is used up, is unknown (and the place is recorded in the budget).
    pub fn eval(&self, e: &Expression) -> R {
        let budget = &self.scope.budget;
        if budget.exhausted() {
            return Ok(Tv::unknown());
        }
        let v = self.eval_inner(e)?;
        if !v.is_known() {
            return Ok(v);
        }
        // A reference returns (a part of) a value that was checked when it was made.
        let size = match (&e.kind, &v.v) {
            (Expr::Traversal(_) | Expr::Parenthesis(_), _) => NODE_UNITS,
            (_, V::List(_) | V::Map(_) | V::Str(_)) => size_capped(&v, MAX_VALUE_SIZE),
            _ => NODE_UNITS,
        };
        let here = self.at(e);
        if size > MAX_VALUE_SIZE {
            if let Some(at) = here {
                budget.hit(
                    at,
                    format!(
                        "this value is larger than octolint's evaluation limit ({MAX_VALUE_SIZE} units): it is treated as unknown"
                    ),
                );
            }
            return Ok(Tv::unknown());
        }
        if !budget.charge(size as u64, here.as_ref()) {
            return Ok(Tv::unknown());
        }
        Ok(v)
    }

    /// Would a value of `size` units be over the limit? Records the hit at `e`.
    pub fn over_limit(&self, size: usize, e: Option<&Loc>) -> bool {
        if size <= MAX_VALUE_SIZE {
            return false;
        }
        if let Some(at) = e {
            self.scope.budget.hit(
                at.clone(),
                format!(
                    "this value would be larger than octolint's evaluation limit ({MAX_VALUE_SIZE} units): it is treated as unknown"
                ),
            );
        }
        true
    }

    fn eval_inner(&self, e: &Expression) -> R {
        let here = self.at(e);
        Ok(match &e.kind {
            Expr::Null => Tv::new(V::Null, here),
            Expr::Bool(b) => Tv::new(V::Bool(*b), here),
            Expr::Int(n) => Tv::new(V::Num(*n as f64), here),
            Expr::Float(n) => Tv::new(V::Num(*n), here),
            Expr::String(s) => Tv::new(V::Str(s.to_string()), here),
            Expr::Array(a) => {
                let mut items: Vec<Tv> = Vec::new();
                let mut size = NODE_UNITS;
                for x in a.iter() {
                    let v = self.value(x);
                    size += size_capped(&v, MAX_VALUE_SIZE);
                    if self.over_limit(size, here.as_ref()) {
                        return Ok(Tv::unknown());
                    }
                    items.push(v);
                }
                Tv::new(V::List(items), here)
            }
            Expr::Object(o) => {
                let mut m = BTreeMap::new();
                let mut size = NODE_UNITS;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(x) => match self.value(x).to_str() {
                            Some(s) => s,
                            None => return Ok(Tv::new(V::Unknown, here)),
                        },
                    };
                    let v = self.value(v);
                    size += key.len() + size_capped(&v, MAX_VALUE_SIZE);
                    if self.over_limit(size, here.as_ref()) {
                        return Ok(Tv::unknown());
                    }
                    m.insert(key, v);
                }
                Tv::new(V::Map(m), here)
            }
            Expr::Template(t) => self.template(t, here),
            Expr::Parenthesis(p) => return self.eval(p),
            Expr::Variable(_) => Tv::new(V::Unknown, here),
            Expr::Traversal(t) => return self.traversal(&t.expr, &t.operators, here),
            Expr::FuncCall(f) => {
                let name = f.name.as_str();
                if f.namespaced {
                    return Ok(Tv::new(V::Unknown, here));
                }
                let args: Vec<&Expression> = f.args.iter().collect();
                return super::funcs::call(self, name, &args, here);
            }
            Expr::Conditional(c) => {
                let [cond, yes, no] = &**c;
                let cond = self.eval(cond)?;
                return match cond.as_bool() {
                    Some(true) => self.eval(yes),
                    Some(false) => self.eval(no),
                    None => Ok(Tv::new(V::Unknown, here)),
                };
            }
            Expr::Unary(op, x) => {
                let v = self.eval(x)?;
                let out = match (op, &v.v) {
                    (UnaryOperator::Not, V::Bool(b)) => V::Bool(!b),
                    (UnaryOperator::Neg, _) => v.as_num().map_or(V::Unknown, |n| V::Num(-n)),
                    _ => V::Unknown,
                };
                Tv::new(out, here)
            }
            Expr::Binary(op, b) => {
                let [lhs, rhs] = &**b;
                let l = self.eval(lhs)?;
                let r = self.eval(rhs)?;
                let mut out = Tv::new(binary(*op, &l, &r), here);
                // A computed value is still controlled by where its inputs were written.
                if let Some(first) = l.origin.first().or(r.origin.first())
                    && out.is_known()
                {
                    out.origin.insert(0, first.clone());
                }
                out
            }
            Expr::For(refs) => {
                // Not evaluated, but the locals it reads are (so a local that refers to
                // itself through a `for` expression is still found as a cycle).
                for name in refs.iter() {
                    self.scope.local(name);
                }
                Tv::new(V::Unknown, here)
            }
        })
    }

    fn template(&self, t: &[Element], here: Option<Loc>) -> Tv {
        let mut s = String::new();
        let mut origin: Option<Loc> = None;
        for e in t.iter() {
            match e {
                Element::Literal(l) => s.push_str(l),
                Element::Interpolation(i) => match self.value(i) {
                    v if v.to_str().is_some() => {
                        if origin.is_none() {
                            origin = v.origin.first().cloned();
                        }
                        let part = v.to_str().unwrap_or_default();
                        if self.over_limit(s.len() + part.len(), here.as_ref()) {
                            return Tv::unknown();
                        }
                        s.push_str(&part);
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

    fn traversal(&self, base: &Expression, ops: &[TraversalOperator], here: Option<Loc>) -> R {
        let attr = |i: usize| -> Option<&str> {
            match ops.get(i) {
                Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
                _ => None,
            }
        };
        let iterator = match (&base.kind, attr(0)) {
            (Expr::Variable(name), Some(a @ ("key" | "value"))) => self
                .iterators
                .iter()
                .rev()
                .find(|(n, _, _)| n == &**name)
                .map(|(_, k, v)| if a == "key" { k.clone() } else { v.clone() }),
            _ => None,
        };
        let (mut v, rest) = match &base.kind {
            _ if let Some(it) = iterator => (it, 1),
            Expr::Variable(name) => match (&**name, attr(0)) {
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
            _ => (self.eval(base)?, 0),
        };
        for op in &ops[rest..] {
            if !v.is_known() {
                return Ok(Tv::new(V::Unknown, here));
            }
            v = match op {
                TraversalOperator::GetAttr(a) => index(&v, &V::Str(a.as_str().to_string()))?,
                TraversalOperator::Index(e) => {
                    let k = self.eval(e)?;
                    if !k.is_known() {
                        return Ok(Tv::new(V::Unknown, here));
                    }
                    index(&v, &k.v)?
                }
                TraversalOperator::LegacyIndex(i) => index(&v, &V::Num(*i as f64))?,
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
