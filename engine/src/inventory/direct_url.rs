//! PEP 610 `direct_url.json`.

use serde::Deserialize;

use crate::inventory::model::DirectUrl;

#[derive(Deserialize)]
struct Raw {
    url: String,
    #[serde(default)]
    vcs_info: Option<RawVcs>,
    #[serde(default)]
    archive_info: Option<RawArchive>,
    #[serde(default)]
    dir_info: Option<RawDir>,
    #[serde(default)]
    subdirectory: Option<String>,
}

#[derive(Deserialize)]
struct RawVcs {
    vcs: String,
    #[serde(default)]
    commit_id: Option<String>,
    #[serde(default)]
    requested_revision: Option<String>,
}

#[derive(Deserialize)]
struct RawArchive {
    #[serde(default)]
    hashes: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    hash: Option<String>,
}

#[derive(Deserialize)]
struct RawDir {
    #[serde(default)]
    editable: bool,
}

/// Why a `direct_url.json` is invalid.
#[derive(Debug, thiserror::Error)]
pub enum DirectUrlError {
    /// Not JSON of the expected shape.
    #[error("invalid direct_url.json: {0}")]
    Json(serde_json::Error),
    /// Not exactly one of `vcs_info`, `archive_info` and `dir_info`.
    #[error("invalid direct_url.json: expected exactly one of vcs_info, archive_info, dir_info, found {0}")]
    InfoCount(usize),
}

/// Parse the text of a `direct_url.json`. Exactly one of `vcs_info`,
/// `archive_info` and `dir_info` must be present.
pub fn parse(text: &str) -> Result<DirectUrl, DirectUrlError> {
    let raw: Raw = serde_json::from_str(text).map_err(DirectUrlError::Json)?;
    let present = [
        raw.vcs_info.is_some(),
        raw.archive_info.is_some(),
        raw.dir_info.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if present != 1 {
        return Err(DirectUrlError::InfoCount(present));
    }
    let mut out = DirectUrl {
        url: raw.url,
        subdirectory: raw.subdirectory,
        ..Default::default()
    };
    if let Some(v) = raw.vcs_info {
        out.vcs = Some(v.vcs);
        out.commit_id = v.commit_id;
        out.requested_revision = v.requested_revision;
    }
    if let Some(a) = raw.archive_info {
        if let Some(h) = a.hashes {
            out.archive_hashes = h.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        } else if let Some(h) = a.hash {
            out.archive_hashes = vec![h];
        }
    }
    if let Some(d) = raw.dir_info {
        out.editable = d.editable;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let d = parse(r#"{"dir_info": {"editable": true}, "url": "file:///home/alice/src/proj"}"#)
            .unwrap();
        assert!(d.editable);
        let d = parse(r#"{"url":"https://github.com/a/b.git","vcs_info":{"vcs":"git","commit_id":"abc","requested_revision":"v1"}}"#).unwrap();
        assert_eq!(d.vcs.as_deref(), Some("git"));
        assert_eq!(d.commit_id.as_deref(), Some("abc"));
        let d =
            parse(r#"{"url":"file:///x.whl","archive_info":{"hashes":{"sha256":"ff"}}}"#).unwrap();
        assert_eq!(d.archive_hashes, vec!["sha256=ff"]);
        let d = parse(r#"{"url":"file:///x.whl","archive_info":{"hash":"sha256=ff"}}"#).unwrap();
        assert_eq!(d.archive_hashes, vec!["sha256=ff"]);
        assert!(matches!(
            parse(r#"{"url":"x"}"#),
            Err(DirectUrlError::InfoCount(0))
        ));
        assert!(matches!(parse("not json"), Err(DirectUrlError::Json(_))));
        let e = parse(r#"{"url":"x","dir_info":{},"vcs_info":{"vcs":"git"}}"#).unwrap_err();
        assert!(matches!(e, DirectUrlError::InfoCount(2)));
        assert_eq!(
            e.to_string(),
            "invalid direct_url.json: expected exactly one of vcs_info, archive_info, dir_info, found 2"
        );
    }
}
