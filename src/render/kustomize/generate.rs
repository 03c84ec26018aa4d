//! configMapGenerator / secretGenerator and kustomize's content-hash name suffix.

use std::sync::Arc;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::parse::node::Scalar;
use crate::render::{Fs, Origin, Role, confined_join};

use super::kfile::{GenOptions, Generator};
use super::transform::Res;
use super::tree::{N, V, origin};
use super::within;

/// A problem met while generating: (span in the kustomization, message, code).
pub type GenError = (crate::source::Span, String, &'static str);

struct Item {
    key: String,
    value: Vec<u8>,
    origin: Origin,
}

fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

fn env_lines(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if i == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), v.to_string())),
            None => out.push((line.to_string(), String::new())),
        }
    }
    out
}

/// The items of one generator, read through `fs`.
fn items(
    fs: &dyn Fs,
    dir: &str,
    file: &Arc<str>,
    g: &Generator,
    errs: &mut Vec<GenError>,
) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let push = |it: Item, out: &mut Vec<Item>| match out.iter_mut().find(|x| x.key == it.key) {
        Some(x) => *x = it,
        None => out.push(it),
    };
    for e in &g.envs {
        let Some(path) = confined_join(dir, &e.value) else {
            errs.push((
                e.span,
                format!("env file {:?} is outside the repository", e.value),
                "outside-root",
            ));
            continue;
        };
        let Some(src) = fs.read(&path) else {
            errs.push((
                e.span,
                format!("env file {path} not found"),
                "missing-resource",
            ));
            continue;
        };
        for (k, v) in env_lines(&src.text) {
            push(
                Item {
                    key: k,
                    value: v.into_bytes(),
                    origin: origin(file, e.span, Role::Generator),
                },
                &mut out,
            );
        }
    }
    for l in &g.literals {
        match l.value.split_once('=') {
            Some((k, v)) if !k.is_empty() => push(
                Item {
                    key: k.to_string(),
                    value: remove_quotes(v).as_bytes().to_vec(),
                    origin: origin(file, l.span, Role::Generator),
                },
                &mut out,
            ),
            _ => errs.push((
                l.span,
                format!("invalid literal {:?}, expected key=value", l.value),
                "invalid",
            )),
        }
    }
    for f in &g.files {
        let (key, rel) = match f.value.split_once('=') {
            Some((k, p)) => (k.to_string(), p.to_string()),
            None => (
                f.value.rsplit('/').next().unwrap_or(&f.value).to_string(),
                f.value.clone(),
            ),
        };
        let Some(path) = confined_join(dir, &rel) else {
            errs.push((
                f.span,
                format!("file {rel:?} is outside the repository"),
                "outside-root",
            ));
            continue;
        };
        if !within(dir, &path) {
            errs.push((
                f.span,
                format!("file {path} is not in or below {dir}"),
                "outside-root",
            ));
            continue;
        }
        let Some(bytes) = fs.read_bytes(&path).filter(|_| fs.is_file(&path)) else {
            errs.push((f.span, format!("file {path} not found"), "missing-resource"));
            continue;
        };
        push(
            Item {
                key,
                value: bytes,
                origin: origin(file, f.span, Role::Generator),
            },
            &mut out,
        );
    }
    out
}

fn pairs_map(pairs: &[(String, String, Origin)], o: &Option<Origin>) -> N {
    let mut m = N::map(o.clone());
    for (k, v, po) in pairs {
        m.set(k, N::string(v.clone(), Some(po.clone())));
    }
    m
}

/// Merge generator options: the generator's own over the kustomization's.
pub fn merged_options(global: &GenOptions, own: &GenOptions) -> GenOptions {
    let mut o = global.clone();
    for (k, v, src) in &own.labels {
        o.labels.retain(|(kk, _, _)| kk != k);
        o.labels.push((k.clone(), v.clone(), src.clone()));
    }
    for (k, v, src) in &own.annotations {
        o.annotations.retain(|(kk, _, _)| kk != k);
        o.annotations.push((k.clone(), v.clone(), src.clone()));
    }
    if own.disable_hash.is_some() {
        o.disable_hash = own.disable_hash;
    }
    if own.immutable.is_some() {
        o.immutable = own.immutable;
    }
    o
}

