//! Kustomize overlays built in-process (kustomize v5 semantics): resources, components,
//! patches, transformers and generators, with the origin of every output field. Depends on
//! `render` (the contract), `source`, `parse::node` and `parse` only.

use super::{Fs, RenderUnit, UnitKind, UnitStatus};

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(fs: &dyn Fs, dir: &str) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .filter_map(|n| super::confined_join(dir, n))
        .find(|p| fs.is_file(p))
}

/// Build the kustomization in `dir` (relative to the root).
pub fn build(_fs: &dyn Fs, dir: &str) -> RenderUnit {
    RenderUnit {
        kind: UnitKind::Kustomize,
        dir: dir.into(),
        env: None,
        namespace: None,
        application: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        errors: Vec::new(),
        status: UnitStatus::Unsupported("Kustomize builds are not implemented yet".into()),
    }
}
