//! `fetter quarantine list|resume|drop`: what purges are kept, finishing an
//! interrupted one, and deleting one for good.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{output, EXIT_ERROR};
use fetter::purge::{self, Store};
use fetter::report::purge::{self as render, QuarantineSummary};

/// Arguments of `fetter quarantine`.
#[derive(Debug, Args)]
pub struct QuarantineArgs {
    #[command(subcommand)]
    command: QuarantineCommand,
}

#[derive(Debug, Subcommand)]
enum QuarantineCommand {
    /// List quarantines, oldest first.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Finish a purge that was interrupted (state `incomplete`).
    Resume {
        /// The quarantine id.
        id: String,
        /// Seconds to wait for another purge of the same environment.
        #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = super::purge::parse_seconds)]
        lock_wait: Duration,
    },
    /// Delete a quarantine and the files it keeps, for good.
    Drop {
        /// The quarantine id.
        id: String,
        /// Drop it even if the purge or restore it records was interrupted.
        #[arg(long)]
        force: bool,
    },
}

/// Output formats of `quarantine list`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
enum ListFormat {
    #[default]
    Table,
    Json,
}

/// Run `fetter quarantine`.
pub fn run(args: &QuarantineArgs) -> anyhow::Result<ExitCode> {
    let store = Store::new(purge::data_dir().map_err(anyhow::Error::msg)?);
    match &args.command {
        QuarantineCommand::List { format } => {
            let (manifests, problems) = store.list();
            let list: Vec<QuarantineSummary> =
                manifests.iter().map(QuarantineSummary::of).collect();
            let mut out = output::open(None)?;
            let result = match format {
                ListFormat::Table => render::write_quarantine_table(&list, &mut out),
                ListFormat::Json => serde_json::to_writer_pretty(&mut out, &list)
                    .map_err(std::io::Error::from)
                    .and_then(|_| writeln!(out)),
            }
            .and_then(|_| out.flush());
            output::finish(result, None)?;
            for p in &problems {
                eprintln!("error: {p}");
            }
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_ERROR)
            })
        }
        QuarantineCommand::Drop { id, force } => match store.drop_quarantine(id, *force) {
            Ok(m) => {
                println!(
                    "Dropped {id}: {} file(s) deleted for good.",
                    if m.state == fetter::purge::manifest::State::Restored {
                        0
                    } else {
                        m.entries.len()
                    }
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("error: {e}");
                Ok(ExitCode::from(EXIT_ERROR))
            }
        },
        QuarantineCommand::Resume { id, lock_wait } => {
            match purge::resume(&store, id, *lock_wait) {
                Ok(done) => {
                    println!(
                        "Finished purge {id}: {} more file(s) moved, {} emptied director(y/ies) removed.",
                        done.files_removed,
                        done.dirs_removed.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(EXIT_ERROR))
                }
            }
        }
    }
}
