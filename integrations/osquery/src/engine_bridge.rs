//! The one module that calls the `fetter` engine: scan, bounds, policies
//! and start-up inspection in, a [`Snapshot`] of rows out.
//!
//! Everything else in the extension works on [`Snapshot`], so a change in
//! the engine's pipeline API is absorbed here. Entry points used:
//! `scan::scan_scope`, then the same `pipeline::Pipeline` the CLI runs,
//! over a `BoundsConfig` and a `PolicyCheck` whose plugins this module
//! resolved (`plugins::cfg::parse`, `PolicySpec`, and
//! `oci::source::resolve_stored` for bundles from the local store, never a
//! registry); `startup::inspect`.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fetter::bounds::{self, BoundSource, Selection};
use fetter::diag::{Action, CheckFailure, CheckId, Diagnostic, Severity};
use fetter::discover::Scope;
use fetter::oci::{source, store::Store, Reference};
use fetter::pipeline::{Check, Pipeline, Verdicts};
use fetter::plugins::{self, Cache, LogMode, Options, PolicyCheck, PolicySpec, Resolved};
use fetter::startup;
use fetter::trust::TrustPolicy;

use crate::config::{Config, PolicySource};
use crate::snapshot::*;

/// The `check` of failures about a `[[policy]]` entry itself.
const POLICY_CHECK: CheckId = CheckId::Policy;

