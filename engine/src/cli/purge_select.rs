//! What `fetter purge` removes besides `--name`: distributions a bound
//! rejects (`--bound`) or OSV flags (`--audit`).
//!
//! Every selection fails closed: a bound that cannot be read or a database
//! that cannot be used selects nothing and stops the purge with an error,
//! rather than purging on a partial answer. The selections are checks run
//! by [`fetter::pipeline`], as `fetter validate` runs them.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use fetter::audit::{db, AuditCheck, AuditConfig};
use fetter::bounds::{BoundsConfig, Selection};
use fetter::diag::{Action, CheckFailure, CheckId, Severity};
use fetter::escape::escape;
use fetter::inventory::DistId;
use fetter::pipeline::{Check, Pipeline, Verdicts};
use fetter::Inventory;

/// Selections of `fetter purge` beyond names.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Remove what this bound rejects (unrequired or misdefined; repeatable;
    /// same formats as `fetter validate --bound`).
    #[arg(long = "bound", short = 'b', value_name = "PATH|URL|-")]
    pub bounds: Vec<String>,
    /// With --bound: do not remove this package (repeatable; default: pip).
    #[arg(long = "ignore", value_name = "NAME", requires = "bounds")]
    pub ignore: Vec<String>,
    /// With --bound: include this extra of a pyproject or lock file.
    #[arg(long = "extra", value_name = "NAME", requires = "bounds")]
    pub extras: Vec<String>,
    /// With --bound: include this dependency group.
    #[arg(long = "group", value_name = "NAME", requires = "bounds")]
    pub groups: Vec<String>,
    /// With --bound: a uv.lock's workspace is synced with `--all-packages`.
    #[arg(long, requires = "bounds")]
    pub all_packages: bool,
    /// With --bound: whether installed dependencies of the bound's
    /// requirements are kept (auto: for a pyproject.toml).
    #[arg(long, value_enum, default_value_t, requires = "bounds")]
    pub transitive: super::validate::TransitiveArg,
    /// Remove distributions with known vulnerabilities or malware (OSV).
    #[arg(long)]
    pub audit: bool,
    /// With --audit: the OSV data (default: the local copy).
    #[arg(long, value_name = "PATH", requires = "audit")]
    pub osv_db: Option<PathBuf>,
    /// Refuse an OSV database (--audit), or a stored oci:// policy bundle
    /// whose registry cannot be reached (--policy), older than this (`7d`, `24h`).
    #[arg(long, value_name = "DURATION", value_parser = db::parse_duration)]
    pub max_age: Option<Duration>,
    /// Remove what policy plugins deny (`--policy typosquat`, FILE.wasm, FILE.toml).
    #[command(flatten)]
    pub policy: super::plugin::PolicyArgs,
}

impl SelectArgs {
    /// True when any selection besides names was given.
    pub fn any(&self) -> bool {
        !self.bounds.is_empty() || self.audit || !self.policy.policies.is_empty()
    }
}

/// The distributions the selections pick, or the reasons they could
/// not run. Every selection is a check of one pipeline run; what it
/// removes is decided by the one rule of [`Verdicts::deny_targets`].
pub fn targets(
    inv: &Inventory,
    args: &SelectArgs,
    quiet: bool,
) -> Result<Vec<DistId>, Vec<String>> {
    let bounds = (!args.bounds.is_empty()).then(|| {
        BoundsConfig::from_args(
            &args.bounds,
            Selection {
                extras: args.extras.clone(),
                groups: args.groups.clone(),
                all_packages: args.all_packages,
            },
            args.transitive.into(),
            args.ignore.clone(),
        )
        .for_purge()
    });
    let audit = args.audit.then(|| {
        AuditCheck::new(AuditConfig::local_or_default(
            args.osv_db.clone(),
            args.max_age,
        ))
    });
    let policy = (!args.policy.policies.is_empty()).then(|| {
        // --max-age also bounds the age of stored oci:// bundles.
        let mut policy = args.policy.clone();
        policy.max_age = args.max_age;
        policy.check(quiet)
    });
    let mut checks: Vec<&dyn Check> = Vec::new();
    checks.extend(bounds.as_ref().map(|c| c as &dyn Check));
    checks.extend(audit.as_ref().map(|c| c as &dyn Check));
    checks.extend(policy.as_ref().map(|c| c as &dyn Check));
    let verdicts = Pipeline::over_scope(Severity::Info).run_on(inv, &[], &checks);
    if let Some(p) = &policy {
        super::plugin::warn_recompiled(p, quiet);
    }
    print_selected(&verdicts, audit.as_ref());
    verdicts
        .deny_targets()
        .map_err(|failures| failures.iter().map(failure_line).collect())
}

/// Say on stderr why each audit and plugin selection was made (the bound's
/// are the plan itself: what it does not list).
fn print_selected(verdicts: &Verdicts, audit: Option<&AuditCheck>) {
    for v in audit.map_or(&[][..], AuditCheck::vulnerabilities) {
        let hint = fetter::audit::diags::fixed_suggestion(v.installed_version.as_ref(), &v.fixed)
            .map(|s| format!("; {s}"))
            .unwrap_or_default();
        eprintln!(
            "{} {}: {}{hint}",
            escape(&v.distribution.name),
            escape(&v.distribution.version),
            escape(&v.id)
        );
    }
    let plugin_failed = verdicts
        .failures
        .iter()
        .any(|f| matches!(f.check, CheckId::Plugin(_) | CheckId::Policy));
    let plugin_denials = verdicts
        .diagnostics
        .iter()
        .filter(|d| d.action == Action::Deny && d.check.plugin().is_some());
    for d in plugin_denials.filter(|_| !plugin_failed) {
        if let Some(x) = &d.distribution {
            eprintln!(
                "{} {}: {} ({})",
                escape(&x.name),
                escape(&x.version),
                escape(&d.message),
                d.code
            );
        }
    }
}

/// A failure as purge has always worded it, per check.
fn failure_line(f: &CheckFailure) -> String {
    match f.check {
        CheckId::Bounds => format!("{}: {}", f.source, f.message),
        CheckId::Audit => f.message.clone(),
        _ => format!("{} ({}): {}", f.check, f.source, f.message),
    }
}
