//! rpm's package database, read directly (never by running `rpm`): the
//! SQLite `rpmdb.sqlite` of rpm 4.16+ (Fedora 33+, RHEL 9, openSUSE),
//! under `usr/lib/sysimage/rpm` or `var/lib/rpm` of a filesystem root.
//! Each row of its `Packages` table is one package's header
//! ([`header`]). The BerkeleyDB `Packages` of rpm before 4.16 (CentOS 7
//! and 8, RHEL 7 and 8) is read page by page ([`bdb`]), without
//! BerkeleyDB; the `ndb` `Packages.db` (openSUSE before its move to
//! SQLite) is named as unsupported, never guessed at.

pub mod bdb;
pub mod files;
pub mod header;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Manager, OsPackage};
use crate::inventory::Warning;

/// Where rpm keeps its database, relative to a root: newer systems first
/// (`/var/lib/rpm` is often a link to it there).
const DB_DIRS: &[&str] = &["usr/lib/sysimage/rpm", "var/lib/rpm"];

/// The rpm database under one root: each package and the files it lists.
#[derive(Debug, Default)]
pub struct Rpmdb {
    packages: Vec<OsPackage>,
    by_path: HashMap<PathBuf, usize>,
    /// What the header records of each file of the packages that own a
    /// distribution (what `fetter verify` compares), by package.
    files: HashMap<usize, Result<RpmFiles, header::HeaderError>>,
    /// Every path those packages list.
    listed: HashSet<PathBuf>,
}

/// The files of one package, with their digests' algorithm.
pub type RpmFiles = (files::DigestAlgo, Vec<(PathBuf, files::FileMeta)>);

/// Why a root's rpm database could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RpmdbError {
    /// A database in a format fetter does not read.
    #[error("{path}: cannot read ({format} rpmdb not supported)")]
    Unsupported {
        /// The database file.
        path: PathBuf,
        /// `ndb`.
        format: &'static str,
    },
    /// The database resolves (through links) to outside the root scanned.
    #[error("{path}: leads outside the root {root}; not read")]
    OutsideRoot {
        /// The database file.
        path: PathBuf,
        /// The root.
        root: PathBuf,
    },
    /// A BerkeleyDB (or ndb) database whose pages could not be read.
    #[error("{path}: not a readable {format} rpm database: {error}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// `BerkeleyDB`.
        format: &'static str,
        /// What is wrong.
        error: bdb::BdbError,
    },
    /// SQLite could not read the file, or it has no `Packages` table.
    #[error("{path}: {message}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl RpmdbError {
    /// The database file it is about.
    pub fn path(&self) -> &Path {
        match self {
            RpmdbError::Unsupported { path, .. }
            | RpmdbError::OutsideRoot { path, .. }
            | RpmdbError::Corrupt { path, .. }
            | RpmdbError::Sqlite { path, .. } => path,
        }
    }
}

impl Rpmdb {
    /// The rpm database of the filesystem rooted at `root`: `Ok(None)`
    /// when it has none. A package header that cannot be parsed is a
    /// warning naming the file and row; that package's files have no
    /// owner (never a guessed one).
    pub fn load(root: &Path, warnings: &mut Vec<Warning>) -> Result<Option<Rpmdb>, RpmdbError> {
        let Some((path, format)) = find(root)? else {
            return Ok(None);
        };
        let distro = osv_ecosystem(root);
        let mut db = Rpmdb::default();
        let mut bad = 0usize;
        let each = |hnum: i64, blob: &[u8]| match header::parse(blob) {
            Ok(h) => db.add(root, h, blob, distro.as_deref()),
            Err(e) => {
                bad += 1;
                // One warning per bad row, up to a few: a corrupt
                // database must not flood the report.
                if bad <= 5 {
                    warnings.push(Warning::new(
                        &path,
                        format!(
                            "rpm package header {hnum} unreadable, its files have no owner: {e}"
                        ),
                    ));
                }
            }
        };
        match format {
            Format::Sqlite => sqlite::each_header(&path, each)?,
            Format::BerkeleyDb => {
                bdb::each_header(&path, each).map_err(|error| RpmdbError::Corrupt {
                    path: path.clone(),
                    format: "BerkeleyDB",
                    error,
                })?
            }
        }
        if bad > 5 {
            warnings.push(Warning::new(
                &path,
                format!("{bad} rpm package headers unreadable in all"),
            ));
        }
        Ok(Some(db))
    }

