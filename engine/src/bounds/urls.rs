//! Direct-URL requirements (`name @ url`, `git+https://…@rev`), parsed by
//! [`fetter_packaging::urls`], and how they compare with what PEP 610
//! `direct_url.json` recorded at install time.

pub use fetter_packaging::urls::*;

use crate::inventory::DirectUrl;

/// Whether an installed distribution's `direct_url.json` satisfies the
/// requirement URL; `Err` says how it differs.
pub fn satisfies(req: &RequirementUrl, installed: Option<&DirectUrl>) -> Result<(), String> {
    let Some(du) = installed else {
        return Err(format!(
            "installed from an index, but the bound requires {}",
            display(req)
        ));
    };
    let du_url = normalize(&du.url);
    if du_url != req.url {
        return Err(format!(
            "installed from {}, but the bound requires {}",
            du.url, req.url
        ));
    }
    if let Some(vcs) = &req.vcs {
        if du.vcs.as_deref() != Some(vcs.as_str()) {
            return Err(format!(
                "the bound requires a {vcs} checkout, but it was installed from {}",
                du.vcs
                    .as_deref()
                    .map(|v| format!("a {v} checkout"))
                    .unwrap_or_else(|| "an archive or directory".into())
            ));
        }
    }
    if let Some(rev) = &req.rev {
        let commit = du.commit_id.as_deref().unwrap_or("");
        let is_commit = commit == rev
            || (rev.len() >= 7
                && rev.chars().all(|c| c.is_ascii_hexdigit())
                && commit.starts_with(rev.as_str()));
        if !is_commit && du.requested_revision.as_deref() != Some(rev.as_str()) {
            return Err(format!(
                "installed at commit {} (requested {}), but the bound requires {rev}",
                if commit.is_empty() { "unknown" } else { commit },
                du.requested_revision.as_deref().unwrap_or("none")
            ));
        }
    }
    if req.subdirectory != du.subdirectory {
        return Err(format!(
            "installed from subdirectory {:?}, but the bound requires {:?}",
            du.subdirectory, req.subdirectory
        ));
    }
    for (algo, hex) in &req.hashes {
        let recorded = du
            .archive_hashes
            .iter()
            .find_map(|h| h.split_once('=').filter(|(a, _)| a == algo).map(|(_, v)| v));
        if let Some(v) = recorded {
            if !v.eq_ignore_ascii_case(hex) {
                return Err(format!(
                    "installed archive has {algo} {v}, but the bound requires {hex}"
                ));
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
        let e = satisfies(&parse("git+https://github.com/o/r.git@v2"), Some(&d)).unwrap_err();
        assert!(e.contains("requires v2"), "{e}");
        assert!(satisfies(&parse("git+https://github.com/o/other.git"), Some(&d)).is_err());
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz"), None)
            .unwrap_err()
            .contains("index"));
        let mut a = du("https://h/x-1.0.tar.gz");
        a.archive_hashes = vec!["sha256=ab".into()];
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz#sha256=AB"), Some(&a)).is_ok());
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz#sha256=cd"), Some(&a)).is_err());
        assert!(satisfies(&parse("file:///src/x/"), Some(&du("file:///src/x"))).is_ok());
    }
}
