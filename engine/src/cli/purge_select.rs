//! What `fetter purge` removes besides `--name`: distributions a bound
//! rejects (`--bound`) or OSV flags (`--audit`).
//!
//! Every selection fails closed: a bound that cannot be read or a database
//! that cannot be used selects nothing and stops the purge with an error,
//! rather than purging on a partial answer.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use fetter::audit::{self, db};
use fetter::bounds::{self, BoundSource, BoundsConfig, Selection};
use fetter::escape::escape;
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

/// The metadata directories the selections pick, or the reasons they could not run.
pub fn targets(
    inv: &Inventory,
    args: &SelectArgs,
    quiet: bool,
) -> Result<Vec<PathBuf>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if !args.bounds.is_empty() {
        let cfg = BoundsConfig {
            sources: args
                .bounds
                .iter()
                .map(|b| BoundSource::from_arg(b))
                .collect(),
            selection: Selection {
                extras: args.extras.clone(),
                groups: args.groups.clone(),
                all_packages: args.all_packages,
            },
            subset: true,
            superset: false,
            ignore: args.ignore.clone(),
        };
        match bounds::purge_targets(inv, &cfg) {
            Ok(t) => out.extend(t),
            Err(failures) => errors.extend(
                failures
                    .into_iter()
                    .map(|f| format!("{}: {}", f.source, f.message)),
            ),
        }
    }
    if args.audit {
        let path = args.osv_db.clone().unwrap_or_else(db::local_path);
        match db::load(&path).and_then(|d| d.check_age(args.max_age).map(|_| d)) {
            Ok(database) => {
                for v in audit::audit(inv, &database) {
                    let hint = audit::check::fixed_suggestion(&v.distribution.version, &v.fixed)
                        .map(|s| format!("; {s}"))
                        .unwrap_or_default();
                    eprintln!(
                        "{} {}: {}{hint}",
                        escape(&v.distribution.name),
                        escape(&v.distribution.version),
                        escape(&v.id)
                    );
                    out.push(v.distribution.metadata_path);
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !args.policy.policies.is_empty() {
        let sink = fetter::diag::Sink::new();
        let mut policy = args.policy.clone();
        policy.max_age = args.max_age;
        policy.run(inv, &sink, quiet);
        let (diags, failures) = sink.finish();
        if failures.is_empty() {
            for d in diags
                .iter()
                .filter(|d| d.action == fetter::diag::Action::Deny)
            {
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
            out.extend(fetter::plugins::denied(&diags));
        } else {
            errors.extend(
                failures
                    .into_iter()
                    .map(|f| format!("{} ({}): {}", f.check, f.source, f.message)),
            );
        }
    }
    if errors.is_empty() {
        out.sort();
        out.dedup();
        Ok(out)
    } else {
        Err(errors)
    }
}
