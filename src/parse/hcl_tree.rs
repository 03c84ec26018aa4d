//! The compact HCL tree octolint keeps for the whole run: blocks, attributes and expressions
//! with their byte spans, and nothing else.
//!
//! `hcl-edit` parses with positions, but its tree is made for editing: every node carries its
//! surrounding whitespace and comments (`Decor`), an optional span, and vectors with growth
//! slack. Kept for a whole run that was about 11 bytes of memory per byte of `.tf` (75 MB on
//! the shared corpus). This tree is built from `hcl-edit`'s once per file, which is then
//! dropped: an expression is 32 bytes, strings are boxed to their length, and spans are two
//! `u32`s. It has what the Terraform evaluator and the Rego input need: values, identifiers,
//! templates (literals, interpolations, directive places), traversals, calls, operators, and
//! for a `for` expression only the locals it reads. Depends on nothing else in the crate.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr as he;
use hcl_edit::structure as hs;
use hcl_edit::template as ht;

pub use hcl_edit::expr::{BinaryOperator, UnaryOperator};

/// A byte span (files over 4 GiB are never parsed: the size limit is far below).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sp {
    pub start: u32,
    pub end: u32,
}

impl Sp {
    fn of(r: Option<Range<usize>>) -> Sp {
        let r = r.unwrap_or(0..0);
        Sp {
            start: u32::try_from(r.start).unwrap_or(u32::MAX),
            end: u32::try_from(r.end).unwrap_or(u32::MAX),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// An identifier or a label with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    text: Box<str>,
    span: Sp,
}

impl Ident {
    fn new(text: &str, span: Option<Range<usize>>) -> Self {
        Ident {
            text: text.into(),
            span: Sp::of(span),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.range())
    }
}

/// A block label (`resource "aws_instance" "web"`); quoted or not, only its text matters.
pub type BlockLabel = Ident;

/// The body of a file or a block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    items: Box<[Structure]>,
    span: Sp,
}

impl Body {
    pub fn iter(&self) -> std::slice::Iter<'_, Structure> {
        self.items.iter()
    }

    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.range())
    }

    /// The blocks of this body, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.items.iter().filter_map(Structure::as_block)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Structure {
    Attribute(Attribute),
    Block(Box<Block>),
}

impl Structure {
    pub fn as_block(&self) -> Option<&Block> {
        match self {
            Structure::Block(b) => Some(b),
            Structure::Attribute(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub key: Ident,
    pub value: Expression,
    span: Sp,
}

impl Attribute {
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.range())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: Ident,
    pub labels: Box<[BlockLabel]>,
    pub body: Body,
    span: Sp,
}

impl Block {
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.range())
    }
}

/// An expression and its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub kind: Expr,
    span: Sp,
}

impl Expression {
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.span.range())
    }
}

