//! `fetter completions SHELL` and `fetter man`: generated from the same clap
//! definition as the parser, so they never drift from the real options.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Arguments of `fetter completions`.
#[derive(Debug, Args)]
pub(super) struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Arguments of `fetter man`.
#[derive(Debug, Args)]
pub(super) struct ManArgs {
    /// Write one page per command (`fetter.1`, `fetter-scan.1`, …) into this
    /// directory instead of printing the top page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Print the completion script for a shell on stdout.
pub(super) fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    // clap_complete panics on a write error: `completions bash | head -1`
    // must end quietly, so a closed pipe is no error to it.
    let mut out = super::output::stdout();
    clap_complete::generate(args.shell, &mut cmd, "fetter", &mut out);
    super::output::finish(out.flush(), None)?;
    Ok(ExitCode::SUCCESS)
}

/// Print the man page (roff) on stdout, or write every page into `--dir`.
pub(super) fn man(args: &ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
        }
        None => {
            let mut out = super::output::stdout();
            let r = clap_mangen::Man::new(cmd)
                .render(&mut out)
                .and_then(|_| out.flush());
            super::output::finish(r, None)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
