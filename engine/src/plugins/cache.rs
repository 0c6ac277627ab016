//! The compiled-component cache: `Engine::precompile_component` output kept
//! under the user's cache directory, so a plugin is compiled once (tens of
//! milliseconds) and then only deserialized (well under a millisecond).
//!
//! Deserializing compiled code is trusting it to be what wasmtime wrote, so
//! an entry is never trusted blindly:
//! - the key is the plugin's sha256 and the engine's compatibility hash
//!   (wasmtime version and every code-generation setting), so a stale entry
//!   is simply not found;
//! - each entry has a sidecar file (`.sum`) with the sha256 of the plugin
//!   it was compiled from, checked against the key: an entry copied or
//!   renamed over another plugin's key (deprecated-names' code under
//!   typosquat's hash) would otherwise run in its place, so a manifest's
//!   sha256 pin would not mean that code runs. It is recompiled, and the
//!   run says so;
//! - the sidecar also holds the entry's length and the CRC-32 of its
//!   contents; a corrupt or truncated entry, or one without a sidecar (or
//!   with a sidecar of an older format), is recompiled and replaced. The artifact itself is the file
//!   wasmtime maps (`Component::deserialize_file`): its code and the
//!   plugin's memory image are then mapped from the page cache instead of
//!   being read, copied into fresh memory and copied again into an
//!   in-memory file on every run (~6 ms for typosquat). CRC-32 rather
//!   than a cryptographic hash because it guards against accidents (disk
//!   errors, a copy cut short), not attackers, whom the directory's
//!   ownership rules keep out; over a 5 MB entry it is ~10x faster than
//!   sha256, which was half the cost of a cache hit;
//! - the directory and entry must be owned by the current user and not
//!   writable by anyone else (as ssh does for its keys), otherwise the cache
//!   is not used at all.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use wasmtime::Engine;

use super::diags::PluginError;

/// Environment variable overriding the cache directory (tests, CI).
pub const CACHE_DIR_ENV: &str = "FETTER_CACHE_DIR";

/// First bytes of every sidecar (format version 4: the source plugin's
/// sha256, then the CRC-32 and length of the artifact next to it).
/// Entries of versions 1 and 2, whose header was inside the artifact's
/// file, have no sidecar, and version 3 sidecars have no sha256: all are
/// compiled afresh and rewritten.
const MAGIC: &[u8; 16] = b"fetter-cwasm-v4\0";
/// What every sidecar's magic starts with, whatever its version.
const MAGIC_PREFIX: &[u8] = b"fetter-cwasm-v";

/// Where compiled plugins are kept, if anywhere.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
}

/// How a component was obtained, for `fetter plugin check` and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// Deserialized from a verified cache entry.
    Hit,
    /// Not in the cache: compiled and stored.
    Compiled,
    /// The entry was unusable (the reason): compiled and replaced.
    Recompiled(String),
    /// Compiled without caching (the reason).
    Uncached(String),
}

impl std::fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheStatus::Hit => write!(f, "loaded from the compile cache"),
            CacheStatus::Compiled => write!(f, "compiled and cached"),
            CacheStatus::Recompiled(why) => write!(f, "recompiled: {why}"),
            CacheStatus::Uncached(why) => write!(f, "compiled, not cached: {why}"),
        }
    }
}

