//! Discovery: from a scope (the machine, given trees, or given
//! interpreters) to the set of Python environments, without running any
//! interpreter.

pub mod explicit;
pub mod interpreter;
pub mod layout;
pub mod locations;
pub mod pyvenv;
pub mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::inventory::{EnvironmentKind, Warning};
use explicit::{Reason, ScopeOption, Unresolved};
use walk::Found;

/// What to scan.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only the environments of these interpreters or prefixes.
    pub exes: Vec<PathBuf>,
    /// Search these trees instead of the machine.
    pub roots: Vec<PathBuf>,
    /// Search every home under `/home` and `/root`, not only `$HOME`.
    pub all_users: bool,
}

/// A discovered environment, before its sites are listed.
#[derive(Debug, Clone)]
pub struct EnvSpec {
    /// Canonical prefix.
    pub prefix: PathBuf,
    /// What kind of installation.
    pub kind: EnvironmentKind,
    /// `X.Y[.Z]` when known.
    pub version: Option<String>,
    /// Interpreter paths as found.
    pub interpreters: Vec<PathBuf>,
    /// For venvs: the parsed `pyvenv.cfg`.
    pub venv: Option<pyvenv::PyvenvCfg>,
    /// For venvs: the base installation, when it still exists.
    pub base: Option<interpreter::InstallPrefix>,
}

/// The result of discovery.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Environments, sorted by prefix.
    pub environments: Vec<EnvSpec>,
    /// Home directories in scope (for user sites).
    pub homes: Vec<PathBuf>,
    /// Problems met on the way.
    pub warnings: Vec<Warning>,
    /// Each `--exe`/`--root` entry that led to no environment: the
    /// commands fail on these rather than check nothing.
    pub unresolved: Vec<Unresolved>,
}

/// Find every environment in `scope`.
pub fn discover(scope: &Scope) -> Discovered {
    let mut warnings = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    let homes = if scope.roots.is_empty() {
        locations::homes(scope.all_users)
    } else {
        // The user sites a scan of a root sees are that root's users'.
        let mut seen = std::collections::HashSet::new();
        scope
            .roots
            .iter()
            .flat_map(|r| locations::homes_under(r))
            .filter(|h| seen.insert(std::fs::canonicalize(h).unwrap_or_else(|_| h.clone())))
            .collect()
    };

    // What each named entry (`--exe`, `--root`) led to, to tell the user
    // which of them found nothing.
    let mut named: Vec<(ScopeOption, &PathBuf, Vec<Found>, Option<Reason>)> = Vec::new();
    for exe in &scope.exes {
        match classify_explicit(exe) {
            Some(f) => {
                found.push(f.clone());
                named.push((ScopeOption::Exe, exe, vec![f], None));
            }
            None => {
                let reason = explicit::access_problem(exe)
                    .unwrap_or(Reason::NotAnEnvironment { detail: None });
                named.push((ScopeOption::Exe, exe, Vec::new(), Some(reason)));
            }
        }
    }
    let outs: Vec<Result<walk::WalkOutput, Reason>> = scope
        .roots
        .par_iter()
        .map(|r| match explicit::access_problem(r) {
            Some(reason) => Err(reason),
            None if !r.is_dir() => Err(Reason::NotADirectory),
            None => Ok(walk::walk(r, walk::MAX_DEPTH)),
        })
        .collect();
    for (root, o) in scope.roots.iter().zip(outs) {
        match o {
            Ok(o) => {
                let unreadable = o.warnings.len();
                found.extend(o.found.iter().cloned());
                warnings.extend(o.warnings);
                named.push((
                    ScopeOption::Root,
                    root,
                    o.found,
                    Some(Reason::NoEnvironmentUnder { unreadable }),
                ));
            }
            Err(reason) => named.push((ScopeOption::Root, root, Vec::new(), Some(reason))),
        }
    }
    if scope.exes.is_empty() && scope.roots.is_empty() {
        found.extend(machine_candidates(&homes, &mut warnings));
    }

    found.sort();
    found.dedup();
    let resolved: Vec<(Option<EnvSpec>, Vec<Warning>)> = found.par_iter().map(resolve).collect();
    let mut environment_of: BTreeSet<&Found> = BTreeSet::new();
    // Why a named interpreter or directory did not resolve, by finding.
    let mut refused: BTreeMap<&Found, Vec<Warning>> = BTreeMap::new();
    let mut by_prefix: BTreeMap<PathBuf, EnvSpec> = BTreeMap::new();
    for (f, (spec, w)) in found.iter().zip(resolved) {
        let Some(spec) = spec else {
            refused.insert(f, w);
            continue;
        };
        warnings.extend(w);
        environment_of.insert(f);
        match by_prefix.get_mut(&spec.prefix) {
            Some(existing) => {
                for i in spec.interpreters {
                    if !existing.interpreters.contains(&i) {
                        existing.interpreters.push(i);
                    }
                }
                if existing
                    .version
                    .as_ref()
                    .is_none_or(|v| spec.version.as_ref().is_some_and(|s| s.len() > v.len()))
                {
                    existing.version = spec.version.or(existing.version.take());
                }
            }
            None => {
                by_prefix.insert(spec.prefix.clone(), spec);
            }
        }
    }
    let mut unresolved = Vec::new();
    for (option, path, founds, reason) in named {
        if founds.iter().any(|f| environment_of.contains(f)) {
            continue;
        }
        // A named interpreter or directory that did not resolve: say why
        // (missing, unreadable, a shim script, no stdlib found) in the
        // error rather than as a warning as well.
        let detail: Vec<String> = match option {
            ScopeOption::Exe => founds
                .iter()
                .filter_map(|f| refused.remove(f))
                .flatten()
                .map(|w| w.message)
                .collect(),
            ScopeOption::Root => Vec::new(),
        };
        let reason =
            reason
                .or_else(|| explicit::access_problem(path))
                .unwrap_or(Reason::NotAnEnvironment {
                    detail: (!detail.is_empty()).then(|| detail.join("; ")),
                });
        unresolved.push(Unresolved {
            option,
            path: path.clone(),
            reason,
        });
    }
    // Findings under a root that did not resolve keep their warnings (a
    // shim script met on a walk is worth knowing about).
    warnings.extend(refused.into_values().flatten());
    let mut environments: Vec<EnvSpec> = by_prefix.into_values().collect();
    for e in &mut environments {
        e.interpreters.sort();
    }
    Discovered {
        environments,
        homes,
        warnings,
        unresolved,
    }
}

