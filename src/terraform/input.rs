//! The Terraform model's input: every parsed `.tf` file and `.tfvars` / `.tfvars.json`
//! value file of the run. Depends on `parse`, `config` and `terraform`.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::config::RuleOptions;
use crate::discover::FileKind;
use crate::parse::file::{Content, ParsedFile};
use crate::parse::hcl::Body;
use crate::parse::node::Node;
use crate::source::SourceFile;

/// What the Terraform model reads, taken out of the parsed files by reference count, so
/// that the model can be built while other stages change the list of files.
pub struct TfInput {
    /// `.tf` and `.tfvars` files: path, tree, text.
    hcl: Vec<(Arc<str>, Arc<Body>, Arc<SourceFile>)>,
    /// `.tfvars.json` files: path and the document (small, cloned).
    json_vars: Vec<(Arc<str>, Node)>,
}

impl TfInput {
    /// The Terraform files of a run.
    pub fn of(files: &[ParsedFile]) -> TfInput {
        let mut input = TfInput {
            hcl: Vec::new(),
            json_vars: Vec::new(),
        };
        for f in files {
            let Some(src) = &f.source else { continue };
            match (&f.content, f.entry.kind) {
                (Content::Hcl(body), FileKind::Terraform) => {
                    input.hcl.push((f.path.clone(), body.clone(), src.clone()));
                }
                (Content::Docs(docs), FileKind::TerraformJson)
                    if f.path.ends_with(".tfvars.json") =>
                {
                    if let Some(d) = docs.first() {
                        input.json_vars.push((f.path.clone(), d.root.clone()));
                    }
                }
                _ => {}
            }
        }
        input
    }
}

/// The Terraform model of every `.tf` file, with `.tfvars` / `.tfvars.json` values.
pub fn model_of(files: &[ParsedFile], options: &RuleOptions) -> crate::terraform::TfModel {
    model_of_input(&TfInput::of(files), options)
}

/// The Terraform model of `input`.
pub fn model_of_input(input: &TfInput, options: &RuleOptions) -> crate::terraform::TfModel {
    let envs = &options.environments;
    use crate::terraform::{TfFile, VarFile};
    let mut tf = Vec::new();
    let mut vars = Vec::new();
    for (path, body, src) in &input.hcl {
        let file = TfFile {
            path,
            body,
            text: &src.text,
        };
        if path.ends_with(".tfvars") {
            vars.push(VarFile::Hcl(file));
        } else {
            tf.push(file);
        }
    }
    for (path, root) in &input.json_vars {
        vars.push(VarFile::Json { path, root });
    }
    // Conflicting environment globs: say which one wins, once per stack directory.
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for f in &tf {
        dirs.insert(f.path.rsplit_once('/').map_or("", |(d, _)| d));
    }
    for d in dirs {
        let (chosen, others) = envs.resolve(&format!("{d}/"));
        if let (Some(c), false) = (chosen, others.is_empty()) {
            eprintln!(
                "octolint: warning: `{}` matches the paths of environments {} and {}; using {} (dev, staging and prod come first, then the others by name)",
                if d.is_empty() { "." } else { d },
                c.name,
                others.join(", "),
                c.name
            );
        }
    }
    let layout = crate::terraform::Layout {
        root_name: options
            .checked_root
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string()),
        registry_modules: options.tf_registry_modules.clone(),
        test_dirs: options.tf_test_dirs.clone(),
    };
    crate::terraform::build_with(&tf, &vars, envs, &layout)
}
