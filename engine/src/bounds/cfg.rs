//! Configuration of the bounds check: where the bounds come from and how
//! strictly the environments are compared with them.

use std::fmt;
use std::path::PathBuf;

/// Names ignored when no `--ignore` is given: pip itself, which every
/// environment carries and no bound lists.
pub const DEFAULT_IGNORE: &[&str] = &["pip"];

/// Where one bound is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundSource {
    /// A file on disk.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// An `http://` or `https://` URL.
    Url(String),
}

impl BoundSource {
    /// Read a command-line argument: `-` is stdin, `http(s)://` a URL, anything else a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            BoundSource::Stdin
        } else if is_http_url(arg) {
            BoundSource::Url(arg.to_string())
        } else {
            BoundSource::Path(PathBuf::from(arg))
        }
    }
}

impl fmt::Display for BoundSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoundSource::Path(p) => write!(f, "{}", p.display()),
            BoundSource::Stdin => f.write_str("<stdin>"),
            BoundSource::Url(u) => f.write_str(u),
        }
    }
}

/// True when `s` starts with `http://` or `https://` (case-insensitive).
pub fn is_http_url(s: &str) -> bool {
    let l = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// Which parts of a `pyproject.toml` or lock file count as the bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Optional-dependency extras to include (`--extra NAME`).
    pub extras: Vec<String>,
    /// Dependency groups to include (`--group NAME`, PEP 735).
    pub groups: Vec<String>,
    /// `uv.lock`: require every workspace member's dependencies, as
    /// `uv sync --all-packages` installs (`--all-packages`), not only the
    /// root project's.
    pub all_packages: bool,
}

/// Whether an installed distribution that no bound lists, but that a
/// distribution the bound requires depends on (directly or through
/// others, as installed), is `bounds/unrequired`.
///
/// A `pyproject.toml` names a project's direct dependencies only: `uv
/// sync` and `pip install .` install their dependencies too, and calling
/// those unrequired is a false denial (which purge would act on). Lock
/// files and compiled requirements list the whole closure, so there a
/// distribution they leave out is unrequired whatever requires it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transitive {
    /// Accept dependencies for `pyproject.toml` bounds, not for others.
    #[default]
    Auto,
    /// Accept dependencies whatever the bound's format.
    Allow,
    /// Every installed distribution must be listed (the strict check).
    Deny,
}

/// Everything the bounds check needs besides the inventory.
#[derive(Debug, Clone, Default)]
pub struct BoundsConfig {
    /// The bounds, combined as if each were `-r`-included by one file.
    pub sources: Vec<BoundSource>,
    /// Extras and groups selected from pyproject and lock files.
    pub selection: Selection,
    /// The bound may list more than is installed: no `bounds/missing`.
    pub subset: bool,
    /// Environments may hold more than the bound: no `bounds/unrequired`.
    pub superset: bool,
    /// Whether what the bound's requirements pull in counts as required.
    pub transitive: Transitive,
    /// Names never checked (normalized on use). Empty means [`DEFAULT_IGNORE`].
    pub ignore: Vec<String>,
}

impl BoundsConfig {
    /// The bounds check a command line asks for: each of `bounds` read as
    /// [`BoundSource::from_arg`] does (`-`, a URL or a path), compared
    /// strictly (no `subset`, no `superset`: set them after). What
    /// `fetter validate --bound`, `fetter purge --bound` and `fetter
    /// lookup-bound` build their check from.
    pub fn from_args<S: AsRef<str>>(
        bounds: &[S],
        selection: Selection,
        transitive: Transitive,
        ignore: Vec<String>,
    ) -> Self {
        BoundsConfig {
            sources: bounds
                .iter()
                .map(|b| BoundSource::from_arg(b.as_ref()))
                .collect(),
            selection,
            subset: false,
            superset: false,
            transitive,
            ignore,
        }
    }

    /// This check as `fetter purge --bound` selects with it: only what is
    /// installed and the bound rejects (what is not installed cannot be
    /// removed, so `bounds/missing` is never reported).
    pub fn for_purge(self) -> Self {
        BoundsConfig {
            subset: true,
            superset: false,
            ..self
        }
    }

    /// The normalized names to ignore.
    pub fn ignored_names(&self) -> Vec<String> {
        if self.ignore.is_empty() {
            DEFAULT_IGNORE
                .iter()
                .map(|n| crate::names::normalize(n))
                .collect()
        } else {
            self.ignore
                .iter()
                .map(|n| crate::names::normalize(n))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_args_reads_each_source_and_purge_ignores_what_is_missing() {
        let cfg = BoundsConfig::from_args(
            &["-", "https://x/r.txt", "r.txt"],
            Selection::default(),
            Transitive::Deny,
            vec!["setuptools".into()],
        );
        assert_eq!(
            cfg.sources,
            [
                BoundSource::Stdin,
                BoundSource::Url("https://x/r.txt".into()),
                BoundSource::Path("r.txt".into())
            ]
        );
        assert_eq!((cfg.subset, cfg.superset), (false, false));
        assert_eq!(cfg.transitive, Transitive::Deny);
        let purge = cfg.for_purge();
        assert_eq!((purge.subset, purge.superset), (true, false));
        assert_eq!(purge.ignored_names(), ["setuptools"]);
    }
}