/// Why a cache entry (or the cache directory) is not used. The run goes
/// on, compiling afresh; the message is shown as the [`CacheStatus`] reason.
#[derive(Debug, thiserror::Error)]
pub enum CacheEntryError {
    /// An entry or its sidecar cannot be read (match its kind).
    #[error("cannot read {} ({error})", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The sidecar is not one of this format.
    #[error("the cache entry's checksum file {} is damaged", .0.display())]
    DamagedSum(PathBuf),
    /// The entry was compiled from another plugin than the one asked for.
    #[error("the cache entry {} was compiled from another plugin ({compiled_from}), not from this one (sha256 {sha256})", path.display())]
    OtherPlugin {
        /// The entry.
        path: PathBuf,
        /// `sha256 HEX` of the plugin it names, or `not a sha256`.
        compiled_from: String,
        /// The plugin asked for.
        sha256: String,
    },
    /// The entry is shorter or longer than its sidecar says.
    #[error("the cache entry {} is truncated (length mismatch)", .0.display())]
    Truncated(PathBuf),
    /// The entry's CRC-32 is not its sidecar's.
    #[error("the cache entry {} is corrupt (checksum mismatch)", .0.display())]
    Corrupt(PathBuf),
    /// The cache directory cannot be created (match its kind).
    #[error("cannot create {}: {error}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The directory or an entry cannot be examined (match its kind).
    #[error("cannot inspect {}: {error}", path.display())]
    Inspect {
        /// The directory or entry.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A symlink, or a file where a directory belongs (or the reverse).
    #[error("{} is not a plain {}", path.display(), if *is_dir { "directory" } else { "file" })]
    NotPlain {
        /// The path.
        path: PathBuf,
        /// True for the directory, false for an entry.
        is_dir: bool,
    },
    /// Owned by another user.
    #[error("{} is owned by uid {uid}, not by this user (uid {me})", path.display())]
    NotOwned {
        /// The path.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// The running user.
        me: u32,
    },
    /// Writable by group or others.
    #[error("{} is writable by other users (mode {mode:o})", path.display())]
    Writable {
        /// The path.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// wasmtime refused the entry, mapped and read into memory.
    #[error("the cache entry was rejected by wasmtime ({mapped}; read into memory: {read})")]
    Rejected {
        /// Why mapping it failed (wasmtime's error chain).
        mapped: String,
        /// Why reading it failed.
        read: ArtifactError,
    },
}

/// Why an entry read into memory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// It cannot be read (match its kind).
    #[error("{0}")]
    Read(std::io::Error),
    /// wasmtime refused it (its error chain).
    #[error("{0}")]
    Deserialize(String),
}

impl Cache {
    /// The cache under `$FETTER_CACHE_DIR`, else `$XDG_CACHE_HOME/fetter`,
    /// else `~/.cache/fetter` (each with a `plugins/` folder).
    pub fn from_env() -> Cache {
        let base = std::env::var_os(CACHE_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .filter(|v| !v.is_empty())
                    .map(|d| PathBuf::from(d).join("fetter"))
            })
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".cache/fetter"))
            });
        Cache {
            dir: base.map(|b| b.join("plugins")),
        }
    }

    /// A cache at `dir` (the entries go directly in it).
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: Some(dir.into()),
        }
    }

    /// No caching: always compile.
    pub fn disabled() -> Cache {
        Cache { dir: None }
    }

    /// The directory entries go in, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The component for `bytes` (whose sha256 is `sha256`, lowercase hex),
    /// from the cache when a verified entry exists, else compiled (and
    /// cached when the directory is safe to use).
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(Component, CacheStatus), PluginError> {
        let Some(dir) = &self.dir else {
            return Ok((
                compile(engine, bytes)?.0,
                CacheStatus::Uncached("caching disabled".into()),
            ));
        };
        if let Err(why) = ensure_private_dir(dir) {
            return Ok((
                compile(engine, bytes)?.0,
                CacheStatus::Uncached(why.to_string()),
            ));
        }
        let path = dir.join(format!("{sha256}-{:016x}.cwasm", compatibility(engine)));
        let reason = match check_entry(&path, sha256) {
            Ok(false) => None,
            Ok(true) => {
                // SAFETY: wasmtime requires that the file comes from
                // `precompile_component` of a compatible engine and is not
                // changed while mapped. The entry is keyed by the engine's
                // compatibility hash, its checksum was just verified by
                // `check_entry`, and it lives in a directory only this user
                // can write (`ensure_private_dir`), where entries are only
                // ever replaced by rename, never rewritten in place.
                match unsafe { Component::deserialize_file(engine, &path) } {
                    Ok(component) => return Ok((component, CacheStatus::Hit)),
                    // A cache on a `noexec` mount cannot be mapped as code:
                    // read it into memory instead (as fetter did before v3).
                    Err(mapped) => match read_artifact(engine, &path) {
                        Ok(component) => return Ok((component, CacheStatus::Hit)),
                        Err(read) => Some(
                            CacheEntryError::Rejected {
                                mapped: format!("{mapped:#}"),
                                read,
                            }
                            .to_string(),
                        ),
                    },
                }
            }
            Err(why) => Some(why.to_string()),
        };
        let (component, artifact) = compile(engine, bytes)?;
        let status = match write_entry(&path, sha256, &artifact) {
            Ok(()) => {
                remove_stale(dir, sha256, &path);
                match reason {
                    Some(why) => CacheStatus::Recompiled(why),
                    None => CacheStatus::Compiled,
                }
            }
            Err(e) => CacheStatus::Uncached(format!("cannot write {}: {e}", path.display())),
        };
        Ok((component, status))
    }
}

/// The component of the entry at `path`, read into memory rather than
/// mapped.
fn read_artifact(engine: &Engine, path: &Path) -> Result<Component, ArtifactError> {
    let bytes = fs::read(path).map_err(ArtifactError::Read)?;
    // SAFETY: as for `deserialize_file` in `Cache::load`, whose caller
    // verified this entry's checksum just before.
    unsafe { Component::deserialize(engine, &bytes) }
        .map_err(|e| ArtifactError::Deserialize(format!("{e:#}")))
}