/// Generate the object of one generator.
pub fn generate(
    fs: &dyn Fs,
    dir: &str,
    file: &Arc<str>,
    g: &Generator,
    global: &GenOptions,
    errs: &mut Vec<GenError>,
) -> Res {
    let o = Some(g.origin.clone());
    let opts = merged_options(global, &g.options);
    let mut obj = N::map(o.clone());
    obj.set("apiVersion", N::string("v1", o.clone()));
    obj.set("kind", N::string(g.kind, o.clone()));
    let mut meta = N::map(o.clone());
    meta.set("name", N::string(g.name.clone(), o.clone()));
    if let Some(ns) = &g.namespace {
        meta.set("namespace", N::string(ns.clone(), o.clone()));
    }
    if !opts.labels.is_empty() {
        meta.set("labels", pairs_map(&opts.labels, &o));
    }
    if !opts.annotations.is_empty() {
        meta.set("annotations", pairs_map(&opts.annotations, &o));
    }
    obj.set("metadata", meta);
    let its = items(fs, dir, file, g, errs);
    let mut data = N::map(o.clone());
    let mut binary = N::map(o.clone());
    let b64 = base64::engine::general_purpose::STANDARD;
    for it in its {
        if g.kind == "Secret" {
            data.set(&it.key, N::string(b64.encode(&it.value), Some(it.origin)));
        } else {
            match String::from_utf8(it.value) {
                Ok(s) => data.set(&it.key, N::string(s, Some(it.origin))),
                Err(e) => binary.set(
                    &it.key,
                    N::string(b64.encode(e.as_bytes()), Some(it.origin)),
                ),
            }
        }
    }
    // kubectl writes a Secret's `data` even when it is empty (and hashes it as `{}`); a
    // ConfigMap's only when it holds something
    if g.kind == "Secret" || data.as_map().is_some_and(|m| !m.is_empty()) {
        obj.set("data", data);
    }
    if binary.as_map().is_some_and(|m| !m.is_empty()) {
        obj.set("binaryData", binary);
    }
    if g.kind == "Secret" {
        obj.set(
            "type",
            N::string(
                g.secret_type.clone().unwrap_or_else(|| "Opaque".into()),
                o.clone(),
            ),
        );
    }
    if opts.immutable == Some(true) {
        obj.set(
            "immutable",
            N::new(V::Scalar("true".into(), Scalar::Bool(true)), o.clone()),
        );
    }
    let mut r = Res::new(obj);
    r.needs_hash = opts.disable_hash != Some(true);
    r
}

/// `behavior: merge` or `replace`: the generated data over an existing object's.
pub fn merge_into(existing: &mut Res, generated: &Res, replace: bool) {
    let keep_name = existing.obj.path(&["metadata", "name"]).cloned();
    let keep_ns = existing.obj.path(&["metadata", "namespace"]).cloned();
    // `replace` swaps the data; both keep the existing labels and annotations, the
    // generated ones merged over them (as kustomize does).
    if replace {
        for field in ["data", "binaryData"] {
            existing.obj.remove(field);
        }
        if let Some(t) = generated.obj.get("type") {
            existing.obj.set("type", t.clone());
        }
    }
    for field in ["data", "binaryData"] {
        if let Some(gd) = generated.obj.get(field).and_then(N::as_map) {
            let o = generated.obj.get(field).and_then(|n| n.o.clone());
            let d = existing.obj.child_map(field, &o);
            // kustomize merges the two as maps of strings: what the existing object held
            // that is no string becomes its text (`5` → "5"), or "" (null, lists, maps)
            if let Some(m) = d.as_map_mut() {
                for (_, v) in m.iter_mut() {
                    let text = match &v.v {
                        V::Scalar(_, Scalar::Null) | V::Seq(_) | V::Map(_) => String::new(),
                        V::Scalar(t, _) => t.clone(),
                    };
                    v.v = V::Scalar(text, Scalar::Str);
                }
            }
            for (k, v) in gd {
                d.set(k, v.clone());
            }
        }
    }
    for field in ["labels", "annotations"] {
        if let Some(gd) = generated.obj.path(&["metadata", field]).and_then(N::as_map) {
            let o = generated
                .obj
                .path(&["metadata", field])
                .and_then(|n| n.o.clone());
            let meta = existing.obj.child_map("metadata", &o);
            let d = meta.child_map(field, &o);
            for (k, v) in gd {
                d.set(k, v.clone());
            }
        }
    }
    let meta = existing.obj.child_map("metadata", &None);
    if let Some(n) = keep_name {
        meta.set("name", n);
    }
    match keep_ns {
        Some(ns) => meta.set("namespace", ns),
        None => {
            meta.remove("namespace");
        }
    }
    // The name suffix stays what the existing object had: kustomize keeps the existing
    // object's build annotations (its "needs hash" mark among them), so a plain ConfigMap a
    // generator merges into keeps its name, and so does one generated without a hash.
}

