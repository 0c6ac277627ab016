//! Build fetter's policy plugins: every crate under `plugins/` to
//! `plugins/<dir>.wasm` (the first-party plugins, which the `fetter-plugins`
//! crate in `plugins/` embeds), the example plugins under `examples/` to
//! `examples/<dir>.wasm`, and the test plugins under `tests/plugins/` to
//! `tests/plugins/<dir>.wasm`.
//!
//! ```text
//! cargo run -p fetter-plugin-build            # all of them
//! cargo run -p fetter-plugin-build -- typosquat hostile
//! cargo run -p fetter-plugin-build -- ~/src/my-policy   # a crate anywhere
//! ```
//!
//! A crate outside this repository (an argument that is a path) is built in
//! its own directory with `--release`, to `<dir>/<package>.wasm`.
//!
//! Each crate is compiled as a core module for `wasm32-unknown-unknown`
//! (no WASI: the plugin cannot even name a system call) with the `plugin`
//! profile, then turned into a component with `wit-component`, using the
//! WIT world that `wit-bindgen` embedded in the module. The result is
//! checked to import nothing but the host's `log`. Outputs are written only
//! when their bytes change, so committed plugins stay untouched by a
//! no-op rebuild.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use fetter_plugin_abi::{interface_version, HOST_INTERFACE};

/// Folders whose sub-folders are plugin crates, relative to the workspace root.
const PLUGIN_DIRS: &[&str] = &["plugins", "examples", "tests/plugins"];

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: cargo run -p fetter-plugin-build [-- PLUGIN-NAME... | CRATE-DIR...]\n\nBuilds plugins/<name>/ to plugins/<name>.wasm (and examples/<name>/, tests/plugins/<name>/);\na CRATE-DIR (any path) to CRATE-DIR/<package>.wasm.");
        return Ok(());
    }
    let (paths, only): (Vec<String>, Vec<String>) = args
        .into_iter()
        .partition(|a| a.contains('/') || Path::new(a).join("Cargo.toml").is_file());
    let root = workspace_root();
    let mut crates = Vec::new();
    let mut modules = BTreeMap::new();
    if paths.is_empty() || !only.is_empty() {
        let ours = find_plugin_crates(&root, &only)?;
        if ours.is_empty() {
            bail!("no plugin crates found under {PLUGIN_DIRS:?} matching {only:?}");
        }
        modules.extend(cargo_build(&root, &ours, &["--profile", "plugin"])?);
        crates.extend(ours);
    }
    for path in &paths {
        let dir = Path::new(path);
        let dir = if dir.ends_with("Cargo.toml") {
            dir.parent().unwrap_or(Path::new("."))
        } else {
            dir
        };
        let manifest = dir
            .join("Cargo.toml")
            .canonicalize()
            .with_context(|| format!("{path}: no Cargo.toml there"))?;
        let dir = manifest
            .parent()
            .expect("manifest has a directory")
            .to_path_buf();
        let package = package_name(&manifest)?;
        let krate = PluginCrate {
            output: dir.join(format!("{package}.wasm")),
            manifest,
            package,
        };
        modules.extend(cargo_build(
            &dir,
            std::slice::from_ref(&krate),
            &["--release"],
        )?);
        crates.push(krate);
    }
    for krate in &crates {
        let core = modules.get(&krate.manifest).with_context(|| {
            format!(
                "cargo built no .wasm for {}: is it `crate-type = [\"cdylib\", \"rlib\"]`?",
                krate.manifest.display()
            )
        })?;
        let bytes = std::fs::read(core).with_context(|| format!("reading {}", core.display()))?;
        let component = componentize(&bytes)
            .with_context(|| format!("turning {} into a component", core.display()))?;
        check_imports(&component)
            .with_context(|| format!("checking {}", krate.output.display()))?;
        let changed = std::fs::read(&krate.output)
            .map(|old| old != component)
            .unwrap_or(true);
        if changed {
            std::fs::write(&krate.output, &component)
                .with_context(|| format!("writing {}", krate.output.display()))?;
        }
        println!(
            "{} {} ({} KiB)",
            if changed { "wrote" } else { "unchanged" },
            krate
                .output
                .strip_prefix(&root)
                .unwrap_or(&krate.output)
                .display(),
            component.len() / 1024
        );
    }
    Ok(())
}

/// A plugin crate and where its component goes.
struct PluginCrate {
    manifest: PathBuf,
    package: String,
    output: PathBuf,
}

fn workspace_root() -> PathBuf {
    // tools/plugin-build -> the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

fn find_plugin_crates(root: &Path, only: &[String]) -> Result<Vec<PluginCrate>> {
    let mut out = Vec::new();
    for dir in PLUGIN_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let manifest = path.join("Cargo.toml");
            if !manifest.is_file() {
                continue;
            }
            let dir_name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !only.is_empty() && !only.contains(&dir_name) {
                continue;
            }
            let package = package_name(&manifest)?;
            out.push(PluginCrate {
                manifest: manifest.canonicalize()?,
                package,
                output: root.join(dir).join(format!("{dir_name}.wasm")),
            });
        }
    }
    Ok(out)
}

/// The `[package] name` of a manifest (the first `name = "…"` line).
fn package_name(manifest: &Path) -> Result<String> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    text.lines()
        .find_map(|l| {
            let rest = l
                .trim()
                .strip_prefix("name")?
                .trim_start()
                .strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_string())
        })
        .with_context(|| format!("{}: no package name", manifest.display()))
}

/// Build the crates for wasm32 and return manifest path -> core module path.
fn cargo_build(
    root: &Path,
    crates: &[PluginCrate],
    profile: &[&str],
) -> Result<BTreeMap<PathBuf, PathBuf>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--target", "wasm32-unknown-unknown"])
        .args(profile)
        .arg("--message-format=json-render-diagnostics");
    for c in crates {
        cmd.args(["-p", &c.package]);
    }
    // Reproducible output: no absolute paths of this machine in panic
    // messages. Workspace members are compiled from paths relative to the
    // workspace root already; only the registry's sources need remapping.
    // The checkout's own path must not appear in these flags: cargo hashes
    // RUSTFLAGS into each crate's symbol hashes, which order the functions
    // in the module, so a clone elsewhere would build different bytes.
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    let flags = [format!("--remap-path-prefix={}=/cargo", home.display())];
    cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let out = cmd.output().context(
        "running cargo (is the wasm target installed? `rustup target add wasm32-unknown-unknown`)",
    )?;
    if !out.status.success() {
        bail!("cargo build of the plugins failed (see above); if the target is missing: rustup target add wasm32-unknown-unknown");
    }
    let mut modules = BTreeMap::new();
    for line in out.stdout.split(|&b| b == b'\n') {
        let Ok(msg) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(manifest) = msg["manifest_path"].as_str() else {
            continue;
        };
        let wasm = msg["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
            .find(|f| f.ends_with(".wasm"));
        if let Some(wasm) = wasm {
            modules.insert(Path::new(manifest).canonicalize()?, PathBuf::from(wasm));
        }
    }
    Ok(modules)
}

/// Core module (with wit-bindgen's embedded world) -> component.
fn componentize(core: &[u8]) -> Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .module(core)?
        .validate(true)
        .encode()
}

/// Refuse to write a component that imports anything but the host's log.
fn check_imports(component: &[u8]) -> Result<()> {
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let name = import?.name.name;
                    if interface_version(name, HOST_INTERFACE).is_none() {
                        bail!("the component imports `{name}`: plugins may import only `{HOST_INTERFACE}@*` (no WASI; build for wasm32-unknown-unknown)");
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
