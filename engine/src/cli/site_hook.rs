//! `fetter site-install` / `fetter site-uninstall`: a start-up hook that
//! checks an environment against its bound at each interpreter start.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::ScopeArgs;
use fetter::bounds::{self, BoundSource, BoundsConfig};
use fetter::discover::layout;
use fetter::inventory::{Environment, Inventory, SiteScope};
use fetter::report::display_path;
use fetter::site_hook::{self, HookConfig};

/// Arguments of `fetter site-install`.
#[derive(Debug, Args)]
pub(super) struct SiteInstallArgs {
    /// The bound the environment must keep satisfying (a file; repeatable).
    #[arg(
        long = "bound",
        short = 'b',
        value_name = "FILE",
        required_unless_present = "policies"
    )]
    bounds: Vec<PathBuf>,
    /// A policy the environment must keep satisfying: a plugin or manifest
    /// file, or the name of a first-party plugin (repeatable).
    #[arg(long = "policy", value_name = "FILE|NAME")]
    policies: Vec<String>,
    /// Exit the interpreter (status 3) on violations instead of warning.
    #[arg(long)]
    strict: bool,
    /// The fetter binary the hook runs (default: this one).
    #[arg(long, value_name = "PATH")]
    fetter: Option<PathBuf>,
}

/// Arguments of `fetter site-uninstall`.
#[derive(Debug, Args)]
pub(super) struct SiteUninstallArgs {
    /// Remove hook files even when changed since install, or when fetter has
    /// no record of installing them (only files carrying the hook's marker).
    #[arg(long)]
    force: bool,
}

