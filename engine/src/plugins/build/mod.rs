//! `fetter plugin build`: turn a plugin project in Rust, Python or
//! JavaScript into a component fetter runs.
//!
//! Python is built with componentize-py (`--stub-wasi`), JavaScript with
//! componentize-js (`-d stdio random clocks http fetch-event`): both link
//! WASI by default, and the flags replace it with stubs so the only import
//! is `fetter:policy/host`. The SDK each is built with comes from this
//! fetter ([`sdk`]), written with an entry module into `.fetter-build/` in
//! the project. The project's metadata (`pyproject.toml`, `package.json`)
//! is embedded as the `fetter-plugin` custom section, which `fetter plugin
//! info` reads as for Rust plugins (whose SDK embeds it itself). The result
//! is checked as the host will check it at load: a component importing
//! anything else is refused, naming the import and the flag that removes it.

pub mod project;
pub mod scaffold;
pub mod sdk;
pub mod section;
pub mod toolchain;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use project::{Lang, Project};

use super::abi;
use super::diags::PluginError;

/// Why a build failed. Messages name the file or tool and what to do.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// No manifest in the directory.
    #[error("{}: no Cargo.toml, pyproject.toml or package.json: not a plugin project (create one with `fetter plugin new NAME --lang python|js|rust`)", dir.display())]
    NoProject {
        /// The directory.
        dir: PathBuf,
    },
    /// More than one manifest.
    #[error("{}: has {} : cannot tell which language the plugin is written in (keep one)", dir.display(), manifests.join(" and "))]
    Ambiguous {
        /// The directory.
        dir: PathBuf,
        /// The manifests found.
        manifests: Vec<&'static str>,
    },
    /// A manifest without what the build needs.
    #[error("{}: {problem}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The toolchain is not installed.
    #[error("{tool} not found: {hint}")]
    MissingTool {
        /// The missing program.
        tool: &'static str,
        /// What to install.
        hint: &'static str,
    },
    /// The toolchain failed.
    #[error("{tool} failed: {detail}")]
    ToolFailed {
        /// The program.
        tool: &'static str,
        /// Its exit status and output.
        detail: String,
    },
    /// The result is not a plugin fetter would run.
    #[error("{}: {source}", path.display())]
    Refused {
        /// The component built.
        path: PathBuf,
        /// Why the host would refuse it.
        source: PluginError,
    },
}

/// A plugin that was built.
#[derive(Debug)]
pub struct Built {
    /// The component written.
    pub output: PathBuf,
    /// Its language.
    pub lang: Lang,
    /// What its metadata section says.
    pub meta: Option<fetter_plugin_abi::PluginMeta>,
    /// Its size in bytes.
    pub size: usize,
}

/// Build the project in `dir` to `output` (default `DIR/<name>.wasm`).
pub fn build(dir: &Path, output: Option<&Path>) -> Result<Built, BuildError> {
    // Absolute: the toolchains run in the project directory.
    let dir = &dir.canonicalize().map_err(|source| BuildError::Io {
        path: dir.into(),
        source,
    })?;
    let project = project::read(dir)?;
    let program = toolchain::program(project.lang, dir)?;
    let work = dir.join(".fetter-build");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    std::fs::create_dir_all(&work).map_err(io(&work))?;
    let raw = work.join("component.wasm");
    let _ = std::fs::remove_file(&raw);
    let name = match project.lang {
        Lang::Python => {
            build_python(&project, &program, &work, &raw)?;
            project.meta.name.clone()
        }
        Lang::Js => {
            build_js(&project, &program, &work, &raw)?;
            project.meta.name.clone()
        }
        Lang::Rust => build_rust(&project, &program, &raw)?,
    };
    let bytes = std::fs::read(&raw).map_err(io(&raw))?;
    let bytes = match project.lang {
        Lang::Rust => bytes,
        _ => section::append_meta(bytes, &project.meta),
    };
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(format!("{name}.wasm")));
    let declared = abi::inspect(&bytes).map_err(|source| BuildError::Refused {
        path: output.clone(),
        source,
    })?;
    let tmp = output.with_extension("wasm.tmp");
    std::fs::write(&tmp, &bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &output).map_err(io(&output))?;
    Ok(Built {
        output,
        lang: project.lang,
        meta: declared.meta,
        size: bytes.len(),
    })
}

