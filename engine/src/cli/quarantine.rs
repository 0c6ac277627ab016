//! `fetter quarantine list|resume|drop`: what purges are kept, finishing an
//! interrupted one, and deleting one for good.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{output, EXIT_ERROR};
use fetter::purge::{self, Store};
use fetter::report::quarantine::{QuarantineList, QuarantineSummary};

/// Arguments of `fetter quarantine`.
#[derive(Debug, Args)]
pub struct QuarantineArgs {
    #[command(subcommand)]
    command: QuarantineCommand,
}

#[derive(Debug, Subcommand)]
enum QuarantineCommand {
    /// List quarantines, oldest first.
    #[command(after_help = "Example:\n  fetter quarantine list --format json")]
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Finish a purge that was interrupted (state `incomplete`).
    #[command(after_help = "Example:\n  fetter quarantine resume 20261125T134740Z-0123abcd")]
    Resume {
        /// The quarantine id.
        id: String,
        /// Seconds to wait for another purge of the same environment.
        #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = super::purge::parse_seconds)]
        lock_wait: Duration,
    },
    /// Delete a quarantine and the files it keeps, for good.
    #[command(after_help = "Example:\n  fetter quarantine drop 20261125T134740Z-0123abcd")]
    Drop {
        /// The quarantine id.
        id: String,
        /// Drop it even if the purge or restore it records was interrupted.
        #[arg(long)]
        force: bool,
        /// Drop without asking (required when stdin is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// Output formats of `quarantine list`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
enum ListFormat {
    #[default]
    Table,
    Json,
}
output::format_values!(ListFormat { Table, Json });

/// Run `fetter quarantine`.
pub fn run(args: &QuarantineArgs) -> anyhow::Result<ExitCode> {
    let store = Store::new(purge::data_dir().map_err(anyhow::Error::msg)?);
    match &args.command {
        QuarantineCommand::List { format } => {
            let (manifests, problems) = store.list();
            let list: Vec<QuarantineSummary> =
                manifests.iter().map(QuarantineSummary::of).collect();
            output::print(&QuarantineList(&list), *format, None)?;
            for p in &problems {
                eprintln!("error: {p}");
            }
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_ERROR)
            })
        }
        QuarantineCommand::Drop { id, force, yes } => {
            if !*yes {
                if let Some(code) = confirm_drop(&store, id)? {
                    return Ok(code);
                }
            }
            drop_confirmed(&store, id, *force)
        }
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

/// Delete quarantine `id` for good (the user has confirmed).
fn drop_confirmed(store: &Store, id: &str, force: bool) -> anyhow::Result<ExitCode> {
    match store.drop_quarantine(id, force) {
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
    }
}

/// Ask before deleting the only copy of a purge: `None` to go on, or the
/// exit code when the answer is no, nobody can be asked, or there is no
/// such quarantine.
fn confirm_drop(store: &Store, id: &str) -> anyhow::Result<Option<ExitCode>> {
    let m = match store.find(Some(id)) {
        Ok((_, m)) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Some(ExitCode::from(EXIT_ERROR)));
        }
    };
    let files = if m.state == fetter::purge::manifest::State::Restored {
        0
    } else {
        m.entries.len()
    };
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "error: not dropping {id}: it holds {files} file(s) that cannot be restored \
             afterwards, and stdin is not a terminal, so fetter cannot ask; pass --yes to confirm"
        );
        return Ok(Some(ExitCode::from(EXIT_ERROR)));
    }
    let prompt = format!("Delete quarantine {id} and its {files} file(s) for good? [y/N] ");
    if super::purge::ask(&prompt)? {
        Ok(None)
    } else {
        eprintln!("Nothing dropped.");
        Ok(Some(ExitCode::from(EXIT_ERROR)))
    }
}
