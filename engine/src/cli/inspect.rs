//! `fetter inspect`: what runs at interpreter start-up in each environment.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::report::display_path;
use fetter::report::table::Table;
use fetter::startup;

/// Output formats of `fetter inspect`.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum InspectFormat {
    /// One row per start-up file.
    #[default]
    Table,
    /// The `fetter.inspect/1` document.
    Json,
}

/// Arguments of `fetter inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Exit 3 when a file that runs code at start-up is owned by no distribution.
    #[arg(long)]
    fail_unowned: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: InspectFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter inspect`.
pub fn run(scope: &ScopeArgs, args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let inv = super::scan_scope(scope)?;
    let report = startup::inspect(&inv);
    let mut out = output::open(args.output.as_ref())?;
    let result = match args.format {
        InspectFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        InspectFormat::Table => {
            let mut t = Table::new(["Environment", "Kind", "File", "Runs", "Owner"]);
            for env in &report.environments {
                for h in &env.startup_files {
                    let runs = cut(&if let Some(e) = &h.error {
                        format!("unreadable: {e}")
                    } else if h.kind == startup::StartupKind::Pth {
                        match h.import_lines.first() {
                            Some(first) if h.import_lines.len() > 1 => {
                                format!("{first} (+{} more)", h.import_lines.len() - 1)
                            }
                            Some(first) => first.clone(),
                            None => format!("adds {} path(s)", h.path_lines.len()),
                        }
                    } else {
                        "module".to_string()
                    });
                    let owner = if h.flagged {
                        "UNOWNED (persistence vector)".to_string()
                    } else {
                        h.owner.label()
                    };
                    t.row([
                        display_path(&env.prefix),
                        h.kind.as_str().to_string(),
                        display_path(&h.path),
                        runs,
                        owner,
                    ]);
                }
            }
            let flagged: usize = report.environments.iter().map(|e| e.unowned_executable).sum();
            t.write(&mut out).and_then(|_| {
                writeln!(
                    out,
                    "\n{} start-up file(s) in {} environment(s); {flagged} run code and are owned by no distribution",
                    report.environments.iter().map(|e| e.startup_files.len()).sum::<usize>(),
                    report.environments.len()
                )
            })
        }
    }
    .and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    let flagged = report.environments.iter().any(|e| e.unowned_executable > 0);
    Ok(ExitCode::from(if args.fail_unowned && flagged {
        3
    } else {
        0
    }))
}

/// Table cells stay readable; the JSON has every line in full.
fn cut(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
