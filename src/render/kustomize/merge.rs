//! Patches: strategic merge (built-in kinds: lists merged by key, `$patch`, `$retainKeys`,
//! `$deleteFromPrimitiveList`), JSON merge semantics for other kinds (lists replaced), and
//! JSON 6902 operations.

use super::tree::{N, V};

/// API groups whose kinds have Kubernetes' strategic-merge schema.
pub fn is_builtin_group(api_version: &str) -> bool {
    let group = match api_version.split_once('/') {
        Some((g, _)) => g,
        None => return true,
    };
    matches!(
        group,
        "apps"
            | "batch"
            | "extensions"
            | "policy"
            | "autoscaling"
            | "networking.k8s.io"
            | "rbac.authorization.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "admissionregistration.k8s.io"
            | "apiextensions.k8s.io"
            | "apiregistration.k8s.io"
            | "coordination.k8s.io"
            | "discovery.k8s.io"
            | "node.k8s.io"
            | "certificates.k8s.io"
            | "events.k8s.io"
            | "flowcontrol.apiserver.k8s.io"
            | "resource.k8s.io"
    )
}

/// How a list field of a built-in kind merges: by a key, as a set of primitives, or not
/// at all (replaced).
enum ListMerge {
    Key(&'static str),
    Primitive,
    Replace,
}

fn list_merge(field: &str, items: &[&N]) -> ListMerge {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates" => ListMerge::Key("name"),
        "volumeMounts" => ListMerge::Key("mountPath"),
        "volumeDevices" => ListMerge::Key("devicePath"),
        "hostAliases" => ListMerge::Key("ip"),
        "topologySpreadConstraints" => ListMerge::Key("topologyKey"),
        "ownerReferences" => ListMerge::Key("uid"),
        "conditions" => ListMerge::Key("type"),
        "finalizers" => ListMerge::Primitive,
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                ListMerge::Key("containerPort")
            } else {
                ListMerge::Key("port")
            }
        }
        _ => ListMerge::Replace,
    }
}

fn directive(n: &N) -> Option<&str> {
    n.get("$patch").and_then(N::text)
}

/// Outcome of merging a patch into a value.
pub enum Merged {
    Keep,
    Delete,
}

/// Merge `patch` into `dst`. `smp`: strategic merge (built-in kind); otherwise JSON merge
/// (lists replaced). Returns `Delete` when the patch deletes `dst` (`$patch: delete`).
pub fn merge(dst: &mut N, patch: &N, smp: bool, field: &str, depth: usize) -> Merged {
    // A patch is parsed YAML, nested at most `MAX_DEPTH` levels, so a whole patch always
    // merges; this only guards against a caller that builds deeper trees.
    if depth > crate::parse::yaml::MAX_DEPTH {
        return Merged::Keep;
    }
    match (&mut dst.v, &patch.v) {
        (V::Map(_), V::Map(pm)) => {
            match directive(patch) {
                Some("delete") => return Merged::Delete,
                Some("replace") => {
                    let mut copy = strip_directives(patch);
                    copy.o = patch.o.clone();
                    *dst = copy;
                    return Merged::Keep;
                }
                _ => {}
            }
            let retain: Option<Vec<String>> =
                patch.get("$retainKeys").and_then(N::as_seq).map(|s| {
                    s.iter()
                        .filter_map(|x| x.text().map(String::from))
                        .collect()
                });
            for (k, pv) in pm {
                if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
                    continue;
                }
                if let Some(f) = k.strip_prefix("$deleteFromPrimitiveList/") {
                    if let (Some(list), Some(del)) = (dst.get_mut(f), pv.as_seq())
                        && let Some(items) = list.as_seq_mut()
                    {
                        items.retain(|i| !del.iter().any(|d| d.same_data(i)));
                    }
                    continue;
                }
                if pv.is_null() {
                    dst.remove(k);
                    continue;
                }
                match dst.get_mut(k) {
                    Some(dv) => {
                        if let Merged::Delete = merge(dv, pv, smp, k, depth + 1) {
                            dst.remove(k);
                        }
                    }
                    None => {
                        if pv.as_map().is_some() && directive(pv) == Some("delete") {
                            continue;
                        }
                        let mut fresh = N::map(pv.o.clone());
                        match &pv.v {
                            V::Map(_) => {
                                if let Merged::Keep = merge(&mut fresh, pv, smp, k, depth + 1) {
                                    dst.set(k, fresh);
                                }
                            }
                            V::Seq(_) => {
                                let mut fresh = N::new(V::Seq(Vec::new()), pv.o.clone());
                                merge(&mut fresh, pv, smp, k, depth + 1);
                                dst.set(k, fresh);
                            }
                            V::Scalar(..) => dst.set(k, pv.clone()),
                        }
                    }
                }
            }
            if let Some(keep) = retain
                && let Some(m) = dst.as_map_mut()
            {
                m.retain(|(k, _)| keep.iter().any(|x| x == k));
            }
            Merged::Keep
        }
        (V::Seq(_), V::Seq(pitems)) if smp => {
            merge_list(dst, pitems, field, patch, depth);
            Merged::Keep
        }
        _ => {
            if let V::Map(_) = &patch.v {
                if directive(patch) == Some("delete") {
                    return Merged::Delete;
                }
                let mut fresh = N::map(patch.o.clone());
                merge(&mut fresh, patch, smp, field, depth + 1);
                *dst = fresh;
            } else if let V::Seq(items) = &patch.v {
                let cleaned: Vec<N> = items
                    .iter()
                    .filter(|i| directive(i).is_none())
                    .map(strip_directives)
                    .collect();
                *dst = N::new(V::Seq(cleaned), patch.o.clone());
            } else {
                *dst = patch.clone();
            }
            Merged::Keep
        }
    }
}

