//! The recorded files: each hashed once, in parallel, and compared with
//! the hash and size RECORD gives.

use std::io;
use std::path::PathBuf;

use rayon::prelude::*;

use super::{FileProblem, ProblemKind};
use crate::fsutil::ReadError;
use crate::inventory::record::{self, RecordEntry};
use crate::inventory::record_hash::{self, RecordHash};
use crate::inventory::{Distribution, MetadataKind};
use crate::osowner::rpm::files::{DigestAlgo, FileMeta};

/// What checking one distribution's RECORD found.
#[derive(Debug, Default)]
pub(super) struct Checked {
    /// Entries whose hash was compared.
    pub checked: usize,
    /// Entries without a hash.
    pub unhashed: usize,
    /// Bytes read.
    pub bytes: u64,
    /// What differs.
    pub problems: Vec<FileProblem>,
    /// Why RECORD could not be used, when it could not.
    pub reason: Option<String>,
    /// The reason is that there is no RECORD file at all.
    pub record_missing: bool,
}

/// What a file is compared with.
enum Expected {
    /// A RECORD row.
    Record(RecordEntry, RecordHash),
    /// A line of dpkg's `md5sums`.
    Md5([u8; 16]),
    /// What an rpm header records of the file.
    Rpm(DigestAlgo, Vec<u8>, u64),
}

struct Job {
    dist: usize,
    path: PathBuf,
    expected: Expected,
}

/// What one distribution is verified against.
pub(super) enum Source<'a> {
    /// Its RECORD.
    Record(&'a Distribution),
    /// The `md5sums` of the OS package that installed it.
    Md5sums(Vec<(PathBuf, [u8; 16])>),
    /// The file digests of the rpm package that installed it.
    Rpm(DigestAlgo, Vec<(PathBuf, FileMeta)>),
}

/// Check every distribution of `dists`, results in the same order.
pub(super) fn check_all(dists: &[Source]) -> Vec<Checked> {
    let mut out: Vec<Checked> = dists.iter().map(|_| Checked::default()).collect();
    let mut jobs = Vec::new();
    for (i, source) in dists.iter().enumerate() {
        let c = &mut out[i];
        let d = match source {
            Source::Record(d) => d,
            Source::Md5sums(sums) => {
                jobs.extend(sums.iter().map(|(path, md5)| Job {
                    dist: i,
                    path: path.clone(),
                    expected: Expected::Md5(*md5),
                }));
                continue;
            }
            Source::Rpm(DigestAlgo::Other(n), _) => {
                c.reason = Some(format!(
                    "the rpm package's file digests are of algorithm {n}, which fetter does not compute"
                ));
                continue;
            }
            Source::Rpm(algo, files) => {
                for (path, m) in files {
                    match (&m.digest, m.verifiable()) {
                        (Some(digest), true) => jobs.push(Job {
                            dist: i,
                            path: path.clone(),
                            expected: Expected::Rpm(*algo, digest.clone(), m.size),
                        }),
                        // Directories, links, %ghost files: no content.
                        _ => c.unhashed += 1,
                    }
                }
                continue;
            }
        };
        if d.metadata_kind != MetadataKind::DistInfo {
            c.reason = Some("an .egg-info records no file hashes".to_string());
            continue;
        }
        let record_path = d.metadata_path.join("RECORD");
        if std::fs::symlink_metadata(&record_path)
            .is_err_and(|e| e.kind() == io::ErrorKind::NotFound)
        {
            c.reason = Some("no RECORD file".to_string());
            c.record_missing = true;
            continue;
        }
        let entries = match record::read_record(&d.metadata_path) {
            Ok(e) => e,
            Err(e) => {
                c.reason = Some(format!("RECORD cannot be read: {e}"));
                continue;
            }
        };
        for entry in entries {
            let path = entry.resolve(&d.site);
            match entry.hash.as_deref().filter(|h| !h.is_empty()) {
                None => c.unhashed += 1,
                Some(h) => match RecordHash::parse(h) {
                    Ok(hash) => jobs.push(Job {
                        dist: i,
                        path,
                        expected: Expected::Record(entry, hash),
                    }),
                    Err(e) => c.problems.push(FileProblem {
                        kind: ProblemKind::Unreadable,
                        path,
                        recorded: Some(entry.path.clone()),
                        expected_hash: Some(h.to_string()),
                        actual_hash: None,
                        expected_size: entry.size,
                        actual_size: None,
                        detail: Some(format!("RECORD line {}: {e}", entry.line)),
                    }),
                },
            }
        }
    }
    let results: Vec<(usize, u64, Option<FileProblem>)> = jobs
        .par_iter()
        .map(|j| {
            let (bytes, problem) = check_one(j);
            (j.dist, bytes, problem)
        })
        .collect();
    for (dist, bytes, problem) in results {
        let c = &mut out[dist];
        c.checked += 1;
        c.bytes += bytes;
        c.problems.extend(problem);
    }
    out
}

