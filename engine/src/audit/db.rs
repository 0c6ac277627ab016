//! The OSV database: loading (a directory of OSV JSON files, the zip OSV
//! publishes per ecosystem, or fetter's local copy), indexing by name, and
//! importing a local copy.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::osv::{is_os, Record, PYPI};
use crate::names;

/// Schema tag of fetter's local copy.
pub const LOCAL_SCHEMA: &str = "fetter.osv-db/1";
/// Largest single OSV record read (real ones are a few KiB).
const RECORD_CAP: u64 = 8 * 1024 * 1024;
/// Largest local copy or zip read.
const DB_CAP: u64 = 4 * 1024 * 1024 * 1024;

/// Why the database could not be used: the audit then fails (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No database where one was expected.
    #[error("no OSV database at {0}: run `fetter audit db update --from <PyPI all.zip or a directory of OSV JSON>`, or pass --osv-db PATH or --online")]
    Missing(PathBuf),
    /// A file could not be read or parsed.
    #[error("{path}: {message}")]
    Corrupt {
        /// The file (or zip entry) concerned.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The copy is older than `--max-age` allows.
    #[error("the OSV database {path} is {age} old, older than --max-age {max}: {refresh}")]
    Stale {
        /// The database.
        path: String,
        /// Its age, human readable.
        age: String,
        /// The limit, human readable.
        max: String,
        /// How to get fresher data: a command that works as written.
        refresh: String,
    },
}

/// fetter's local copy on disk.
#[derive(Debug, Serialize, Deserialize)]
struct LocalCopy {
    schema: String,
    imported_at: u64,
    source: String,
    records: Vec<Record>,
}

/// A loaded, indexed database.
#[derive(Debug, Default)]
pub struct Database {
    /// Every PyPI and OS (Debian, AlmaLinux, Rocky Linux, Mageia) record
    /// (withdrawn ones included; the check skips them).
    pub records: Vec<Record>,
    by_name: HashMap<String, Vec<usize>>,
    /// OS records by the package name they give (Debian's: the source
    /// package; the rpm distributions': source or binary package).
    by_os_name: HashMap<String, Vec<usize>>,
    /// Where it came from, for reports.
    pub source: String,
    /// How old the data is: since import for a local copy, since the file's
    /// modification for a path given with `--osv-db`.
    pub age: Option<Duration>,
    /// For fetter's local copy: the zip, URL or directory it was imported
    /// from (what `audit db update --from` takes to refresh it).
    pub imported_from: Option<String>,
}

impl Database {
    /// Index `records` (only PyPI and OS ones are kept: the OS's name the
    /// packages that own distributions in the OS's site).
    pub fn new(records: Vec<Record>, source: String, age: Option<Duration>) -> Database {
        let records: Vec<Record> = records
            .into_iter()
            .filter(|r| {
                r.affected.iter().any(|a| {
                    a.package
                        .as_ref()
                        .is_some_and(|p| p.ecosystem == PYPI || is_os(&p.ecosystem))
                })
            })
            .collect();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_os_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            let mut os: Vec<&str> = r
                .affected
                .iter()
                .filter_map(|a| a.package.as_ref())
                .filter(|p| is_os(&p.ecosystem))
                .map(|p| p.name.as_str())
                .collect();
            os.sort();
            os.dedup();
            for n in os {
                by_os_name.entry(n.to_string()).or_default().push(i);
            }
            let mut names: Vec<String> = r
                .affected
                .iter()
                .filter_map(|a| a.package.as_ref())
                .filter(|p| p.ecosystem == PYPI)
                .map(|p| names::normalize(&p.name))
                .collect();
            names.sort();
            names.dedup();
            for n in names {
                by_name.entry(n).or_default().push(i);
            }
        }
        Database {
            records,
            by_name,
            by_os_name,
            source,
            age,
            imported_from: None,
        }
    }

    /// Records naming the package `normalized_name`.
    pub fn lookup(&self, normalized_name: &str) -> impl Iterator<Item = &Record> {
        self.by_name
            .get(normalized_name)
            .into_iter()
            .flatten()
            .map(|&i| &self.records[i])
    }

    /// OS records naming the package `source`.
    pub fn lookup_os(&self, source: &str) -> impl Iterator<Item = &Record> {
        self.by_os_name
            .get(source)
            .into_iter()
            .flatten()
            .map(|&i| &self.records[i])
    }

    /// Fail when older than `max_age`.
    pub fn check_age(&self, max_age: Option<Duration>) -> Result<(), DbError> {
        match (max_age, self.age) {
            (Some(max), Some(age)) if age > max => Err(DbError::Stale {
                path: self.source.clone(),
                age: human_duration(age),
                max: human_duration(max),
                refresh: match &self.imported_from {
                    Some(from) => format!("refresh it with `fetter audit db update --from {from}`"),
                    None => "replace it with a newer export (OSV publishes PyPI's at \
                             https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip), \
                             or pass --online"
                        .to_string(),
                },
            }),
            _ => Ok(()),
        }
    }
}

/// The local copy's path under the data directory.
pub fn local_path() -> PathBuf {
    crate::paths::data_dir().join("osv").join("pypi.json")
}