/// What an expression is.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    /// An integer literal that fits an `i64`.
    Int(i64),
    /// Any other number literal.
    Float(f64),
    /// A quoted string without interpolations or directives.
    String(Box<str>),
    Array(Box<[Expression]>),
    Object(Box<[(ObjectKey, Expression)]>),
    /// A quoted string or heredoc with interpolations or directives.
    Template(Box<[Element]>),
    Parenthesis(Box<Expression>),
    /// A variable name (`var`, `local`, an iterator); its place is the expression's.
    Variable(Box<str>),
    Traversal(Box<Traversal>),
    FuncCall(Box<FuncCall>),
    Conditional(Box<[Expression; 3]>),
    Unary(UnaryOperator, Box<Expression>),
    Binary(BinaryOperator, Box<[Expression; 2]>),
    /// A `for` expression: never evaluated; the names of the locals it reads (`local.<name>`),
    /// so that a local which refers to itself through one is still found.
    For(Box<[Box<str>]>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    Ident(Ident),
    Expression(Expression),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub expr: Expression,
    pub operators: Box<[TraversalOperator]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TraversalOperator {
    GetAttr(Ident),
    Index(Expression),
    LegacyIndex(u64),
    /// `[*]` or `.*`.
    Splat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncCall {
    /// `provider::aws::arn_parse` has a namespace; octolint evaluates none of those.
    pub namespaced: bool,
    pub name: Ident,
    pub args: Box<[Expression]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Literal(Box<str>),
    Interpolation(Expression),
    /// An `%{if}` or `%{for}` directive, kept as its place only.
    Directive(Sp),
}

/// The compact tree of an `hcl-edit` body.
pub fn body(b: &hs::Body) -> Body {
    Body {
        items: b.iter().map(structure).collect(),
        span: Sp::of(b.span()),
    }
}

fn structure(s: &hs::Structure) -> Structure {
    match s {
        hs::Structure::Attribute(a) => Structure::Attribute(Attribute {
            key: Ident::new(a.key.as_str(), a.key.span()),
            value: expression(&a.value),
            span: Sp::of(a.span()),
        }),
        hs::Structure::Block(b) => Structure::Block(Box::new(Block {
            ident: Ident::new(b.ident.as_str(), b.ident.span()),
            labels: b
                .labels
                .iter()
                .map(|l| match l {
                    hs::BlockLabel::Ident(i) => Ident::new(i.as_str(), i.span()),
                    hs::BlockLabel::String(s) => Ident::new(s.as_str(), s.span()),
                })
                .collect(),
            body: body(&b.body),
            span: Sp::of(b.span()),
        })),
    }
}

fn expression(e: &he::Expression) -> Expression {
    use he::Expression as E;
    let kind = match e {
        E::Null(_) => Expr::Null,
        E::Bool(b) => Expr::Bool(*b.value()),
        E::Number(n) => {
            let n = n.value();
            match n.as_i64() {
                Some(i) => Expr::Int(i),
                None => n.as_f64().map_or(Expr::Null, Expr::Float),
            }
        }
        E::String(s) => Expr::String(s.as_str().into()),
        E::Array(a) => Expr::Array(a.iter().map(expression).collect()),
        E::Object(o) => Expr::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        he::ObjectKey::Ident(i) => {
                            ObjectKey::Ident(Ident::new(i.as_str(), i.span()))
                        }
                        he::ObjectKey::Expression(x) => ObjectKey::Expression(expression(x)),
                    };
                    (key, expression(v.expr()))
                })
                .collect(),
        ),
        E::StringTemplate(t) => Expr::Template(template(t)),
        E::HeredocTemplate(h) => Expr::Template(template(&h.template)),
        E::Parenthesis(p) => Expr::Parenthesis(Box::new(expression(p.inner()))),
        E::Variable(v) => Expr::Variable(v.as_str().into()),
        E::Traversal(t) => Expr::Traversal(Box::new(Traversal {
            expr: expression(&t.expr),
            operators: t
                .operators
                .iter()
                .map(|o| match o.value() {
                    he::TraversalOperator::GetAttr(a) => {
                        TraversalOperator::GetAttr(Ident::new(a.as_str(), a.span()))
                    }
                    he::TraversalOperator::Index(x) => TraversalOperator::Index(expression(x)),
                    he::TraversalOperator::LegacyIndex(i) => {
                        TraversalOperator::LegacyIndex(*i.value())
                    }
                    he::TraversalOperator::AttrSplat(_) | he::TraversalOperator::FullSplat(_) => {
                        TraversalOperator::Splat
                    }
                })
                .collect(),
        })),
        E::FuncCall(f) => Expr::FuncCall(Box::new(FuncCall {
            namespaced: !f.name.namespace.is_empty(),
            name: Ident::new(f.name.name.as_str(), f.name.name.span()),
            args: f.args.iter().map(expression).collect(),
        })),
        E::Conditional(c) => Expr::Conditional(Box::new([
            expression(&c.cond_expr),
            expression(&c.true_expr),
            expression(&c.false_expr),
        ])),
        E::UnaryOp(u) => Expr::Unary(*u.operator.value(), Box::new(expression(&u.expr))),
        E::BinaryOp(b) => Expr::Binary(
            *b.operator.value(),
            Box::new([expression(&b.lhs_expr), expression(&b.rhs_expr)]),
        ),
        E::ForExpr(f) => {
            let mut refs = LocalRefs(Vec::new());
            hcl_edit::visit::Visit::visit_for_expr(&mut refs, f);
            Expr::For(refs.0.into_iter().map(String::into_boxed_str).collect())
        }
    };
    Expression {
        kind,
        span: Sp::of(e.span()),
    }
}

fn template(t: &ht::Template) -> Box<[Element]> {
    t.iter()
        .map(|e| match e {
            ht::Element::Literal(l) => Element::Literal(l.as_str().into()),
            ht::Element::Interpolation(i) => Element::Interpolation(expression(&i.expr)),
            ht::Element::Directive(d) => Element::Directive(Sp::of(d.span())),
        })
        .collect()
}

/// The names of the locals an expression reads (`local.<name>`).
struct LocalRefs(Vec<String>);

impl hcl_edit::visit::Visit for LocalRefs {
    fn visit_traversal(&mut self, t: &he::Traversal) {
        if let he::Expression::Variable(v) = &t.expr
            && v.as_str() == "local"
            && let Some(he::TraversalOperator::GetAttr(a)) = t.operators.first().map(|o| o.value())
        {
            self.0.push(a.as_str().to_string());
        }
        hcl_edit::visit::visit_traversal(self, t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(src: &str) -> Body {
        body(&hcl_edit::parser::parse_body(src).expect("parses"))
    }

    fn attr<'a>(b: &'a Body, key: &str) -> &'a Expression {
        b.iter()
            .find_map(|s| match s {
                Structure::Attribute(a) if a.key.as_str() == key => Some(&a.value),
                _ => None,
            })
            .expect("attribute")
    }

