//! `fetter lookup-name` / `fetter lookup-bound`: what the local OSV
//! database knows about a name, or about each requirement of a bound.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::output;
use fetter::audit::db;
use fetter::bounds::{self, BoundsConfig};
use fetter::lookup;
use fetter::report::lookup::{BoundReport, NameReport};

/// Output formats of the lookups.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum LookupFormat {
    /// One row per record.
    #[default]
    Table,
    /// `fetter.lookup-name/1` or `fetter.lookup-bound/1`.
    Json,
}
output::format_values!(LookupFormat { Table, Json });

/// Options shared by both lookups.
#[derive(Debug, Args)]
pub struct LookupOpts {
    /// OSV data to use (default: the local copy made by `audit db update`).
    #[arg(long, value_name = "PATH")]
    osv_db: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: LookupFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Arguments of `fetter lookup-name`.
#[derive(Debug, Args)]
pub struct LookupNameArgs {
    /// A package name (any spelling: `PyYAML`, `pyyaml`).
    name: String,
    #[command(flatten)]
    opts: LookupOpts,
}

/// Arguments of `fetter lookup-bound`.
#[derive(Debug, Args)]
pub struct LookupBoundArgs {
    /// A requirements file, pyproject.toml or lock file, a URL, or - for stdin.
    bound: String,
    #[command(flatten)]
    opts: LookupOpts,
}

fn load_db(opts: &LookupOpts) -> anyhow::Result<db::Database> {
    let path = opts.osv_db.clone().unwrap_or_else(db::local_path);
    db::load(&path).map_err(|e| match e {
        // The lookups work offline only: no `--online` in the hint.
        db::DbError::Missing(p) => anyhow::anyhow!(
            "no OSV database at {}: run `fetter audit db update --from <PyPI all.zip or a directory of OSV JSON>`, or pass --osv-db PATH",
            p.display()
        ),
        e => e.into(),
    })
}

/// Run `fetter lookup-name`: exit 3 when the name has live records, 0 when none.
pub fn run_name(args: &LookupNameArgs) -> anyhow::Result<ExitCode> {
    let database = load_db(&args.opts)?;
    let found = lookup::lookup_name(&database, &args.name);
    let report = NameReport::new(&found);
    output::print(&report, args.opts.format, args.opts.output.as_ref())?;
    let live = report.live();
    Ok(ExitCode::from(if live > 0 { 3 } else { 0 }))
}

/// Run `fetter lookup-bound`: exit 3 when a requirement admits an affected
/// version, 0 when none does, 1 when the bound or database cannot be read.
pub fn run_bound(args: &LookupBoundArgs) -> anyhow::Result<ExitCode> {
    let cfg = BoundsConfig::from_args(
        &[&args.bound],
        Default::default(),
        Default::default(),
        Vec::new(),
    );
    let (reqs, errors) = bounds::load_all(&cfg);
    if !errors.is_empty() {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        // Each error already says "cannot read the bound" and names it.
        anyhow::bail!("{}", text.join("; "));
    }
    let database = load_db(&args.opts)?;
    let found: Vec<_> = reqs
        .iter()
        .map(|r| lookup::lookup_requirement(&database, r))
        .collect();
    let report = BoundReport::new(&args.bound, &found);
    output::print(&report, args.opts.format, args.opts.output.as_ref())?;
    let exposed = report.exposed();
    Ok(ExitCode::from(if exposed > 0 { 3 } else { 0 }))
}
