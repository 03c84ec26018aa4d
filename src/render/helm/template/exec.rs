//! The executor: walks parsed templates over [`Value`]s with Go's `text/template`
//! semantics, writing output and recording where each output byte came from.

use std::collections::HashMap;
use std::rc::Rc;

use super::gofmt;
use super::parse::{Arg, Cmd, Node, Pipe};
use super::value::{Obj, Value, go_eq, go_less};

/// Maximum nesting of `include`/`template`/`tpl` (Helm's limit).
pub const MAX_DEPTH: u32 = 1000;

/// Stack reserved for an execution: 1,000 nested `include`s need far more than a default
/// thread's 2 MiB (the memory is only committed as it is used).
pub const STACK_SIZE: usize = 1 << 30;

/// Run `f` on a thread with [`STACK_SIZE`] of stack, so that deep template recursion ends
/// in a located error instead of a stack overflow.
pub fn with_big_stack<T: Send, F: FnOnce() -> T + Send>(f: F) -> T {
    let slot = std::sync::Mutex::new(Some(f));
    let take = || slot.lock().ok().and_then(|mut g| g.take());
    let spawned = std::thread::scope(|s| {
        let h = std::thread::Builder::new()
            .name("helm-render".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(s, || take().map(|f| f()));
        match h {
            Ok(h) => match h.join() {
                Ok(v) => v,
                Err(p) => std::panic::resume_unwind(p),
            },
            Err(_) => None,
        }
    });
    match spawned {
        Some(v) => v,
        // no thread could be started: run here (the depth limit still applies)
        None => match take() {
            Some(f) => f(),
            None => unreachable_render(),
        },
    }
}

fn unreachable_render() -> ! {
    // the closure is taken exactly once: either by the thread (which returned Some) or here
    std::process::abort()
}

/// A defined template: which file it lives in and its body.
#[derive(Debug, Clone)]
pub struct Def {
    pub file: u32,
    pub body: Rc<Vec<Node>>,
}

/// A template source file known to the set.
#[derive(Debug, Clone)]
pub struct FileInfo {
    /// Helm's template name (`chart/templates/x.yaml`).
    pub name: Rc<str>,
    pub src: Rc<str>,
}

/// All templates of a chart (and its subcharts), by name.
#[derive(Debug, Default)]
pub struct Set {
    pub files: Vec<FileInfo>,
    pub defs: HashMap<Rc<str>, Def>,
}

impl Set {
    /// Add a parsed file's defines. A later definition replaces an earlier one unless its
    /// body is empty (as Go's `AddParseTree`).
    pub fn add_defines(&mut self, file: u32, defines: Vec<(Rc<str>, Vec<Node>)>) {
        for (name, body) in defines {
            let empty = body.iter().all(|n| match n {
                Node::Text { text, .. } => text.trim().is_empty(),
                _ => false,
            });
            if empty && self.defs.contains_key(&name) {
                continue;
            }
            self.defs.insert(
                name,
                Def {
                    file,
                    body: Rc::new(body),
                },
            );
        }
    }
}

/// Where an output range came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rec {
    /// Template text or action: file index and byte range in it.
    Tmpl { file: u32, start: u32, end: u32 },
    /// A values node (index into the chart's origin table, > 0).
    Val(u32),
}

/// An execution error, located in a template file.
#[derive(Debug, Clone)]
pub struct ExecError {
    pub file: u32,
    pub pos: u32,
    pub message: String,
    pub code: &'static str,
}

pub(crate) enum Flow {
    Break,
    Continue,
}

/// Function error raised by a built-in; located by the caller.
#[derive(Debug, Clone)]
pub struct FnError {
    pub message: String,
    pub code: &'static str,
}

impl FnError {
    pub fn new(message: impl Into<String>) -> Self {
        FnError {
            message: message.into(),
            code: "exec",
        }
    }
    pub fn coded(code: &'static str, message: impl Into<String>) -> Self {
        FnError {
            message: message.into(),
            code,
        }
    }
}

impl From<String> for FnError {
    fn from(s: String) -> Self {
        FnError::new(s)
    }
}

/// Extension functions (Sprig, Helm) provided by the embedding renderer.
pub trait Funcs {
    /// Whether `name` is a known function.
    fn has(&self, name: &str) -> bool;
    /// Call `name`; `args` carry their origin index.
    fn call(
        &self,
        ex: &mut Exec,
        name: &str,
        args: Vec<(Value, u32)>,
    ) -> Result<(Value, u32), FnError>;
}

/// Budgets that bound work on hostile input.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Maximum bytes of output per executed template (including `include` buffers).
    pub max_output: usize,
    /// Maximum evaluation steps (nodes, commands, loop iterations) for the whole chart.
    pub max_steps: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_output: 32 << 20,
            max_steps: 50_000_000,
        }
    }
}

