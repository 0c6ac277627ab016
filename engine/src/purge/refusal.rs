//! Why purge will not touch a distribution: one enum, each case with the
//! facts it names, a stable code for machines and a sentence that says
//! what to do instead. Planning decides on these values; only reports turn
//! them into text.

use std::path::PathBuf;

use crate::osowner::Manager;

/// Why a target is refused (or kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusalReason {
    /// pip is kept unless named outright.
    #[error("pip is kept unless named explicitly (e.g. `fetter purge-pattern -p pip`)")]
    KeepPip,
    /// An `.egg-info` installation: no RECORD, so its files are unknown.
    #[error(
        "{} is a legacy egg-info installation with no RECORD, so its files are unknown: \
         remove it with `python -m pip uninstall {name}` in its environment",
        metadata.display()
    )]
    LegacyEggInfo {
        /// Its metadata path.
        metadata: PathBuf,
        /// Its name as the metadata spells it.
        name: String,
    },
    /// Only seen through a venv that inherits its base's site, and the
    /// base is not in scope.
    #[error(
        "{} is the site of the base interpreter {}, which the venv {} only inherits \
         (include-system-site-packages = true in its pyvenv.cfg); the base is not in scope, \
         and removing from it would change every environment built on it: to purge it \
         there, target the base itself, e.g. `fetter --exe {} purge --name {name}`",
        site.display(), base.display(), venv.display(), base.display()
    )]
    InheritedOnly {
        /// The inherited site.
        site: PathBuf,
        /// The base interpreter's prefix (or the site when unknown).
        base: PathBuf,
        /// The venv that inherits it.
        venv: PathBuf,
        /// The normalised name, for the suggested command.
        name: String,
    },
    /// No environment of the scan owns the site.
    #[error("cannot tell which environment owns {}; refusing to guess", site.display())]
    UnknownEnvironment {
        /// The site.
        site: PathBuf,
    },
    /// The environment's root could not be resolved on disk.
    #[error("cannot resolve environment {}: {error}", root.display())]
    UnresolvableEnvironment {
        /// The root.
        root: PathBuf,
        /// What the file system said.
        error: String,
    },
    /// Another tool owns it.
    #[error(transparent)]
    Foreign(#[from] ForeignOwner),
    /// Its files cannot all be removed safely.
    #[error(transparent)]
    Files(#[from] FilesRefusal),
}

/// The hint every OS-owned refusal ends with.
const OS_TOOL: &str = "remove it with the OS package manager (apt, dnf, pacman, brew) instead";

/// The tool that must remove a distribution instead of fetter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForeignOwner {
    /// PEP 668: the environment is externally managed.
    #[error(
        "{} is in an externally managed environment ({} exists, PEP 668): {OS_TOOL}",
        site.display(), marker.display()
    )]
    ExternallyManaged {
        /// The site.
        site: PathBuf,
        /// The `EXTERNALLY-MANAGED` marker.
        marker: PathBuf,
    },
    /// Its INSTALLER names an OS package manager.
    #[error("{} was installed by {installer} (its INSTALLER file): {OS_TOOL}", metadata.display())]
    OsInstaller {
        /// Its metadata path.
        metadata: PathBuf,
        /// The INSTALLER text.
        installer: String,
    },
    /// Its INSTALLER names conda or mamba.
    #[error(
        "{} was installed by {installer}: remove it with `conda remove`, which also updates conda-meta",
        metadata.display()
    )]
    CondaInstaller {
        /// Its metadata path.
        metadata: PathBuf,
        /// The INSTALLER text.
        installer: String,
    },
    /// Its site lies below a directory the OS package manager owns.
    #[error("{} is below {prefix}, which the OS package manager owns: {OS_TOOL}", site.display())]
    OsSite {
        /// The site.
        site: PathBuf,
        /// The OS-owned prefix (`/usr/lib/`).
        prefix: &'static str,
    },
    /// No INSTALLER in a conda environment: conda put it there.
    #[error(
        "{} has no INSTALLER file in a conda environment, so conda owns it: use `conda remove`",
        metadata.display()
    )]
    CondaEnvironment {
        /// Its metadata path.
        metadata: PathBuf,
    },
    /// A package database lists it.
    #[error(
        "{} belongs to the {manager} package {package}: {}",
        metadata.display(),
        if *is_os { OS_TOOL } else { "remove it with `conda remove`" }
    )]
    PackageDatabase {
        /// Its metadata path.
        metadata: PathBuf,
        /// The package manager.
        manager: Manager,
        /// The package that lists it.
        package: String,
        /// True for an OS package manager (not conda).
        is_os: bool,
    },
}

