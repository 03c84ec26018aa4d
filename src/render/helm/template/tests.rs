//! Engine tests with outputs verified against Go's text/template + Sprig (as Helm runs
//! them: missingkey=zero, `<no value>` dropped).

use std::rc::Rc;

use super::exec::{Budget, Exec, Set};
use super::parse;
use crate::render::helm::funcs::HelmFuncs;
use crate::render::helm::yaml::from_yaml;

fn run_with(tpl: &str, values_yaml: &str, budget: Budget) -> Result<String, String> {
    super::exec::with_big_stack(|| run_inner(tpl, values_yaml, budget))
}

fn run_inner(tpl: &str, values_yaml: &str, budget: Budget) -> Result<String, String> {
    let values = from_yaml(values_yaml).map_err(|e| e.to_string())?;
    let mut set = Set::default();
    let parsed = parse::parse(tpl).map_err(|e| format!("parse@{}: {}", e.pos, e.message))?;
    set.files.push(super::exec::FileInfo {
        name: Rc::from("t"),
        src: Rc::from(tpl),
    });
    set.add_defines(0, parsed.defines);
    let funcs = HelmFuncs::new();
    let mut ex = Exec::new(&mut set, &funcs, budget);
    let dot = super::value::map_of(vec![("Values", values)]);
    ex.run(0, &parsed.root, (dot, 0))
        .map_err(|e| format!("{}@{}: {}", e.code, e.pos, e.message))?;
    Ok(ex.out.replace("<no value>", ""))
}

fn run(tpl: &str, values_yaml: &str) -> String {
    match run_with(tpl, values_yaml, Budget::default()) {
        Ok(s) => s,
        Err(e) => panic!("template failed: {e}"),
    }
}

fn fails(tpl: &str, values_yaml: &str) -> String {
    match run_with(tpl, values_yaml, Budget::default()) {
        Ok(s) => panic!("expected an error, got {s:?}"),
        Err(e) => e,
    }
}