    fn add(&mut self, root: &Path, h: header::Header, blob: &[u8], distro: Option<&str>) {
        let version = h.evr();
        let vr = format!("{}-{}", h.version, h.release);
        let (source, source_version) = match h
            .source_rpm
            .as_deref()
            .and_then(header::source_name_version)
        {
            Some((n, v)) => (
                (n != h.name).then(|| n.to_string()),
                (v != vr).then(|| v.to_string()),
            ),
            None => (None, None),
        };
        let idx = self.packages.len();
        // Only what `owner` looks up: a system lists hundreds of thousands
        // of files, a few hundred of them distribution metadata.
        let mut owns = false;
        for f in h.files.iter().filter(|f| is_metadata(f)) {
            if let Some(p) = under_root(root, f) {
                self.by_path.insert(p, idx);
                owns = true;
            }
        }
        if owns {
            // The digests of a package that owns a distribution, for
            // `fetter verify`: parsed again, only for these.
            let meta = files::file_meta(blob).map(|(algo, metas)| {
                let metas = metas
                    .into_iter()
                    .filter_map(|m| Some((under_root(root, &m.path)?, m)))
                    .collect::<Vec<_>>();
                self.listed.extend(metas.iter().map(|(p, _)| p.clone()));
                (algo, metas)
            });
            self.files.insert(idx, meta);
        }
        self.packages.push(OsPackage {
            manager: Manager::Rpm,
            name: h.name,
            version: Some(version),
            source,
            source_version,
            distro: distro.map(str::to_string),
        });
    }

    /// The rpm package that installed the distribution whose metadata is
    /// at `metadata_path` (its `METADATA`/`PKG-INFO`, else the directory
    /// or `.egg-info` file itself).
    pub fn owner(&self, metadata_path: &Path) -> Option<&OsPackage> {
        super::owned_paths(metadata_path)
            .iter()
            .find_map(|p| self.by_path.get(p))
            .map(|&i| &self.packages[i])
    }

    /// The files `owner` (a package [`Rpmdb::owner`] returned) installed
    /// under `dir`, with what its header records of each; `None` when
    /// `owner` is not one of this database's owners; an error when its
    /// header's file tags are malformed.
    pub fn files_under(
        &self,
        owner: &OsPackage,
        dir: &Path,
    ) -> Option<Result<RpmFiles, header::HeaderError>> {
        let idx = self.packages.iter().position(|p| p == owner)?;
        Some(match self.files.get(&idx)? {
            Ok((algo, files)) => Ok((
                *algo,
                files
                    .iter()
                    .filter(|(p, _)| p.starts_with(dir))
                    .cloned()
                    .collect(),
            )),
            Err(e) => Err(e.clone()),
        })
    }

    /// Whether a package that owns a distribution lists `path`.
    pub fn lists(&self, path: &Path) -> bool {
        self.listed.contains(path)
    }
}

/// `path` (absolute, as rpm lists it) under `root`; `None` for a relative
/// path or one with `..`.
fn under_root(root: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.strip_prefix('/')?.trim_start_matches('/'));
    (!rel.components().any(|c| c.as_os_str() == "..")).then(|| root.join(rel))
}

/// Whether `path` is a distribution's metadata: what [`Rpmdb::owner`]
/// looks up.
fn is_metadata(path: &str) -> bool {
    [".dist-info", ".egg-info", "/METADATA", "/PKG-INFO"]
        .iter()
        .any(|s| path.ends_with(s))
}

/// The formats of rpm database fetter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `rpmdb.sqlite` (rpm 4.16+).
    Sqlite,
    /// `Packages`, a BerkeleyDB hash (rpm before 4.16).
    BerkeleyDb,
}

