//! Requirements written as a bare URL or path (`./dist/x-1.0-py3-none-any.whl`,
//! `-e git+https://…#egg=name`, `-e ./src/proj`): finding the project name
//! and turning them into `name @ url` requirements.

use std::path::{Path, PathBuf};

use crate::bounds::source::Location;
use crate::bounds::spec::{shorten, BoundError, BoundRequirement, Origin};
use crate::bounds::urls;
pub use crate::bounds::urls::file_url;
use crate::bounds::wheel_name::InvalidWheelFilename;
use crate::fsutil;
use crate::inventory::record::lexical_normalize;
pub use fetter_packaging::requirements_txt::{
    check_wheel_url, looks_like_url_or_path, SDIST_SUFFIXES,
};

/// An `-e` requirement, accepted as pip's `parse_editable` accepts it: a
/// local project directory (relative to the file), a `file:` URL, a VCS
/// URL (`git+https://…#egg=name`, or `git://…`, read as `git+git://…`),
/// or `name @ url` with such a URL. Anything else (`-e black==0.1.0`, an
/// archive, an `https://` wheel, a directory that does not exist) is an
/// error: pip refuses it too, and reading it as a plain requirement would
/// allow a package pip never installs.
pub fn editable(
    value: &str,
    origin: &Origin,
    location: &Location,
) -> Result<BoundRequirement, BoundError> {
    let invalid = |why: String| {
        BoundError::new(
            origin.clone(),
            format!(
                "{:?} is not a valid editable requirement: {why}. -e takes a local project \
                 directory or a VCS URL (git+https://…, hg+…, svn+…, bzr+…); to allow a released \
                 package, write it without -e",
                urls::redact(&shorten(value))
            ),
        )
    };
    let (target, _) = split_marker(value);
    let (path, _) = split_extras(target);
    let dir = (!urls::has_scheme(path)).then(|| location.base_dir().join(path));
    if dir.as_ref().is_some_and(|d| d.is_dir()) {
        return mark_editable(unnamed(value, origin, location, true));
    }
    if !looks_like_url_or_path(value) && value.contains('@') {
        // `name @ url`: pip takes it when the URL is one it can edit.
        let req = BoundRequirement::parse(value, origin.clone())?;
        let url = req
            .url()
            .map(|u| u.given().unwrap_or(u.raw().as_str()).to_string());
        return match url {
            Some(u) if urls::is_vcs_url(&u) || is_file_url(&u) => mark_editable(Ok(req)),
            Some(_) => Err(invalid(
                "its URL is neither a VCS URL nor a file: URL".into(),
            )),
            None => Err(invalid("it names no URL".into())),
        };
    }
    if is_file_url(path) || urls::is_vcs_url(path) {
        return mark_editable(unnamed(value, origin, location, true));
    }
    // pip reads `git://host/repo` as `git+git://host/repo`.
    if let Some((vcs, _)) = path.split_once("://") {
        if VCS_NAMES.contains(&vcs.to_ascii_lowercase().as_str()) {
            let prefixed = format!("{}+{value}", vcs.to_ascii_lowercase());
            return mark_editable(unnamed(&prefixed, origin, location, true));
        }
    }
    Err(invalid(match (&dir, urls::has_scheme(path)) {
        (_, true) => "it is neither a VCS URL nor a file: URL".into(),
        (Some(d), false) if looks_like_url_or_path(path) || d.exists() => {
            format!("{} is not a directory", d.display())
        }
        (Some(d), false) => format!("there is no directory {}", d.display()),
        (None, false) => "it is not a path".into(),
    }))
}

/// The VCS names pip accepts as a bare scheme (`git://`).
const VCS_NAMES: &[&str] = &["git", "hg", "svn", "bzr"];

fn mark_editable(
    req: Result<BoundRequirement, BoundError>,
) -> Result<BoundRequirement, BoundError> {
    req.map(|mut r| {
        r.editable = true;
        r
    })
}

fn is_file_url(s: &str) -> bool {
    s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("file:"))
}

/// Split `target ; marker` as pip does: for a URL the separator is `; `
/// (a URL may contain `;`), also accepted as ` ;`; for a path it is the
/// first `;`.
pub fn split_marker(text: &str) -> (&str, Option<&str>) {
    let at = if urls::has_scheme(text.trim_start()) {
        text.find("; ").or_else(|| text.find(" ;"))
    } else {
        text.find(';')
    };
    match at {
        Some(i) => (
            text[..i].trim(),
            Some(text[i..].trim_start_matches(';').trim()).filter(|m| !m.is_empty()),
        ),
        None => (text.trim(), None),
    }
}

/// A bare URL or path requirement, optionally followed by `; marker`.
pub fn unnamed(
    text: &str,
    origin: &Origin,
    location: &Location,
    editable: bool,
) -> Result<BoundRequirement, BoundError> {
    let err = |m: String| BoundError::new(origin.clone(), m);
    let (target, marker) = split_marker(text);
    let (target, extras) = split_extras(target);
    let url = if urls::has_scheme(target) {
        target.to_string()
    } else {
        let path = location.base_dir().join(target);
        let path = std::fs::canonicalize(&path).unwrap_or_else(|_| lexical_normalize(&path));
        file_url(&path)
    };
    let name = project_name(&url, target, location)
        .map_err(|e| err(e.to_string()))?
        .ok_or_else(|| {
            err(format!(
                "cannot tell which project {target:?} is; write it as `NAME @ {url}`{}",
                if editable { " or add `#egg=NAME`" } else { "" }
            ))
        })?;
    let mut pep508 = format!("{name}{extras} @ {url}");
    if let Some(m) = marker {
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

/// The project name of a URL: `#egg=`, a wheel or sdist file name, or the
/// `pyproject.toml`/`setup.cfg` of a local directory (a path or `file:`
/// URL). `Err` for a `.whl` URL whose file name is not a wheel file name.
fn project_name(
    url: &str,
    target: &str,
    location: &Location,
) -> Result<Option<String>, InvalidWheelFilename> {
    if let Some(egg) = urls::fragment_param(url, "egg") {
        let egg = egg.split('[').next().unwrap_or(&egg).to_string();
        return Ok(Some(egg).filter(|e| crate::names::is_valid(e)));
    }
    if let Some(wheel) = urls::wheel(url) {
        return wheel.map(|w| Some(w.name));
    }
    let file = urls::file_name(url);
    if let Some(stem) = SDIST_SUFFIXES.iter().find_map(|s| file.strip_suffix(s)) {
        let Some((name, version)) = stem.rsplit_once('-') else {
            return Ok(None);
        };
        let valid = version.parse::<pep440_rs::Version>().is_ok() && crate::names::is_valid(name);
        return Ok(valid.then(|| name.to_string()));
    }
    if !urls::has_scheme(target) {
        return Ok(local_project_name(&location.base_dir().join(target)));
    }
    if is_file_url(target) {
        let path = url::Url::parse(target)
            .ok()
            .and_then(|u| u.to_file_path().ok());
        return Ok(path.and_then(|p| local_project_name(&p)));
    }
    Ok(None)
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
