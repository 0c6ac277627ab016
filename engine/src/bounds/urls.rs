//! Direct-URL requirements (`name @ url`, `git+https://…@rev`), parsed by
//! [`fetter_packaging::urls`], and how they compare with what PEP 610
//! `direct_url.json` recorded at install time.

pub use fetter_packaging::urls::*;

use crate::inventory::DirectUrl;

/// How an installed distribution's `direct_url.json` differs from a
/// requirement URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlMismatch {
    /// Installed from an index: no `direct_url.json`.
    #[error("installed from an index, but the bound requires {0}")]
    FromIndex(String),
    /// Another URL.
    #[error("installed from {installed}, but the bound requires {required}")]
    Url {
        /// The recorded URL.
        installed: String,
        /// The requirement's URL, normalized.
        required: String,
    },
    /// Not a checkout of that VCS.
    #[error("the bound requires a {vcs} checkout, but it was installed from {}", .installed.as_deref().map(|v| format!("a {v} checkout")).unwrap_or_else(|| "an archive or directory".into()))]
    Vcs {
        /// The requirement's VCS.
        vcs: String,
        /// The recorded VCS, if any.
        installed: Option<String>,
    },
    /// Another revision.
    #[error("installed at commit {} (requested {}), but the bound requires {rev}", if .commit.is_empty() { "unknown" } else { .commit.as_str() }, .requested.as_deref().unwrap_or("none"))]
    Revision {
        /// The recorded commit (empty when unknown).
        commit: String,
        /// The recorded requested revision.
        requested: Option<String>,
        /// The requirement's revision.
        rev: String,
    },
    /// Another subdirectory.
    #[error("installed from subdirectory {installed:?}, but the bound requires {required:?}")]
    Subdirectory {
        /// The recorded subdirectory.
        installed: Option<String>,
        /// The requirement's.
        required: Option<String>,
    },
    /// Another archive hash.
    #[error("installed archive has {algorithm} {recorded}, but the bound requires {required}")]
    Hash {
        /// The algorithm.
        algorithm: String,
        /// The recorded digest.
        recorded: String,
        /// The requirement's digest.
        required: String,
    },
}

/// The reason as text, for callers that report reasons as strings.
impl From<UrlMismatch> for String {
    fn from(e: UrlMismatch) -> Self {
        e.to_string()
    }
}

/// Whether an installed distribution's `direct_url.json` satisfies the
/// requirement URL; `Err` says how it differs.
pub fn satisfies(req: &RequirementUrl, installed: Option<&DirectUrl>) -> Result<(), UrlMismatch> {
    let Some(du) = installed else {
        return Err(UrlMismatch::FromIndex(display(req)));
    };
    let du_url = normalize(&du.url);
    if du_url != req.url {
        return Err(UrlMismatch::Url {
            installed: du.url.clone(),
            required: req.url.clone(),
        });
    }
    if let Some(vcs) = &req.vcs {
        if du.vcs.as_deref() != Some(vcs.as_str()) {
            return Err(UrlMismatch::Vcs {
                vcs: vcs.clone(),
                installed: du.vcs.clone(),
            });
        }
    }
    if let Some(rev) = &req.rev {
        let commit = du.commit_id.as_deref().unwrap_or("");
        let is_commit = commit == rev
            || (rev.len() >= 7
                && rev.chars().all(|c| c.is_ascii_hexdigit())
                && commit.starts_with(rev.as_str()));
        if !is_commit && du.requested_revision.as_deref() != Some(rev.as_str()) {
            return Err(UrlMismatch::Revision {
                commit: commit.to_string(),
                requested: du.requested_revision.clone(),
                rev: rev.clone(),
            });
        }
    }
    if req.subdirectory != du.subdirectory {
        return Err(UrlMismatch::Subdirectory {
            installed: du.subdirectory.clone(),
            required: req.subdirectory.clone(),
        });
    }
    for (algo, hex) in &req.hashes {
        let recorded = du
            .archive_hashes
            .iter()
            .find_map(|h| h.split_once('=').filter(|(a, _)| a == algo).map(|(_, v)| v));
        if let Some(v) = recorded {
            if !v.eq_ignore_ascii_case(hex) {
                return Err(UrlMismatch::Hash {
                    algorithm: algo.clone(),
                    recorded: v.to_string(),
                    required: hex.clone(),
                });
            }
        }
    }
    Ok(())
}

fn display(req: &RequirementUrl) -> String {
    match (&req.vcs, &req.rev) {
        (Some(v), Some(r)) => format!("{v}+{}@{r}", req.url),
        (Some(v), None) => format!("{v}+{}", req.url),
        _ => req.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn du(url: &str) -> DirectUrl {
        DirectUrl {
            url: url.into(),
            ..Default::default()
        }
    }

    #[test]
    fn compares_with_direct_url_json() {
        let mut d = du("https://github.com/o/r.git");
        d.vcs = Some("git".into());
        d.commit_id = Some("0123456789abcdef0123456789abcdef01234567".into());
        d.requested_revision = Some("main".into());
        assert!(satisfies(&parse("git+https://github.com/o/r.git@main"), Some(&d)).is_ok());
        assert!(satisfies(&parse("git+https://github.com/o/r.git@0123456"), Some(&d)).is_ok());
        assert!(satisfies(&parse("git+https://github.com/o/r.git"), Some(&d)).is_ok());
        let e = satisfies(&parse("git+https://github.com/o/r.git@v2"), Some(&d))
            .unwrap_err()
            .to_string();
        assert!(e.contains("requires v2"), "{e}");
        assert!(satisfies(&parse("git+https://github.com/o/other.git"), Some(&d)).is_err());
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz"), None)
            .unwrap_err()
            .to_string()
            .contains("index"));
        let mut a = du("https://h/x-1.0.tar.gz");
        a.archive_hashes = vec!["sha256=ab".into()];
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz#sha256=AB"), Some(&a)).is_ok());
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz#sha256=cd"), Some(&a)).is_err());
        assert!(satisfies(&parse("file:///src/x/"), Some(&du("file:///src/x"))).is_ok());
    }
}
