//! `fetter plugin build DIR`: build a plugin project in Rust, Python or
//! JavaScript to a component (the work is in `fetter::plugins::build`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use fetter::escape::escape;
use fetter::plugins::build;

/// Arguments of `fetter plugin build`.
#[derive(Debug, Args)]
pub(super) struct BuildArgs {
    /// The project directory (holding pyproject.toml, package.json or Cargo.toml).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Where to write the component (default: DIR/NAME.wasm).
    #[arg(short, long, value_name = "FILE.wasm")]
    output: Option<PathBuf>,
}

/// Run `fetter plugin build`.
pub(super) fn run(quiet: bool, args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let built = build::build(&args.dir, args.output.as_deref())?;
    if !quiet {
        let meta = built.meta.unwrap_or_default();
        println!(
            "wrote {} ({} {} {}, {} KiB): it imports only fetter:policy/host",
            escape(&built.output.display().to_string()),
            built.lang,
            escape(&meta.name),
            escape(&meta.version),
            built.size / 1024
        );
    }
    Ok(ExitCode::SUCCESS)
}