/// Load from `path`: a `.zip`, a directory of OSV JSON files, or a local copy.
pub fn load(path: &Path) -> Result<Database, DbError> {
    let meta = fs::metadata(path).map_err(|_| DbError::Missing(path.to_path_buf()))?;
    let mtime_age = meta
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok());
    if meta.is_dir() {
        let records = load_dir(path)?;
        return Ok(Database::new(
            records,
            path.display().to_string(),
            mtime_age,
        ));
    }
    let bytes = crate::fsutil::read_capped(path, DB_CAP).map_err(|e| corrupt(path, e))?;
    if bytes.starts_with(b"PK") {
        let records = load_zip(path, bytes)?;
        return Ok(Database::new(
            records,
            path.display().to_string(),
            mtime_age,
        ));
    }
    let copy: LocalCopy = serde_json::from_slice(&bytes).map_err(|e| {
        corrupt(
            path,
            format!("not an OSV zip, directory or fetter database: {e}"),
        )
    })?;
    if copy.schema != LOCAL_SCHEMA {
        return Err(corrupt(
            path,
            format!("unknown schema {:?} (expected {LOCAL_SCHEMA})", copy.schema),
        ));
    }
    let age = SystemTime::now()
        .duration_since(UNIX_EPOCH + Duration::from_secs(copy.imported_at))
        .ok();
    let mut db = Database::new(
        copy.records,
        format!("{} (imported from {})", path.display(), copy.source),
        age,
    );
    db.imported_from = Some(copy.source);
    Ok(db)
}

/// Import `records` as the local copy (write-then-rename, so a reader never
/// sees half a file). Returns the path written.
pub fn save_local(records: Vec<Record>, source: &str) -> std::io::Result<PathBuf> {
    let path = local_path();
    let dir = path.parent().expect("has a parent");
    fs::create_dir_all(dir)?;
    let copy = LocalCopy {
        schema: LOCAL_SCHEMA.into(),
        imported_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        source: source.into(),
        records,
    };
    let tmp = dir.join(format!(".pypi.json.{}", std::process::id()));
    {
        let mut f = fs::File::create(&tmp)?;
        serde_json::to_writer(&mut f, &copy)?;
        f.flush()?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &path)?;
    Ok(path)
}

fn corrupt(path: &Path, message: impl ToString) -> DbError {
    DbError::Corrupt {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn parse_record(name: &str, bytes: &[u8]) -> Result<Record, DbError> {
    serde_json::from_slice(bytes).map_err(|e| DbError::Corrupt {
        path: name.to_string(),
        message: format!("not an OSV record: {e}"),
    })
}

fn load_dir(dir: &Path) -> Result<Vec<Record>, DbError> {
    let mut files = Vec::new();
    collect_json(dir, 0, &mut files)?;
    files
        .par_iter()
        .map(|p| {
            let bytes = crate::fsutil::read_capped(p, RECORD_CAP).map_err(|e| corrupt(p, e))?;
            parse_record(&p.display().to_string(), &bytes)
        })
        .collect()
}

fn collect_json(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), DbError> {
    let rd = fs::read_dir(dir).map_err(|e| corrupt(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| corrupt(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| corrupt(&path, e))?;
        if ft.is_dir() && depth < 8 {
            collect_json(&path, depth + 1, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Built without zip support (feature `osv-zip`): refuse, never an empty
/// database.
#[cfg(not(feature = "osv-zip"))]
fn load_zip(path: &Path, _bytes: Vec<u8>) -> Result<Vec<Record>, DbError> {
    Err(corrupt(
        path,
        "this fetter was built without the `osv-zip` feature; use a directory of OSV JSON",
    ))
}

#[cfg(feature = "osv-zip")]
fn load_zip(path: &Path, bytes: Vec<u8>) -> Result<Vec<Record>, DbError> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| corrupt(path, format!("not a readable zip: {e}")))?;
    let mut raw: Vec<(String, Vec<u8>)> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| corrupt(path, format!("entry {i}: {e}")))?;
        let entry_name = f
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry {i}"));
        if !f.is_file() || !entry_name.ends_with(".json") {
            continue;
        }
        let name = format!("{}!{entry_name}", path.display());
        let mut buf = Vec::with_capacity(f.size().min(RECORD_CAP) as usize);
        (&mut f)
            .take(RECORD_CAP + 1)
            .read_to_end(&mut buf)
            .map_err(|e| DbError::Corrupt {
                path: name.clone(),
                message: e.to_string(),
            })?;
        if buf.len() as u64 > RECORD_CAP {
            return Err(DbError::Corrupt {
                path: name,
                message: "record larger than 8 MiB".into(),
            });
        }
        raw.push((name, buf));
    }
    raw.par_iter()
        .map(|(name, bytes)| parse_record(name, bytes))
        .collect()
}

/// A `--max-age`-style duration that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// No leading number.
    #[error("invalid duration {0:?}: expected e.g. 7d, 24h, 90m, 3600s")]
    Number(String),
    /// A unit other than s, m, h, d, w.
    #[error("invalid duration {0:?}: unit must be s, m, h, d or w")]
    Unit(String),
}

/// Parse `30d`, `12h`, `90m`, `3600s` (or a bare number of seconds).
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| DurationError::Number(s.to_string()))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        "w" => n * 7 * 86400,
        _ => return Err(DurationError::Unit(s.to_string())),
    };
    Ok(Duration::from_secs(secs))
}

/// `3d 4h`, `5m`, `12s`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 86400 => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
        s if s >= 3600 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("15").unwrap(), Duration::from_secs(15));
        assert_eq!(
            parse_duration("7 days"),
            Err(DurationError::Unit("7 days".into()))
        );
        assert_eq!(parse_duration("d"), Err(DurationError::Number("d".into())));
        assert_eq!(human_duration(Duration::from_secs(90000)), "1d 1h");
    }
}
