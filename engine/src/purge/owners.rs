//! Whose a path is: a purge removes a file only when it is the target
//! distribution's own.
//!
//! Containment ([`super::containment`]) keeps a RECORD inside its
//! environment; that is not enough, because the environment holds other
//! distributions and its own structure. A hostile (or corrupt) RECORD
//! listing `requests/__init__.py`, `requests-2.32.3.dist-info/METADATA`,
//! `../../../pyvenv.cfg` or `../../../bin/python` would otherwise take
//! them down with it. [`OwnerIndex`] answers "who else owns this path" from
//! an index built once per plan: every file listed by every distribution
//! of the environments concerned, keyed by its real location (parent
//! directory with symlinks resolved, the file itself not followed), so
//! `lib64/…` or a symlinked directory cannot spell another's file
//! differently.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::containment::Boundary;
use crate::discover::interpreter::is_interpreter_name;
use crate::inventory::record::read_record;
use crate::inventory::{Distribution, Inventory, MetadataKind};

/// A distribution known to the index.
#[derive(Debug, Clone)]
struct Known {
    name: String,
    version: String,
    metadata_path: PathBuf,
    /// The file listing its files (RECORD or installed-files.txt).
    list: PathBuf,
}

/// One distribution's listing of a path.
#[derive(Debug, Clone)]
pub struct Claim {
    dist: usize,
    /// 1-based line of the listing.
    pub line: usize,
    /// The hash recorded for it (`None` for `.pyc` files and RECORD itself).
    pub hash: Option<String>,
}

/// What a path belongs to when it is not the target's own file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// Inside (or equal to) another distribution's metadata directory.
    Metadata {
        /// The owner, as `name version`.
        owner: String,
        /// Its metadata directory.
        dir: PathBuf,
    },
    /// Part of the environment itself (pyvenv.cfg, its interpreter, …).
    Environment(String),
    /// Inside another environment nested in this one (a pipx or pipenv
    /// venv below `~/.local`, a venv inside a prefix).
    NestedEnvironment(PathBuf),
}

impl std::fmt::Display for Structure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Structure::Metadata { owner, dir } => {
                write!(f, "the metadata directory of {owner} ({})", dir.display())
            }
            Structure::Environment(what) => write!(f, "the environment itself ({what})"),
            Structure::NestedEnvironment(p) => {
                write!(
                    f,
                    "another environment nested inside this one ({})",
                    p.display()
                )
            }
        }
    }
}

/// Path -> owning distributions, for the environments of one plan.
#[derive(Debug, Default)]
pub struct OwnerIndex {
    dists: Vec<Known>,
    files: HashMap<PathBuf, Vec<Claim>>,
    metadata: HashMap<PathBuf, usize>,
    /// Prefixes of every environment the scan found (real locations).
    environments: HashSet<PathBuf>,
    /// Directory -> its real location (memo of `canonicalize`).
    real_dirs: RefCell<HashMap<PathBuf, PathBuf>>,
    /// Directory -> whether it holds `pyvenv.cfg` or `conda-meta/`.
    env_marks: RefCell<HashMap<PathBuf, bool>>,
}

impl OwnerIndex {
    /// Index every distribution of `inv` whose metadata lies inside one of
    /// `boundaries`: what its RECORD (or `installed-files.txt`) lists, and
    /// its metadata directory. Lists are read in parallel; one that cannot
    /// be read protects only its metadata directory.
    pub fn build(inv: &Inventory, boundaries: &[&Boundary]) -> Self {
        let inside = |d: &Distribution| {
            boundaries.iter().any(|b| {
                d.metadata_path.starts_with(&b.root) || d.metadata_path.starts_with(&b.real_root)
            })
        };
        let dists: Vec<&Distribution> = inv.distributions.iter().filter(|d| inside(d)).collect();
        let listed: Vec<Vec<(PathBuf, usize, Option<String>)>> =
            dists.par_iter().map(|d| listed_files(d)).collect();
        let mut index = OwnerIndex {
            environments: inv
                .environments
                .iter()
                .map(|e| fs::canonicalize(&e.prefix).unwrap_or_else(|_| e.prefix.clone()))
                .collect(),
            ..OwnerIndex::default()
        };
        for (i, (d, files)) in dists.iter().zip(listed).enumerate() {
            let list = match d.metadata_kind {
                MetadataKind::DistInfo => d.metadata_path.join("RECORD"),
                _ => d.metadata_path.join("installed-files.txt"),
            };
            index.dists.push(Known {
                name: d.name.clone(),
                version: d.version.clone(),
                metadata_path: d.metadata_path.clone(),
                list,
            });
            if d.metadata_kind != MetadataKind::EggInfoFile {
                let real = index.real_dir(&d.metadata_path);
                index.metadata.insert(real, i);
            }
            for (path, line, hash) in files {
                let key = index.key(&path);
                index.files.entry(key).or_default().push(Claim {
                    dist: i,
                    line,
                    hash,
                });
            }
        }
        index
    }

