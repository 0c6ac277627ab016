//! `pyvenv.cfg`: the file that makes a directory a virtual environment.

use std::path::{Path, PathBuf};

use crate::fsutil;

/// The keys of `pyvenv.cfg` fetter uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PyvenvCfg {
    /// `home`: the directory of the base interpreter.
    pub home: Option<PathBuf>,
    /// `include-system-site-packages = true`.
    pub include_system_site_packages: bool,
    /// `version` (venv) or `version_info` (uv, virtualenv).
    pub version: Option<String>,
    /// Which tool wrote it: `uv`, `virtualenv`, or `venv` when neither says.
    pub creator: String,
}

/// Parse `pyvenv.cfg` text: `key = value` lines, keys case-insensitive,
/// unknown keys ignored (as `site.py` does).
pub fn parse(text: &str) -> PyvenvCfg {
    let mut cfg = PyvenvCfg {
        creator: "venv".into(),
        ..Default::default()
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "home" => cfg.home = Some(PathBuf::from(value)),
            "include-system-site-packages" => {
                cfg.include_system_site_packages = value.eq_ignore_ascii_case("true")
            }
            "version" | "version_info" if cfg.version.is_none() && !value.is_empty() => {
                cfg.version = Some(value.to_string());
            }
            "uv" => cfg.creator = "uv".into(),
            "virtualenv" => cfg.creator = "virtualenv".into(),
            _ => {}
        }
    }
    cfg
}

/// Read and parse `<prefix>/pyvenv.cfg`.
/// The error is the file's ([`fsutil::ReadError::io_kind`] tells a missing
/// file); its text does not name the file.
pub fn read(prefix: &Path) -> Result<PyvenvCfg, fsutil::ReadError> {
    fsutil::read_capped(&prefix.join("pyvenv.cfg"), fsutil::SMALL_FILE_CAP)
        .map(|b| parse(&String::from_utf8_lossy(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_told_by_its_kind() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path()).unwrap_err();
        assert!(e.is_not_found(), "{e}");
        assert_eq!(e.io_kind(), Some(std::io::ErrorKind::NotFound));
    }

    #[test]
    fn parses_venv_and_uv() {
        let c = parse("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\nexecutable = /usr/bin/python3.11\n");
        assert_eq!(c.home.as_deref(), Some(Path::new("/usr/bin")));
        assert!(!c.include_system_site_packages);
        assert_eq!(c.version.as_deref(), Some("3.11.2"));
        assert_eq!(c.creator, "venv");
        let c = parse("home = /x/bin\nimplementation = CPython\nuv = 0.4.0\nversion_info = 3.12.1\nInclude-System-Site-Packages = TRUE\n");
        assert_eq!(c.creator, "uv");
        assert!(c.include_system_site_packages);
        assert_eq!(c.version.as_deref(), Some("3.12.1"));
        assert_eq!(
            parse("garbage\n\0\n"),
            PyvenvCfg {
                creator: "venv".into(),
                ..Default::default()
            }
        );
    }
}
