//! `fetter plugin new NAME --lang rust|python|js`: scaffold a plugin
//! project (the work is in `fetter::plugins::build::scaffold`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use fetter::escape::escape;
use fetter::plugins::build::{scaffold, Lang};

/// Arguments of `fetter plugin new`.
#[derive(Debug, Args)]
pub(super) struct NewArgs {
    /// The plugin's name (kebab-case); also the directory created.
    #[arg(value_name = "NAME")]
    name: String,
    /// The language to write it in.
    #[arg(long, value_name = "LANG", value_parser = ["python", "js", "rust"], default_value = "python")]
    lang: String,
    /// Where to create it (default: ./NAME).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Run `fetter plugin new`.
pub(super) fn run(quiet: bool, args: &NewArgs) -> anyhow::Result<ExitCode> {
    let lang = Lang::parse(&args.lang).expect("clap checked the language");
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    // A fetter built from a checkout points Rust plugins at its SDK.
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugin-sdk");
    let sdk = sdk
        .canonicalize()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "/path/to/fetter/plugin-sdk".into());
    let files = scaffold::scaffold(&dir, &args.name, lang, &sdk)?;
    if !quiet {
        let d = dir.display().to_string();
        let d = escape(&d);
        println!("created {d} ({lang}, {} files)", files.len());
        let test = match lang {
            Lang::Python => "python -m unittest",
            Lang::Js => "npm install && npm test",
            Lang::Rust => "cargo test",
        };
        println!(
            "next: cd {d} && {test} && fetter plugin build . && fetter validate --policy {}.wasm",
            escape(&args.name)
        );
    }
    Ok(ExitCode::SUCCESS)
}