/// Candidates from the well-known places of a machine plus a walk of the homes.
fn machine_candidates(homes: &[PathBuf], warnings: &mut Vec<Warning>) -> Vec<Found> {
    let mut found = Vec::new();
    let mut bins = locations::bin_dirs(homes);
    bins.sort();
    bins.dedup();
    let from_bins: Vec<Found> = bins
        .par_iter()
        .flat_map_iter(|d| interpreters_in(d))
        .collect();
    found.extend(from_bins);
    found.extend(
        locations::prefix_candidates(homes)
            .iter()
            .filter_map(|p| classify_dir(p)),
    );
    let mut walks: Vec<(PathBuf, usize)> = locations::env_homes(homes)
        .into_iter()
        .map(|p| (p, 4))
        .collect();
    walks.extend(homes.iter().map(|h| (h.clone(), walk::MAX_DEPTH)));
    let outs: Vec<walk::WalkOutput> = walks
        .par_iter()
        .filter(|(p, _)| p.is_dir())
        .map(|(p, depth)| walk::walk(p, *depth))
        .collect();
    for o in outs {
        found.extend(o.found);
        warnings.extend(o.warnings);
    }
    found
}

/// Interpreters directly inside a bin directory.
fn interpreters_in(dir: &Path) -> Vec<Found> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(interpreter::is_interpreter_name)
        })
        .map(|e| e.path())
        .filter(|p| interpreter::is_native_executable(p))
        .map(Found::Interpreter)
        .collect()
}

/// What a directory is: a venv, a conda environment, or an installation prefix.
pub fn classify_dir(dir: &Path) -> Option<Found> {
    if dir.join("pyvenv.cfg").is_file() {
        Some(Found::Venv(dir.to_path_buf()))
    } else if dir.join("conda-meta").is_dir() {
        Some(Found::Conda(dir.to_path_buf()))
    } else if interpreter::stdlib_version(dir, None).is_some() {
        Some(Found::Prefix(dir.to_path_buf()))
    } else {
        None
    }
}

/// `--exe PATH`: an interpreter file, or an environment or prefix directory.
/// A named interpreter is trusted as one even if it is a script: the user
/// pointed at it, but it is still not executed.
fn classify_explicit(path: &Path) -> Option<Found> {
    if path.is_dir() {
        return classify_dir(path);
    }
    if path.is_file() || path.is_symlink() {
        return Some(Found::Interpreter(path.to_path_buf()));
    }
    None
}

fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Turn one finding into an environment.
fn resolve(found: &Found) -> (Option<EnvSpec>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let spec = match found {
        Found::Venv(dir) => Some(resolve_venv(dir, &mut warnings)),
        Found::Conda(dir) | Found::Prefix(dir) => resolve_prefix(dir, Vec::new()),
        Found::Interpreter(exe) => {
            // CPython looks for pyvenv.cfg beside the executable and one level up.
            let dir = exe.parent().unwrap_or(Path::new("/"));
            if let Some(venv) = [dir, dir.parent().unwrap_or(dir)]
                .into_iter()
                .find(|d| d.join("pyvenv.cfg").is_file())
            {
                let mut spec = resolve_venv(venv, &mut warnings);
                if !spec.interpreters.contains(exe) {
                    spec.interpreters.push(exe.clone());
                }
                Some(spec)
            } else if !interpreter::is_native_executable(exe) {
                warnings.push(Warning::new(
                    exe,
                    "not a native interpreter executable (a shim or wrapper script?); not run and not scanned: name the real interpreter or its prefix with --exe",
                ));
                None
            } else {
                match interpreter::install_prefix(exe) {
                    Some(ip) => resolve_prefix(&ip.prefix, vec![exe.clone()]).map(|mut s| {
                        s.version = s.version.or(Some(ip.version));
                        s
                    }),
                    None => {
                        warnings.push(Warning::new(
                            exe,
                            "an interpreter whose standard library could not be found from its layout; not scanned: name its prefix with --exe",
                        ));
                        None
                    }
                }
            }
        }
    };
    (spec, warnings)
}

fn resolve_prefix(dir: &Path, interpreters: Vec<PathBuf>) -> Option<EnvSpec> {
    let prefix = canonical(dir);
    let version = interpreter::stdlib_version(&prefix, None);
    let kind = kind_of(&prefix);
    let mut interpreters = interpreters;
    if interpreters.is_empty() {
        interpreters = interpreter_names_in(&prefix);
    }
    if version.is_none() && kind != EnvironmentKind::Conda {
        return None;
    }
    Some(EnvSpec {
        prefix,
        kind,
        version,
        interpreters,
        venv: None,
        base: None,
    })
}

fn resolve_venv(dir: &Path, warnings: &mut Vec<Warning>) -> EnvSpec {
    let prefix = canonical(dir);
    let cfg = match pyvenv::read(&prefix) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(Warning::new(
                prefix.join("pyvenv.cfg"),
                format!("cannot read: {e}"),
            ));
            pyvenv::PyvenvCfg::default()
        }
    };
    // The base: the interpreter in `home`, located without running it.
    let base = cfg.home.as_ref().and_then(|home| {
        let xy = cfg.version.as_deref().map(layout::short_version);
        let mut names: Vec<String> = xy.iter().map(|v| format!("python{v}")).collect();
        names.extend(["python3".to_string(), "python".to_string()]);
        names
            .iter()
            .map(|n| home.join(n))
            .find(|p| p.exists())
            .and_then(|exe| interpreter::install_prefix(&exe))
    });
    if base.is_none() {
        if let Some(home) = &cfg.home {
            warnings.push(Warning::new(
                prefix.join("pyvenv.cfg"),
                format!(
                    "base interpreter in {} is missing; the environment is still scanned",
                    home.display()
                ),
            ));
        }
    }
    let version = cfg
        .version
        .clone()
        .or_else(|| base.as_ref().map(|b| b.version.clone()))
        .or_else(|| venv_lib_version(&prefix));
    EnvSpec {
        interpreters: interpreter_names_in(&prefix),
        prefix,
        kind: EnvironmentKind::Venv,
        version,
        venv: Some(cfg),
        base,
    }
}

/// `X.Y` from a venv's `lib/pythonX.Y/` directory.
fn venv_lib_version(prefix: &Path) -> Option<String> {
    let mut found: Vec<String> = fs::read_dir(prefix.join("lib"))
        .ok()?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(interpreter::version_from_name)
        })
        .collect();
    found.sort();
    found.pop()
}

/// Interpreter-named entries in a prefix's `bin/` (or `Scripts/`), even
/// dangling links: a venv whose base is gone still names its interpreter.
fn interpreter_names_in(prefix: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for bin in ["bin", "Scripts"] {
        if let Ok(rd) = fs::read_dir(prefix.join(bin)) {
            out.extend(
                rd.flatten()
                    .filter(|e| {
                        e.file_name()
                            .to_str()
                            .is_some_and(interpreter::is_interpreter_name)
                    })
                    .map(|e| e.path()),
            );
        }
    }
    out.sort();
    out
}

fn kind_of(prefix: &Path) -> EnvironmentKind {
    if prefix.join("conda-meta").is_dir() {
        return EnvironmentKind::Conda;
    }
    let s = prefix.to_string_lossy();
    let parent_name = prefix
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if parent_name == "versions"
        && prefix
            .ancestors()
            .any(|a| a.file_name().is_some_and(|n| n == ".pyenv" || n == "pyenv"))
    {
        EnvironmentKind::Pyenv
    } else if parent_name == "python" && s.contains("uv/python")
        || env_is(prefix, "UV_PYTHON_INSTALL_DIR")
    {
        EnvironmentKind::Uv
    } else if env_is(prefix, "PYENV_ROOT") {
        EnvironmentKind::Pyenv
    } else {
        EnvironmentKind::System
    }
}

fn env_is(prefix: &Path, var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| {
        prefix.parent() == Some(canonical(Path::new(&v)).join("versions").as_path())
            || prefix.parent() == Some(canonical(Path::new(&v)).as_path())
    })
}
