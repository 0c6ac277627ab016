//! Requirements written as a bare URL or path (`./dist/x-1.0-py3-none-any.whl`,
//! `-e git+https://…#egg=name`, `-e ./src/proj`): finding the project name
//! and turning them into `name @ url` requirements.

use std::path::{Path, PathBuf};

use crate::bounds::source::Location;
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::bounds::urls;
use crate::fsutil;
use crate::inventory::record::lexical_normalize;

/// Archive suffixes of source distributions pip accepts.
const SDIST_SUFFIXES: &[&str] = &[
    ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip",
];

/// True when a requirement line is a URL or a path rather than PEP 508
/// (pip: it contains a path separator or starts with `.`, or is an archive).
pub fn looks_like_url_or_path(s: &str) -> bool {
    let head = s.split(';').next().unwrap_or(s).trim();
    if let Some(i) = head.find("://") {
        // `name @ https://…` is PEP 508; `git+https://…@rev` is a bare URL.
        let scheme = &head[..i];
        return !(scheme.contains('@') || scheme.contains(' '));
    }
    if head.contains('@') {
        return false;
    }
    head.starts_with('.')
        || head.starts_with('/')
        || head.contains('/')
        || head.contains('\\')
        || head.ends_with(".whl")
        || SDIST_SUFFIXES.iter().any(|s| head.ends_with(s))
}

/// An `-e` requirement: a VCS URL with `#egg=name`, or a local project directory.
pub fn editable(
    value: &str,
    origin: &Origin,
    location: &Location,
) -> Result<BoundRequirement, BoundError> {
    let mut req = if looks_like_url_or_path(value) {
        unnamed(value, origin, location, true)?
    } else {
        // `-e name @ url` is not pip syntax but is unambiguous.
        BoundRequirement::parse(value, origin.clone())?
    };
    req.editable = true;
    Ok(req)
}

/// A bare URL or path requirement, optionally followed by `; marker`.
pub fn unnamed(
    text: &str,
    origin: &Origin,
    location: &Location,
    editable: bool,
) -> Result<BoundRequirement, BoundError> {
    let err = |m: String| BoundError::new(origin.clone(), m);
    // pip: for URLs the marker separator is "; " (a URL may contain ';').
    let (target, marker) = match text.find("; ").or_else(|| text.find(" ;")) {
        Some(i) => (
            text[..i].trim(),
            Some(text[i + 1..].trim_start_matches(';').trim()),
        ),
        None => (text.trim(), None),
    };
    let (target, extras) = split_extras(target);
    let url = if urls::has_scheme(target) {
        target.to_string()
    } else {
        let path = location.base_dir().join(target);
        let path = std::fs::canonicalize(&path).unwrap_or_else(|_| lexical_normalize(&path));
        file_url(&path)
    };
    let name = project_name(&url, target, location).ok_or_else(|| {
        err(format!(
            "cannot tell which project {target:?} is; write it as `NAME @ {url}`{}",
            if editable { " or add `#egg=NAME`" } else { "" }
        ))
    })?;
    let mut pep508 = format!("{name}{extras} @ {url}");
    if let Some(m) = marker.filter(|m| !m.is_empty()) {
        pep508.push_str(" ; ");
        pep508.push_str(m);
    }
    let mut req = BoundRequirement::parse(&pep508, origin.clone())?;
    req.text = text.trim().to_string();
    Ok(req)
}

/// `./proj[a,b]` -> (`./proj`, `[a,b]`).
fn split_extras(target: &str) -> (&str, &str) {
    if target.ends_with(']') && !urls::has_scheme(target) {
        if let Some(i) = target.rfind('[') {
            return (&target[..i], &target[i..]);
        }
    }
    (target, "")
}

/// A `file://` URL for an absolute path.
pub fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", path.display()))
}

/// The project name of a URL: `#egg=`, a wheel or sdist file name, or the
/// `pyproject.toml`/`setup.cfg` of a local directory.
fn project_name(url: &str, target: &str, location: &Location) -> Option<String> {
    if let Some(egg) = urls::fragment_param(url, "egg") {
        let egg = egg.split('[').next().unwrap_or(&egg).to_string();
        return Some(egg).filter(|e| crate::names::is_valid(e));
    }
    let file = urls::last_segment(url);
    if let Some((name, _)) = urls::wheel_name_version(&file) {
        return Some(name);
    }
    if let Some(stem) = SDIST_SUFFIXES.iter().find_map(|s| file.strip_suffix(s)) {
        let (name, version) = stem.rsplit_once('-')?;
        let valid = version.parse::<pep440_rs::Version>().is_ok() && crate::names::is_valid(name);
        return valid.then(|| name.to_string());
    }
    if !urls::has_scheme(target) {
        return local_project_name(&location.base_dir().join(target));
    }
    None
}

/// The name declared by a local project tree (`pyproject.toml` `[project].name`,
/// else `setup.cfg` `[metadata] name`).
fn local_project_name(dir: &Path) -> Option<String> {
    let pyproject: PathBuf = dir.join("pyproject.toml");
    if let Ok(bytes) = fsutil::read_capped(&pyproject, fsutil::SMALL_FILE_CAP) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(doc) = text.parse::<toml::Table>() {
            let name = doc
                .get("project")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str());
            if let Some(n) = name {
                return Some(n.to_string());
            }
        }
    }
    let setup_cfg = dir.join("setup.cfg");
    let bytes = fsutil::read_capped(&setup_cfg, fsutil::SMALL_FILE_CAP).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut in_metadata = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_metadata = l == "[metadata]";
        } else if in_metadata {
            if let Some((k, v)) = l.split_once('=') {
                if k.trim() == "name" {
                    return Some(v.trim().to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc() -> Location {
        Location::Path("/nonexistent/req.txt".into())
    }

    #[test]
    fn wheel_and_sdist_urls() {
        let o = Origin::file("r");
        let r = unnamed(
            "https://h/p/foo_bar-1.0-py3-none-any.whl",
            &o,
            &loc(),
            false,
        )
        .unwrap();
        assert_eq!(r.name, "foo-bar");
        let r = unnamed(
            "https://h/p/foo_bar-1.0.tar.gz ; python_version > '3'",
            &o,
            &loc(),
            false,
        )
        .unwrap();
        assert_eq!(r.name, "foo-bar");
        assert!(!r.requirement.marker.is_true());
        let r = unnamed("git+https://g/x/y.git@v1#egg=yy", &o, &loc(), true).unwrap();
        assert_eq!(r.name, "yy");
        let e = unnamed("git+https://g/x/y.git@v1", &o, &loc(), true).unwrap_err();
        assert!(e.message.contains("#egg=NAME"), "{e}");
    }

    #[test]
    fn local_directory_name_from_pyproject() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("proj")).unwrap();
        std::fs::write(
            d.path().join("proj/pyproject.toml"),
            "[project]\nname = \"My.Proj\"\n",
        )
        .unwrap();
        let l = Location::Path(d.path().join("req.txt"));
        let r = editable("./proj", &Origin::file("r"), &l).unwrap();
        assert_eq!(r.name, "my-proj");
        assert!(r.editable);
        assert!(r.url().unwrap().raw().as_str().starts_with("file:///"));
    }

    #[test]
    fn classifies_lines() {
        assert!(looks_like_url_or_path("./x"));
        assert!(looks_like_url_or_path("https://h/x-1.0.tar.gz"));
        assert!(!looks_like_url_or_path("x @ https://h/x-1.0.tar.gz"));
        assert!(!looks_like_url_or_path("requests>=2"));
        assert!(!looks_like_url_or_path("requests; python_version < '3.8'"));
    }
}
