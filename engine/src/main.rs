//! The `fetter` command: a thin layer of argument parsing over the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