/// Scan what `cfg` names and judge it with its bounds and policies.
/// Never fails: anything that could not run is a finding with
/// [`Outcome::Error`].
pub fn scan(cfg: &Config) -> Snapshot {
    let started = Instant::now();
    let scope = Scope {
        exes: cfg.scope.exes.clone(),
        roots: cfg.scope.roots.clone(),
        all_users: cfg.scope.all_users,
    };
    let scanned = fetter::scan::scan_scope(&scope);
    let inv = &scanned.inventory;
    let bounds = (!cfg.bounds.files.is_empty()).then(|| bounds_config(cfg));
    let mut resolved = Resolved::default();
    resolved.specs = policy_specs(&cfg.policies, &Bundles::new(cfg), &mut resolved.failures);
    let policy = (!resolved.specs.is_empty() || !resolved.failures.is_empty())
        .then(|| PolicyCheck::new(Vec::new(), plugin_options(cfg)).with_resolved(resolved));
    let mut checks: Vec<&dyn Check> = Vec::new();
    checks.extend(bounds.as_ref().map(|c| c as &dyn Check));
    checks.extend(policy.as_ref().map(|c| c as &dyn Check));
    // Findings are listed whatever their severity: the SQL filters them.
    let Verdicts {
        diagnostics: diags,
        failures,
        ..
    } = Pipeline::over_scope(Severity::Info).run(&scanned, &checks);

    let owner_of_site: HashMap<&Path, &Path> = inv
        .sites
        .iter()
        .filter_map(|s| Some((s.path.as_path(), s.environment.as_deref()?)))
        .collect();
    let mut findings: Vec<FindingRow> = failures.iter().map(failure_row).collect();
    findings.extend(diags.iter().map(diagnostic_row));
    Snapshot {
        scanned_at: now(),
        duration: started.elapsed(),
        environments: inv
            .environments
            .iter()
            .map(|e| EnvironmentRow {
                prefix: text(&e.prefix),
                kind: e.kind.as_str().into(),
                python_version: e.python_version.clone().unwrap_or_default(),
                externally_managed: e.externally_managed,
                interpreters: e.interpreters.iter().map(|p| text(p)).collect(),
                base_prefix: e.base_prefix.as_deref().map(text).unwrap_or_default(),
            })
            .collect(),
        packages: inv
            .distributions
            .iter()
            .map(|d| {
                let direct = d.direct_url.as_ref();
                PackageRow {
                    name: d.name.clone(),
                    normalized_name: d.normalized_name.to_string(),
                    version: d.version.clone(),
                    site: text(&d.site),
                    environment: owner_of_site
                        .get(d.site.as_path())
                        .map(|p| text(p))
                        .unwrap_or_default(),
                    installer: d.installer.clone().unwrap_or_default(),
                    requested: d.requested,
                    editable: direct.is_some_and(|u| u.editable),
                    direct_url: direct.map(|u| u.url.clone()).unwrap_or_default(),
                    vcs: direct.and_then(|u| u.vcs.clone()).unwrap_or_default(),
                    vcs_commit: direct.and_then(|u| u.commit_id.clone()).unwrap_or_default(),
                    metadata_path: text(&d.metadata_path),
                }
            })
            .collect(),
        findings,
        startup: startup_rows(inv),
        warnings: inv.warnings.len(),
        cost: Default::default(),
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The names of the first-party plugins built in (for `--help` and errors).
pub fn builtin_names() -> Vec<&'static str> {
    plugins::embedded::names()
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn bounds_config(cfg: &Config) -> bounds::BoundsConfig {
    let b = &cfg.bounds;
    bounds::BoundsConfig {
        // Paths only: `BoundSource::from_arg` would make a URL of
        // `https://…`, and the extension makes no network request.
        sources: b.files.iter().cloned().map(BoundSource::Path).collect(),
        selection: Selection::default(),
        subset: b.subset,
        superset: b.superset,
        transitive: bounds::Transitive::Auto,
        // As `fetter validate`: absent ignores pip, `[]` checks everything.
        ignore: match &b.ignore {
            None => Vec::new(),
            Some(v) if v.is_empty() => vec![String::new()],
            Some(v) => v.clone(),
        },
    }
}

fn plugin_options(cfg: &Config) -> Options {
    Options {
        memory_bytes: (cfg.limits.memory_mib * 1024 * 1024) as usize,
        timeout: Duration::from_secs_f64(cfg.limits.timeout_seconds),
        cache: cfg
            .limits
            .cache_dir
            .clone()
            .map(Cache::at)
            .unwrap_or_else(Cache::from_env),
        log: LogMode::Quiet,
        columns: true,
    }
}

/// Where `bundle` entries run from: the local policy store, under the
/// trust rules (read once per scan, when the first bundle needs them).
struct Bundles {
    store: Store,
    trust_file: Option<PathBuf>,
    trust: OnceCell<Result<TrustPolicy, String>>,
}

impl Bundles {
    /// The store and trust file `cfg` names, else fetter's defaults
    /// (`$FETTER_DATA_DIR/policies`; `/etc/fetter/trust.toml`, then
    /// `$FETTER_TRUST` or `~/.config/fetter/trust.toml`).
    fn new(cfg: &Config) -> Bundles {
        Bundles {
            store: cfg
                .store
                .clone()
                .map(Store::at)
                .unwrap_or_else(Store::default_location),
            trust_file: cfg.trust.clone(),
            trust: OnceCell::new(),
        }
    }

    /// The plugins of the bundle `reference` (`oci://…@sha256:…`), from
    /// the store only: digests checked, trust rules satisfied by the
    /// signatures stored with it. Nothing is fetched or written.
    fn resolve(&self, reference: &str) -> Result<Vec<PolicySpec>, String> {
        let trust = self.trust.get_or_init(|| {
            TrustPolicy::load(&TrustPolicy::default_files(self.trust_file.as_deref()))
                .map_err(|e| e.to_string())
        });
        // No trust rules, no bundle: fail closed, as `fetter validate`.
        let trust = trust
            .as_ref()
            .map_err(|e| format!("the trust rules cannot be read, so no bundle runs: {e}"))?;
        let parsed = Reference::parse(reference).map_err(|e| e.to_string())?;
        match source::resolve_stored(&parsed, &self.store, trust) {
            Ok(resolved) => Ok(resolved.specs),
            // The row's `source` names the reference already.
            Err(e) => {
                let message = e.to_string();
                Err([reference, &parsed.to_string()]
                    .iter()
                    .find_map(|r| message.strip_prefix(&format!("{r}: ")))
                    .unwrap_or(&message)
                    .to_string())
            }
        }
    }
}

/// The plugins to run; every entry that cannot be turned into plugins is
/// a failure, so it shows as an `error` row.
fn policy_specs(
    sources: &[PolicySource],
    bundles: &Bundles,
    failures: &mut Vec<CheckFailure>,
) -> Vec<PolicySpec> {
    let mut specs = Vec::new();
    for source in sources {
        match policy_spec(source, bundles) {
            Ok(s) => specs.extend(s),
            Err(message) => failures.push(CheckFailure {
                check: POLICY_CHECK,
                source: source.label(),
                message,
                environment: None,
            }),
        }
    }
    specs
}

fn policy_spec(source: &PolicySource, bundles: &Bundles) -> Result<Vec<PolicySpec>, String> {
    match source {
        PolicySource::Manifest { path, sha256 } => {
            // Hash and parse the same bytes: nothing can swap the file between.
            let bytes =
                std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            if let Some(want) = sha256 {
                let got = plugins::sha256_hex(&bytes);
                if &got != want {
                    return Err(format!(
                        "{}: sha256 is {got}, the config pins {want}; refusing a manifest that changed",
                        path.display()
                    ));
                }
            }
            let text =
                String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", path.display()))?;
            plugins::cfg::parse(path, &text)
                .map(|m| m.plugins)
                .map_err(|e| e.to_string())
        }
        PolicySource::Plugin {
            path,
            sha256,
            settings,
        } => {
            let mut spec = PolicySpec::file(PathBuf::from(path)).with_settings(settings.clone());
            spec.sha256 = Some(sha256.clone());
            Ok(vec![spec])
        }
        PolicySource::Builtin { name, settings } => {
            if plugins::embedded::find(name).is_none() {
                return Err(format!(
                    "no first-party plugin named {name:?} (built in: {})",
                    builtin_names().join(", ")
                ));
            }
            Ok(vec![
                PolicySpec::embedded(name.clone()).with_settings(settings.clone())
            ])
        }
        PolicySource::Bundle { reference } => bundles.resolve(reference),
    }
}

fn failure_row(f: &CheckFailure) -> FindingRow {
    FindingRow {
        environment: f.environment.as_deref().map(text).unwrap_or_default(),
        package: String::new(),
        version: String::new(),
        check: f.check.to_string(),
        rule: String::new(),
        severity: String::new(),
        action: String::new(),
        message: f.message.clone(),
        outcome: Outcome::Error,
        source: f.source.clone(),
        metadata_path: String::new(),
    }
}

fn diagnostic_row(d: &Diagnostic) -> FindingRow {
    let dist = d.distribution.as_ref();
    let message = match &d.suggestion {
        Some(s) => format!("{} ({s})", d.message),
        None => d.message.clone(),
    };
    FindingRow {
        environment: text(&d.environment),
        package: dist
            .map(|x| x.name.clone())
            .or_else(|| d.requirement.clone())
            .unwrap_or_default(),
        version: dist.map(|x| x.version.clone()).unwrap_or_default(),
        check: d.check.to_string(),
        rule: d.code.to_string(),
        severity: d.severity.as_str().into(),
        action: match d.action {
            Action::Deny => "deny",
            Action::Warn => "warn",
        }
        .into(),
        message,
        outcome: match d.action {
            Action::Deny => Outcome::Violation,
            Action::Warn => Outcome::Warning,
        },
        source: String::new(),
        metadata_path: dist.map(|x| text(&x.metadata_path)).unwrap_or_default(),
    }
}

fn startup_rows(inv: &fetter::Inventory) -> Vec<StartupRow> {
    let report = startup::inspect(inv);
    let mut rows = Vec::new();
    for env in &report.environments {
        for f in &env.startup_files {
            rows.push(StartupRow {
                environment: text(&env.prefix),
                kind: f.kind.as_str().into(),
                path: text(&f.path),
                location: f.location.into(),
                executes: f.executes,
                import_lines: f.import_lines.join("\n"),
                owner: f.owner.label(),
                flagged: f.flagged,
                error: f.error.clone().unwrap_or_default(),
            });
        }
    }
    rows
}