/// A copy without `$patch`/`$retainKeys`/... keys.
pub fn strip_directives(n: &N) -> N {
    match &n.v {
        V::Map(m) => N::new(
            V::Map(
                m.iter()
                    .filter(|(k, _)| !k.starts_with('$'))
                    .map(|(k, v)| (k.clone(), strip_directives(v)))
                    .collect(),
            ),
            n.o.clone(),
        ),
        V::Seq(s) => N::new(
            V::Seq(s.iter().map(strip_directives).collect()),
            n.o.clone(),
        ),
        V::Scalar(..) => n.clone(),
    }
}

fn key_of<'a>(n: &'a N, key: &str) -> Option<&'a str> {
    n.get(key).and_then(N::text)
}

/// A list item that is only `$patch: replace`: the list is replaced by the other items.
fn is_list_replace(n: &N) -> bool {
    directive(n) == Some("replace") && n.as_map().is_some_and(|m| m.len() == 1)
}

fn merge_list(dst: &mut N, pitems: &[N], field: &str, patch: &N, depth: usize) {
    if pitems.iter().any(is_list_replace) {
        let items: Vec<N> = pitems
            .iter()
            .filter(|i| !is_list_replace(i))
            .map(strip_directives)
            .collect();
        *dst = N::new(V::Seq(items), patch.o.clone());
        return;
    }
    let all: Vec<&N> = dst.as_seq().map(|s| s.iter().collect()).unwrap_or_default();
    let mut probe = all.clone();
    probe.extend(pitems.iter());
    let how = list_merge(field, &probe);
    let Some(ditems) = dst.as_seq_mut() else {
        return;
    };
    match how {
        ListMerge::Replace => {
            *ditems = pitems.iter().map(strip_directives).collect();
            dst.o = patch.o.clone();
        }
        ListMerge::Primitive => {
            // The patch's items first, then the others (kustomize prepends).
            let mut out: Vec<N> = Vec::new();
            for p in pitems {
                if !out.iter().any(|x| x.same_data(p)) {
                    out.push(p.clone());
                }
            }
            for d in ditems.drain(..) {
                if !out.iter().any(|x| x.same_data(&d)) {
                    out.push(d);
                }
            }
            *ditems = out;
        }
        ListMerge::Key(key) => {
            let mut old: Vec<Option<N>> = ditems.drain(..).map(Some).collect();
            let mut out: Vec<N> = Vec::new();
            for p in pitems {
                let pk = key_of(p, key);
                let found = pk.and_then(|pk| {
                    old.iter()
                        .position(|o| o.as_ref().and_then(|o| key_of(o, key)) == Some(pk))
                });
                match found {
                    Some(i) => {
                        let Some(mut d) = old[i].take() else { continue };
                        // kustomize keeps the element as it was for `$patch: replace`
                        // inside a keyed element (it only moves it to the patch's place).
                        if directive(p) == Some("replace") {
                            out.push(d);
                            continue;
                        }
                        if let Merged::Keep = merge(&mut d, p, true, "", depth + 1) {
                            out.push(d);
                        }
                    }
                    None => {
                        if directive(p) == Some("delete") {
                            continue;
                        }
                        out.push(strip_directives(p));
                    }
                }
            }
            out.extend(old.into_iter().flatten());
            *ditems = out;
        }
    }
}

