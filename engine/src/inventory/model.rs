//! The inventory: what a scan found, as plain serialisable data.
//!
//! This is the contract every downstream command (derive, validate, purge,
//! the WASM policy plugins, audit) consumes, and its JSON form is versioned
//! as [`INVENTORY_SCHEMA`]. Fields are only ever added; a change in meaning is
//! a new schema version.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The schema tag written at the top of every inventory JSON document.
pub const INVENTORY_SCHEMA: &str = "fetter.inventory/1";

/// Everything one scan found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// Always [`INVENTORY_SCHEMA`].
    pub schema: String,
    /// Python environments, sorted by prefix.
    pub environments: Vec<Environment>,
    /// Every site directory seen by any environment, each listed once.
    pub sites: Vec<Site>,
    /// Every installed distribution, sorted by site then normalized name.
    pub distributions: Vec<Distribution>,
    /// Security-relevant observations (not errors): duplicates, executable
    /// `.pth` lines, externally-managed sites.
    pub findings: Vec<Finding>,
    /// Entries that could not be read or understood; the scan went on.
    pub warnings: Vec<Warning>,
    /// Its index ([`Inventory::index`]); `Default::default()` when building one.
    #[serde(skip)]
    pub index: super::index::IndexCache,
}

/// What kind of installation an environment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvironmentKind {
    /// An interpreter installed by the OS or by hand (`/usr`, `/usr/local`, `/opt/...`).
    System,
    /// A virtual environment (a prefix holding `pyvenv.cfg`).
    Venv,
    /// A conda root or conda environment (a prefix holding `conda-meta/`).
    Conda,
    /// An interpreter under pyenv's `versions/`.
    Pyenv,
    /// An interpreter managed by uv (`uv python install`).
    Uv,
}

impl EnvironmentKind {
    /// The lowercase name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentKind::System => "system",
            EnvironmentKind::Venv => "venv",
            EnvironmentKind::Conda => "conda",
            EnvironmentKind::Pyenv => "pyenv",
            EnvironmentKind::Uv => "uv",
        }
    }
}

/// How a site is visible from an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteScope {
    /// The site lies inside the environment's own prefix.
    Own,
    /// The site belongs to the base interpreter of a venv created with
    /// `include-system-site-packages = true`.
    Inherited,
    /// The per-user site (`~/.local/lib/pythonX.Y/site-packages`).
    User,
}

/// A reference from an environment to one of the sites on its `sys.path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRef {
    /// The site directory (canonical path).
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// How the environment sees it.
    pub scope: SiteScope,
}

/// One Python environment, identified by its prefix.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Environment {
    /// The environment's prefix: the directory holding `pyvenv.cfg` for a
    /// venv, or the installation prefix (`/usr`, `~/.pyenv/versions/3.11.7`).
    #[serde(with = "crate::pathjson")]
    pub prefix: PathBuf,
    /// What kind of installation this is.
    pub kind: EnvironmentKind,
    /// `X.Y` or `X.Y.Z` where it could be learnt from the layout, else `None`.
    pub python_version: Option<String>,
    /// Interpreter paths found for this environment, as found (not resolved).
    #[serde(with = "crate::pathjson::vec")]
    pub interpreters: Vec<PathBuf>,
    /// Sites on this environment's `sys.path`, in `sys.path` order.
    pub sites: Vec<SiteRef>,
    /// True when the environment's stdlib directory holds an
    /// `EXTERNALLY-MANAGED` marker (PEP 668): the OS package manager owns it.
    pub externally_managed: bool,
    /// For a venv: the prefix of its base interpreter, when known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::pathjson::opt"
    )]
    pub base_prefix: Option<PathBuf>,
    /// For a venv whose `home` interpreter no longer exists.
    #[serde(default)]
    pub base_missing: bool,
}

/// One site directory (`site-packages`, `dist-packages`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    /// Canonical path of the directory.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// [`SiteScope::Own`] for an environment's site, [`SiteScope::User`] for a user site.
    pub scope: SiteScope,
    /// Prefix of the environment the site belongs to (`None` for user sites).
    #[serde(with = "crate::pathjson::opt")]
    pub environment: Option<PathBuf>,
    /// True when the owning environment is externally managed (PEP 668).
    pub externally_managed: bool,
}

/// Where an installed distribution's metadata lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetadataKind {
    /// A `*.dist-info` directory (the modern format).
    DistInfo,
    /// A legacy `*.egg-info` directory.
    EggInfo,
    /// A legacy single-file `*.egg-info` (the file is PKG-INFO).
    EggInfoFile,
}

/// PEP 610 `direct_url.json`: where a distribution was installed from when
/// it did not come from an index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectUrl {
    /// The URL as recorded.
    pub url: String,
    /// `vcs_info.vcs` (e.g. `git`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<String>,
    /// `vcs_info.commit_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
    /// `vcs_info.requested_revision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_revision: Option<String>,
    /// `archive_info.hashes` (or the legacy `hash`), as `algo=hex` strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub archive_hashes: Vec<String>,
    /// `dir_info.editable`.
    #[serde(default)]
    pub editable: bool,
    /// `subdirectory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdirectory: Option<String>,
}