/// The one environment named by `--exe` and the site the hook goes into.
fn target(scope: &ScopeArgs) -> anyhow::Result<(Inventory, usize, PathBuf)> {
    if scope.exes.len() != 1 || !scope.roots.is_empty() {
        bail!("name exactly one environment with --exe PATH (and no --root)");
    }
    let inv = super::scan_scope(scope)?;
    // `--exe` names one interpreter or prefix; anything else is ambiguous.
    let idx = match inv.environments.len() {
        1 => 0,
        0 => bail!("no Python environment at {}", scope.exes[0].display()),
        n => bail!(
            "{} leads to {n} environments ({}); name one prefix",
            scope.exes[0].display(),
            inv.environments
                .iter()
                .map(|e| display_path(&e.prefix))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let site = own_site(&inv.environments[idx])?;
    Ok((inv, idx, site))
}

fn own_site(env: &Environment) -> anyhow::Result<PathBuf> {
    env.sites
        .iter()
        .find(|s| s.scope == SiteScope::Own)
        .map(|s| s.path.clone())
        .with_context(|| format!("{} has no site-packages directory", env.prefix.display()))
}

/// Run `fetter site-install`.
pub(super) fn run_install(scope: &ScopeArgs, args: &SiteInstallArgs) -> anyhow::Result<ExitCode> {
    let (inv, idx, site) = target(scope)?;
    let env = &inv.environments[idx];
    let site_entry = inv.sites.iter().find(|s| s.path == site);
    // The scan's flags, and the disk again (a marker in the prefix's own
    // lib/pythonX.Y, as purge does): never write where the OS owns the files.
    if env.externally_managed
        || site_entry.is_some_and(|s| s.externally_managed)
        || layout::is_externally_managed(&env.prefix, env.python_version.as_deref())
    {
        bail!(
            "{} is externally managed (PEP 668): fetter does not write into it; use a virtual environment",
            display_path(&site)
        );
    }
    let mut bound_paths = Vec::new();
    for b in &args.bounds {
        match BoundSource::from_arg(&b.to_string_lossy()) {
            BoundSource::Path(_) => {}
            BoundSource::Url(u) => bail!(
                "--bound {u}: site-install takes a bound file, not a URL (the hook checks at \
                 every interpreter start, offline); download it (`curl -o bound.txt {u}`) and \
                 pass the file"
            ),
            BoundSource::Stdin => bail!(
                "--bound -: site-install takes a bound file, not stdin (the hook re-reads it at \
                 every interpreter start); write it to a file and pass that"
            ),
        }
        let abs = b
            .canonicalize()
            .with_context(|| format!("cannot read the bound {}", b.display()))?;
        if !abs.is_file() {
            bail!("the bound {} is not a regular file", b.display());
        }
        bound_paths.push(abs);
    }
    // The bound must be usable now: a hook that can never check is useless.
    let (reqs, errors) = bounds::load_all(&BoundsConfig {
        sources: bound_paths.iter().cloned().map(BoundSource::Path).collect(),
        ..Default::default()
    });
    if !errors.is_empty() {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        bail!("cannot use the bound: {}", text.join("; "));
    }
    let fetter_bin = match &args.fetter {
        Some(p) => runnable_fetter(p)?,
        None => std::env::current_exe().context("cannot locate the fetter binary")?,
    };
    let mut watch: Vec<PathBuf> = env.sites.iter().map(|s| s.path.clone()).collect();
    watch.extend(bound_paths.iter().cloned());
    // Files the bounds include (`-r`, `-c`) change the verdict too.
    for r in &reqs {
        let p = PathBuf::from(&r.origin.source);
        if p.is_absolute() && p.is_file() && !watch.contains(&p) {
            watch.push(p);
        }
    }
    watch.push(fetter_bin.clone());
    // Policy files are recorded by absolute path and watched like bounds;
    // first-party names live in the binary, which is watched already.
    let mut policies = Vec::new();
    for p in &args.policies {
        let path = PathBuf::from(p);
        if path.is_file() {
            let abs = path
                .canonicalize()
                .with_context(|| format!("cannot read the policy {p}"))?;
            watch.push(abs.clone());
            policies.push(abs);
        } else if fetter::plugins::embedded::find(p).is_some() {
            policies.push(path);
        } else {
            bail!(
                "the policy {p:?} is neither a file nor a first-party plugin: {}",
                fetter::plugins::embedded::not_built_in(p)
            );
        }
    }
    let mut cfg = HookConfig {
        fetter: fetter_bin,
        prefix: env.prefix.clone(),
        bounds: bound_paths,
        policies,
        strict: args.strict,
        watch,
        cache_key: String::new(),
    };
    cfg.cache_key = site_hook::cache_key(&site, &cfg.validate_argv(), &cfg.watch, cfg.strict);
    let m = site_hook::install(&site, &cfg).map_err(anyhow::Error::msg)?;
    for f in &m.files {
        println!("wrote {}", display_path(&f.path));
    }
    println!(
        "every start of {} now checks it against {} ({}); remove with `fetter --exe {} site-uninstall`",
        display_path(&env.prefix),
        cfg.bounds
            .iter()
            .map(|b| display_path(b))
            .chain(cfg.policies.iter().map(|p| format!("policy {}", display_path(p))))
            .collect::<Vec<_>>()
            .join(", "),
        if cfg.strict { "strict: violations exit 3" } else { "violations warn on stderr" },
        display_path(&env.prefix)
    );
    Ok(ExitCode::SUCCESS)
}

/// `--fetter PATH`, checked now: a hook pointing at a missing or
/// non-executable binary would complain at every interpreter start instead.
fn runnable_fetter(path: &Path) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let abs = std::path::absolute(path)?;
    let shown = path.display();
    let meta = match std::fs::metadata(&abs) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "--fetter {shown}: does not exist; pass the path of the fetter binary the hook \
             should run, or leave --fetter out to use this one"
        ),
        Err(e) => bail!("--fetter {shown}: cannot be read: {e}"),
    };
    if !meta.is_file() {
        bail!("--fetter {shown}: not a file; pass the path of the fetter binary itself");
    }
    if meta.permissions().mode() & 0o111 == 0 {
        bail!(
            "--fetter {shown}: not executable; make it executable (chmod +x) or pass the \
             installed fetter binary"
        );
    }
    Ok(abs)
}

/// Run `fetter site-uninstall`.
pub(super) fn run_uninstall(
    scope: &ScopeArgs,
    args: &SiteUninstallArgs,
) -> anyhow::Result<ExitCode> {
    let (_, _, site) = target(scope)?;
    let removed = site_hook::uninstall(&site, args.force).map_err(anyhow::Error::msg)?;
    for p in &removed.modified {
        eprintln!(
            "warning: {} had changed since site-install (removed: --force)",
            display_path(p)
        );
    }
    for p in &removed.files {
        println!("removed {}", display_path(p));
    }
    Ok(ExitCode::SUCCESS)
}
