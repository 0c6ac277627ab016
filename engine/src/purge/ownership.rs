//! Who owns a distribution's files: a Python installer fetter may undo, or
//! an OS package manager (or conda) whose own database would be left lying.

use std::fs;
use std::path::{Path, PathBuf};

use super::refusal::ForeignOwner;
use crate::inventory::{Distribution, Environment, EnvironmentKind, Site};

/// Installer names written to `INSTALLER` by system package managers.
const OS_INSTALLERS: &[&str] = &[
    "dpkg", "apt", "debian", "rpm", "dnf", "yum", "zypper", "pacman", "apk", "portage", "emerge",
    "brew", "homebrew", "nix", "spack",
];

/// Directories whose contents belong to the distribution's package manager
/// (Debian, Fedora, Arch, Alpine all install Python packages below these).
const OS_SITE_PREFIXES: &[&str] = &["/usr/lib/", "/usr/lib64/", "/usr/share/"];

/// Why this distribution must be removed by another tool, or `None` when
/// fetter may purge it.
pub fn foreign_owner(
    dist: &Distribution,
    site: Option<&Site>,
    env: Option<&Environment>,
) -> Option<ForeignOwner> {
    if let Some(marker) = externally_managed_marker(site, env) {
        return Some(ForeignOwner::ExternallyManaged {
            site: dist.site.clone(),
            marker,
        });
    }
    if let Some(installer) = dist.installer.as_deref() {
        let lower = installer.to_ascii_lowercase();
        if OS_INSTALLERS.contains(&lower.as_str()) {
            return Some(ForeignOwner::OsInstaller {
                metadata: dist.metadata_path.clone(),
                installer: installer.to_string(),
            });
        }
        if lower == "conda" || lower == "mamba" {
            return Some(ForeignOwner::CondaInstaller {
                metadata: dist.metadata_path.clone(),
                installer: installer.to_string(),
            });
        }
    }
    if let Some(prefix) = OS_SITE_PREFIXES.iter().find(|p| {
        dist.site
            .as_os_str()
            .as_encoded_bytes()
            .starts_with(p.as_bytes())
    }) {
        return Some(ForeignOwner::OsSite {
            site: dist.site.clone(),
            prefix,
        });
    }
    if env.is_some_and(|e| e.kind == EnvironmentKind::Conda) && dist.installer.is_none() {
        return Some(ForeignOwner::CondaEnvironment {
            metadata: dist.metadata_path.clone(),
        });
    }
    // A package database lists it (a site under a mounted image's `usr/`,
    // which the prefixes above do not match).
    if let Some(p) = &dist.os_package {
        return Some(ForeignOwner::PackageDatabase {
            metadata: dist.metadata_path.clone(),
            manager: p.manager,
            package: p.name.clone(),
            is_os: p.is_os(),
        });
    }
    None
}

/// The `EXTERNALLY-MANAGED` marker governing `site`, if any. The scan's flag
/// is trusted, and the disk is checked again because a purge acts on it.
fn externally_managed_marker(site: Option<&Site>, env: Option<&Environment>) -> Option<PathBuf> {
    let site = site?;
    let prefix = site.environment.as_deref();
    let on_disk =
        prefix.and_then(|p| find_marker(p, env.and_then(|e| e.python_version.as_deref())));
    match (on_disk, site.externally_managed) {
        (Some(m), _) => Some(m),
        (None, true) => Some(
            prefix
                .map(|p| p.join("lib/pythonX.Y/EXTERNALLY-MANAGED"))
                .unwrap_or_else(|| site.path.join("EXTERNALLY-MANAGED")),
        ),
        (None, false) => None,
    }
}

/// Look for `<prefix>/lib/python*/EXTERNALLY-MANAGED` (or `Lib/` on Windows).
fn find_marker(prefix: &Path, version: Option<&str>) -> Option<PathBuf> {
    if let Some(v) = version {
        let xy: Vec<&str> = v.split('.').take(2).collect();
        let p = prefix
            .join("lib")
            .join(format!("python{}", xy.join(".")))
            .join("EXTERNALLY-MANAGED");
        if p.is_file() {
            return Some(p);
        }
    }
    let lib = prefix.join("lib");
    if let Ok(rd) = fs::read_dir(&lib) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with("python") {
                let p = e.path().join("EXTERNALLY-MANAGED");
                if p.is_file() {
                    return Some(p);
                }
            }
        }
    }
    let win = prefix.join("Lib").join("EXTERNALLY-MANAGED");
    win.is_file().then_some(win)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{MetadataKind, SiteScope};

    fn dist(site: &Path, installer: Option<&str>) -> Distribution {
        Distribution {
            name: "x".into(),
            normalized_name: "x".into(),
            version: "1".into(),
            version_valid: true,
            parsed_version: "1".parse().ok(),
            site: site.to_path_buf(),
            metadata_path: site.join("x-1.dist-info"),
            metadata_kind: MetadataKind::DistInfo,
            installer: installer.map(str::to_string),
            requested: false,
            direct_url: None,
            os_package: None,
        }
    }

    #[test]
    fn refuses_externally_managed_and_os_owned() {
        let d = tempfile::tempdir().unwrap();
        let prefix = d.path().to_path_buf();
        let site_path = prefix.join("lib/python3.11/site-packages");
        fs::create_dir_all(&site_path).unwrap();
        let site = Site {
            path: site_path.clone(),
            scope: SiteScope::Own,
            environment: Some(prefix.clone()),
            externally_managed: false,
        };
        assert_eq!(
            foreign_owner(&dist(&site_path, Some("pip")), Some(&site), None),
            None
        );
        fs::write(
            prefix.join("lib/python3.11/EXTERNALLY-MANAGED"),
            "[externally-managed]\n",
        )
        .unwrap();
        let why = foreign_owner(&dist(&site_path, Some("pip")), Some(&site), None)
            .unwrap()
            .to_string();
        assert!(
            why.contains("EXTERNALLY-MANAGED") && why.contains("OS package manager"),
            "{why}"
        );

        let other = tempfile::tempdir().unwrap();
        let site2 = Site {
            environment: Some(other.path().to_path_buf()),
            ..site
        };
        let why = foreign_owner(&dist(&site_path, Some("dpkg")), Some(&site2), None)
            .unwrap()
            .to_string();
        assert!(why.contains("dpkg"), "{why}");
        let why = foreign_owner(&dist(&site_path, Some("conda")), Some(&site2), None)
            .unwrap()
            .to_string();
        assert!(why.contains("conda remove"), "{why}");
        let deb = Path::new("/usr/lib/python3/dist-packages");
        assert!(foreign_owner(&dist(deb, None), None, None).is_some());
        // Under an image's root: the rpm database's word is enough.
        let img = d.path().join("img/usr/lib/python3.12/site-packages");
        let mut owned = dist(&img, None);
        assert_eq!(foreign_owner(&owned, None, None), None);
        owned.os_package = Some(crate::osowner::OsPackage {
            manager: crate::osowner::Manager::Rpm,
            name: "python3-x".into(),
            version: Some("1-1.el9".into()),
            source: None,
            source_version: None,
            distro: None,
        });
        let why = foreign_owner(&owned, None, None).unwrap().to_string();
        assert!(why.contains("rpm package python3-x"), "{why}");
    }
}
