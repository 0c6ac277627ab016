//! What runs at interpreter start-up: `.pth` files (their `import` lines
//! are executed by `site.py` at every start), `sitecustomize` and
//! `usercustomize`. Each is attributed to the distribution whose RECORD
//! lists it; an unowned file that runs code is flagged, as it is a classic
//! persistence vector (nothing uninstalls it, nothing audits it).

mod owners;
mod pth;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::discover::layout;
use crate::inventory::{Environment, Inventory, SiteScope};

pub use owners::{Owner, OwnerIndex};
pub use pth::{parse_pth, PthLines};

/// Schema tag of `fetter inspect --format json`.
pub const INSPECT_SCHEMA: &str = "fetter.inspect/1";

/// The whole inspection.
#[derive(Debug, Clone, Serialize)]
pub struct StartupReport {
    /// Always [`INSPECT_SCHEMA`].
    pub schema: &'static str,
    /// One entry per environment in scope, sorted by prefix.
    pub environments: Vec<EnvironmentStartup>,
}

/// What runs when one environment's interpreter starts.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentStartup {
    /// The environment's prefix.
    #[serde(with = "crate::pathjson")]
    pub prefix: PathBuf,
    /// Start-up files, in the order Python meets them (sites in `sys.path`
    /// order, `.pth` files alphabetically, then the customize modules).
    pub startup_files: Vec<StartupFile>,
    /// Files that run code and no distribution owns.
    pub unowned_executable: usize,
}

/// What kind of start-up file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartupKind {
    /// A `.pth` file in a site directory.
    Pth,
    /// `sitecustomize` (imported by `site.py` when found on `sys.path`).
    Sitecustomize,
    /// `usercustomize` (imported when the user site is enabled).
    Usercustomize,
}

impl StartupKind {
    /// Lowercase name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            StartupKind::Pth => "pth",
            StartupKind::Sitecustomize => "sitecustomize",
            StartupKind::Usercustomize => "usercustomize",
        }
    }
}

/// One start-up file.
#[derive(Debug, Clone, Serialize)]
pub struct StartupFile {
    /// What kind of file it is.
    pub kind: StartupKind,
    /// The file.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// The directory it was found in (a site, or the standard library).
    #[serde(with = "crate::pathjson")]
    pub directory: PathBuf,
    /// `own`, `inherited`, `user` for sites; `stdlib` for the standard library.
    pub location: &'static str,
    /// True when it runs code at start-up (a `.pth` with `import` lines, or
    /// any customize module).
    pub executes: bool,
    /// A `.pth` file's executable lines, as written (cut to 200 characters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub import_lines: Vec<String>,
    /// A `.pth` file's directory lines (added to `sys.path`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path_lines: Vec<String>,
    /// Who installed it.
    pub owner: Owner,
    /// True when it runs code and nothing owns it: a persistence vector.
    pub flagged: bool,
    /// Why the file could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Inspect every environment of `inv`.
pub fn inspect(inv: &Inventory) -> StartupReport {
    let mut owners = OwnerIndex::new(inv);
    let mut environments: Vec<EnvironmentStartup> = inv
        .environments
        .iter()
        .map(|env| inspect_environment(env, &mut owners))
        .collect();
    environments.sort_by(|a, b| a.prefix.cmp(&b.prefix));
    StartupReport {
        schema: INSPECT_SCHEMA,
        environments,
    }
}

fn inspect_environment(env: &Environment, owners: &mut OwnerIndex) -> EnvironmentStartup {
    let mut hooks = Vec::new();
    for site in &env.sites {
        let location = match site.scope {
            SiteScope::Own => "own",
            SiteScope::Inherited => "inherited",
            SiteScope::User => "user",
        };
        for pth in pth_files(&site.path) {
            hooks.push(pth_entry(&site.path, pth, location, owners));
        }
        for (kind, path) in customize_modules(&site.path) {
            hooks.push(module_entry(kind, path, &site.path, location, owners));
        }
    }
    if let Some(stdlib) = stdlib_dir(env) {
        for (kind, path) in customize_modules(&stdlib) {
            hooks.push(module_entry(kind, path, &stdlib, "stdlib", owners));
        }
    }
    EnvironmentStartup {
        prefix: env.prefix.clone(),
        unowned_executable: hooks.iter().filter(|h| h.flagged).count(),
        startup_files: hooks,
    }
}

/// The `.pth` files of a site, sorted by name as `site.py` processes them.
fn pth_files(site: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(site) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pth"))
        // site.py skips hidden .pth files (3.13+ ignores them outright).
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn pth_entry(
    site: &Path,
    path: PathBuf,
    location: &'static str,
    owners: &mut OwnerIndex,
) -> StartupFile {
    let (lines, error) = match crate::fsutil::read_capped(&path, crate::fsutil::SMALL_FILE_CAP) {
        Ok(bytes) => (parse_pth(&bytes), None),
        Err(e) => (PthLines::default(), Some(e.to_string())),
    };
    let owner = owners.owner(site, &path);
    // An unreadable .pth may well run code: count it as executing.
    let executes = !lines.imports.is_empty() || error.is_some();
    StartupFile {
        kind: StartupKind::Pth,
        flagged: executes && owner.is_none(),
        path,
        directory: site.to_path_buf(),
        location,
        executes,
        import_lines: lines.imports,
        path_lines: lines.paths,
        owner,
        error,
    }
}

fn module_entry(
    kind: StartupKind,
    path: PathBuf,
    dir: &Path,
    location: &'static str,
    owners: &mut OwnerIndex,
) -> StartupFile {
    let owner = owners.owner(dir, &path);
    StartupFile {
        kind,
        flagged: owner.is_none(),
        path,
        directory: dir.to_path_buf(),
        location,
        executes: true,
        import_lines: Vec::new(),
        path_lines: Vec::new(),
        owner,
        error: None,
    }
}

/// `sitecustomize` and `usercustomize` as a module or a package in `dir`.
fn customize_modules(dir: &Path) -> Vec<(StartupKind, PathBuf)> {
    // usercustomize is imported from anywhere on sys.path (not only the
    // user site) whenever the user site is enabled: look for both everywhere.
    let names = [
        (StartupKind::Sitecustomize, "sitecustomize"),
        (StartupKind::Usercustomize, "usercustomize"),
    ];
    let mut out = Vec::new();
    for (kind, name) in names {
        for candidate in [
            dir.join(format!("{name}.py")),
            dir.join(name).join("__init__.py"),
        ] {
            if candidate.is_file() {
                out.push((kind, candidate));
            }
        }
    }
    out
}

/// The standard-library directory of `env` (its base's, for a venv), when
/// it can be found from the layout.
fn stdlib_dir(env: &Environment) -> Option<PathBuf> {
    let version = env.python_version.as_deref()?;
    let base = env.base_prefix.as_deref().unwrap_or(&env.prefix);
    let dir = base
        .join("lib")
        .join(format!("python{}", layout::short_version(version)));
    dir.is_dir().then_some(dir)
}