fn write(path: &Path, text: &str) -> Result<(), BuildError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| BuildError::Io {
            path: parent.into(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| BuildError::Io {
        path: path.into(),
        source,
    })
}

fn meta_json(project: &Project) -> String {
    serde_json::to_string(&project.meta).expect("metadata serializes")
}

fn build_python(p: &Project, program: &Path, work: &Path, out: &Path) -> Result<(), BuildError> {
    let py = work.join("python");
    for (file, text) in sdk::PYTHON {
        write(&py.join("fetter_policy").join(file), text)?;
    }
    write(
        &py.join("fetter_plugin_main.py"),
        &sdk::python_entry(&p.entry, &meta_json(p)),
    )?;
    write(&work.join("wit/policy.wit"), sdk::WIT)?;
    let mut cmd = Command::new(program);
    cmd.current_dir(&p.dir)
        .arg("-d")
        .arg(work.join("wit"))
        .args(["-w", fetter_plugin_abi::COLUMNS_WORLD])
        .args(["componentize", "fetter_plugin_main", "-p"])
        .arg(&py)
        .arg("-p")
        .arg(&p.dir)
        .arg("-o")
        .arg(out)
        .arg(toolchain::PY_STUB)
        // Its own venv would otherwise be searched for packages.
        .env_remove("VIRTUAL_ENV");
    toolchain::run("componentize-py", cmd).map(drop)
}

fn build_js(p: &Project, program: &Path, work: &Path, out: &Path) -> Result<(), BuildError> {
    let js = work.join("js");
    let _ = std::fs::remove_dir_all(&js);
    copy_js(&p.dir, &js)?;
    write(&js.join(sdk::JS_NAME), sdk::JS)?;
    write(
        &js.join("fetter-main.js"),
        &sdk::js_entry(&p.entry, &meta_json(p)),
    )?;
    write(&work.join("wit/policy.wit"), sdk::WIT)?;
    let mut cmd = Command::new(program);
    cmd.current_dir(&p.dir)
        .arg(js.join("fetter-main.js"))
        .arg("-w")
        .arg(work.join("wit"))
        .args(["-n", fetter_plugin_abi::COLUMNS_WORLD, "-d"])
        .args(toolchain::JS_DISABLE)
        .arg("-o")
        .arg(out);
    toolchain::run("componentize-js", cmd).map(drop)
}

/// The project's `.js`/`.mjs`/`.json` files, keeping their layout, minus
/// `node_modules`, dot directories and the build directory.
fn copy_js(from: &Path, to: &Path) -> Result<(), BuildError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() && !name.starts_with('.') && name != "node_modules" {
            copy_js(&path, &to.join(&*name))?;
        } else if kind.is_file() && [".js", ".mjs", ".json"].iter().any(|e| name.ends_with(e)) {
            std::fs::copy(&path, to.join(&*name)).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// `cargo build` for wasm32-unknown-unknown, then `wasm-tools component
/// new`; returns the package name.
fn build_rust(p: &Project, wasm_tools: &Path, out: &Path) -> Result<String, BuildError> {
    let manifest = p.dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|source| BuildError::Io {
        path: manifest.clone(),
        source,
    })?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| BuildError::Manifest {
        path: manifest.clone(),
        problem: e.to_string(),
    })?;
    let package = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .ok_or_else(|| BuildError::Manifest {
            path: manifest.clone(),
            problem: "no `[package] name`".into(),
        })?
        .to_string();
    let cargo = toolchain::find("CARGO", "cargo", &[]).ok_or(BuildError::MissingTool {
        tool: "cargo",
        hint: toolchain::install_hint(Lang::Rust),
    })?;
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&p.dir)
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .arg("--message-format=json-render-diagnostics");
    let stdout = toolchain::run("cargo", cmd)?;
    let core = stdout
        .split(|&b| b == b'\n')
        .filter_map(|l| serde_json::from_slice::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"].as_str().map(|n| n.replace('-', "_"))
                    == Some(package.replace('-', "_"))
        })
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .find(|f| f.extension().is_some_and(|e| e == "wasm"))
        .ok_or_else(|| BuildError::ToolFailed {
            tool: "cargo",
            detail: format!("built no .wasm for {package}: is it `crate-type = [\"cdylib\"]`?"),
        })?;
    let mut cmd = Command::new(wasm_tools);
    cmd.args(["component", "new"]).arg(core).arg("-o").arg(out);
    toolchain::run("wasm-tools", cmd)?;
    Ok(package)
}