/// The database under `root` and its format, `None` when there is none
/// (SQLite first, as rpm 4.16+ converts to it and may leave `Packages`
/// behind); an error for a database fetter cannot read.
fn find(root: &Path) -> Result<Option<(PathBuf, Format)>, RpmdbError> {
    let mut found = None;
    'search: for (file, format) in [
        ("rpmdb.sqlite", Format::Sqlite),
        ("Packages", Format::BerkeleyDb),
    ] {
        for dir in DB_DIRS {
            let path = root.join(dir).join(file);
            if path.is_file() {
                found = Some((path, format));
                break 'search;
            }
        }
    }
    if let Some((path, format)) = found {
        // Under a mounted image, an absolute link would lead to the host's
        // database: only files inside the root are read.
        if root != Path::new("/") {
            let inside = match (path.canonicalize(), root.canonicalize()) {
                (Ok(p), Ok(r)) => p.starts_with(r),
                _ => false,
            };
            if !inside {
                return Err(RpmdbError::OutsideRoot {
                    path,
                    root: root.to_path_buf(),
                });
            }
        }
        return Ok(Some((path, format)));
    }
    for dir in DB_DIRS {
        let path = root.join(dir).join("Packages.db");
        if path.is_file() {
            return Err(RpmdbError::Unsupported {
                path,
                format: "ndb",
            });
        }
    }
    Ok(None)
}

