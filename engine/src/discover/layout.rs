//! Which site directories an environment has, from its layout alone.
//!
//! These rules mirror what `site.getsitepackages()` and
//! `site.getusersitepackages()` return; an end-to-end test asks real
//! interpreters and compares.

use std::path::{Path, PathBuf};

/// Candidate site directories of an installation prefix for Python `X.Y`,
/// in `sys.path` order. Only existing directories are returned.
pub fn prefix_sites(prefix: &Path, version: Option<&str>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(v) = version {
        let xy = short_version(v);
        // Debian and Ubuntu patch site.py: an interpreter in /usr reads
        // /usr/local/lib/pythonX.Y/dist-packages, /usr/lib/python3/dist-packages
        // and /usr/lib/pythonX.Y/dist-packages.
        let debian =
            prefix == Path::new("/usr") && Path::new("/usr/lib/python3/dist-packages").is_dir();
        if debian {
            out.push(PathBuf::from(format!(
                "/usr/local/lib/python{xy}/dist-packages"
            )));
            out.push(PathBuf::from("/usr/lib/python3/dist-packages"));
            out.push(PathBuf::from(format!("/usr/lib/python{xy}/dist-packages")));
        }
        for lib in ["lib", "lib64"] {
            out.push(
                prefix
                    .join(lib)
                    .join(format!("python{xy}"))
                    .join("site-packages"),
            );
            out.push(
                prefix
                    .join(lib)
                    .join(format!("python{xy}t"))
                    .join("site-packages"),
            );
        }
    } else {
        // Version unknown: take whatever pythonX.Y/site-packages exists.
        for lib in ["lib", "lib64"] {
            if let Ok(rd) = std::fs::read_dir(prefix.join(lib)) {
                let mut found: Vec<PathBuf> = rd
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
                    .map(|e| e.path().join("site-packages"))
                    .collect();
                found.sort();
                out.extend(found);
            }
        }
    }
    // Windows layout (also used by some embedded distributions).
    out.push(prefix.join("Lib").join("site-packages"));
    out.retain(|p| p.is_dir());
    out
}

/// The user site of `home` for Python `X.Y`, if it exists.
pub fn user_sites(home: &Path, version: &str) -> Vec<PathBuf> {
    let xy = short_version(version);
    [
        home.join(".local/lib")
            .join(format!("python{xy}"))
            .join("site-packages"),
        // macOS framework builds
        home.join("Library/Python")
            .join(&xy)
            .join("lib/python/site-packages"),
    ]
    .into_iter()
    .filter(|p| p.is_dir())
    .collect()
}

/// The PEP 668 marker file for an installation prefix: it lives in the
/// standard-library directory (`/usr/lib/python3.11/EXTERNALLY-MANAGED`).
pub fn is_externally_managed(prefix: &Path, version: Option<&str>) -> bool {
    let Some(v) = version else { return false };
    let xy = short_version(v);
    prefix
        .join("lib")
        .join(format!("python{xy}"))
        .join("EXTERNALLY-MANAGED")
        .is_file()
        || prefix.join("Lib").join("EXTERNALLY-MANAGED").is_file()
}

/// `3.11.7` -> `3.11`.
pub fn short_version(v: &str) -> String {
    v.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short() {
        assert_eq!(short_version("3.11.7"), "3.11");
        assert_eq!(short_version("3.12"), "3.12");
    }

    #[test]
    fn lib_and_lib64() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("lib/python3.11/site-packages")).unwrap();
        std::fs::create_dir_all(p.join("lib64/python3.11/site-packages")).unwrap();
        let s = prefix_sites(p, Some("3.11.4"));
        assert_eq!(
            s,
            vec![
                p.join("lib/python3.11/site-packages"),
                p.join("lib64/python3.11/site-packages")
            ]
        );
        assert_eq!(prefix_sites(p, None).len(), 2);
    }
}
