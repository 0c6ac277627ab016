//! Between the plugin contract's records and fetter's own types: the
//! inventory as `evaluate` takes it, and the verdicts it returns as
//! [`RawVerdict`]s for [`verdicts`](super::verdicts) to check.

use std::path::Path;

use super::host::wit;
use super::verdicts::{environments_by_site, RawVerdict};
use crate::diag::{Action, Severity};
use crate::inventory::{EnvironmentKind, Inventory};

/// The inventory in the form `evaluate` takes. Built once and shared by
/// every plugin of a run.
pub fn to_wit(inv: &Inventory) -> wit::Inventory {
    let by_site = environments_by_site(inv);
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
    let distributions = inv
        .distributions
        .iter()
        .map(|d| wit::Distribution {
            name: d.name.clone(),
            normalized_name: d.normalized_name.clone(),
            version: d.version.clone(),
            environments: by_site
                .get(d.site.as_path())
                .map(|v| v.iter().map(|&i| i as u32).collect())
                .unwrap_or_default(),
            site: path_string(&d.site),
            installer: d.installer.clone(),
            requested: d.requested,
            direct_url: d.direct_url.as_ref().map(|u| wit::DirectUrl {
                url: u.url.clone(),
                vcs: u.vcs.clone(),
                commit_id: u.commit_id.clone(),
                editable: u.editable,
            }),
        })
        .collect();
    wit::Inventory {
        environments,
        distributions,
    }
}

/// A verdict as plain data. The enums map one to one; nothing is checked
/// here (that is [`super::verdicts::check`]).
pub fn raw_verdict(v: wit::Verdict) -> RawVerdict {
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
