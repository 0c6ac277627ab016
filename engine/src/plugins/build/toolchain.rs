//! Finding and running each language's toolchain with the flags that
//! leave the component importing nothing but `fetter:policy/host`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::project::Lang;
use super::BuildError;

/// The flags that stub out componentize-js's WASI imports: without them
/// a JavaScript component imports stdio, random, clocks and `wasi:http`.
pub const JS_DISABLE: [&str; 5] = ["stdio", "random", "clocks", "http", "fetch-event"];

/// The flag that stubs out componentize-py's WASI imports.
pub const PY_STUB: &str = "--stub-wasi";

/// A program: `$ENV_VAR`, else `name` in `extra` directories, else on PATH.
pub fn find(env_var: &str, name: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var).map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    extra
        .iter()
        .cloned()
        .chain(std::env::split_paths(&path))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// What to install when the toolchain for `lang` is missing.
pub fn install_hint(lang: Lang) -> &'static str {
    match lang {
        Lang::Python => "install componentize-py 0.25 from PyPI: `pip install 'componentize-py==0.25.*'` (or `pipx install componentize-py`), or set FETTER_COMPONENTIZE_PY to its path",
        Lang::Js => "install componentize-js 0.23 (needs Node.js 18 or later) in the project: `npm install --save-dev @bytecodealliance/componentize-js@0.23`, or set FETTER_COMPONENTIZE_JS to its path",
        Lang::Rust => "install the Rust toolchain with the wasm target (`rustup target add wasm32-unknown-unknown`) and wasm-tools (`cargo install --locked wasm-tools`)",
    }
}

/// The program that builds `lang` in `dir`, or the error saying what to install.
pub fn program(lang: Lang, dir: &Path) -> Result<PathBuf, BuildError> {
    let missing = |tool: &'static str| BuildError::MissingTool {
        tool,
        hint: install_hint(lang),
    };
    match lang {
        Lang::Python => find("FETTER_COMPONENTIZE_PY", "componentize-py", &[])
            .ok_or_else(|| missing("componentize-py")),
        Lang::Js => {
            if find("FETTER_NODE", "node", &[]).is_none() {
                return Err(missing("node"));
            }
            find(
                "FETTER_COMPONENTIZE_JS",
                "componentize-js",
                &[dir.join("node_modules/.bin")],
            )
            .ok_or_else(|| missing("componentize-js"))
        }
        Lang::Rust => {
            find("FETTER_WASM_TOOLS", "wasm-tools", &[]).ok_or_else(|| missing("wasm-tools"))
        }
    }
}

/// Run `cmd`; a failure is an error with its stderr's tail.
pub fn run(tool: &'static str, mut cmd: Command) -> Result<Vec<u8>, BuildError> {
    let out = cmd.output().map_err(|e| BuildError::ToolFailed {
        tool,
        detail: format!("cannot run {}: {e}", cmd.get_program().to_string_lossy()),
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let text = if stderr.trim().is_empty() {
            stdout
        } else {
            stderr
        };
        // The last lines hold the reason (componentize-py prints a Rust
        // backtrace before it).
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                // Backtrace frames: `at src/x.rs:1:2` and `12: fn_name`.
                let frame = t.starts_with("at ")
                    || t.split_once(": ")
                        .is_some_and(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()));
                !frame && !t.is_empty()
            })
            .collect();
        let tail = lines[lines.len().saturating_sub(25)..].join("\n");
        return Err(BuildError::ToolFailed {
            tool,
            detail: format!("{} ({})\n{tail}", out.status, describe(&cmd)),
        });
    }
    Ok(out.stdout)
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_os_string())
        .chain(cmd.get_args().map(OsString::from))
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