/// Compile, returning the component and its serialized form.
fn compile(engine: &Engine, bytes: &[u8]) -> Result<(Component, Vec<u8>), PluginError> {
    let artifact = engine
        .precompile_component(bytes)
        .map_err(|e| PluginError::Load(format!("{e:#}")))?;
    // SAFETY: `artifact` was just produced by `precompile_component` on this engine.
    let component = unsafe { Component::deserialize(engine, &artifact) }
        .map_err(|e| PluginError::Load(format!("{e:#}")))?;
    Ok((component, artifact))
}

/// The engine's compatibility hash as a number for file names.
fn compatibility(engine: &Engine) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    h.finish()
}

/// The sidecar of the artifact at `path`.
fn sum_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sum");
    PathBuf::from(name)
}

/// Length of a sha256 in lowercase hex, as the key and sidecar hold it.
const SHA_LEN: usize = 64;

/// Bytes in a sidecar: the magic, the source plugin's sha256 (lowercase
/// hex), the artifact's CRC-32 and its length (both little-endian).
const SUM_LEN: usize = MAGIC.len() + SHA_LEN + 4 + 8;

/// The sidecar for `artifact`, compiled from the plugin whose sha256 is
/// `sha256`.
fn sum_of(sha256: &str, artifact: &[u8]) -> Vec<u8> {
    debug_assert_eq!(sha256.len(), SHA_LEN, "a sha256 in hex");
    let mut sum = MAGIC.to_vec();
    sum.extend_from_slice(sha256.as_bytes());
    sum.extend_from_slice(&crc32fast::hash(artifact).to_le_bytes());
    sum.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
    sum
}

/// `Ok(true)` when the entry at `path` matches its sidecar and was
/// compiled from the plugin whose sha256 is `sha256`, `Ok(false)` when
/// there is no entry (or no sidecar, or one of an older format),
/// `Err(reason)` when it is unusable. The artifact is streamed through
/// the checksum rather than read whole: wasmtime maps it afterwards.
fn check_entry(path: &Path, sha256: &str) -> Result<bool, CacheEntryError> {
    use std::io::Read;
    let sum = match fs::read(sum_path(path)) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => {
            return Err(CacheEntryError::Read {
                path: sum_path(path),
                error,
            })
        }
    };
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => {
            return Err(CacheEntryError::Read {
                path: path.to_owned(),
                error,
            })
        }
    };
    check_private(path, false)?;
    check_private(&sum_path(path), false)?;
    if sum.starts_with(MAGIC_PREFIX) && !sum.starts_with(MAGIC) {
        return Ok(false);
    }
    if sum.len() != SUM_LEN || &sum[..MAGIC.len()] != MAGIC {
        return Err(CacheEntryError::DamagedSum(sum_path(path)));
    }
    let (source, rest) = sum[MAGIC.len()..].split_at(SHA_LEN);
    if source != sha256.as_bytes() {
        // Shown only when it is a sha256: the file's bytes are not
        // terminal-safe text.
        let source = std::str::from_utf8(source)
            .ok()
            .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
            .map_or_else(|| "not a sha256".to_string(), |s| format!("sha256 {s}"));
        return Err(CacheEntryError::OtherPlugin {
            path: path.to_owned(),
            compiled_from: source,
            sha256: sha256.to_string(),
        });
    }
    let crc = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
    let len = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes"));
    let (mut hasher, mut seen) = (crc32fast::Hasher::new(), 0u64);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                seen += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(CacheEntryError::Read {
                    path: path.to_owned(),
                    error,
                })
            }
        }
    }
    if seen != len {
        return Err(CacheEntryError::Truncated(path.to_owned()));
    }
    if hasher.finalize() != crc {
        return Err(CacheEntryError::Corrupt(path.to_owned()));
    }
    Ok(true)
}