// ---------------------------------------------------------------- JSON 6902

/// One JSON 6902 operation failed: why.
pub type OpError = String;

fn unescape(tok: &str) -> String {
    tok.replace("~1", "/").replace("~0", "~")
}

fn pointer(path: &str) -> Result<Vec<String>, OpError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("path {path:?} does not start with /"))?;
    Ok(rest.split('/').map(unescape).collect())
}

fn walk_mut<'a>(root: &'a mut N, toks: &[String]) -> Result<&'a mut N, OpError> {
    let mut cur = root;
    for t in toks {
        cur = match &mut cur.v {
            V::Map(m) => m
                .iter_mut()
                .find(|(k, _)| k == t)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("no field {t:?}"))?,
            V::Seq(s) => {
                let i: usize = t.parse().map_err(|_| format!("bad index {t:?}"))?;
                s.get_mut(i)
                    .ok_or_else(|| format!("index {i} out of range"))?
            }
            V::Scalar(..) => return Err(format!("{t:?} is inside a scalar")),
        };
    }
    Ok(cur)
}

fn get_at(root: &N, toks: &[String]) -> Result<N, OpError> {
    let mut cur = root;
    for t in toks {
        cur = match &cur.v {
            V::Map(m) => m
                .iter()
                .find(|(k, _)| k == t)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("no field {t:?}"))?,
            V::Seq(s) => {
                let i: usize = t.parse().map_err(|_| format!("bad index {t:?}"))?;
                s.get(i).ok_or_else(|| format!("index {i} out of range"))?
            }
            V::Scalar(..) => return Err(format!("{t:?} is inside a scalar")),
        };
    }
    Ok(cur.clone())
}

fn add_at(root: &mut N, toks: &[String], value: N, replace: bool) -> Result<(), OpError> {
    let Some((last, parent)) = toks.split_last() else {
        *root = value;
        return Ok(());
    };
    let p = walk_mut(root, parent)?;
    match &mut p.v {
        V::Map(m) => {
            match m.iter_mut().find(|(k, _)| k == last) {
                Some(slot) => slot.1 = value,
                None if replace => return Err(format!("no field {last:?} to replace")),
                None => m.push((last.clone(), value)),
            }
            Ok(())
        }
        V::Seq(s) => {
            if last == "-" {
                if replace {
                    return Err("cannot replace at -".into());
                }
                s.push(value);
                return Ok(());
            }
            let i: usize = last.parse().map_err(|_| format!("bad index {last:?}"))?;
            if replace {
                let slot = s
                    .get_mut(i)
                    .ok_or_else(|| format!("index {i} out of range"))?;
                *slot = value;
            } else {
                if i > s.len() {
                    return Err(format!("index {i} out of range"));
                }
                s.insert(i, value);
            }
            Ok(())
        }
        V::Scalar(..) => Err(format!("{last:?} is inside a scalar")),
    }
}

fn remove_at(root: &mut N, toks: &[String]) -> Result<N, OpError> {
    let Some((last, parent)) = toks.split_last() else {
        return Err("cannot remove the whole object".into());
    };
    let p = walk_mut(root, parent)?;
    match &mut p.v {
        V::Map(m) => {
            let i = m
                .iter()
                .position(|(k, _)| k == last)
                .ok_or_else(|| format!("no field {last:?} to remove"))?;
            Ok(m.remove(i).1)
        }
        V::Seq(s) => {
            let i: usize = last.parse().map_err(|_| format!("bad index {last:?}"))?;
            if i >= s.len() {
                return Err(format!("index {i} out of range"));
            }
            Ok(s.remove(i))
        }
        V::Scalar(..) => Err(format!("{last:?} is inside a scalar")),
    }
}

