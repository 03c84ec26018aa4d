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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse::hcl_tree::{Attribute, Body, Structure};

    /// A value as text, for the tables of this module and of `funcs`.
    pub(crate) fn show(v: &V) -> String {
        match v {
            V::Null => "null".into(),
            V::Bool(b) => b.to_string(),
            V::Num(n) => fmt_num(*n),
            V::Str(s) => format!("{s:?}"),
            V::List(l) => format!(
                "[{}]",
                l.iter().map(|t| show(&t.v)).collect::<Vec<_>>().join(", ")
            ),
            V::Map(m) => format!(
                "{{{}}}",
                m.iter()
                    .map(|(k, t)| format!("{k} = {}", show(&t.v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            V::Unknown => "?".into(),
        }
    }

    /// The top-level attributes of `body`, in order.
    fn attributes(body: &Body) -> Vec<&Attribute> {
        body.iter()
            .filter_map(|s| match s {
                Structure::Attribute(a) => Some(a),
                Structure::Block(_) => None,
            })
            .collect()
    }

    /// Evaluates the last attribute of `text`; the others are locals. `var.n` is 2,
    /// `var.m` is `{a = "x", b = [1, 2]}`, `var.u` unknown. Returns the value as text
    /// (`?` unknown, `error` a failure) and the byte ranges of its origin.
    fn run(text: &str, setup: impl Fn(&mut Eval)) -> (String, Vec<(usize, usize)>) {
        let body = crate::parse::hcl::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .body;
        let path: Arc<str> = Arc::from("main.tf");
        let file = FileRef {
            path: &path,
            body: &body,
            text,
        };
        let attrs = attributes(&body);
        let (last, locals) = attrs.split_last().expect("an attribute");
        let locals = locals
            .iter()
            .map(|a| (a.key.as_str().to_string(), (&a.value, file)))
            .collect();
        let m = BTreeMap::from([
            ("a".to_string(), Tv::new(V::Str("x".into()), None)),
            (
                "b".to_string(),
                Tv::new(
                    V::List(vec![Tv::new(V::Num(1.0), None), Tv::new(V::Num(2.0), None)]),
                    None,
                ),
            ),
        ]);
        let var_at = Loc {
            path: path.clone(),
            span: Span::new(1000, 1001),
        };
        let vars = HashMap::from([
            ("n".to_string(), Tv::new(V::Num(2.0), Some(var_at))),
            ("m".to_string(), Tv::new(V::Map(m), None)),
            ("u".to_string(), Tv::unknown()),
        ]);
        let scope = Scope::new(vars, locals);
        let mut ev = Eval::new(&scope, file);
        setup(&mut ev);
        match ev.eval(&last.value) {
            Ok(t) => (
                show(&t.v),
                t.origin
                    .iter()
                    .map(|l| (l.span.start(), l.span.end()))
                    .collect(),
            ),
            Err(Failed) => ("error".into(), Vec::new()),
        }
    }

    fn ev(expr: &str) -> String {
        run(&format!("x = {expr}\n"), |_| {}).0
    }

    #[test]
    fn expressions_by_table() {
        for (expr, want) in [
            ("null", "null"),
            ("true", "true"),
            ("3", "3"),
            ("1.5", "1.5"),
            ("\"a\"", "\"a\""),
            ("[1, \"a\", var.u]", "[1, \"a\", ?]"),
            ("{a = 1, \"b\" = 2, (var.m.a) = 3}", "{a = 1, b = 2, x = 3}"),
            ("{(var.u) = 1}", "?"),
            ("\"a${var.n}b${var.m.a}\"", "\"a2bx\""),
            ("\"a${var.u}\"", "?"),
            ("\"a${var.m}\"", "?"),
            ("\"%{if true}a%{endif}\"", "?"),
            ("(var.n)", "2"),
            ("provider::x::f(1)", "?"),
            // Conditionals.
            ("true ? 1 : 2", "1"),
            ("false ? 1 : 2", "2"),
            ("var.u ? 1 : 2", "?"),
            ("1 ? 1 : 2", "?"),
            // Operators.
            ("!true", "false"),
            ("!false", "true"),
            ("!1", "?"),
            ("-var.n", "-2"),
            ("-\"a\"", "?"),
            ("1 + 2", "3"),
            ("5 - 2", "3"),
            ("2 * 3", "6"),
            ("7 / 2", "3.5"),
            ("7 / 0", "?"),
            ("7 % 4", "3"),
            ("7 % 0", "?"),
            ("1 < 2", "true"),
            ("2 < 2", "false"),
            ("2 <= 2", "true"),
            ("3 <= 2", "false"),
            ("2 > 1", "true"),
            ("2 > 2", "false"),
            ("2 >= 2", "true"),
            ("1 >= 2", "false"),
            ("\"a\" + 1", "?"),
            ("var.u + 1", "?"),
            ("1 + var.u", "?"),
            // An unknown operand on either side leaves any comparison unknown.
            ("var.u == 1", "?"),
            ("1 != var.u", "?"),
            ("var.u || true", "?"),
            ("true && false", "false"),
            ("true && true", "true"),
            ("true || false", "true"),
            ("false || false", "false"),
            ("1 && true", "?"),
            // Equality, deep.
            ("1 == 1", "true"),
            ("1 == 2", "false"),
            ("1 != 2", "true"),
            ("1 != 1", "false"),
            ("\"1\" == 1", "false"),
            ("[1, 2] == [1, 2]", "true"),
            ("[1, 2] == [1, 3]", "false"),
            ("[1, 2] == [1]", "false"),
            ("{a = 1} == {a = 1}", "true"),
            ("{a = 1} == {a = 2}", "false"),
            ("{a = 1} == {b = 1}", "false"),
            ("{a = 1} == {a = 1, b = 2}", "false"),
            ("var.m == var.m", "true"),
            // References.
            ("var.n", "2"),
            ("var.nope", "?"),
            ("var.m.a", "\"x\""),
            ("var.m[\"a\"]", "\"x\""),
            ("var.m.b[1]", "2"),
            ("var.m.b.1", "2"),
            ("var.m.b[\"1\"]", "2"),
            ("var.m.b[2]", "error"),
            ("var.m.b[-1]", "error"),
            ("var.m.b[0.5]", "error"),
            ("var.m.b[\"x\"]", "error"),
            ("var.m.b[true]", "error"),
            ("var.m.nope", "error"),
            ("var.m[true]", "error"),
            ("{\"1\" = \"one\"}[1]", "\"one\""),
            ("var.m[var.u]", "?"),
            ("var.u.a.b", "?"),
            ("var.n.a", "?"),
            ("var.m.b[*]", "?"),
            ("null.a", "error"),
            ("[1, 2][0]", "1"),
            ("local.nope", "?"),
            ("module.nope.x", "?"),
            ("count.index", "?"),
            ("each.key", "?"),
            ("each.value", "?"),
            ("path.module", "?"),
            ("it.key", "?"),
            ("[for x in [1] : x]", "?"),
        ] {
            assert_eq!(ev(expr), want, "{expr}");
        }
    }

    #[test]
    fn locals_iterators_count_and_each() {
        let (v, _) = run("a = 1\nb = local.a + 1\nx = local.b * 10\n", |_| {});
        assert_eq!(v, "20");
        // A local that refers to itself is unknown, and a cycle.
        let text = "a = local.b\nb = local.a\nx = [local.a, 1]\n";
        assert_eq!(run(text, |_| {}).0, "[?, 1]");
        let set = |ev: &mut Eval| {
            ev.count_index = Some(Tv::new(V::Num(3.0), None));
            ev.each = Some((
                Tv::new(V::Str("k".into()), None),
                Tv::new(V::Str("v".into()), None),
            ));
            ev.scope
                .modules
                .borrow_mut()
                .insert("m".into(), Tv::new(V::Map(BTreeMap::new()), None));
        };
        for (expr, want) in [
            ("count.index", "3"),
            ("each.key", "\"k\""),
            ("each.value", "\"v\""),
            ("module.m", "{}"),
            ("module.m.x", "error"),
        ] {
            assert_eq!(run(&format!("x = {expr}\n"), set).0, want, "{expr}");
        }
        // `dynamic` iterators, innermost first; other names are not iterators.
        let inner = |ev: &mut Eval| {
            let it = ev
                .with_iterator(
                    "it",
                    Tv::new(V::Num(0.0), None),
                    Tv::new(V::Str("a".into()), None),
                )
                .with_iterator(
                    "it",
                    Tv::new(V::Num(1.0), None),
                    Tv::new(V::Str("b".into()), None),
                )
                .with_iterator(
                    "o",
                    Tv::new(V::Num(2.0), None),
                    Tv::new(V::Str("c".into()), None),
                );
            ev.iterators = it.iterators;
        };
        for (expr, want) in [
            ("it.key", "1"),
            ("it.value", "\"b\""),
            ("o.value", "\"c\""),
            ("it.other", "?"),
            ("var.n", "2"),
        ] {
            assert_eq!(run(&format!("x = {expr}\n"), inner).0, want, "{expr}");
        }
    }

    #[test]
    fn computed_values_keep_the_origin_of_their_inputs() {
        let text = "x = var.n + 1\n";
        assert_eq!(run(text, |_| {}), ("3".into(), vec![(1000, 1001), (4, 13)]));
        let text = "x = 1 + var.n\n";
        assert_eq!(run(text, |_| {}), ("3".into(), vec![(4, 5), (4, 13)]));
        let text = "x = \"a${var.n}\"\n";
        assert_eq!(
            run(text, |_| {}),
            ("\"a2\"".into(), vec![(1000, 1001), (4, 15)])
        );
        let text = "x = \"a\"\n";
        assert_eq!(run(text, |_| {}), ("\"a\"".into(), vec![(4, 7)]));
        // An unknown result has only its own place.
        assert_eq!(run("x = var.u + 1\n", |_| {}), ("?".into(), vec![(4, 13)]));
    }

    #[test]
    fn sizes_and_limits() {
        let s = |n: usize| Tv::new(V::Str("a".repeat(n)), None);
        assert_eq!(size_capped(&s(10), 1000), NODE_UNITS + 10);
        assert_eq!(size_capped(&s(10), NODE_UNITS + 10), NODE_UNITS + 10);
        assert_eq!(size_capped(&s(10), NODE_UNITS + 9), NODE_UNITS + 10);
        let l = Tv::new(V::List(vec![s(1), s(2)]), None);
        assert_eq!(size_capped(&l, 1000), 3 * NODE_UNITS + 3);
        let m = Tv::new(V::Map(BTreeMap::from([("ab".to_string(), s(1))])), None);
        assert_eq!(size_capped(&m, 1000), 2 * NODE_UNITS + 3);
        assert_eq!(size_capped(&Tv::new(V::Num(1.0), None), 1000), NODE_UNITS);
        assert_eq!(size_capped(&l, 40), 41);
        // A string of exactly the limit is known, one byte more is not (and is recorded).
        let at_limit = MAX_VALUE_SIZE - NODE_UNITS;
        let text = format!("x = \"{}\"\n", "a".repeat(at_limit));
        let (v, _) = run(&text, |_| {});
        assert_eq!(v.len(), at_limit + 2);
        let text = format!("x = \"{}\"\n", "a".repeat(at_limit + 1));
        assert_eq!(run(&text, |_| {}).0, "?");
        // Lists and objects stop growing at the limit.
        let half = format!("\"{}\"", "a".repeat(MAX_VALUE_SIZE / 2));
        assert_eq!(run(&format!("x = [{half}, {half}]\n"), |_| {}).0, "?");
        assert_eq!(
            run(&format!("x = {{a = {half}, b = {half}}}\n"), |_| {}).0,
            "?"
        );
        assert_eq!(
            run(&format!("x = \"${{{half}}}${{{half}}}\"\n"), |_| {}).0,
            "?"
        );
        let quarter = format!("\"{}\"", "a".repeat(MAX_VALUE_SIZE / 4));
        let (v, _) = run(&format!("x = length([{quarter}, {quarter}])\n"), |_| {});
        assert_eq!(v, "2");
        let (v, _) = run(
            &format!("x = length({{a = {quarter}, b = {quarter}}})\n"),
            |_| {},
        );
        assert_eq!(v, "2");
        let (v, _) = run(
            &format!("x = length(\"${{{quarter}}}${{{quarter}}}\")\n"),
            |_| {},
        );
        assert_eq!(v, (MAX_VALUE_SIZE / 2).to_string());
    }

    #[test]
    fn the_budget_stops_evaluation_and_records_where() {
        let b = Budget::new();
        let at = |s: usize| Loc {
            path: Arc::from("main.tf"),
            span: Span::new(s, s + 1),
        };
        assert!(b.charge(MAX_STACK_WORK, Some(&at(1))));
        assert!(!b.exhausted());
        assert!(b.hits.borrow().is_empty());
        assert!(!b.charge(1, Some(&at(2))));
        assert!(b.exhausted());
        assert!(!b.charge(0, Some(&at(3))));
        let hits = b.hits.borrow();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, at(2));
        assert!(
            hits[0].1.starts_with("evaluation stopped here"),
            "{}",
            hits[0].1
        );
        drop(hits);
        // A place is recorded once.
        b.hit(at(2), "again".into());
        b.hit(at(4), "other".into());
        assert_eq!(b.hits.borrow().len(), 2);
        // Once exhausted, every value is unknown.
        let body = crate::parse::hcl::parse("x = 1\n").expect("parses").body;
        let path: Arc<str> = Arc::from("main.tf");
        let file = FileRef {
            path: &path,
            body: &body,
            text: "x = 1\n",
        };
        let Some(Structure::Attribute(a)) = body.iter().next() else {
            panic!("attribute");
        };
        let scope = Scope::with_budget(HashMap::new(), HashMap::new(), b);
        assert_eq!(Eval::new(&scope, file).value(&a.value).v, V::Unknown);
        let scope = Scope::new(HashMap::new(), HashMap::new());
        assert_eq!(Eval::new(&scope, file).value(&a.value).v, V::Num(1.0));
    }

    #[test]
    fn locals_that_refer_to_themselves_are_cycles() {
        for (text, cycles, values) in [
            (
                "a = local.b\nb = local.a\nc = 1\n",
                vec!["a"],
                vec!["?", "?", "1"],
            ),
            (
                "a = [for x in local.a : x]\nb = local.c\nc = 2\n",
                vec!["a"],
                vec!["?", "2", "2"],
            ),
            (
                "a = local.a\nb = local.b + 1\nc = local.a\n",
                vec!["a", "b"],
                vec!["?", "?", "?"],
            ),
            (
                "a = 1\nb = local.a + 1\nc = local.b\n",
                vec![],
                vec!["1", "2", "2"],
            ),
        ] {
            let body = crate::parse::hcl::parse(text).expect("parses").body;
            let path: Arc<str> = Arc::from("main.tf");
            let file = FileRef {
                path: &path,
                body: &body,
                text,
            };
            let locals = body
                .iter()
                .filter_map(|s| match s {
                    Structure::Attribute(a) => Some((a.key.as_str().to_string(), (&a.value, file))),
                    Structure::Block(_) => None,
                })
                .collect();
            let scope = Scope::new(HashMap::new(), locals);
            scope.evaluate_locals();
            assert_eq!(*scope.cycles.borrow(), cycles, "{text}");
            let got: Vec<String> = ["a", "b", "c"]
                .iter()
                .map(|n| show(&scope.local(n).v))
                .collect();
            assert_eq!(got, values, "{text}");
            // Cached: the same value again, and no new cycle.
            assert_eq!(show(&scope.local("c").v), values[2]);
            assert_eq!(*scope.cycles.borrow(), cycles, "{text}");
        }
    }

    #[test]
    fn object_sizes_add_keys_and_values_and_references_cost_one_node() {
        // One key of two bytes and a value of 60 % of the limit: under it.
        let big = format!("\"{}\"", "a".repeat(MAX_VALUE_SIZE * 3 / 5));
        assert_eq!(ev(&format!("length({{ab = {big}}})")), "1");
        // A reference to a large local costs one node of the stack's budget, not its size:
        // 200 references to a 3 MiB string stay far inside the budget of 256 Mi units.
        let text = format!("a = \"{}\"\nx = length(local.a)\n", "a".repeat(3 << 20));
        let body = crate::parse::hcl::parse(&text).expect("parses").body;
        let path: Arc<str> = Arc::from("main.tf");
        let file = FileRef {
            path: &path,
            body: &body,
            text: &text,
        };
        let attrs = attributes(&body);
        let locals = HashMap::from([("a".to_string(), (&attrs[0].value, file))]);
        let scope = Scope::new(HashMap::new(), locals);
        for _ in 0..200 {
            let v = Eval::new(&scope, file).value(&attrs[1].value);
            assert_eq!(v.v, V::Num((3 << 20) as f64));
        }
        assert!(!scope.budget.exhausted());
    }
}