/// Write the artifact and then its sidecar, each atomically (temporary
/// file + rename) and readable by the owner only. A crash in between
/// leaves an artifact whose sidecar is missing or stale: recompiled.
fn write_entry(path: &Path, sha256: &str, artifact: &[u8]) -> std::io::Result<()> {
    write_atomically(path, artifact)?;
    write_atomically(&sum_path(path), &sum_of(sha256, artifact))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("entry has a directory");
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(".tmp-{}-{nonce}", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Entries of the same plugin for other engines are dead weight.
fn remove_stale(dir: &Path, sha256: &str, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name.ends_with(".cwasm") || name.ends_with(".cwasm.sum");
        if p != keep && p != sum_path(keep) && name.starts_with(sha256) && ours {
            let _ = fs::remove_file(p);
        }
    }
}

/// Create `dir` (mode 0700) if needed and check it is private.
fn ensure_private_dir(dir: &Path) -> Result<(), CacheEntryError> {
    if !dir.exists() {
        fs::create_dir_all(dir).map_err(|error| CacheEntryError::CreateDir {
            path: dir.to_owned(),
            error,
        })?;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    check_private(dir, true)
}

/// Owned by the current user and not writable by group or others.
fn check_private(path: &Path, is_dir: bool) -> Result<(), CacheEntryError> {
    let md = fs::symlink_metadata(path).map_err(|error| CacheEntryError::Inspect {
        path: path.to_owned(),
        error,
    })?;
    if md.is_dir() != is_dir || md.file_type().is_symlink() {
        return Err(CacheEntryError::NotPlain {
            path: path.to_owned(),
            is_dir,
        });
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if md.uid() != me {
        return Err(CacheEntryError::NotOwned {
            path: path.to_owned(),
            uid: md.uid(),
            me,
        });
    }
    if md.mode() & 0o022 != 0 {
        return Err(CacheEntryError::Writable {
            path: path.to_owned(),
            mode: md.mode() & 0o777,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> &'static [u8] {
        super::super::embedded::find("deprecated-names")
            .unwrap()
            .bytes
    }

    fn sha(b: &[u8]) -> String {
        super::super::sha256_hex(b)
    }

    #[test]
    fn miss_then_hit_then_corrupt_entry_is_recompiled() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().join("plugins"));
        let engine = super::super::host::engine().unwrap();
        let (bytes, sum) = (example(), sha(example()));
        let load = || cache.load(&engine, bytes, &sum).unwrap().1;
        assert_eq!(load(), CacheStatus::Compiled);
        assert_eq!(load(), CacheStatus::Hit);

        let entry = fs::read_dir(tmp.path().join("plugins"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "cwasm"))
            .unwrap();
        let mut data = fs::read(&entry).unwrap();
        let mid = data.len() / 2;
        data[mid] ^= 0xff;
        fs::write(&entry, &data).unwrap();
        match load() {
            CacheStatus::Recompiled(why) => assert!(why.contains("corrupt"), "{why}"),
            other => panic!("corrupt entry not recompiled: {other:?}"),
        }
        assert_eq!(load(), CacheStatus::Hit);

        fs::write(&entry, b"fetter-cwasm-v1\0short").unwrap();
        assert!(matches!(
            load(),
            CacheStatus::Recompiled(why) if why.contains("truncated")
        ));

        // The sidecar: damaged -> recompiled; of an older format (v3 had
        // no sha256) or missing (v1, v2) -> compiled afresh.
        fs::write(sum_path(&entry), b"fetter-cwasm-v4\0").unwrap();
        assert!(matches!(
            load(),
            CacheStatus::Recompiled(why) if why.contains("checksum file")
        ));
        let v3 = [&b"fetter-cwasm-v3\0"[..], &[0; 12]].concat();
        fs::write(sum_path(&entry), v3).unwrap();
        assert_eq!(load(), CacheStatus::Compiled);
        assert_eq!(load(), CacheStatus::Hit);
        fs::remove_file(sum_path(&entry)).unwrap();
        assert_eq!(load(), CacheStatus::Compiled);
        assert_eq!(load(), CacheStatus::Hit);
        let mut names: Vec<String> = fs::read_dir(tmp.path().join("plugins"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "one artifact and its sidecar: {names:?}");
        assert!(names[0].ends_with(".cwasm") && names[1] == format!("{}.sum", names[0]));
    }

    #[test]
    fn unusable_entries_are_told_by_variant() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("plugins");
        ensure_private_dir(&dir).unwrap();
        let (bytes, sum) = (example(), sha(example()));
        let entry = dir.join("e.cwasm");
        assert!(!check_entry(&entry, &sum).unwrap());
        write_entry(&entry, &sum, bytes).unwrap();
        assert!(check_entry(&entry, &sum).unwrap());
        let other = "0".repeat(SHA_LEN);
        assert!(matches!(
            check_entry(&entry, &other),
            Err(CacheEntryError::OtherPlugin { compiled_from, .. }) if compiled_from == format!("sha256 {sum}")
        ));
        fs::write(&entry, b"short").unwrap();
        assert!(matches!(
            check_entry(&entry, &sum),
            Err(CacheEntryError::Truncated(p)) if p == entry
        ));
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let e = ensure_private_dir(&dir).unwrap_err();
        assert!(
            matches!(e, CacheEntryError::Writable { mode: 0o777, .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .ends_with("is writable by other users (mode 777)"),
            "{e}"
        );
    }

    #[test]
    fn a_directory_others_can_write_is_not_used() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("plugins");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let engine = super::super::host::engine().unwrap();
        let status = Cache::at(&dir)
            .load(&engine, example(), &sha(example()))
            .unwrap()
            .1;
        assert!(
            matches!(&status, CacheStatus::Uncached(why) if why.contains("writable by other")),
            "{status:?}"
        );
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
    }
}