/// Apply one JSON 6902 operation (a map with op/path/value/from) to `obj`.
pub fn apply_op(obj: &mut N, op: &N) -> Result<(), OpError> {
    let name = op
        .get("op")
        .and_then(N::text)
        .ok_or("operation without op")?;
    let path = op.get("path").and_then(N::text).unwrap_or("");
    let toks = pointer(path)?;
    match name {
        "add" | "replace" => {
            let v = op
                .get("value")
                .cloned()
                .ok_or_else(|| format!("{name} without value"))?;
            add_at(obj, &toks, v, name == "replace")
        }
        "remove" => remove_at(obj, &toks).map(|_| ()),
        "move" | "copy" => {
            let from = pointer(op.get("from").and_then(N::text).unwrap_or(""))?;
            let v = if name == "move" {
                remove_at(obj, &from)?
            } else {
                get_at(obj, &from)?
            };
            add_at(obj, &toks, v, false)
        }
        "test" => {
            let want = op.get("value").ok_or("test without value")?;
            let have = get_at(obj, &toks)?;
            let eq = match (&have.v, &want.v) {
                (V::Scalar(a, _), V::Scalar(b, _)) => a == b,
                _ => have.same_data(want),
            };
            if eq {
                Ok(())
            } else {
                Err(format!("test failed at {path}"))
            }
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::parse::yaml::parse;
    use crate::render::Role;

    fn n(text: &str) -> N {
        let p = parse(text);
        let path: Arc<str> = Arc::from("t.yaml");
        N::from_node(&p.docs[0].root, &path, Role::Base)
    }

    fn json(x: &N) -> serde_json::Value {
        let mut out = String::new();
        let mut m = crate::render::OriginMap::new();
        super::super::tree::emit_doc(x, &mut out, &mut m);
        parse(&out).docs[0].root.to_json()
    }

    #[test]
    fn directives_retain_keys_delete_from_primitive_list_and_finalizers() {
        let mut d = n(
            "metadata:\n  finalizers: [a, b]\nspec:\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1}\n  args: [x, y, z]\n",
        );
        let p = n(
            "metadata:\n  finalizers: [c, a]\nspec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate\n  $deleteFromPrimitiveList/args: [y]\n",
        );
        assert!(matches!(merge(&mut d, &p, true, "", 0), Merged::Keep));
        assert_eq!(
            json(&d),
            serde_json::json!({
                "metadata": {"finalizers": ["c", "a", "b"]},
                "spec": {"strategy": {"type": "Recreate"}, "args": ["x", "z"]}
            })
        );
    }

    #[test]
    fn list_replace_and_delete_directives() {
        let mut d = n(
            "spec:\n  containers:\n  - {name: a, image: a}\n  - {name: b, image: b}\n  volumes:\n  - {name: v}\n",
        );
        let p = n(
            "spec:\n  containers:\n  - $patch: replace\n  - {name: c, image: c}\n  volumes:\n  - {name: v, $patch: delete}\n",
        );
        merge(&mut d, &p, true, "", 0);
        assert_eq!(
            json(&d),
            serde_json::json!({"spec": {"containers": [{"name": "c", "image": "c"}], "volumes": []}})
        );
        let mut whole = n("kind: Deployment\n");
        assert!(matches!(
            merge(&mut whole, &n("$patch: delete\n"), true, "", 0),
            Merged::Delete
        ));
    }

    #[test]
    fn json_merge_for_custom_kinds_replaces_lists() {
        let mut d = n("spec:\n  containers:\n  - {name: a, image: a}\n  keep: 1\n");
        let p = n("spec:\n  containers:\n  - {name: b}\n  keep: null\n");
        merge(&mut d, &p, false, "", 0);
        assert_eq!(
            json(&d),
            serde_json::json!({"spec": {"containers": [{"name": "b"}]}})
        );
    }

    #[test]
    fn json6902_operations_and_errors() {
        let mut d = n("a:\n  b: [1, 2]\n  c: x\n");
        for op in [
            "{op: add, path: /a/b/1, value: 9}",
            "{op: add, path: /a/b/-, value: 3}",
            "{op: move, from: /a/c, path: /d}",
            "{op: copy, from: /d, path: /a/e~1f}",
            "{op: remove, path: /a/b/0}",
            "{op: test, path: /d, value: x}",
        ] {
            apply_op(&mut d, &n(op)).expect(op);
        }
        assert_eq!(
            json(&d),
            serde_json::json!({"a": {"b": [9, 2, 3], "e/f": "x"}, "d": "x"})
        );
        assert_eq!(
            apply_op(&mut d, &n("{op: replace, path: /nope, value: 1}")),
            Err("no field \"nope\" to replace".to_string())
        );
        assert_eq!(
            apply_op(&mut d, &n("{op: test, path: /d, value: y}")),
            Err("test failed at /d".to_string())
        );
        assert!(apply_op(&mut d, &n("{op: remove, path: /a/b/7}")).is_err());
    }
}