/// Why a distribution's files cannot all be removed safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilesRefusal {
    /// Its metadata lies outside its environment (a `.pth` path entry).
    #[error(
        "{} lies outside its environment {} (found through a .pth path entry): \
         fetter only removes what is inside the environment",
        metadata.display(), root.display()
    )]
    OutsideEnvironment {
        /// Its metadata path.
        metadata: PathBuf,
        /// The environment root.
        root: PathBuf,
    },
    /// A symlinked parent leads outside the environment.
    #[error("{} is reached through {}, which leads outside the environment", metadata.display(), via.display())]
    ReachedThrough {
        /// Its metadata path.
        metadata: PathBuf,
        /// The symlink.
        via: PathBuf,
    },
    /// RECORD is missing.
    #[error(
        "{} is missing: the packaging spec forbids uninstalling without it \
         (the files are unknown); reinstall with pip to rewrite it, then purge",
        record.display()
    )]
    RecordMissing {
        /// The RECORD path.
        record: PathBuf,
    },
    /// RECORD cannot be read.
    #[error("cannot read RECORD: {error}")]
    RecordUnreadable {
        /// What reading it said.
        error: String,
    },
    /// A RECORD entry fails containment.
    #[error("{}: {error}; the whole distribution is refused", record.display())]
    BadEntry {
        /// The RECORD path.
        record: PathBuf,
        /// What is wrong with the entry.
        error: super::containment::ContainmentError,
    },
    /// A listed file cannot be inspected.
    #[error("cannot inspect {}: {error}", path.display())]
    Uninspectable {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        error: String,
    },
    /// A listed path is a device, socket or FIFO.
    #[error("{}: line {line} names {}, which is {what}; refusing to touch it", record.display(), path.display())]
    Special {
        /// The RECORD path.
        record: PathBuf,
        /// 1-based line.
        line: usize,
        /// The path.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// A listed path is part of the environment's structure.
    #[error(
        "{} line {line} names {}, which is {structure}: {RECORD_OWN_FILES}",
        record.display(), path.display()
    )]
    Structure {
        /// The RECORD path.
        record: PathBuf,
        /// 1-based line.
        line: usize,
        /// The path.
        path: PathBuf,
        /// What it is.
        structure: super::owners::Structure,
    },
    /// Another distribution lists the file differently.
    #[error(
        "{} line {line} names {}, which belongs to {owner} ({source_list} lists it{}): \
         {RECORD_OWN_FILES} (or purge {owner} in the same run)",
        record.display(), path.display(), if *other_hash { " with another hash" } else { "" }
    )]
    Claimed {
        /// The RECORD path.
        record: PathBuf,
        /// 1-based line.
        line: usize,
        /// The path.
        path: PathBuf,
        /// `name version` of the other distribution.
        owner: String,
        /// Its RECORD (and line) listing the file.
        source_list: String,
        /// Both list a hash, and they differ.
        other_hash: bool,
    },
}

const RECORD_OWN_FILES: &str = "a RECORD may only list the distribution's own files, so the \
    whole distribution is refused; check that line, and remove it from the RECORD to purge the rest";

impl RefusalReason {
    /// A stable code for the reason (`record-missing`, `os-installer`), as
    /// reports and scripts match on it.
    pub fn code(&self) -> &'static str {
        match self {
            RefusalReason::KeepPip => "keep-pip",
            RefusalReason::LegacyEggInfo { .. } => "legacy-egg-info",
            RefusalReason::InheritedOnly { .. } => "inherited-only",
            RefusalReason::UnknownEnvironment { .. } => "unknown-environment",
            RefusalReason::UnresolvableEnvironment { .. } => "unresolvable-environment",
            RefusalReason::Foreign(f) => match f {
                ForeignOwner::ExternallyManaged { .. } => "externally-managed",
                ForeignOwner::OsInstaller { .. } => "os-installer",
                ForeignOwner::CondaInstaller { .. } => "conda-installer",
                ForeignOwner::OsSite { .. } => "os-site",
                ForeignOwner::CondaEnvironment { .. } => "conda-environment",
                ForeignOwner::PackageDatabase { .. } => "package-database",
            },
            RefusalReason::Files(f) => match f {
                FilesRefusal::OutsideEnvironment { .. } => "outside-environment",
                FilesRefusal::ReachedThrough { .. } => "reached-through-symlink",
                FilesRefusal::RecordMissing { .. } => "record-missing",
                FilesRefusal::RecordUnreadable { .. } => "record-unreadable",
                FilesRefusal::BadEntry { .. } => "record-entry-escapes",
                FilesRefusal::Uninspectable { .. } => "file-uninspectable",
                FilesRefusal::Special { .. } => "special-file",
                FilesRefusal::Structure { .. } => "environment-structure",
                FilesRefusal::Claimed { .. } => "claimed-by-other",
            },
        }
    }
}