/// Hash one file; the bytes read and what is wrong, if anything.
fn check_one(j: &Job) -> (u64, Option<FileProblem>) {
    let (recorded, expected_hash, expected_size) = match &j.expected {
        Expected::Record(e, h) => (Some(e.path.clone()), h.to_record_string(), e.size),
        Expected::Md5(m) => (None, format!("md5={}", hex(m)), None),
        Expected::Rpm(a, d, size) => (None, format!("{}={}", a.name(), hex(d)), Some(*size)),
    };
    let problem = |kind, actual_hash: Option<String>, actual_size, detail| FileProblem {
        kind,
        path: j.path.clone(),
        recorded: recorded.clone(),
        expected_hash: Some(expected_hash.clone()),
        actual_hash,
        expected_size,
        actual_size,
        detail,
    };
    let hashed = match &j.expected {
        Expected::Record(_, h) => record_hash::hash_file(&j.path, h.algorithm)
            .map(|(a, size)| (a == *h, a.to_record_string(), size)),
        Expected::Md5(m) => record_hash::hash_regular::<md5::Md5>(&j.path)
            .map(|(a, size)| (a == m, format!("md5={}", hex(&a)), size)),
        Expected::Rpm(algo, d, _) => {
            let hashed = match algo {
                DigestAlgo::Md5 => record_hash::hash_regular::<md5::Md5>(&j.path),
                DigestAlgo::Sha224 => record_hash::hash_regular::<sha2::Sha224>(&j.path),
                DigestAlgo::Sha256 => record_hash::hash_regular::<sha2::Sha256>(&j.path),
                DigestAlgo::Sha384 => record_hash::hash_regular::<sha2::Sha384>(&j.path),
                DigestAlgo::Sha512 | DigestAlgo::Other(_) => {
                    record_hash::hash_regular::<sha2::Sha512>(&j.path)
                }
            };
            hashed.map(|(a, size)| (a == *d, format!("{}={}", algo.name(), hex(&a)), size))
        }
    };
    match hashed {
        Ok((same, actual, size)) => {
            if expected_size.is_some_and(|s| s != size) {
                let p = problem(ProblemKind::SizeChanged, Some(actual), Some(size), None);
                (size, Some(p))
            } else if !same {
                let p = problem(ProblemKind::Modified, Some(actual), Some(size), None);
                (size, Some(p))
            } else {
                (size, None)
            }
        }
        // A directory on the way replaced by a file is as gone as the file.
        Err(ReadError::Io(e))
            if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            (0, Some(problem(ProblemKind::Missing, None, None, None)))
        }
        Err(ReadError::NotRegular(what)) => (
            0,
            Some(problem(
                ProblemKind::NotRegular,
                None,
                None,
                Some(what.to_string()),
            )),
        ),
        Err(e) => (
            0,
            Some(problem(
                ProblemKind::Unreadable,
                None,
                None,
                Some(e.to_string()),
            )),
        ),
    }
}

use crate::digest::hex;