#[test]
fn numbers_print_like_go() {
    assert_eq!(run("{{ 1000000.0 }}", "{}"), "1e+06");
    assert_eq!(run("{{ 1000000 }}", "{}"), "1000000");
    assert_eq!(run(r#"{{ printf "%v" 1.5 }}"#, "{}"), "1.5");
    assert_eq!(run("{{ .Values.num }}", "num: 1000000"), "1e+06");
    assert_eq!(run("{{ .Values.num }}", "num: 8080"), "8080");
    assert_eq!(run("{{ .Values.num | toYaml }}", "num: 1000000"), "1000000");
    assert_eq!(run("{{ .Values.num | int }}", "num: 1000000"), "1000000");
    assert_eq!(
        run(r#"{{ printf "%05d|%x|%q|%t" 42 255 "a" true }}"#, "{}"),
        "00042|ff|\"a\"|true"
    );
    assert_eq!(
        run(r#"{{ printf "%d" .Values.num }}"#, "num: 3"),
        "%!d(float64=3)"
    );
    assert_eq!(run("{{ .Values.f }}", "f: 0.00001"), "1e-05");
}

#[test]
fn trimming_and_comments() {
    assert_eq!(run("a  {{- 1 -}}  b", "{}"), "a1b");
    assert_eq!(run("a\n  {{- /* c */ -}}\n  b", "{}"), "ab");
    assert_eq!(run("a {{/* c */}} b", "{}"), "a  b");
    assert_eq!(run("{{ -1 }}", "{}"), "-1");
}

#[test]
fn range_over_maps_lists_and_ints() {
    assert_eq!(
        run(
            "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}",
            "m: {b: 2, a: 1, c: x}"
        ),
        "a=1;b=2;c=x;"
    );
    assert_eq!(
        run(
            "{{ range $i, $v := .Values.l }}{{ $i }}{{ $v }}{{ end }}",
            "l: [x, z]"
        ),
        "0x1z"
    );
    // YAML 1.1 as Helm reads values: `y` is a boolean
    assert_eq!(
        run("{{ range .Values.l }}{{ . }}{{ end }}", "l: [y, n]"),
        "truefalse"
    );
    assert_eq!(run("{{ range 3 }}{{ . }}{{ end }}", "{}"), "012");
    assert_eq!(
        run("{{ range .Values.none }}x{{ else }}empty{{ end }}", "{}"),
        "empty"
    );
    assert_eq!(
        run(
            "{{ range (list 1 2 3 4 5) }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}",
            "{}"
        ),
        "13"
    );
}

#[test]
fn variables_scopes_and_reassignment() {
    assert_eq!(
        run(
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
            "{}"
        ),
        "2"
    );
    assert_eq!(
        run(
            "{{ $x := 1 }}{{ range (list 5 6) }}{{ $x = . }}{{ end }}{{ $x }}",
            "{}"
        ),
        "6"
    );
    assert_eq!(
        run(
            "{{ with .Values.a }}{{ .b }}{{ $.Values.c }}{{ end }}",
            "a: {b: 1}\nc: z"
        ),
        "1z"
    );
    assert_eq!(run("{{ with .Values.x }}y{{ else }}n{{ end }}", "{}"), "n");
    assert_eq!(
        run(
            "{{ if .Values.a }}a{{ else if .Values.b }}b{{ else }}c{{ end }}",
            "b: true"
        ),
        "b"
    );
}

#[test]
fn define_template_include_and_block() {
    let t = r#"{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" 1 }}{{ include "x" 2 | upper }}{{ block "y" 3 }}<{{ . }}>{{ end }}"#;
    assert_eq!(run(t, "{}"), "[1][2]<3>");
    let e = fails(r#"{{ include "nope" . }}"#, "{}");
    assert!(e.contains("no template \"nope\""), "{e}");
    let e = fails(
        r#"{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}"#,
        "{}",
    );
    assert!(e.starts_with("cycle@"), "{e}");
}

#[test]
fn missing_keys_and_nil_pointers() {
    assert_eq!(run("a{{ .Values.missing }}b", "{}"), "ab");
    let e = fails("{{ .Values.a.b.c }}", "{}");
    assert!(e.contains("nil pointer evaluating interface {}.b"), "{e}");
    assert_eq!(run("{{ .Values.a.b }}", "a: {}"), "");
    let e = fails("{{ .Values.s.x }}", "s: str");
    assert!(e.contains("can't evaluate field x in type string"), "{e}");
}

#[test]
fn logic_and_comparisons() {
    assert_eq!(
        run("{{ and 1 0 }}{{ or 0 \"\" 3 }}{{ not 0 }}", "{}"),
        "03true"
    );
    assert_eq!(
        run("{{ or .Values.a (fail \"not reached\") }}", "a: x"),
        "x"
    );
    assert_eq!(
        run(
            "{{ eq 1 2 3 1 }}{{ ne \"a\" \"b\" }}{{ lt 1 2 }}{{ ge 2.5 2.5 }}",
            "{}"
        ),
        "truetruetruetrue"
    );
    let e = fails("{{ eq .Values.num 1 }}", "num: 1");
    assert!(e.contains("incompatible types"), "{e}");
    assert_eq!(run("{{ eq .Values.missing nil }}", "{}"), "true");
    assert_eq!(
        run(
            "{{ len .Values.l }}{{ index .Values.l 1 }}{{ index .Values.m \"k\" }}",
            "l: [a, b]\nm: {k: v}"
        ),
        "2bv"
    );
    // Helm's `slice` is Sprig's, for lists only (text/template's own one also slices strings)
    assert_eq!(run("{{ slice .Values.l 1 }}", "l: [a, b]"), "[b]");
    assert!(fails("{{ slice \"hello\" 1 3 }}", "{}").contains("list should be type of slice"));
}

#[test]
fn parenthesised_pipelines_and_chains() {
    assert_eq!(run("{{ (dict \"a\" (dict \"b\" 5)).a.b }}", "{}"), "5");
    assert_eq!(run("{{ $d := dict \"k\" 1 }}{{ $d.k }}", "{}"), "1");
    assert_eq!(run("{{ \"x\" | printf \"%s-%s\" \"y\" }}", "{}"), "y-x");
}

#[test]
fn sprig_strings_and_lists() {
    assert_eq!(
        run("{{ \"hello world\" | trunc 5 | upper | quote }}", "{}"),
        "\"HELLO\""
    );
    assert_eq!(
        run(
            "{{ trimSuffix \"-\" \"a-b-\" }}{{ default \"d\" .Values.x }}{{ default \"d\" \"v\" }}",
            "{}"
        ),
        "a-bdv"
    );
    assert_eq!(run("{{ list 1 \"a\" | toJson }}", "{}"), "[1,\"a\"]");
    assert_eq!(
        run("{{ dict \"b\" 1 \"a\" (list 1 2) | toYaml }}", "{}"),
        "a:\n- 1\n- 2\nb: 1"
    );
    assert_eq!(
        run("{{ \"a,b\" | splitList \",\" | join \"+\" }}", "{}"),
        "a+b"
    );
    assert_eq!(run("{{ (split \":\" \"x:y\")._1 }}", "{}"), "y");
    assert_eq!(
        run("{{ regexReplaceAll \"(a)(b)\" \"xab\" \"${2}$1\" }}", "{}"),
        "xba"
    );
    assert_eq!(
        run("{{ \"x\" | nindent 2 }}|{{ \"a\\nb\" | indent 1 }}", "{}"),
        "\n  x| a\n b"
    );
    assert_eq!(
        run(
            "{{ semverCompare \">=1.21-0\" \"v1.31.0\" }}{{ semverCompare \"<1.19\" \"1.31.0\" }}",
            "{}"
        ),
        "truefalse"
    );
    assert_eq!(
        run("{{ sha256sum \"abc\" | trunc 8 }}{{ b64enc \"hi\" }}", "{}"),
        "ba7816bfaGk="
    );
    assert_eq!(
        run(
            "{{ until 3 | toJson }}{{ add 1 2 }}{{ sub 5 1.5 }}{{ max 1 7 3 }}",
            "{}"
        ),
        "[0,1,2]347"
    );
    assert_eq!(
        run(
            "{{ $d := dict }}{{ $_ := set $d \"k\" 1 }}{{ hasKey $d \"k\" }}{{ keys (dict \"b\" 1 \"a\" 2) | sortAlpha }}",
            "{}"
        ),
        "true[a b]"
    );
    assert_eq!(
        run(
            "{{ merge (dict \"a\" 1) (dict \"a\" 2 \"b\" 3) | toJson }}{{ mergeOverwrite (dict \"a\" 1) (dict \"a\" 2) | toJson }}",
            "{}"
        ),
        "{\"a\":1,\"b\":3}{\"a\":2}"
    );
    assert_eq!(
        run(
            "{{ ternary \"y\" \"n\" true }}{{ coalesce \"\" 0 \"c\" }}{{ empty (list) }}",
            "{}"
        ),
        "yctrue"
    );
    assert_eq!(
        run(
            "{{ typeOf 1 }} {{ typeOf .Values.num }} {{ kindOf (list) }} {{ kindIs \"map\" (dict) }}",
            "num: 1"
        ),
        "int float64 slice true"
    );
    assert_eq!(run("{{ tpl \"{{ .Values.a }}!\" . }}", "a: hi"), "hi!");
    assert_eq!(
        run(
            "{{ .Values.m | toYaml }}",
            "m: {k: \"true\", e: '', s: 'a: b', x: ~}"
        ),
        "e: \"\"\nk: \"true\"\ns: 'a: b'\nx: null"
    );
    assert_eq!(run("{{ fromYaml \"a: 1\" | toJson }}", "{}"), "{\"a\":1}");
    assert_eq!(
        run(
            "{{ dig \"a\" \"b\" \"def\" .Values }}{{ dig \"a\" \"x\" \"def\" .Values }}",
            "a: {b: 1}"
        ),
        "1def"
    );
}

#[test]
fn required_and_fail_are_errors() {
    let e = fails("{{ required \"need x\" .Values.x }}", "{}");
    assert!(e.starts_with("required@") && e.contains("need x"), "{e}");
    let e = fails("{{ fail \"boom\" }}", "{}");
    assert!(e.starts_with("fail@") && e.contains("boom"), "{e}");
    assert_eq!(run("{{ required \"need x\" .Values.x }}", "x: 1"), "1");
}

#[test]
fn parse_errors_are_located() {
    let e = parse::parse("ok {{ if }}").unwrap_err();
    assert!((3..11).contains(&e.pos), "{}", e.pos);
    assert!(parse::parse("{{ end }}").is_err());
    assert!(parse::parse("{{ if 1 }}x").is_err());
    assert!(parse::parse("{{ $x }}").is_err());
    assert!(parse::parse("{{ \"unterminated }}").is_err());
}

#[test]
fn budgets_bound_hostile_templates() {
    let small = Budget {
        max_output: 1000,
        max_steps: 10_000,
    };
    let e = run_with("{{ range 100000000 }}x{{ end }}", "{}", small).unwrap_err();
    assert!(e.starts_with("budget@"), "{e}");
    let e = run_with("{{ range 500 }}xxxxxxxxxx{{ end }}", "{}", small).unwrap_err();
    assert!(e.starts_with("budget@"), "{e}");
    let e = run_with("{{ repeat 100000 \"x\" }}", "{}", small).unwrap_err();
    assert!(e.contains("budget"), "{e}");
    // exactly the budget is allowed, one byte more is not
    assert_eq!(
        run_with("{{ repeat 500 \"xy\" }}", "{}", small).map(|s| s.len()),
        Ok(1000)
    );
    let e = run_with("{{ repeat 1001 \"x\" }}", "{}", small).unwrap_err();
    assert!(e.contains("budget"), "{e}");
    // the budget counts what is already written plus what is written now
    let fits = |t: &str| run_with(t, "{}", small).map(|s| s.len());
    assert_eq!(fits("{{ range 500 }}xy{{ end }}"), Ok(1000));
    assert_eq!(fits("{{ range 250 }}{{ \"ab\" }}xy{{ end }}"), Ok(1000));
    let e = run_with("{{ range 500 }}xy{{ end }}z", "{}", small).unwrap_err();
    assert!(e.starts_with("budget@"), "{e}");
}

#[test]
fn random_integers_cover_their_range_and_stay_in_it() {
    let out = run("{{ range until 400 }}{{ randInt 5 10 }},{{ end }}", "{}");
    let seen: std::collections::BTreeSet<i64> = out
        .split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().expect("an integer"))
        .collect();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [5, 6, 7, 8, 9]);
    // an empty or reversed range gives its low end
    assert_eq!(run("{{ randInt 3 3 }}", "{}"), "3");
}

#[test]
fn get_host_by_name_resolves_nothing_offline() {
    // `helm template` would ask the DNS; octolint renders offline, as an unresolved name
    assert_eq!(run("[{{ getHostByName \"example.com\" }}]", "{}"), "[]");
}

/// Every expression of `fixtures/render/helm/functions.rows`, run with the values of the table,
/// prints what Helm's own library printed for it, or fails where Helm failed
/// (`scripts/helm-functions-table.py` wrote the expectations with the Helm oracle).
#[test]
fn functions_agree_with_helm() {
    let table: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../fixtures/render/helm/functions.json"
    ))
    .expect("functions.json is JSON");
    let values = table["values"].as_str().expect("values");
    let rows = table["rows"].as_array().expect("rows");
    assert!(rows.len() >= 500, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for row in rows {
        let t = row["t"].as_str().expect("t");
        let got = run_with(t, values, Budget::default());
        match (row["out"].as_str(), got) {
            (Some(want), Ok(got)) if got == want => {}
            (None, Err(_)) => {}
            (want, got) => wrong.push(format!("{t}\n   helm: {want:?}\n   here: {got:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// Run `files` as one template set (each parsed as its own file, defines added in order, as
/// Helm adds a chart's templates), executing the last one.
fn run_files(files: &[&str]) -> Result<String, String> {
    super::exec::with_big_stack(|| {
        let mut set = Set::default();
        let mut roots = Vec::new();
        for (i, src) in files.iter().enumerate() {
            let parsed = parse::parse(src).map_err(|e| format!("parse: {}", e.message))?;
            set.files.push(super::exec::FileInfo {
                name: Rc::from(format!("f{i}")),
                src: Rc::from(*src),
            });
            set.add_defines(i as u32, parsed.defines);
            roots.push(parsed.root);
        }
        let funcs = HelmFuncs::new();
        let mut ex = Exec::new(&mut set, &funcs, Budget::default());
        let last = roots.len() - 1;
        let dot = super::value::map_of(vec![]);
        ex.run(last as u32, &roots[last], (dot, 0))
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        Ok(ex.out.replace("<no value>", ""))
    })
}

/// A later file's define replaces an earlier one, unless its body is only blank text (Go's
/// `AddParseTree`). Checked with Helm, which adds `_b.tpl` before `_a.tpl`: where `_b.tpl`
/// defines "x" as `first` and "y" as `two`, and `_a.tpl` defines "x" as blanks, "y" as `one`
/// and "z" as blanks, `include` gives `first`, `one` and the blanks.
#[test]
fn later_defines_replace_earlier_ones_unless_blank() {
    let a = r#"{{ define "x" }}first{{ end }}"#;
    let main = r#"[{{ include "x" . }}]"#;
    assert_eq!(
        run_files(&[a, r#"{{ define "x" }}second{{ end }}"#, main]),
        Ok("[second]".into())
    );
    assert_eq!(
        run_files(&[a, "{{ define \"x\" }} \n\t {{ end }}", main]),
        Ok("[first]".into())
    );
    // a blank define with nothing before it is still a template
    assert_eq!(
        run_files(&["{{ define \"x\" }}  {{ end }}", main]),
        Ok("[  ]".into())
    );
    // an action makes a body non-blank, even one that prints nothing
    assert_eq!(
        run_files(&[a, r#"{{ define "x" }}{{ "" }}{{ end }}"#, main]),
        Ok("[]".into())
    );
}

/// Run `tpl` (no values, the default budget) with origins recorded or not: its output, the
/// steps it took and the origins.
fn execute(tpl: &str, record: bool) -> (String, u64, Vec<(u32, u32, super::exec::Rec)>) {
    super::exec::with_big_stack(|| {
        let mut set = Set::default();
        let parsed = parse::parse(tpl).expect("parses");
        set.files.push(super::exec::FileInfo {
            name: Rc::from("t"),
            src: Rc::from(tpl),
        });
        let funcs = HelmFuncs::new();
        let mut ex = Exec::new(&mut set, &funcs, Budget::default());
        ex.record = record;
        let dot = super::value::map_of(vec![]);
        ex.run(0, &parsed.root, (dot, 0)).expect("runs");
        (ex.out, ex.steps, ex.recs)
    })
}

/// The step budget admits exactly `max_steps` steps: one fewer stops the run.
#[test]
fn the_step_budget_is_exact() {
    let t = "{{ range 50 }}x{{ if true }}y{{ end }}{{ end }}";
    let (_, ran, _) = execute(t, true);
    assert!(ran > 100, "{ran} steps");
    let budget = |max_steps| Budget {
        max_output: 1 << 20,
        max_steps,
    };
    assert_eq!(run_with(t, "{}", budget(ran)).map(|s| s.len()), Ok(100));
    let e = run_with(t, "{}", budget(ran - 1)).unwrap_err();
    assert!(e.starts_with("budget@"), "{e}");
    assert!(
        e.contains(&format!("budget of {} evaluation steps", ran - 1)),
        "{e}"
    );
}

/// Nesting depth is released when an `include`, `template` or `tpl` returns: a thousand of
/// them one after the other are fine, a thousand inside each other are not.
#[test]
fn depth_is_released_after_each_include_and_tpl() {
    let t = r#"{{ define "x" }}a{{ end }}{{ range 1500 }}{{ include "x" . }}{{ end }}"#;
    assert_eq!(run(t, "{}").len(), 1500);
    let t = r#"{{ range 1500 }}{{ tpl "b" $ }}{{ end }}"#;
    assert_eq!(run(t, "{}").len(), 1500);
    let t = r#"{{ define "y" }}c{{ end }}{{ range 1500 }}{{ template "y" }}{{ end }}"#;
    assert_eq!(run(t, "{}").len(), 1500);
    let t = r#"{{ define "r" }}{{ if lt (len .) 1200 }}{{ include "r" (append . 1) }}{{ end }}{{ end }}{{ include "r" (list) }}"#;
    let e = fails(t, "{}");
    assert!(e.starts_with("cycle@"), "{e}");
}

/// Output origins: each piece of text and each action that printed something is recorded
/// with its byte range in the output and in the template; an action that printed nothing
/// records nothing, and nothing is recorded while recording is off.
#[test]
fn origins_are_recorded_for_what_was_printed() {
    let t = r#"ab{{ 1 }}{{ "" }}c"#;
    let recs = |record: bool| {
        let (out, _, recs) = execute(t, record);
        assert_eq!(out, "ab1c");
        recs
    };
    use super::exec::Rec;
    let tmpl = |start, end| Rec::Tmpl {
        file: 0,
        start,
        end,
    };
    assert_eq!(
        recs(true),
        vec![(0, 2, tmpl(0, 2)), (2, 3, tmpl(2, 9)), (3, 4, tmpl(17, 18))]
    );
    assert_eq!(recs(false), vec![]);
}

/// A range over an integer larger than the step budget stops before it allocates anything;
/// one of exactly the budget starts (and can end early with `break`).
#[test]
fn ranging_over_an_integer_is_checked_against_the_budget_first() {
    let small = Budget {
        max_output: 1 << 20,
        max_steps: 1000,
    };
    let e = run_with("{{ range 100000000000 }}x{{ end }}", "{}", small).unwrap_err();
    assert_eq!(
        e,
        "budget@0: range over 100000000000 exceeds the step budget"
    );
    assert_eq!(
        run_with("{{ range 1000 }}x{{ break }}{{ end }}", "{}", small),
        Ok("x".into())
    );
    let e = run_with("{{ range 1001 }}x{{ break }}{{ end }}", "{}", small).unwrap_err();
    assert!(e.contains("range over 1001 exceeds"), "{e}");
}

/// Comments, trim markers and delimiters at the edges of a file, each checked with Helm: a
/// comment must be followed at once by `}}` or by one space and `-}}`.
#[test]
fn comments_and_trim_markers_lex_as_go() {
    assert_eq!(run("a{{/* c */ -}}  b", "{}"), "ab");
    assert_eq!(run("a  {{- /* c */}}b", "{}"), "ab");
    assert_eq!(run("a{{/* c\n d */}}b", "{}"), "ab");
    for bad in [
        "a{{/* c */ }}b",
        "a{{/* c */  -}}b",
        "a{{/* c */-}}b",
        "x{{/* c */  ",
        "x{{/* c */",
        "x{{/* c ",
        "a{{-/* c */}}b",
        "x{{-",
        "{{-",
        "x{{ ",
    ] {
        let e = parse::parse(bad).map(|_| ()).unwrap_err();
        assert!(!e.message.is_empty(), "{bad:?}");
    }
    assert_eq!(
        parse::parse("a{{/* c */ }}b")
            .map(|_| ())
            .unwrap_err()
            .message,
        "comment ends before closing delimiter"
    );
    // trim markers at the very start and end of a file
    assert_eq!(run("{{- 1 }}", "{}"), "1");
    assert_eq!(run("{{ 1 -}}  \n", "{}"), "1");
    assert_eq!(run(" \n {{- 1 -}} \t", "{}"), "1");
    assert_eq!(run("{{ 1 }}{{- 2 }}", "{}"), "12");
    // parentheses are matched before the closing delimiter, and the error is at it
    let e = parse::parse("{{ (1 }}").map(|_| ()).unwrap_err();
    assert_eq!((e.message.as_str(), e.pos), ("unclosed left paren", 6));
    // a sign alone, and a number run into a letter (Go's texts; Helm shows the last part)
    for (src, msg) in [
        ("{{ + }}", r#"illegal number syntax: "+""#),
        ("{{ print 1 - }}", r#"illegal number syntax: "-""#),
        ("{{ -x }}", r#"bad number syntax: "-x""#),
        ("{{ 12ab }}", r#"bad number syntax: "12a""#),
    ] {
        let e = parse::parse(src).map(|_| ()).unwrap_err();
        assert_eq!(e.message, msg, "{src}");
    }
    let e = parse::parse("{{ 1) }}").map(|_| ()).unwrap_err();
    assert_eq!(e.message, "unexpected right paren");
}

/// Text that trimming or adjacent actions leave empty makes no node.
#[test]
fn no_empty_text_nodes() {
    let count = |t: &str| parse::parse(t).expect("parses").root.len();
    assert_eq!(count("{{ 1 }}"), 1);
    assert_eq!(count("{{ 1 }}{{ 2 }}"), 2);
    assert_eq!(count("a {{- 1 -}} "), 2);
    assert_eq!(count("{{- 1 -}}  {{- 2 }}"), 2);
    assert_eq!(count("{{/* c */}}{{ 1 }}"), 1);
}

/// Arguments given to what is not a function: Go's messages, checked with Helm.
#[test]
fn arguments_to_non_functions_are_go_errors() {
    let e = fails("{{ $x := 1 }}{{ $x 2 }}", "{}");
    assert!(e.ends_with("can't give argument to non-function $x"), "{e}");
    let e = fails("{{ (1) 2 }}", "{}");
    assert!(e.ends_with("can't give argument to non-function 1"), "{e}");
    let e = fails("{{ 3 | .Values.n }}", "n: 1");
    assert!(e.contains("n is not a method but has arguments"), "{e}");
    let e = fails(r#"{{ $x := dict "a" 1 }}{{ $x.a 2 }}"#, "{}");
    assert!(e.ends_with("a is not a method but has arguments"), "{e}");
    let e = fails(r#"{{ (dict "a" 1).a 2 }}"#, "{}");
    assert!(e.ends_with("a is not a method but has arguments"), "{e}");
    // a variable, a parenthesised pipeline or a field chain without arguments is a value
    assert_eq!(
        run(
            r#"{{ $m := dict "a" (dict "b" 2) }}{{ $m.a.b }}|{{ $m }}|{{ (dict "a" 1).a }}|{{ (1) }}"#,
            "{}"
        ),
        "2|map[a:map[b:2]]|1|1"
    );
}

/// A source that ends inside an action, a number, a string, a character constant or a
/// variable is a parse error, never a panic.
#[test]
fn sources_cut_short_are_parse_errors() {
    for src in [
        "{{ 0",
        "{{ 1",
        "{{ 1.",
        "{{ 1e",
        "{{ 1.5e+",
        "{{ 0x",
        "{{ 0x1p",
        "{{ 0b",
        "{{ 0o",
        "{{ -",
        "{{ +",
        "{{ $",
        "{{ .",
        "{{ .a",
        "{{ 'a",
        "{{ '\\",
        "{{ '\\x4",
        "{{ \"a",
        "{{ \"\\",
        "{{ \"\\u12",
        "{{ `a",
        "{{ (",
        "{{ a",
        "{{ 1 |",
        "{{ $x :",
        "{{-",
        "{{ /*",
    ] {
        assert!(parse::parse(src).is_err(), "{src:?}");
    }
}

/// `define` only at the top level of a file (checked with Helm): not inside `if`, `range` or
/// another `define`; a variable declared before it does not matter.
#[test]
fn define_only_at_the_top_level() {
    for src in [
        r#"{{ if 1 }}{{ define "x" }}y{{ end }}{{ end }}"#,
        r#"{{ define "a" }}{{ define "b" }}y{{ end }}{{ end }}"#,
        r#"{{ range list 1 }}{{ define "x" }}y{{ end }}{{ end }}"#,
        r#"{{ with 1 }}{{ define "x" }}y{{ end }}{{ end }}"#,
    ] {
        let e = parse::parse(src).map(|_| ()).unwrap_err();
        assert_eq!(e.message, "unexpected <define> in command", "{src}");
    }
    assert_eq!(
        run(
            r#"{{ $x := 1 }}{{ define "y" }}z{{ end }}{{ template "y" }}{{ $x }}"#,
            "{}"
        ),
        "z1"
    );
}

/// `call` has no function to call in a chart: Helm fails with `call of nil` for a field.
#[test]
fn call_fails_as_in_helm() {
    let e = fails("{{ call .Values.n 2 }}", "n: 1");
    assert!(e.ends_with("error calling call: call of nil"), "{e}");
}
