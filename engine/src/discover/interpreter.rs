//! Recognising Python interpreters and their prefixes without running them.
//!
//! A security tool running as root must not execute whatever a user named
//! `~/bin/python3`. Instead, an interpreter is recognised by name and by
//! being a native executable (pyenv shims and other scripts are not), and
//! its prefix is found the way CPython's own `getpath` does: by walking up
//! from the resolved executable to a directory holding the standard-library
//! landmark `lib/pythonX.Y/os.py`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// True for file names of interpreters: `python`, `python3`, `python3.11`,
/// `python3.13t`, `pypy3`, `pypy3.10` (not `python3-config`, `python3.11-gdb.py`).
pub fn is_interpreter_name(name: &str) -> bool {
    let rest = if let Some(r) = name.strip_prefix("python") {
        r
    } else if let Some(r) = name.strip_prefix("pypy") {
        r
    } else {
        return false;
    };
    let rest = rest.strip_suffix(".exe").unwrap_or(rest);
    let rest = rest.strip_suffix('t').unwrap_or(rest); // free-threaded builds
    rest.is_empty()
        || (rest.chars().all(|c| c.is_ascii_digit() || c == '.')
            && rest.starts_with(|c: char| c.is_ascii_digit())
            && !rest.ends_with('.')
            && !rest.contains(".."))
}

/// The `X.Y` in an interpreter file name (`python3.11` -> `3.11`).
pub fn version_from_name(name: &str) -> Option<String> {
    let digits: String = name
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .trim_end_matches('t')
        .to_string();
    let mut parts = digits.split('.');
    let major = parts.next().filter(|s| !s.is_empty())?;
    let minor = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{major}.{minor}"))
}

/// True when `path` (following symlinks) is a native executable: ELF,
/// Mach-O or PE. Scripts (`#!`) such as pyenv shims are not interpreters.
pub fn is_native_executable(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() || meta.len() < 4 {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return false;
        }
    }
    let Ok(file) = crate::fsutil::open_regular(path) else {
        return false;
    };
    let mut magic = [0u8; 4];
    if file.take(4).read_exact(&mut magic).is_err() {
        return false;
    }
    matches!(
        magic,
        [0x7f, b'E', b'L', b'F']
            | [0xfe, 0xed, 0xfa, 0xce]
            | [0xfe, 0xed, 0xfa, 0xcf]
            | [0xce, 0xfa, 0xed, 0xfe]
            | [0xcf, 0xfa, 0xed, 0xfe]
            | [0xca, 0xfe, 0xba, 0xbe]
            | [b'M', b'Z', _, _]
    )
}

/// Where an interpreter's installation lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallPrefix {
    /// The installation prefix (`/usr`, `~/.pyenv/versions/3.11.7`).
    pub prefix: PathBuf,
    /// `X.Y` from the standard-library directory name.
    pub version: String,
}

/// Find the installation prefix of the interpreter at `exe` by the stdlib
/// landmark, as CPython's getpath does. Symlinks are resolved first: a
/// `/usr/bin/python3` link to `python3.11` belongs to `/usr`.
pub fn install_prefix(exe: &Path) -> Option<InstallPrefix> {
    let real = fs::canonicalize(exe).ok()?;
    let name_version = real
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(version_from_name)
        .or_else(|| {
            exe.file_name()
                .and_then(|n| n.to_str())
                .and_then(version_from_name)
        });
    let mut dir = real.parent();
    while let Some(d) = dir {
        if let Some(version) = stdlib_version(d, name_version.as_deref()) {
            return Some(InstallPrefix {
                prefix: d.to_path_buf(),
                version,
            });
        }
        dir = d.parent();
    }
    None
}

/// The `X.Y` of the standard library under `prefix` (`lib/pythonX.Y/os.py`,
/// or `Lib/os.py` on Windows layouts), preferring `wanted` when several exist.
pub fn stdlib_version(prefix: &Path, wanted: Option<&str>) -> Option<String> {
    if let Some(v) = wanted {
        if prefix
            .join("lib")
            .join(format!("python{v}"))
            .join("os.py")
            .is_file()
        {
            return Some(v.to_string());
        }
    }
    let mut found: Vec<String> = fs::read_dir(prefix.join("lib"))
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let v = name
                .strip_prefix("python")?
                .trim_end_matches('t')
                .to_string();
            (version_from_name(&name).is_some() && e.path().join("os.py").is_file()).then_some(v)
        })
        .collect();
    found.sort();
    if wanted.is_some() && found.len() > 1 {
        return None; // ambiguous and none matches the executable's name
    }
    found.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "python",
            "python3",
            "python3.11",
            "python3.13t",
            "pypy3",
            "pypy3.10",
            "python.exe",
        ] {
            assert!(is_interpreter_name(ok), "{ok}");
        }
        for bad in [
            "python3-config",
            "python3.11-config",
            "python3.11-gdb.py",
            "python3.",
            "ipython",
            "python-argcomplete-tcsh",
        ] {
            assert!(!is_interpreter_name(bad), "{bad}");
        }
        assert!(!is_interpreter_name("python3-config"));
        assert_eq!(version_from_name("python3.11").as_deref(), Some("3.11"));
        assert_eq!(version_from_name("python3.13t").as_deref(), Some("3.13"));
        assert_eq!(version_from_name("python3"), None);
    }

    #[test]
    fn scripts_are_not_interpreters() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("python3");
        fs::write(&p, "#!/bin/sh\necho hi\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(!is_native_executable(&p));
        let elf = d.path().join("python3.11");
        fs::write(&elf, b"\x7fELF\x02\x01\x01rest").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&elf, fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(is_native_executable(&elf));
    }

    #[test]
    fn prefix_from_landmark() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::create_dir_all(root.join("lib/python3.12")).unwrap();
        fs::write(root.join("lib/python3.12/os.py"), "").unwrap();
        fs::write(root.join("bin/python3.12"), b"\x7fELF").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("python3.12", root.join("bin/python3")).unwrap();
        let p = install_prefix(&root.join("bin/python3")).unwrap();
        assert_eq!(
            p,
            InstallPrefix {
                prefix: root.clone(),
                version: "3.12".into()
            }
        );
    }
}