pub struct Exec<'s> {
    pub set: &'s mut Set,
    pub funcs: &'s dyn Funcs,
    pub out: String,
    pub recs: Vec<(u32, u32, Rec)>,
    /// Record origins (off inside `include` buffers).
    pub record: bool,
    pub steps: u64,
    pub budget: Budget,
    pub depth: u32,
    /// File of the template being executed (for errors).
    pub file: u32,
    vars: Vec<(Rc<str>, Value, u32)>,
    /// Extra data for the embedder (the current template's name for `tpl`).
    pub template_name: Rc<str>,
    /// The located error of a failed nested execution (`include`, `tpl`), reported as is.
    pending: Option<ExecError>,
    /// The mapping last serialized by `toYaml` in the current action: its entries' origins
    /// are aligned with the printed lines.
    pub yaml_subject: Option<Value>,
}

type R<T> = Result<T, ExecError>;

impl<'s> Exec<'s> {
    pub fn new(set: &'s mut Set, funcs: &'s dyn Funcs, budget: Budget) -> Self {
        Exec {
            set,
            funcs,
            out: String::new(),
            recs: Vec::new(),
            record: true,
            steps: 0,
            budget,
            depth: 0,
            file: 0,
            vars: Vec::new(),
            template_name: Rc::from(""),
            pending: None,
            yaml_subject: None,
        }
    }

    fn error(&self, pos: u32, message: impl Into<String>) -> ExecError {
        ExecError {
            file: self.file,
            pos,
            message: message.into(),
            code: "exec",
        }
    }

    fn step(&mut self, pos: u32) -> R<()> {
        self.steps += 1;
        if self.steps > self.budget.max_steps {
            return Err(ExecError {
                file: self.file,
                pos,
                message: format!(
                    "rendering exceeded the budget of {} evaluation steps",
                    self.budget.max_steps
                ),
                code: "budget",
            });
        }
        Ok(())
    }

    fn write(&mut self, s: &str, pos: u32) -> R<()> {
        if self.out.len() + s.len() > self.budget.max_output {
            return Err(ExecError {
                file: self.file,
                pos,
                message: format!(
                    "rendered output exceeds the budget of {} bytes",
                    self.budget.max_output
                ),
                code: "budget",
            });
        }
        self.out.push_str(s);
        Ok(())
    }