    #[test]
    fn nodes_are_small() {
        assert_eq!(std::mem::size_of::<Expression>(), 32);
        assert!(std::mem::size_of::<Structure>() <= 88);
    }

    #[test]
    fn spans_point_at_the_source() {
        let src = "resource \"aws_instance\" \"web\" {\n  ami = var.ami\n  n   = 1.5\n}\n";
        let b = tree(src);
        let Some(Structure::Block(block)) = b.iter().next() else {
            panic!("a block")
        };
        assert_eq!(block.ident.as_str(), "resource");
        let labels: Vec<&str> = block.labels.iter().map(Ident::as_str).collect();
        assert_eq!(labels, ["aws_instance", "web"]);
        assert_eq!(&src[block.labels[1].span().expect("span")], "\"web\"");
        let ami = attr(&block.body, "ami");
        assert_eq!(&src[ami.span().expect("span")], "var.ami");
        let Expr::Traversal(t) = &ami.kind else {
            panic!("a traversal")
        };
        assert!(matches!(&t.expr.kind, Expr::Variable(v) if &**v == "var"));
        assert!(matches!(&t.operators[..], [TraversalOperator::GetAttr(a)] if a.as_str() == "ami"));
        assert!(matches!(attr(&block.body, "n").kind, Expr::Float(f) if f == 1.5));
    }

    #[test]
    fn every_expression_kind_converts() {
        let src = r#"
a = null
b = true
c = 42
d = "x"
e = [1, "two"]
f = { k = 1, "q" = 2, (local.k) = 3 }
g = "pre-${var.x}-%{ if true }y%{ endif }"
h = (1)
i = cond ? 1 : 2
j = !false
k = 1 + 2
l = [for x in local.items : x if local.keep]
m = provider::aws::arn_parse("a")
n = max(1, 2)
o = list[0]
p = list.*.id
"#;
        let b = tree(src);
        let kinds: Vec<&Expr> = b
            .iter()
            .filter_map(|s| match s {
                Structure::Attribute(a) => Some(&a.value.kind),
                _ => None,
            })
            .collect();
        assert!(matches!(kinds[0], Expr::Null));
        assert!(matches!(kinds[1], Expr::Bool(true)));
        assert!(matches!(kinds[2], Expr::Int(42)));
        assert!(matches!(kinds[3], Expr::String(s) if &**s == "x"));
        assert!(matches!(kinds[4], Expr::Array(a) if a.len() == 2));
        let Expr::Object(o) = kinds[5] else { panic!() };
        assert!(matches!(&o[0].0, ObjectKey::Ident(i) if i.as_str() == "k"));
        assert!(
            matches!(&o[1].0, ObjectKey::Expression(e) if matches!(&e.kind, Expr::String(s) if &**s == "q"))
        );
        let Expr::Template(t) = kinds[6] else {
            panic!()
        };
        assert!(matches!(&t[0], Element::Literal(l) if &**l == "pre-"));
        assert!(matches!(&t[1], Element::Interpolation(_)));
        let d = t
            .iter()
            .find_map(|e| match e {
                Element::Directive(sp) => Some(sp.range()),
                _ => None,
            })
            .expect("directive");
        assert!(src[d].starts_with("%{ if true }"));
        assert!(matches!(kinds[7], Expr::Parenthesis(_)));
        assert!(matches!(kinds[8], Expr::Conditional(_)));
        assert!(matches!(kinds[9], Expr::Unary(UnaryOperator::Not, _)));
        assert!(matches!(kinds[10], Expr::Binary(BinaryOperator::Plus, _)));
        let Expr::For(refs) = kinds[11] else { panic!() };
        let refs: Vec<&str> = refs.iter().map(|s| &**s).collect();
        assert_eq!(refs, ["items", "keep"]);
        assert!(
            matches!(kinds[12], Expr::FuncCall(f) if f.namespaced && f.name.as_str() == "arn_parse")
        );
        assert!(matches!(kinds[13], Expr::FuncCall(f) if !f.namespaced && f.args.len() == 2));
        let Expr::Traversal(t) = kinds[14] else {
            panic!()
        };
        assert!(matches!(&t.operators[..], [TraversalOperator::Index(_)]));
        let Expr::Traversal(t) = kinds[15] else {
            panic!()
        };
        assert!(matches!(&t.operators[0], TraversalOperator::Splat));
    }

    #[test]
    fn heredocs_are_templates() {
        let src = "x = <<EOT\nhello ${var.n}\nEOT\n";
        let b = tree(src);
        let Expr::Template(t) = &attr(&b, "x").kind else {
            panic!("a template")
        };
        assert!(matches!(&t[0], Element::Literal(l) if &**l == "hello "));
        assert!(matches!(&t[1], Element::Interpolation(_)));
    }
}