/// The OSV ecosystem of the rpm-based release at `root`, for the
/// releases OSV names by major version (`AlmaLinux:9`, `Rocky Linux:9`,
/// `Mageia:9`). `None` for others: Red Hat's ecosystems name a product
/// stream (`Red Hat:enterprise_linux:9::appstream`) that os-release does
/// not give, and OSV has none for Fedora.
pub fn osv_ecosystem(root: &Path) -> Option<String> {
    let (id, version) = super::os_release(root)?;
    let name = match id.as_str() {
        "almalinux" => "AlmaLinux",
        "rocky" => "Rocky Linux",
        "mageia" => "Mageia",
        _ => return None,
    };
    let major = version.split('.').next()?;
    (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{name}:{major}"))
}

#[cfg(feature = "rpmdb")]
mod sqlite {
    use std::path::Path;
    use std::time::Duration;

    use rusqlite::types::ValueRef;
    use rusqlite::{Connection, OpenFlags, OptionalExtension};

    use super::RpmdbError;

    /// Why SQLite could not read the `Packages` table.
    #[derive(Debug, thiserror::Error)]
    enum ReadError {
        /// SQLite failed.
        #[error("not a readable rpm database: {0}")]
        Sql(rusqlite::Error),
        /// There is no `Packages` table (or it is not a table).
        #[error("no Packages table: not an rpm database")]
        NoTable,
    }

    /// Call `each(hnum, blob)` for every row of the `Packages` table of
    /// the database at `path`, opened read-only. If rpm's write-ahead log
    /// cannot be opened (a read-only image without its `-shm`), the main
    /// file is read as it is (`immutable`).
    pub(super) fn each_header(
        path: &Path,
        mut each: impl FnMut(i64, &[u8]),
    ) -> Result<(), RpmdbError> {
        let mut rows = 0usize;
        let first = match read(path, false, &mut |h, b| {
            rows += 1;
            each(h, b)
        }) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        // Only a database that could not be opened at all is read again.
        if rows == 0 && read(path, true, &mut each).is_ok() {
            return Ok(());
        }
        Err(RpmdbError::Sqlite {
            path: path.to_path_buf(),
            message: first.to_string(),
        })
    }

    fn read(
        path: &Path,
        immutable: bool,
        each: &mut impl FnMut(i64, &[u8]),
    ) -> Result<(), ReadError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let sql = ReadError::Sql;
        let conn = if immutable {
            use std::os::unix::ffi::OsStrExt;
            let enc = percent_encoding::percent_encode(
                path.as_os_str().as_bytes(),
                percent_encoding::NON_ALPHANUMERIC,
            );
            Connection::open_with_flags(
                format!("file:{enc}?mode=ro&immutable=1"),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(sql)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
        // `Packages` must be a table: a view could make the scan run forever.
        let kind: Option<String> = conn
            .query_row(
                "SELECT type FROM sqlite_master WHERE name = 'Packages'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        if kind.as_deref() != Some("table") {
            return Err(ReadError::NoTable);
        }
        let mut stmt = conn
            .prepare("SELECT hnum, blob FROM Packages")
            .map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let hnum: i64 = row.get(0).map_err(sql)?;
            match row.get_ref(1).map_err(sql)? {
                ValueRef::Blob(b) => each(hnum, b),
                _ => each(hnum, &[]),
            }
        }
        Ok(())
    }
}

#[cfg(not(feature = "rpmdb"))]
mod sqlite {
    use std::path::Path;

    use super::RpmdbError;

    /// Without the `rpmdb` feature, SQLite is not compiled in.
    pub(super) fn each_header(
        _path: &Path,
        _each: impl FnMut(i64, &[u8]),
    ) -> Result<(), RpmdbError> {
        Err(RpmdbError::Sqlite {
            path: _path.to_path_buf(),
            message: "fetter was built without the `rpmdb` feature".into(),
        })
    }
}

#[cfg(all(test, feature = "rpmdb"))]
mod tests {
    use std::fs;

    use super::*;

    fn write_db(root: &Path, dir: &str, rows: &[Vec<u8>]) -> PathBuf {
        let path = root.join(dir).join("rpmdb.sqlite");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
        )
        .unwrap();
        for r in rows {
            c.execute("INSERT INTO Packages (blob) VALUES (?1)", [r])
                .unwrap();
        }
        path
    }

    #[test]
    fn owners_from_sqlite_and_bad_rows_warn() {
        let d = tempfile::tempdir().unwrap();
        let site = "/usr/lib/python3.12/site-packages";
        let good = header::sample(
            "python3-six",
            (None, "1.16.0", "7.fc40"),
            "python-six-1.16.0-7.fc40.src.rpm",
            &[
                &format!("{site}/six-1.16.0.dist-info/METADATA"),
                &format!("{site}/six.py"),
            ],
        );
        let mut truncated = good.clone();
        truncated.truncate(20);
        let path = write_db(
            d.path(),
            "usr/lib/sysimage/rpm",
            &[good, truncated, b"garbage".to_vec()],
        );
        fs::create_dir_all(d.path().join("etc")).unwrap();
        fs::write(
            d.path().join("etc/os-release"),
            "ID=\"almalinux\"\nVERSION_ID=\"9.4\"\n",
        )
        .unwrap();
        let mut warnings = Vec::new();
        let db = Rpmdb::load(d.path(), &mut warnings).unwrap().unwrap();
        let sitep = d.path().join(site.trim_start_matches('/'));
        let p = db.owner(&sitep.join("six-1.16.0.dist-info")).unwrap();
        assert_eq!((p.manager, p.name.as_str()), (Manager::Rpm, "python3-six"));
        assert_eq!(p.version.as_deref(), Some("1.16.0-7.fc40"));
        assert_eq!(p.source.as_deref(), Some("python-six"));
        assert_eq!(p.source_version, None);
        assert_eq!(p.distro.as_deref(), Some("AlmaLinux:9"));
        assert!(db.owner(&sitep.join("other-1.dist-info")).is_none());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings.iter().all(|w| w.path == path), "{warnings:?}");
        assert!(warnings[0].message.contains("header 2"), "{warnings:?}");
    }

    #[test]
    fn garbage_file_berkeleydb_and_no_db() {
        let d = tempfile::tempdir().unwrap();
        let mut w = Vec::new();
        assert!(Rpmdb::load(d.path(), &mut w).unwrap().is_none());
        let dir = d.path().join("var/lib/rpm");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("Packages.db"), b"RpmP").unwrap();
        let err = Rpmdb::load(d.path(), &mut w).unwrap_err().to_string();
        assert!(err.contains("ndb rpmdb not supported"), "{err}");
        assert!(err.contains("var/lib/rpm/Packages.db"), "{err}");
        fs::write(dir.join("Packages"), b"\0\0\0\0bdb").unwrap();
        let err = Rpmdb::load(d.path(), &mut w).unwrap_err().to_string();
        assert!(
            err.contains("not a readable BerkeleyDB rpm database"),
            "{err}"
        );
        assert!(err.contains("var/lib/rpm/Packages"), "{err}");
        fs::write(dir.join("rpmdb.sqlite"), b"this is not a database at all").unwrap();
        let err = Rpmdb::load(d.path(), &mut w).unwrap_err().to_string();
        assert!(err.contains("rpmdb.sqlite"), "{err}");
        // A SQLite file of something else.
        fs::remove_file(dir.join("rpmdb.sqlite")).unwrap();
        rusqlite::Connection::open(dir.join("rpmdb.sqlite"))
            .unwrap()
            .execute_batch("CREATE VIEW Packages AS SELECT 1 AS hnum, x'00' AS blob;")
            .unwrap();
        let err = Rpmdb::load(d.path(), &mut w).unwrap_err().to_string();
        assert!(err.contains("no Packages table"), "{err}");
        assert!(w.is_empty(), "{w:?}");
    }
}