    /// The real location of `path`: its parent with symlinks resolved, the
    /// last component as written (a symlink is its own file).
    pub fn key(&self, path: &Path) -> PathBuf {
        match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => self.real_dir(parent).join(name),
            _ => path.to_path_buf(),
        }
    }

    /// `dir` with symlinks resolved; a part that does not exist is kept as
    /// written below the nearest ancestor that does.
    fn real_dir(&self, dir: &Path) -> PathBuf {
        if let Some(r) = self.real_dirs.borrow().get(dir) {
            return r.clone();
        }
        let real = match fs::canonicalize(dir) {
            Ok(r) => r,
            Err(_) => match (dir.parent(), dir.file_name()) {
                (Some(parent), Some(name)) => self.real_dir(parent).join(name),
                _ => dir.to_path_buf(),
            },
        };
        self.real_dirs
            .borrow_mut()
            .insert(dir.to_path_buf(), real.clone());
        real
    }

    /// The other distributions (not `me`, a metadata directory) whose list
    /// names `path`.
    pub fn claims(&self, path: &Path, me: &Path) -> Vec<&Claim> {
        self.files
            .get(&self.key(path))
            .map(|v| {
                v.iter()
                    .filter(|c| self.dists[c.dist].metadata_path != me)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `name version` of a claim's distribution.
    pub fn owner(&self, claim: &Claim) -> String {
        let d = &self.dists[claim.dist];
        format!("{} {}", d.name, d.version)
    }

    /// The metadata directory of a claim's distribution.
    pub fn owner_metadata(&self, claim: &Claim) -> &Path {
        &self.dists[claim.dist].metadata_path
    }

    /// Where a claim comes from: `…/RECORD line N`.
    pub fn source(&self, claim: &Claim) -> String {
        format!(
            "{} line {}",
            self.dists[claim.dist].list.display(),
            claim.line
        )
    }

    /// What `path` belongs to besides files a RECORD may list: another
    /// distribution's metadata directory, the environment's own structure,
    /// or another environment nested in it. `None` when it is none of those.
    pub fn structure(&self, path: &Path, me: &Path, boundary: &Boundary) -> Option<Structure> {
        let real = self.key(path);
        if let Some(what) = environment_part(&real, boundary) {
            return Some(Structure::Environment(what));
        }
        for dir in real.ancestors() {
            if dir == boundary.real_root
                || dir == boundary.root
                || !dir.starts_with(&boundary.real_root)
            {
                break;
            }
            if let Some(&i) = self.metadata.get(dir) {
                let d = &self.dists[i];
                if d.metadata_path != me {
                    return Some(Structure::Metadata {
                        owner: format!("{} {}", d.name, d.version),
                        dir: d.metadata_path.clone(),
                    });
                }
            }
            if self.environments.contains(dir) || self.holds_environment(dir) {
                return Some(Structure::NestedEnvironment(dir.to_path_buf()));
            }
        }
        None
    }

    /// True when `dir` is itself an environment's prefix on disk.
    fn holds_environment(&self, dir: &Path) -> bool {
        if let Some(&b) = self.env_marks.borrow().get(dir) {
            return b;
        }
        let marked = dir.join("pyvenv.cfg").is_file() || dir.join("conda-meta").is_dir();
        self.env_marks
            .borrow_mut()
            .insert(dir.to_path_buf(), marked);
        marked
    }
}

/// The files a distribution lists, resolved as a purge resolves them, with
/// their line and recorded hash.
fn listed_files(d: &Distribution) -> Vec<(PathBuf, usize, Option<String>)> {
    match d.metadata_kind {
        MetadataKind::DistInfo => {
            let base = d.metadata_path.parent().unwrap_or(&d.site);
            read_record(&d.metadata_path)
                .map(|entries| {
                    entries
                        .into_iter()
                        .filter(|e| !e.path.contains('\0'))
                        .map(|e| (e.resolve(base), e.line, e.hash))
                        .collect()
                })
                .unwrap_or_default()
        }
        MetadataKind::EggInfo => crate::unpack::list_files(d)
            .map(|files| {
                files
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| (f.path, i + 1, None))
                    .collect()
            })
            .unwrap_or_default(),
        MetadataKind::EggInfoFile => Vec::new(),
    }
}

/// The part of the environment `real` (a real location) is, if any: its
/// `pyvenv.cfg`, conda's `conda-meta/`, an interpreter or activation script
/// in `bin/` (`Scripts/`), the interpreter's own headers and library, or
/// the standard library directory around a site (outside the site).
fn environment_part(real: &Path, b: &Boundary) -> Option<String> {
    let rel = real.strip_prefix(&b.real_root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.last()?;
    match parts.as_slice() {
        [f] if f == "pyvenv.cfg" => return Some("its pyvenv.cfg".into()),
        [top, ..] if top == "conda-meta" => return Some("conda's record of it, conda-meta".into()),
        [bin, f] if bin == "bin" || bin == "Scripts" => {
            let lower = f.to_ascii_lowercase();
            if is_interpreter_name(f) || f.strip_suffix("-config").is_some_and(is_interpreter_name)
            {
                return Some(format!("its interpreter {bin}/{f}"));
            }
            if lower.starts_with("activate") || lower.starts_with("deactivate") {
                return Some(format!("its activation script {bin}/{f}"));
            }
        }
        [lib, f] if lib == "lib" && f.starts_with("libpython") => {
            return Some(format!("the interpreter's library lib/{f}"));
        }
        [inc, py, _] if inc == "include" && py.starts_with("python") => {
            return Some(format!("the interpreter's headers include/{py}"));
        }
        _ => {}
    }
    for site in &b.sites {
        let Some(stdlib) = site.parent() else {
            continue;
        };
        let is_stdlib = stdlib
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("python"));
        if is_stdlib
            && real.starts_with(stdlib)
            && real != stdlib
            && !b.sites.iter().any(|s| real.starts_with(s))
        {
            return Some(format!(
                "its standard library directory {}",
                stdlib.display()
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundary() -> (tempfile::TempDir, Boundary, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(d.path()).unwrap().join("v");
        let site = root.join("lib/python3.11/site-packages");
        fs::create_dir_all(&site).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::write(root.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let b = Boundary::new(&root, std::slice::from_ref(&site)).unwrap();
        (d, b, site)
    }

    #[test]
    fn names_the_environments_own_parts() {
        let (_d, b, site) = boundary();
        let part = |p: &Path| environment_part(p, &b);
        assert!(part(&b.root.join("pyvenv.cfg"))
            .unwrap()
            .contains("pyvenv.cfg"));
        assert!(part(&b.root.join("bin/python3.11"))
            .unwrap()
            .contains("interpreter"));
        assert!(part(&b.root.join("bin/Activate.ps1"))
            .unwrap()
            .contains("activation"));
        assert!(part(&b.root.join("conda-meta/x.json")).is_some());
        assert!(part(&b.root.join("lib/python3.11/os.py"))
            .unwrap()
            .contains("standard library"));
        assert_eq!(part(&site.join("six.py")), None);
        assert_eq!(part(&b.root.join("bin/tool")), None);
        assert_eq!(part(&b.root.join("bin/python-tool")), None);
        assert_eq!(part(&b.root.join("share/x/python3")), None);
    }

    #[test]
    fn nested_environments_are_not_ours() {
        let (_d, b, site) = boundary();
        let nested = b.root.join("share/venvs/tool");
        fs::create_dir_all(nested.join("lib")).unwrap();
        fs::write(nested.join("pyvenv.cfg"), "").unwrap();
        let index = OwnerIndex::default();
        let me = site.join("x-1.dist-info");
        assert_eq!(
            index.structure(&nested.join("lib/mod.py"), &me, &b),
            Some(Structure::NestedEnvironment(nested.clone()))
        );
        assert_eq!(
            index.structure(&b.root.join("share/other/f"), &me, &b),
            None
        );
    }
}