/// Go's encoding/json string quoting (HTML-safe, as kustomize's hasher uses).
fn go_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn go_json(n: &N, out: &mut String) {
    match &n.v {
        V::Scalar(t, k) => match k {
            Scalar::Str => go_json_str(t, out),
            Scalar::Null => out.push_str("null"),
            _ => out.push_str(t),
        },
        V::Seq(s) => {
            out.push('[');
            for (i, x) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(x, out);
            }
            out.push(']');
        }
        V::Map(m) => {
            let mut keys: Vec<&(String, N)> = m.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_str(k, out);
                out.push(':');
                go_json(v, out);
            }
            out.push('}');
        }
    }
}

/// kustomize's content hash of a ConfigMap or Secret (10 characters).
pub fn hash(r: &Res) -> String {
    // json.Marshal of a map: keys in sorted order.
    let mut fields: Vec<(&str, String)> = Vec::new();
    let enc = |n: Option<&N>| -> String {
        let mut s = String::new();
        match n {
            Some(n) if !matches!(n.v, V::Scalar(..)) || !n.is_null() => go_json(n, &mut s),
            _ => go_json_str("", &mut s),
        }
        s
    };
    // kustomize looks the name up as one field called "metadata/name", finds nothing, and
    // hashes an empty name: the suffix depends on the content only.
    fields.push(("name", "\"\"".into()));
    fields.push(("data", enc(r.obj.get("data"))));
    if r.kind() == "Secret" {
        fields.push(("kind", "\"Secret\"".into()));
        let t = r
            .obj
            .get("type")
            .cloned()
            .unwrap_or_else(|| N::string("", None));
        fields.push(("type", enc(Some(&t))));
        if let Some(sd) = r.obj.get("stringData").filter(|n| n.as_map().is_some()) {
            fields.push(("stringData", enc(Some(sd))));
        }
    } else {
        fields.push(("kind", "\"ConfigMap\"".into()));
        if let Some(bd) = r.obj.get("binaryData").filter(|n| n.as_map().is_some()) {
            fields.push(("binaryData", enc(Some(bd))));
        }
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut json = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('"');
        json.push_str(k);
        json.push_str("\":");
        json.push_str(v);
    }
    json.push('}');
    let digest = Sha256::digest(json.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(kind: &str, data: &[(&str, &str)]) -> Res {
        let mut obj = N::map(None);
        obj.set("apiVersion", N::string("v1", None));
        obj.set("kind", N::string(kind, None));
        let mut meta = N::map(None);
        meta.set("name", N::string("any-name", None));
        obj.set("metadata", meta);
        let mut d = N::map(None);
        for (k, v) in data {
            d.set(k, N::string(*v, None));
        }
        obj.set("data", d);
        if kind == "Secret" {
            obj.set("type", N::string("Opaque", None));
        }
        Res::new(obj)
    }

    #[test]
    fn hashes_match_kubectl_kustomize() {
        // `kubectl kustomize` (v5.5) names these x-4h2mbtbbt6 and s-k695gkmbtk.
        assert_eq!(hash(&generated("ConfigMap", &[("a", "b")])), "4h2mbtbbt6");
        assert_eq!(hash(&generated("Secret", &[("a", "Yg==")])), "k695gkmbtk");
    }

    #[test]
    fn env_files_and_literals_parse_as_kustomize() {
        assert_eq!(
            env_lines("\u{feff}# c\nA=1\n\n  B=x=y\nC\r\n"),
            vec![
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "x=y".to_string()),
                ("C".to_string(), String::new())
            ]
        );
        assert_eq!(remove_quotes("\"a b\""), "a b");
        assert_eq!(remove_quotes("'x"), "'x");
    }

    #[test]
    fn go_json_writes_what_encoding_json_writes() {
        // json.Marshal of the same map[string]interface{}: keys sorted, arrays and nulls as
        // JSON, control characters as lowercase \u escapes
        let n = |v: V| N::new(v, None);
        let str_ = |t: &str| n(V::Scalar(t.into(), Scalar::Str));
        let obj = n(V::Map(vec![
            (
                "b".into(),
                n(V::Seq(vec![
                    n(V::Scalar("1".into(), Scalar::Int)),
                    str_("x"),
                    n(V::Seq(Vec::new())),
                ])),
            ),
            // (a null written `~`: JSON has only `null`)
            ("a".into(), n(V::Scalar("~".into(), Scalar::Null))),
            ("c".into(), str_("\u{1}\u{1f}\u{7f}")),
        ]));
        let mut s = String::new();
        go_json(&obj, &mut s);
        assert_eq!(
            s,
            "{\"a\":null,\"b\":[1,\"x\",[]],\"c\":\"\\u0001\\u001f\u{7f}\"}"
        );
    }

    #[test]
    fn go_json_escapes_html_characters() {
        let mut s = String::new();
        go_json_str("<a&b>\n\"", &mut s);
        assert_eq!(s, "\"\\u003ca\\u0026b\\u003e\\n\\\"\"");
    }
}