    /// Execute a template body with `dot` as `.` and `$`, appending to `self.out`.
    pub fn run(&mut self, file: u32, body: &[Node], dot: (Value, u32)) -> R<()> {
        let saved_vars = std::mem::take(&mut self.vars);
        let saved_file = self.file;
        self.file = file;
        self.vars.push((Rc::from("$"), dot.0.clone(), dot.1));
        let r = self.walk_list(body, &dot);
        self.vars = saved_vars;
        self.file = saved_file;
        match r {
            Ok(Some(_)) => Err(self.error(0, "break or continue outside range")),
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Execute the named template into a fresh buffer and return its text (`include`).
    pub fn include(&mut self, name: &str, dot: (Value, u32)) -> Result<String, FnError> {
        let Some(def) = self.set.defs.get(name).cloned() else {
            return Err(FnError::coded(
                "undefined-template",
                format!("template: no template {name:?} associated with template"),
            ));
        };
        if self.depth >= MAX_DEPTH {
            return Err(FnError::coded(
                "cycle",
                format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                ),
            ));
        }
        let saved_out = std::mem::take(&mut self.out);
        let saved_rec = self.record;
        self.record = false;
        self.depth += 1;
        let r = self.run(def.file, &def.body, dot);
        self.depth -= 1;
        self.record = saved_rec;
        let text = std::mem::replace(&mut self.out, saved_out);
        match r {
            Ok(()) => Ok(text),
            Err(e) => Err(self.nested(e)),
        }
    }

    /// An error from a nested execution, kept as is (the innermost location is the cause).
    fn nested(&mut self, e: ExecError) -> FnError {
        self.pending = Some(e.clone());
        FnError::coded(e.code, e.message)
    }

    /// Parse `text` and execute it with `dot` (`tpl`).
    pub fn tpl(&mut self, text: &str, dot: (Value, u32)) -> Result<String, FnError> {
        let parsed = match super::parse::parse(text) {
            Ok(p) => p,
            Err(e) => {
                return Err(FnError::coded(
                    "parse",
                    format!("parse error in tpl: {}", e.message),
                ));
            }
        };
        if self.depth >= MAX_DEPTH {
            return Err(FnError::coded("cycle", "tpl: nested too deeply"));
        }
        let idx = self.set.files.len() as u32;
        self.set.files.push(FileInfo {
            name: self.template_name.clone(),
            src: Rc::from(text),
        });
        self.set.add_defines(idx, parsed.defines);
        let saved_out = std::mem::take(&mut self.out);
        let saved_rec = self.record;
        self.record = false;
        self.depth += 1;
        let r = self.run(idx, &parsed.root, dot);
        self.depth -= 1;
        self.record = saved_rec;
        let text = std::mem::replace(&mut self.out, saved_out);
        match r {
            Ok(()) => Ok(text),
            Err(e) => Err(self.nested(e)),
        }
    }

    fn walk_list(&mut self, nodes: &[Node], dot: &(Value, u32)) -> R<Option<Flow>> {
        for n in nodes {
            if let Some(f) = self.walk(n, dot)? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    fn rec(&mut self, start: usize, rec: Rec) {
        if self.record && self.out.len() > start {
            self.recs.push((start as u32, self.out.len() as u32, rec));
        }
    }

    fn walk(&mut self, n: &Node, dot: &(Value, u32)) -> R<Option<Flow>> {
        match n {
            Node::Text { text, start, end } => {
                self.step(*start)?;
                let at = self.out.len();
                self.write(text, *start)?;
                self.rec(
                    at,
                    Rec::Tmpl {
                        file: self.file,
                        start: *start,
                        end: *end,
                    },
                );
            }
            Node::Action { pos, end, pipe } => {
                self.step(*pos)?;
                let mark = self.vars.len();
                self.yaml_subject = None;
                let (v, o) = self.pipe(pipe, dot)?;
                if pipe.decl.is_empty() {
                    let at = self.out.len();
                    let s = print_value(&v);
                    self.write(&s, *pos)?;
                    self.rec(
                        at,
                        Rec::Tmpl {
                            file: self.file,
                            start: *pos,
                            end: *end,
                        },
                    );
                    if o != 0 {
                        self.rec(at, Rec::Val(o));
                    }
                    if let Some(subject) = self.yaml_subject.take()
                        && self.record
                    {
                        align_yaml(&self.out[at..], at, &subject, &mut self.recs);
                    }
                } else if pipe.is_assign {
                    // keep the assignment, not a new scope
                } else {
                    // declared variables live until the end of the enclosing block
                    let _ = mark;
                }
            }
            Node::If {
                pos,
                pipe,
                list,
                else_list,
            }
            | Node::With {
                pos,
                pipe,
                list,
                else_list,
            } => {
                self.step(*pos)?;
                let mark = self.vars.len();
                let (v, o) = self.pipe(pipe, dot)?;
                let r = if v.truthy() {
                    if matches!(n, Node::With { .. }) {
                        self.walk_list(list, &(v, o))
                    } else {
                        self.walk_list(list, dot)
                    }
                } else if let Some(el) = else_list {
                    self.walk_list(el, dot)
                } else {
                    Ok(None)
                };
                self.vars.truncate(mark);
                return r;
            }
            Node::Range {
                pos,
                pipe,
                list,
                else_list,
            } => {
                self.step(*pos)?;
                let mark = self.vars.len();
                // evaluate without declaring: the declared variables are per iteration
                let decl = &pipe.decl;
                let is_assign = pipe.is_assign;
                let (v, _o) = self.pipe_value(pipe, dot)?;
                let mut items: Vec<(Value, Value, u32)> = Vec::new();
                match &v {
                    Value::Nil => {}
                    Value::List(l) => {
                        for (i, x) in l.iter().enumerate() {
                            items.push((Value::Int(i as i64), x.clone(), 0));
                        }
                    }
                    Value::Map(m) => {
                        for (k, s) in m.borrow().iter() {
                            items.push((Value::str(k), s.v.clone(), s.o));
                        }
                    }
                    Value::Int(n) => {
                        if decl.len() > 1 {
                            return Err(
                                self.error(*pos, "can't use 2 variables when ranging over an int")
                            );
                        }
                        if *n > 0 && (*n as u64) > self.budget.max_steps {
                            return Err(ExecError {
                                file: self.file,
                                pos: *pos,
                                message: format!("range over {n} exceeds the step budget"),
                                code: "budget",
                            });
                        }
                        for i in 0..(*n).max(0) {
                            items.push((Value::Int(i), Value::Int(i), 0));
                        }
                    }
                    Value::Obj(ob) => match &**ob {
                        Obj::Files(f) => {
                            for (k, b) in f {
                                items.push((Value::str(k), Value::Bytes(b.clone()), 0));
                            }
                        }
                        Obj::ApiVersions(l) => {
                            for (i, x) in l.iter().enumerate() {
                                items.push((Value::Int(i as i64), Value::str(x), 0));
                            }
                        }
                        Obj::KubeVersion(_) => {
                            return Err(self.error(
                                *pos,
                                format!("range can't iterate over {}", gofmt::sprint(&v)),
                            ));
                        }
                    },
                    other => {
                        return Err(self.error(
                            *pos,
                            format!("range can't iterate over {}", gofmt::sprint(other)),
                        ));
                    }
                }
                if items.is_empty() {
                    let r = match else_list {
                        Some(el) => self.walk_list(el, dot),
                        None => Ok(None),
                    };
                    self.vars.truncate(mark);
                    return r.map(|_| None);
                }
                for (k, x, xo) in items {
                    self.step(*pos)?;
                    let imark = self.vars.len();
                    match decl.len() {
                        1 => self.bind(&decl[0], x.clone(), xo, is_assign, *pos)?,
                        2 => {
                            self.bind(&decl[0], k, 0, is_assign, *pos)?;
                            self.bind(&decl[1], x.clone(), xo, is_assign, *pos)?;
                        }
                        _ => {}
                    }
                    let r = self.walk_list(list, &(x, xo))?;
                    self.vars.truncate(imark);
                    if let Some(Flow::Break) = r {
                        break;
                    }
                }
                self.vars.truncate(mark);
            }
            Node::Template {
                pos,
                end,
                name,
                pipe,
            } => {
                self.step(*pos)?;
                let dotv = match pipe {
                    Some(p) => self.pipe(p, dot)?,
                    None => (Value::Nil, 0),
                };
                let Some(def) = self.set.defs.get(name).cloned() else {
                    return Err(ExecError {
                        file: self.file,
                        pos: *pos,
                        message: format!("template: no template {name:?} associated with template"),
                        code: "undefined-template",
                    });
                };
                if self.depth >= MAX_DEPTH {
                    return Err(ExecError {
                        file: self.file,
                        pos: *pos,
                        message: format!("exceeded maximum template depth ({MAX_DEPTH})"),
                        code: "cycle",
                    });
                }
                let at = self.out.len();
                self.depth += 1;
                let r = self.run(def.file, &def.body, dotv);
                self.depth -= 1;
                r?;
                // the caller's action is the template origin for what the callee wrote
                // (inner ranges recorded during the call stay and are more precise)
                let _ = (at, end);
            }
            Node::Break(_) => return Ok(Some(Flow::Break)),
            Node::Continue(_) => return Ok(Some(Flow::Continue)),
        }
        Ok(None)
    }

    fn bind(&mut self, name: &Rc<str>, v: Value, o: u32, assign: bool, pos: u32) -> R<()> {
        if assign {
            match self.vars.iter_mut().rev().find(|(n, _, _)| n == name) {
                Some(slot) => {
                    slot.1 = v;
                    slot.2 = o;
                }
                None => return Err(self.error(pos, format!("undefined variable: {name}"))),
            }
        } else {
            self.vars.push((name.clone(), v, o));
        }
        Ok(())
    }

    /// The pipeline's value, without binding its declared variables.
    fn pipe_value(&mut self, p: &Pipe, dot: &(Value, u32)) -> R<(Value, u32)> {
        let mut last: Option<(Value, u32)> = None;
        for c in &p.cmds {
            let v = self.cmd(c, dot, last.take())?;
            last = Some(v);
        }
        Ok(last.unwrap_or((Value::Nil, 0)))
    }

    pub fn pipe(&mut self, p: &Pipe, dot: &(Value, u32)) -> R<(Value, u32)> {
        let v = self.pipe_value(p, dot)?;
        for d in &p.decl {
            self.bind(d, v.0.clone(), v.1, p.is_assign, p.pos)?;
        }
        Ok(v)
    }

    fn var(&self, name: &str, pos: u32) -> R<(Value, u32)> {
        match self.vars.iter().rev().find(|(n, _, _)| &**n == name) {
            Some((_, v, o)) => Ok((v.clone(), *o)),
            None => Err(self.error(pos, format!("undefined variable: {name}"))),
        }
    }

    fn cmd(
        &mut self,
        c: &Cmd,
        dot: &(Value, u32),
        final_: Option<(Value, u32)>,
    ) -> R<(Value, u32)> {
        self.step(c.pos)?;
        let (first, fpos) = &c.args[0];
        match first {
            Arg::Ident(name) => return self.call(name, &c.args[1..], dot, final_, *fpos),
            Arg::Field(chain) => {
                let args = self.eval_args(&c.args[1..], dot, final_)?;
                return self.chain(dot.clone(), chain, args, *fpos, ".");
            }
            Arg::Var(name, chain) if !chain.is_empty() => {
                let base = self.var(name, *fpos)?;
                let args = self.eval_args(&c.args[1..], dot, final_)?;
                return self.chain(base, chain, args, *fpos, name);
            }
            Arg::Pipe(p, chain) if !chain.is_empty() => {
                let base = self.pipe(p, dot)?;
                let args = self.eval_args(&c.args[1..], dot, final_)?;
                return self.chain(base, chain, args, *fpos, "");
            }
            _ => {}
        }
        if c.args.len() > 1 || final_.is_some() {
            return Err(self.error(
                *fpos,
                format!("can't give argument to non-function {}", arg_text(first)),
            ));
        }
        self.arg(first, *fpos, dot)
    }

    fn eval_args(
        &mut self,
        args: &[(Arg, u32)],
        dot: &(Value, u32),
        final_: Option<(Value, u32)>,
    ) -> R<Vec<(Value, u32)>> {
        let mut out = Vec::with_capacity(args.len() + 1);
        for (a, p) in args {
            out.push(self.arg(a, *p, dot)?);
        }
        if let Some(f) = final_ {
            out.push(f);
        }
        Ok(out)
    }

    fn arg(&mut self, a: &Arg, pos: u32, dot: &(Value, u32)) -> R<(Value, u32)> {
        Ok(match a {
            Arg::Dot => dot.clone(),
            Arg::Nil => (Value::Nil, 0),
            Arg::Bool(b) => (Value::Bool(*b), 0),
            Arg::Int(i) => (Value::Int(*i), 0),
            Arg::Float(f) => (Value::Float(*f), 0),
            Arg::Str(s) => (Value::Str(s.clone()), 0),
            Arg::Field(chain) => self.chain(dot.clone(), chain, Vec::new(), pos, ".")?,
            Arg::Var(name, chain) => {
                let base = self.var(name, pos)?;
                if chain.is_empty() {
                    base
                } else {
                    self.chain(base, chain, Vec::new(), pos, name)?
                }
            }
            Arg::Pipe(p, chain) => {
                let mark = self.vars.len();
                let base = self.pipe(p, dot)?;
                self.vars.truncate(mark);
                if chain.is_empty() {
                    base
                } else {
                    self.chain(base, chain, Vec::new(), pos, "")?
                }
            }
            Arg::Ident(name) => self.call(name, &[], dot, None, pos)?,
        })
    }

    /// Evaluate `.a.b.c` on `base`; `args` go to the last element (a method call).
    fn chain(
        &mut self,
        base: (Value, u32),
        chain: &[Rc<str>],
        args: Vec<(Value, u32)>,
        pos: u32,
        _root: &str,
    ) -> R<(Value, u32)> {
        let mut cur = base;
        let n = chain.len();
        let mut args = Some(args);
        for (i, f) in chain.iter().enumerate() {
            // a nil receiver that is not a map entry (nil dot, variable or parenthesised
            // result) gives nil: Go's invalid reflect.Value; a nil map entry is an error
            if i == 0 && cur.0.is_nil() {
                return Ok((Value::Nil, 0));
            }
            let last = i + 1 == n;
            let a = if last {
                args.take().unwrap_or_default()
            } else {
                Vec::new()
            };
            cur = self.field(cur.0, f, a, pos)?;
        }
        Ok(cur)
    }

    fn field(
        &mut self,
        recv: Value,
        name: &str,
        args: Vec<(Value, u32)>,
        pos: u32,
    ) -> R<(Value, u32)> {
        match &recv {
            Value::Map(m) => {
                if !args.is_empty() {
                    return Err(
                        self.error(pos, format!("{name} is not a method but has arguments"))
                    );
                }
                let m = m.borrow();
                Ok(match m.get(name) {
                    Some(s) => (s.v.clone(), s.o),
                    None => (Value::Nil, 0),
                })
            }
            Value::Nil => {
                Err(self.error(pos, format!("nil pointer evaluating interface {{}}.{name}")))
            }
            Value::Obj(o) => {
                let r = match &**o {
                    Obj::Files(files) => files_method(files, name, &args),
                    Obj::ApiVersions(list) => match name {
                        "Has" => match args.first() {
                            Some((Value::Str(s), _)) => {
                                Ok(Value::Bool(list.iter().any(|x| x == &**s)))
                            }
                            _ => Err(format!(
                                "wrong number of args for Has: want 1 got {}",
                                args.len()
                            )),
                        },
                        _ => Err(format!(
                            "can't evaluate field {name} in type common.VersionSet"
                        )),
                    },
                    Obj::KubeVersion(m) => match (name, m.borrow().get(name)) {
                        ("String", _) => Ok(m
                            .borrow()
                            .get("Version")
                            .map(|s| s.v.clone())
                            .unwrap_or_default()),
                        (_, Some(s)) => Ok(s.v.clone()),
                        _ => Err(format!(
                            "can't evaluate field {name} in type common.KubeVersion"
                        )),
                    },
                };
                r.map(|v| (v, 0)).map_err(|m| self.error(pos, m))
            }
            other => Err(self.error(
                pos,
                format!("can't evaluate field {name} in type {}", other.type_name()),
            )),
        }
    }

    fn call(
        &mut self,
        name: &str,
        args: &[(Arg, u32)],
        dot: &(Value, u32),
        final_: Option<(Value, u32)>,
        pos: u32,
    ) -> R<(Value, u32)> {
        // short-circuit boolean functions
        match name {
            "and" | "or" => {
                let mut all: Vec<&(Arg, u32)> = args.iter().collect();
                let fin = final_;
                if all.is_empty() && fin.is_none() {
                    return Err(self.error(
                        pos,
                        format!("wrong number of args for {name}: want at least 1 got 0"),
                    ));
                }
                let mut last = (Value::Nil, 0);
                for (a, p) in all.drain(..) {
                    last = self.arg(a, *p, dot)?;
                    let t = last.0.truthy();
                    if (name == "and" && !t) || (name == "or" && t) {
                        return Ok(last);
                    }
                }
                if let Some(f) = fin {
                    last = f;
                }
                return Ok(last);
            }
            _ => {}
        }
        let argv = self.eval_args(args, dot, final_)?;
        let r = self.builtin(name, argv, pos);
        match r {
            Ok(v) => Ok(v),
            Err(e) => {
                if let Some(p) = self.pending.take() {
                    return Err(p);
                }
                Err(ExecError {
                    file: self.file,
                    pos,
                    message: format!("error calling {name}: {}", e.message),
                    code: e.code,
                })
            }
        }
    }

    fn builtin(
        &mut self,
        name: &str,
        argv: Vec<(Value, u32)>,
        _pos: u32,
    ) -> Result<(Value, u32), FnError> {
        let a = |i: usize| argv.get(i).map(|x| &x.0);
        let want = |n: usize| -> Result<(), FnError> {
            if argv.len() != n {
                Err(FnError::new(format!(
                    "wrong number of args for {name}: want {n} got {}",
                    argv.len()
                )))
            } else {
                Ok(())
            }
        };
        let v = match name {
            "not" => {
                want(1)?;
                Value::Bool(!argv[0].0.truthy())
            }
            "eq" => {
                if argv.len() < 2 {
                    return Err(FnError::new("missing argument for comparison"));
                }
                let mut r = false;
                for b in &argv[1..] {
                    if go_eq(&argv[0].0, &b.0)? {
                        r = true;
                        break;
                    }
                }
                Value::Bool(r)
            }
            "ne" => {
                want(2)?;
                Value::Bool(!go_eq(&argv[0].0, &argv[1].0)?)
            }
            "lt" | "le" | "gt" | "ge" => {
                want(2)?;
                let (x, y) = (&argv[0].0, &argv[1].0);
                let r = match name {
                    "lt" => go_less(x, y)?,
                    "le" => go_less(x, y)? || go_eq(x, y)?,
                    "gt" => !go_less(x, y)? && !go_eq(x, y)?,
                    _ => !go_less(x, y)?,
                };
                Value::Bool(r)
            }
            "len" => {
                want(1)?;
                match argv[0].0.len() {
                    Some(n) => Value::Int(n as i64),
                    None => {
                        return Err(FnError::new(match &argv[0].0 {
                            Value::Nil => "len of nil pointer".to_string(),
                            v => format!("len of type {}", v.type_name()),
                        }));
                    }
                }
            }
            "index" => {
                if argv.is_empty() {
                    return Err(FnError::new("wrong number of args for index"));
                }
                let mut cur = argv[0].clone();
                for (k, _) in &argv[1..] {
                    cur = index_one(&cur.0, k)?;
                }
                return Ok(cur);
            }
            "slice" => {
                // Helm's `slice` is Sprig's: lists only, indices converted as `toInt` does,
                // nil for an empty list, and reflect's panic for indices out of bounds
                let index = |k: usize| {
                    argv.get(k)
                        .map(|x| crate::render::helm::funcs::to_i64(&x.0))
                };
                match a(0) {
                    Some(Value::List(l)) if l.is_empty() => Value::Nil,
                    Some(Value::List(l)) => {
                        let n = l.len() as i64;
                        let i = index(1).unwrap_or(0);
                        let j = if argv.len() < 3 {
                            n
                        } else {
                            index(2).unwrap_or(n)
                        };
                        if i < 0 || j < i || j > n {
                            return Err(FnError::new(
                                "reflect.Value.Slice: slice index out of bounds",
                            ));
                        }
                        Value::list(l[i as usize..j as usize].to_vec())
                    }
                    None | Some(Value::Nil) => {
                        return Err(FnError::new(
                            "runtime error: invalid memory address or nil pointer dereference",
                        ));
                    }
                    Some(other) => {
                        return Err(FnError::new(format!(
                            "list should be type of slice or array but {}",
                            other.type_name()
                        )));
                    }
                }
            }
            "print" => Value::str(gofmt::sprint_args(&vals(&argv))),
            "println" => Value::str(gofmt::sprintln_args(&vals(&argv))),
            "printf" => {
                let Some(Value::Str(f)) = a(0) else {
                    return Err(FnError::new("printf: format must be a string"));
                };
                let f = f.clone();
                let o = argv
                    .iter()
                    .skip(1)
                    .rev()
                    .map(|x| x.1)
                    .find(|o| *o != 0)
                    .unwrap_or(0);
                return Ok((Value::str(gofmt::sprintf(&f, &vals(&argv[1..]))), o));
            }
            "html" => Value::str(html_escape(&gofmt::sprint_args(&vals(&argv)))),
            "js" => Value::str(js_escape(&gofmt::sprint_args(&vals(&argv)))),
            "urlquery" => Value::str(url_escape(&gofmt::sprint_args(&vals(&argv)))),
            // no value is a function in a chart: Helm says this of a field or of nil
            "call" => return Err(FnError::new("call of nil")),
            _ => {
                if self.funcs.has(name) {
                    let f = self.funcs;
                    return f.call(self, name, argv);
                }
                return Err(FnError::coded(
                    "undefined-function",
                    format!("function {name:?} not defined"),
                ));
            }
        };
        Ok((v, 0))
    }
}

/// Map the lines a `toYaml` of `subject` printed (possibly re-indented) to the origins of
/// its entries: entries are searched in emission order, each `key:` after the previous.
fn align_yaml(text: &str, at: usize, subject: &Value, recs: &mut Vec<(u32, u32, Rec)>) {
    fn walk(v: &Value, out: &mut Vec<(String, u32)>, depth: usize) {
        if depth > 64 || out.len() > 10_000 {
            return;
        }
        match v {
            Value::Map(m) => {
                let m = m.borrow();
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort_by(|a, b| crate::render::helm::yaml::natural_cmp(a, b));
                for k in keys {
                    if let Some(s) = m.get(k) {
                        out.push((k.clone(), s.o));
                        walk(&s.v, out, depth + 1);
                    }
                }
            }
            Value::List(l) => {
                for x in l.iter() {
                    walk(x, out, depth + 1);
                }
            }
            _ => {}
        }
    }
    let mut entries = Vec::new();
    walk(subject, &mut entries, 0);
    let mut pos = 0usize;
    for (k, o) in entries {
        let needle = format!("{k}:");
        let mut from = pos;
        let found = loop {
            let Some(i) = text[from..].find(&needle).map(|i| i + from) else {
                break None;
            };
            let line_start = text[..i].rfind('\n').map(|x| x + 1).unwrap_or(0);
            let lead = &text[line_start..i];
            let after = text.as_bytes().get(i + needle.len()).copied();
            if lead.bytes().all(|c| c == b' ' || c == b'-')
                && matches!(after, None | Some(b' ') | Some(b'\n'))
            {
                break Some(i);
            }
            from = i + needle.len();
        };
        let Some(i) = found else { continue };
        let end = text[i..].find('\n').map(|e| e + i).unwrap_or(text.len());
        if o != 0 {
            recs.push(((at + i) as u32, (at + end) as u32, Rec::Val(o)));
        }
        pos = i + needle.len();
    }
}

fn vals(a: &[(Value, u32)]) -> Vec<Value> {
    a.iter().map(|x| x.0.clone()).collect()
}

fn index_one(cur: &Value, k: &Value) -> Result<(Value, u32), FnError> {
    match (cur, k) {
        (Value::Map(m), Value::Str(s)) => Ok(m
            .borrow()
            .get(&**s)
            .map(|s| (s.v.clone(), s.o))
            .unwrap_or((Value::Nil, 0))),
        (Value::Map(_), _) => Err(FnError::new(format!(
            "value has type {}; should be string",
            k.type_name()
        ))),
        (Value::List(l), Value::Int(i)) => {
            if *i < 0 || *i as usize >= l.len() {
                Err(FnError::new(format!("index out of range: {i}")))
            } else {
                Ok((l[*i as usize].clone(), 0))
            }
        }
        (Value::Str(s), Value::Int(i)) => {
            if *i < 0 || *i as usize >= s.len() {
                Err(FnError::new(format!("index out of range: {i}")))
            } else {
                Ok((Value::Int(s.as_bytes()[*i as usize] as i64), 0))
            }
        }
        (Value::Nil, _) => Err(FnError::new("index of untyped nil")),
        (Value::Obj(o), Value::Str(s)) => match &**o {
            // a missing file is an empty byte slice (Helm prints `[]`)
            Obj::Files(f) => Ok((Value::Bytes(f.get(&**s).cloned().unwrap_or_default()), 0)),
            _ => Err(FnError::new(format!(
                "can't index item of type {}",
                cur.type_name()
            ))),
        },
        _ => Err(FnError::new(format!(
            "can't index item of type {}",
            cur.type_name()
        ))),
    }
}

/// What an action prints for a value (`<no value>` for nil, dropped by Helm).
pub fn print_value(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::Str(s) => s.to_string(),
        // an addressable `KubeVersion` field prints through its `String` method (passed to a
        // function, Go copies it and prints the struct)
        Value::Obj(o) => match &**o {
            Obj::KubeVersion(m) => m
                .borrow()
                .get("Version")
                .map(|s| gofmt::sprint(&s.v))
                .unwrap_or_default(),
            _ => gofmt::sprint(v),
        },
        // a byte slice prints as a list of numbers
        v => gofmt::sprint(v),
    }
}

fn files_method(
    files: &std::collections::BTreeMap<String, Rc<[u8]>>,
    name: &str,
    args: &[(Value, u32)],
) -> Result<Value, String> {
    let arg = || match args.first() {
        Some((Value::Str(s), _)) => Ok(s.to_string()),
        _ => Err(format!("wrong arguments for Files.{name}")),
    };
    match name {
        "Get" => {
            let p = arg()?;
            Ok(Value::str(
                files
                    .get(&p)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            ))
        }
        "GetBytes" => {
            let p = arg()?;
            Ok(Value::Bytes(
                files.get(&p).cloned().unwrap_or_else(|| Rc::from(&[][..])),
            ))
        }
        "Lines" => {
            let p = arg()?;
            let text = files
                .get(&p)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            if text.is_empty() {
                return Ok(Value::list(Vec::new()));
            }
            // one final newline ends the last line rather than starting another (Helm)
            let text = text.strip_suffix('\n').unwrap_or(&text);
            Ok(Value::list(text.split('\n').map(Value::str).collect()))
        }
        "Glob" => {
            let pat = arg()?;
            let Ok(g) = globset::GlobBuilder::new(&pat)
                .literal_separator(true)
                .build()
            else {
                return Ok(Value::Obj(Rc::new(Obj::Files(Default::default()))));
            };
            let m = g.compile_matcher();
            let sel = files
                .iter()
                .filter(|(k, _)| m.is_match(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Value::Obj(Rc::new(Obj::Files(sel))))
        }
        "AsConfig" | "AsSecrets" => {
            let mut m = super::value::Map::new();
            for (k, v) in files {
                let base = k.rsplit('/').next().unwrap_or(k).to_string();
                let val = if name == "AsSecrets" {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD.encode(v)
                } else {
                    String::from_utf8_lossy(v).into_owned()
                };
                m.insert(
                    base,
                    super::value::Slot {
                        v: Value::str(val),
                        o: 0,
                    },
                );
            }
            if m.is_empty() {
                return Ok(Value::str(""));
            }
            // a map of strings, one level deep: nothing in it can fail to marshal
            Ok(Value::str(
                crate::render::helm::yaml::to_yaml(&Value::map(m))
                    .unwrap_or_default()
                    .trim_end_matches('\n'),
            ))
        }
        // not a method: `.Files` is a map of paths to bytes, so this is a key lookup (a
        // missing key gives an empty byte slice, as Go's zero value)
        _ if args.is_empty() => Ok(Value::Bytes(
            files
                .get(name)
                .cloned()
                .unwrap_or_else(|| Rc::from(&[][..])),
        )),
        _ => Err(format!(
            "{name} has arguments but cannot be invoked as function"
        )),
    }
}

fn html_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '\'' => o.push_str("&#39;"),
            '"' => o.push_str("&#34;"),
            '\0' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// An operand as Go's parse tree prints it, for error messages (a parenthesised pipeline
/// prints its commands; numbers print as Go formats them, not as they were spelled).
fn arg_text(a: &Arg) -> String {
    let chain = |c: &[Rc<str>]| c.iter().map(|f| format!(".{f}")).collect::<String>();
    match a {
        Arg::Field(c) => chain(c),
        Arg::Var(name, c) => format!("{name}{}", chain(c)),
        Arg::Ident(name) => name.to_string(),
        Arg::Dot => ".".into(),
        Arg::Nil => "nil".into(),
        Arg::Bool(b) => b.to_string(),
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => gofmt::sprint(&Value::Float(*f)),
        Arg::Str(s) => gofmt::go_quote(s),
        Arg::Pipe(p, c) => {
            let cmds: Vec<String> = p
                .cmds
                .iter()
                .map(|cmd| {
                    let words: Vec<String> = cmd
                        .args
                        .iter()
                        .map(|(a, _)| match a {
                            Arg::Pipe(..) => format!("({})", arg_text(a)),
                            a => arg_text(a),
                        })
                        .collect();
                    words.join(" ")
                })
                .collect();
            let text = cmds.join(" | ");
            if c.is_empty() {
                text
            } else {
                format!("({text}){}", chain(c))
            }
        }
    }
}

/// Go's `template.JSEscapeString`.
fn js_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '"' => o.push_str("\\\""),
            '<' => o.push_str("\\u003C"),
            '>' => o.push_str("\\u003E"),
            '&' => o.push_str("\\u0026"),
            '=' => o.push_str("\\u003D"),
            // Go escapes every control character as `\u00XX` (`\u000A`, not `\n`), and every
            // non-ASCII character that does not print
            c if (c as u32) < 0x20 || (!c.is_ascii() && !gofmt::go_is_print(c)) => {
                o.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => o.push(c),
        }
    }
    o
}

/// Go's `url.QueryEscape`.
pub fn url_escape(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}
