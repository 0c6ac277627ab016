//! PEP 508 marker environments, one per scanned environment.
//!
//! fetter runs no interpreter, so the values come from what the scan learnt
//! (the Python version from `pyvenv.cfg` or the layout, the implementation
//! from the interpreter's name) and from the host (platform values: every
//! environment on a machine shares its OS and CPU).

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::inventory::Environment;

/// The host's `uname` fields: (release, version, machine).
fn uname() -> (String, String, String) {
    #[cfg(unix)]
    {
        // SAFETY: `uname` fills a zeroed struct of NUL-terminated arrays.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        if unsafe { libc::uname(&mut u) } == 0 {
            let field = |f: &[libc::c_char]| {
                let bytes: Vec<u8> = f
                    .iter()
                    .take_while(|c| **c != 0)
                    .map(|c| *c as u8)
                    .collect();
                String::from_utf8_lossy(&bytes).into_owned()
            };
            return (field(&u.release), field(&u.version), field(&u.machine));
        }
    }
    (
        String::new(),
        String::new(),
        std::env::consts::ARCH.to_string(),
    )
}

/// `sys.platform`, `os.name`, `platform.system()` of the host.
fn platform() -> (&'static str, &'static str, &'static str) {
    match std::env::consts::OS {
        "linux" => ("linux", "posix", "Linux"),
        "macos" => ("darwin", "posix", "Darwin"),
        "windows" => ("win32", "nt", "Windows"),
        "freebsd" => ("freebsd", "posix", "FreeBSD"),
        other => (other, "posix", other),
    }
}

/// True when the environment's interpreter is PyPy (by its file name).
fn is_pypy(env: &Environment) -> bool {
    env.interpreters.iter().any(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().starts_with("pypy"))
    }) || env
        .prefix
        .to_string_lossy()
        .to_ascii_lowercase()
        .contains("pypy")
}

/// Why an environment's markers cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerEnvError {
    /// The scan found no Python version for the environment.
    #[error("the Python version of {} is unknown, so environment markers cannot be evaluated", .prefix.display())]
    UnknownPython {
        /// The environment's prefix.
        prefix: std::path::PathBuf,
    },
    /// Its Python version is not one markers can compare.
    #[error("invalid Python version {version:?} for {}: {why}", .prefix.display())]
    InvalidPython {
        /// The version as the scan found it.
        version: String,
        /// The environment's prefix.
        prefix: std::path::PathBuf,
        /// pep508_rs's reason.
        why: String,
    },
}

/// The marker environment of `env`, or why it cannot be built (unknown
/// Python version: markers cannot be evaluated).
pub fn marker_environment(env: &Environment) -> Result<MarkerEnvironment, MarkerEnvError> {
    let full = env
        .python_version
        .as_deref()
        .ok_or_else(|| MarkerEnvError::UnknownPython {
            prefix: env.prefix.clone(),
        })?;
    let short: String = full.split('.').take(2).collect::<Vec<_>>().join(".");
    let (release, version, machine) = uname();
    let (sys_platform, os_name, system) = platform();
    let pypy = is_pypy(env);
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: if pypy { "pypy" } else { "cpython" },
        implementation_version: full,
        os_name,
        platform_machine: &machine,
        platform_python_implementation: if pypy { "PyPy" } else { "CPython" },
        platform_release: &release,
        platform_system: system,
        platform_version: &version,
        python_full_version: full,
        python_version: &short,
        sys_platform,
    })
    .map_err(|e| MarkerEnvError::InvalidPython {
        version: full.to_string(),
        prefix: env.prefix.clone(),
        why: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::EnvironmentKind;

    pub(crate) fn env(version: Option<&str>) -> Environment {
        Environment {
            prefix: "/e".into(),
            kind: EnvironmentKind::Venv,
            python_version: version.map(str::to_string),
            interpreters: vec!["/e/bin/python3".into()],
            sites: vec![],
            externally_managed: false,
            base_prefix: None,
            base_missing: false,
        }
    }

    #[test]
    fn markers_follow_the_environment() {
        let m = marker_environment(&env(Some("3.8.10"))).unwrap();
        let r: pep508_rs::Requirement = "a ; python_version < '3.9'".parse().unwrap();
        assert!(r.evaluate_markers(&m, &[]));
        let m = marker_environment(&env(Some("3.12.1"))).unwrap();
        assert!(!r.evaluate_markers(&m, &[]));
        let r: pep508_rs::Requirement = "a ; python_full_version >= '3.12.1'".parse().unwrap();
        assert!(r.evaluate_markers(&m, &[]));
        let r: pep508_rs::Requirement = "a ; implementation_name == 'cpython'".parse().unwrap();
        assert!(r.evaluate_markers(&m, &[]));
        let r: pep508_rs::Requirement = "a ; extra == 'test'".parse().unwrap();
        assert!(!r.evaluate_markers(&m, &[]));
        assert!(matches!(
            marker_environment(&env(None)),
            Err(MarkerEnvError::UnknownPython { .. })
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn platform_is_the_host() {
        let m = marker_environment(&env(Some("3.11"))).unwrap();
        let r: pep508_rs::Requirement =
            "a ; sys_platform == 'linux' and os_name == 'posix' and platform_system == 'Linux'"
                .parse()
                .unwrap();
        assert!(r.evaluate_markers(&m, &[]));
    }
}