/// One installed distribution.
///
/// Its version is parsed once, where the distribution is made
/// ([`Distribution::new`], the scan, deserialization): every comparison
/// downstream (bounds, derive, audit) reads [`Distribution::parsed_version`]
/// instead of parsing [`Distribution::version`] again.
#[derive(Debug, Clone, Serialize, Deserialize)]
// The derived (de)serializers become inherent functions that the trait
// impls below wrap: deserializing fills `parsed_version`.
#[serde(remote = "Self")]
pub struct Distribution {
    /// The name as the metadata spells it.
    pub name: String,
    /// The PEP 503 normalized name (`jaraco.classes` -> `jaraco-classes`).
    pub normalized_name: crate::names::PackageName,
    /// The version as written in the metadata.
    pub version: String,
    /// False when `version` cannot be compared: not PEP 440, or PEP 440
    /// with a number larger than fetter can represent (see `inventory::version`).
    pub version_valid: bool,
    /// `version` parsed as PEP 440, `None` when it cannot be compared (as
    /// `version_valid` says for a scanned distribution). Not written to JSON;
    /// filled when the distribution is made or read back.
    #[serde(skip)]
    pub parsed_version: Option<pep440_rs::Version>,
    /// The site directory holding the metadata (canonical path).
    #[serde(with = "crate::pathjson")]
    pub site: PathBuf,
    /// The metadata directory or file (`…/requests-2.32.3.dist-info`).
    #[serde(with = "crate::pathjson")]
    pub metadata_path: PathBuf,
    /// Which metadata format was found.
    pub metadata_kind: MetadataKind,
    /// Contents of `INSTALLER` (`pip`, `uv`, `conda`, …), when present.
    pub installer: Option<String>,
    /// True when a `REQUESTED` file is present (installed on purpose, not as a dependency).
    pub requested: bool,
    /// Parsed `direct_url.json`, when present and valid.
    pub direct_url: Option<DirectUrl>,
    /// The OS package that installed it (in an OS-managed site, from the
    /// package manager's database), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_package: Option<crate::osowner::OsPackage>,
}

impl Distribution {
    /// A `.dist-info` distribution `name` `version` in `site`, with nothing
    /// else recorded (no installer, not requested, no direct URL); its
    /// normalized name, `version_valid` and `parsed_version` are derived as
    /// the scan derives them. Set the other fields with struct update
    /// syntax: `Distribution { requested: true, ..Distribution::new(..) }`.
    pub fn new(
        name: &str,
        version: &str,
        site: impl Into<PathBuf>,
        metadata_path: impl Into<PathBuf>,
    ) -> Self {
        let parsed_version = super::version::parse(version).ok();
        Distribution {
            name: name.to_string(),
            normalized_name: crate::names::PackageName::installed(name),
            version: version.to_string(),
            version_valid: parsed_version.is_some(),
            parsed_version,
            site: site.into(),
            metadata_path: metadata_path.into(),
            metadata_kind: MetadataKind::DistInfo,
            installer: None,
            requested: false,
            direct_url: None,
            os_package: None,
        }
    }

    /// Why `version` cannot be compared, or `None` when it can: for messages
    /// about a distribution whose `parsed_version` is `None` (only then does
    /// it parse the string again, to name the problem).
    pub fn version_problem(&self) -> Option<super::version::VersionProblem> {
        match self.parsed_version {
            Some(_) => None,
            None => super::version::parse(&self.version).err(),
        }
    }
}

impl Serialize for Distribution {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The derived serializer (inherent, from `remote = "Self"`).
        Distribution::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Distribution {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The derived deserializer, then the one parse of the version.
        let mut d = Distribution::deserialize(deserializer)?;
        d.parsed_version = super::version::parse(&d.version).ok();
        Ok(d)
    }
}

/// The kinds of security-relevant observation a scan reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Two metadata entries of one normalized name in one site.
    DuplicateDistribution,
    /// A `.pth` file with a line starting with `import`: it runs at every interpreter start.
    ExecutablePth,
    /// A site whose environment carries a PEP 668 `EXTERNALLY-MANAGED` marker.
    ExternallyManaged,
    /// A `~`-named `.dist-info`/`.egg-info`: pip's temporary copy left by an
    /// interrupted install or uninstall (never listed as a distribution).
    InterruptedInstall,
}

/// A security-relevant observation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// What was observed.
    pub kind: FindingKind,
    /// The file or directory concerned.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// A human sentence.
    pub message: String,
}

/// Something that could not be read or understood; the scan went on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The file or directory concerned.
    #[serde(with = "crate::pathjson")]
    pub path: PathBuf,
    /// What was wrong with it.
    pub message: String,
}

impl Warning {
    /// A warning about `path`.
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Warning {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl Inventory {
    /// The distributions visible from `env`, in `sys.path` order of their sites.
    pub fn distributions_of<'a>(
        &'a self,
        env: &'a Environment,
    ) -> impl Iterator<Item = (&'a SiteRef, &'a Distribution)> + 'a {
        let index = self.index();
        env.sites.iter().flat_map(move |site| {
            index
                .distributions_in_path(&site.path)
                .iter()
                .map(move |&id| (site, self.dist(id)))
        })
    }

    /// The distributions visible from `env` with their ids, in `sys.path`
    /// order of their sites.
    pub fn dist_ids_of<'a>(
        &'a self,
        env: &'a Environment,
    ) -> impl Iterator<Item = (super::DistId, &'a Distribution)> + 'a {
        let index = self.index();
        env.sites.iter().flat_map(move |site| {
            index
                .distributions_in_path(&site.path)
                .iter()
                .map(move |&id| (id, self.dist(id)))
        })
    }

    /// The environments that list `site` on their `sys.path`.
    pub fn environments_with_site(&self, site: &Path) -> &[super::EnvId] {
        self.index().environments_seeing_path(site)
    }
}
