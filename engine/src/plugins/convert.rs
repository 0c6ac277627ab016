//! Between the plugin contract's records and fetter's own types: the
//! inventory as `evaluate` takes it (borrowed), and the verdicts it returns as
//! [`RawVerdict`]s for [`verdicts`](super::verdicts) to check.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::Path;

use wasmtime::component::{ComponentType, Lower};

use super::host::wit;
use super::verdicts::RawVerdict;
use crate::diag::{Action, Severity};
use crate::inventory::{EnvironmentKind, Inventory};

/// What the borrowed inventory needs that fetter's own types do not hold
/// in the contract's form: the environments as records, and per site its
/// path as a string and the environments that see it. Built once per run
/// and shared by every plugin.
pub(super) struct Lowering {
    environments: Vec<wit::Environment>,
    /// Each site's path as a string and the environments that see it.
    sites: Vec<(String, Vec<u32>)>,
    /// `sites[site_of[i]]` is distribution `i`'s site.
    site_of: Vec<u32>,
}

impl Lowering {
    /// Prepare `inv` for [`Lowering::view`].
    pub(super) fn new(inv: &Inventory) -> Self {
        let environments = inv
            .environments
            .iter()
            .map(|e| wit::Environment {
                prefix: path_string(&e.prefix),
                kind: match e.kind {
                    EnvironmentKind::System => wit::EnvironmentKind::System,
                    EnvironmentKind::Venv => wit::EnvironmentKind::Venv,
                    EnvironmentKind::Conda => wit::EnvironmentKind::Conda,
                    EnvironmentKind::Pyenv => wit::EnvironmentKind::Pyenv,
                    EnvironmentKind::Uv => wit::EnvironmentKind::Uv,
                },
                python_version: e.python_version.clone(),
                externally_managed: e.externally_managed,
            })
            .collect();
        let seen_by = inv.index();
        // Keyed by the path's bytes: hashing a `Path` walks its components,
        // which cost more than the rest of this function. Distributions of
        // one site are usually adjacent, so the previous one is tried first.
        let mut index: HashMap<&OsStr, u32> = HashMap::new();
        let mut sites: Vec<(String, Vec<u32>)> = Vec::new();
        let mut site_of = Vec::with_capacity(inv.distributions.len());
        let mut previous: Option<(&OsStr, u32)> = None;
        for d in &inv.distributions {
            let key = d.site.as_os_str();
            let i = match previous {
                Some((p, i)) if p == key => i,
                _ => *index.entry(key).or_insert_with(|| {
                    let envs = seen_by
                        .environments_seeing_path(&d.site)
                        .iter()
                        .map(|e| e.index() as u32)
                        .collect();
                    sites.push((path_string(&d.site), envs));
                    (sites.len() - 1) as u32
                }),
            };
            previous = Some((key, i));
            site_of.push(i);
        }
        Lowering {
            environments,
            sites,
            site_of,
        }
    }

    /// The inventory as `evaluate` takes it (`inv` is the inventory this
    /// was prepared from), borrowing every string from `inv`: lowered into
    /// each plugin's memory straight from fetter's own records, with no
    /// owned copy of 30,000 records to build and free.
    pub(super) fn view<'a>(&'a self, inv: &'a Inventory) -> InventoryView<'a> {
        debug_assert_eq!(
            inv.distributions.len(),
            self.site_of.len(),
            "the inventory of new"
        );
        let distributions = inv
            .distributions
            .iter()
            .zip(&self.site_of)
            .map(|(d, &site)| {
                let (site, environments) = &self.sites[site as usize];
                DistributionView {
                    name: &d.name,
                    normalized_name: &d.normalized_name,
                    version: &d.version,
                    environments,
                    site,
                    installer: d.installer.as_deref(),
                    requested: d.requested,
                    direct_url: d.direct_url.as_ref().map(DirectUrlView::of),
                }
            })
            .collect();
        InventoryView {
            environments: &self.environments,
            distributions,
        }
    }

    /// The environments as the contract's records.
    pub(super) fn environments(&self) -> &[wit::Environment] {
        &self.environments
    }

    /// Each site's path as a string and the environments that see it.
    pub(super) fn sites(&self) -> &[(String, Vec<u32>)] {
        &self.sites
    }

    /// Per distribution, the index of its site in [`Lowering::sites`].
    pub(super) fn site_of(&self) -> &[u32] {
        &self.site_of
    }
}

/// `inventory` of the contract, borrowed (see [`Lowering::view`]).
#[derive(ComponentType, Lower)]
#[component(record)]
pub(super) struct InventoryView<'a> {
    environments: &'a [wit::Environment],
    distributions: Vec<DistributionView<'a>>,
}

/// `distribution` of the contract, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub(super) struct DistributionView<'a> {
    name: &'a str,
    #[component(name = "normalized-name")]
    normalized_name: &'a str,
    version: &'a str,
    environments: &'a [u32],
    site: &'a str,
    installer: Option<&'a str>,
    requested: bool,
    #[component(name = "direct-url")]
    direct_url: Option<DirectUrlView<'a>>,
}

/// `direct-url` of the contract, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub(super) struct DirectUrlView<'a> {
    url: &'a str,
    vcs: Option<&'a str>,
    #[component(name = "commit-id")]
    commit_id: Option<&'a str>,
    editable: bool,
}

impl<'a> DirectUrlView<'a> {
    /// `u` as the contract's record, borrowed.
    pub(super) fn of(u: &'a crate::inventory::DirectUrl) -> Self {
        DirectUrlView {
            url: &u.url,
            vcs: u.vcs.as_deref(),
            commit_id: u.commit_id.as_deref(),
            editable: u.editable,
        }
    }
}

/// A verdict as plain data. The enums map one to one; nothing is checked
/// here (that is [`super::verdicts::check`]).
pub(super) fn raw_verdict(v: wit::Verdict) -> RawVerdict {
    RawVerdict {
        distribution: v.distribution,
        rule: v.rule,
        severity: match v.severity {
            wit::Severity::Info => Severity::Info,
            wit::Severity::Low => Severity::Low,
            wit::Severity::Medium => Severity::Medium,
            wit::Severity::High => Severity::High,
            wit::Severity::Critical => Severity::Critical,
        },
        action: match v.action {
            wit::Action::Warn => Action::Warn,
            wit::Action::Deny => Action::Deny,
        },
        message: v.message,
        suggestion: v.suggestion,
    }
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
