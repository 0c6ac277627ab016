//! Where Python installations and environments live on a machine.
//!
//! Each function returns candidate paths; what exists is decided later.

use std::env;
use std::path::{Path, PathBuf};

/// Directories whose files may be interpreters: `PATH` and the standard
/// bin directories, plus each home's `~/.local/bin`.
pub fn bin_dirs(homes: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| env::split_paths(&p).collect())
        .unwrap_or_default();
    for d in [
        "/usr/bin",
        "/usr/local/bin",
        "/bin",
        "/opt/homebrew/bin",
        "/home/linuxbrew/.linuxbrew/bin",
    ] {
        out.push(PathBuf::from(d));
    }
    out.extend(children("/opt").into_iter().map(|p| p.join("bin")));
    out.extend(homes.iter().map(|h| h.join(".local/bin")));
    out
}

/// Directories that may themselves be environments or installation prefixes
/// (pyenv versions, uv-managed Pythons, conda roots and their envs).
pub fn prefix_candidates(homes: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pyenv_roots: Vec<PathBuf> = env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    pyenv_roots.extend(homes.iter().map(|h| h.join(".pyenv")));
    for root in pyenv_roots {
        for v in children(root.join("versions")) {
            out.extend(children(v.join("envs"))); // pyenv-virtualenv
            out.push(v);
        }
    }
    let mut uv_dirs: Vec<PathBuf> = env::var_os("UV_PYTHON_INSTALL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    if let Some(x) = env::var_os("XDG_DATA_HOME") {
        uv_dirs.push(PathBuf::from(x).join("uv/python"));
    }
    uv_dirs.extend(homes.iter().map(|h| h.join(".local/share/uv/python")));
    for d in uv_dirs {
        out.extend(children(d));
    }
    let mut conda_roots: Vec<PathBuf> = vec![
        "/opt/conda".into(),
        "/opt/miniconda3".into(),
        "/opt/anaconda3".into(),
    ];
    if let Some(p) = env::var_os("CONDA_PREFIX") {
        conda_roots.push(PathBuf::from(p));
    }
    for h in homes {
        for n in [
            "miniconda3",
            "anaconda3",
            "miniforge3",
            "mambaforge",
            "micromamba",
        ] {
            conda_roots.push(h.join(n));
        }
        // Directories conda creates named environments in besides
        // `<root>/envs` (`envs_dirs` in ~/.condarc).
        for rc in [h.join(".condarc"), h.join(".config/conda/.condarc")] {
            if let Ok(text) = crate::fsutil::read_small_text(&rc) {
                for d in condarc_envs_dirs(&text, h) {
                    out.extend(children(d));
                }
            }
        }
        // conda's own registry of environments, one prefix a line
        if let Ok(text) = crate::fsutil::read_small_text(&h.join(".conda/environments.txt")) {
            out.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(PathBuf::from),
            );
        }
    }
    if let Some(paths) = env::var_os("CONDA_ENVS_PATH") {
        for d in env::split_paths(&paths) {
            out.extend(children(d));
        }
    }
    for root in conda_roots {
        out.extend(children(root.join("envs")));
        out.push(root);
    }
    out
}

/// The `envs_dirs` a `.condarc` lists (YAML: a block list of `- PATH`
/// lines or a flow list `[A, B]`), `~` expanded to `home`. Only this key
/// is read; anything else in the file is ignored.
pub fn condarc_envs_dirs(text: &str, home: &Path) -> Vec<PathBuf> {
    let expand = |v: &str| {
        let v = v.trim().trim_matches(['"', '\'']);
        match v.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None if v == "~" => home.to_path_buf(),
            None => PathBuf::from(v),
        }
    };
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("envs_dirs:") else {
            continue;
        };
        let rest = rest.split(" #").next().unwrap_or("").trim();
        if let Some(flow) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            out.extend(flow.split(',').filter(|v| !v.trim().is_empty()).map(expand));
            continue;
        }
        while let Some(next) = lines.peek() {
            let t = next.trim_start();
            if t.is_empty() || t.starts_with('#') {
                lines.next();
            } else if let Some(item) = t.strip_prefix("- ") {
                out.push(expand(item.split(" #").next().unwrap_or("")));
                lines.next();
            } else {
                break;
            }
        }
    }
    out.retain(|p| p.is_absolute());
    out
}

/// Directories whose subtrees hold tool-managed virtual environments
/// (pipx, poetry, pipenv, virtualenvwrapper, hatch, uv tools); walked a few
/// levels deep.
pub fn env_homes(homes: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = [
        "PIPX_HOME",
        "WORKON_HOME",
        "POETRY_VIRTUALENVS_PATH",
        "PIPENV_CUSTOM_VENV_NAME",
    ]
    .iter()
    .filter_map(|v| env::var_os(v).map(PathBuf::from))
    .collect();
    for h in homes {
        for rel in [
            ".local/share/pipx/venvs",
            ".local/pipx/venvs",
            ".cache/pypoetry/virtualenvs",
            "Library/Caches/pypoetry/virtualenvs",
            ".local/share/virtualenvs",
            ".virtualenvs",
            ".local/share/hatch/env",
            ".local/share/uv/tools",
        ] {
            out.push(h.join(rel));
        }
    }
    out
}

/// Home directories in scope: the current user's, or with `all_users`
/// every directory under `/home` plus `/root`.
pub fn homes(all_users: bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = env::var_os("HOME").map(PathBuf::from).into_iter().collect();
    if all_users {
        out.extend(children("/home"));
        out.push(PathBuf::from("/root"));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|h| {
        h.is_dir() && seen.insert(std::fs::canonicalize(h).unwrap_or_else(|_| h.clone()))
    });
    out
}

/// Home directories under a `--root`: the root itself when it is a home
/// (it holds `.local/lib`, as `--root ~` does), and a system image's
/// `home/*` and `root` (`--root /`, `--root /mnt/img`).
pub fn homes_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if root.join(".local/lib").is_dir() {
        out.push(root.to_path_buf());
    }
    out.extend(children(root.join("home")));
    out.push(root.join("root"));
    out.retain(|h| h.is_dir());
    out
}

/// The sub-directories of `dir` (not following symlinked entries), sorted;
/// empty when it cannot be listed.
pub fn children(dir: impl AsRef<Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir.as_ref())
        .map(|rd| {
            rd.flatten()
                .filter(|e| {
                    e.file_type()
                        .map(|t| t.is_dir() || t.is_symlink())
                        .unwrap_or(false)
                })
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod condarc_tests {
    use super::*;

    #[test]
    fn envs_dirs_block_and_flow_lists() {
        let home = Path::new("/home/a");
        let text = "channels:\n  - conda-forge\nenvs_dirs:\n  - ~/envs  # mine\n\n  - \"/data/conda envs\"\n  - relative\npkgs_dirs:\n  - /p\n";
        assert_eq!(
            condarc_envs_dirs(text, home),
            vec![
                PathBuf::from("/home/a/envs"),
                PathBuf::from("/data/conda envs")
            ]
        );
        assert_eq!(
            condarc_envs_dirs("envs_dirs: [/x, ~/y]\n", home),
            vec![PathBuf::from("/x"), PathBuf::from("/home/a/y")]
        );
        assert!(condarc_envs_dirs("envs_dirs:\n", home).is_empty());
    }
}
