//! `fetter restore [ID]`: put a purge back, byte for byte.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::EXIT_ERROR;
use fetter::purge::{self, RestoreOptions, Store};

/// Arguments of `fetter restore`.
#[derive(Debug, Args)]
pub(super) struct RestoreArgs {
    /// The quarantine to restore (`fetter quarantine list`); the newest one
    /// not yet restored when omitted.
    id: Option<String>,
    /// Overwrite files that reappeared since the purge, and restore
    /// quarantined files whose hash no longer matches the manifest.
    #[arg(long)]
    force: bool,
    /// Seconds to wait for a purge of the same environment to finish.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = super::purge::parse_seconds)]
    lock_wait: Duration,
}

/// Run `fetter restore`.
pub(super) fn run(args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let store = Store::new(purge::data_dir().map_err(anyhow::Error::msg)?);
    let opts = RestoreOptions {
        force: args.force,
        lock_wait: args.lock_wait,
    };
    match purge::restore(&store, args.id.as_deref(), &opts) {
        Ok(done) => {
            println!(
                "Restored {} ({} file(s)): {}",
                done.id,
                done.files_restored,
                done.distributions.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(EXIT_ERROR))
        }
    }
}
