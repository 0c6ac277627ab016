//! `fetter lookup-name` / `fetter lookup-bound`: what the local OSV
//! database knows about a name, or about each requirement of a bound.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::output;
use fetter::audit::db;
use fetter::bounds::{self, BoundSource, BoundsConfig};
use fetter::lookup;
use fetter::report::table::Table;

/// Output formats of the lookups.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum LookupFormat {
    /// One row per record.
    #[default]
    Table,
    /// `fetter.lookup-name/1` or `fetter.lookup-bound/1`.
    Json,
}

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

/// `fetter.lookup-name/1`.
#[derive(serde::Serialize)]
struct NameDoc<'a> {
    schema: &'static str,
    lookup: &'a lookup::NameLookup,
}

/// `fetter.lookup-bound/1`.
#[derive(serde::Serialize)]
struct BoundDoc<'a> {
    schema: &'static str,
    bound: &'a str,
    requirements: &'a [lookup::RequirementLookup],
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
    let live = found.records.iter().filter(|r| !r.withdrawn).count();
    let mut out = output::open(args.opts.output.as_ref())?;
    let result = match args.opts.format {
        LookupFormat::Json => {
            let doc = NameDoc {
                schema: "fetter.lookup-name/1",
                lookup: &found,
            };
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        LookupFormat::Table => {
            let mut t = Table::new(["Id", "Severity", "Affected", "Fixed", "Summary"]);
            for r in &found.records {
                let id = if r.withdrawn {
                    format!("{} (withdrawn)", r.id)
                } else {
                    r.id.clone()
                };
                t.row([
                    id,
                    r.severity.as_str().to_string(),
                    r.affected.clone(),
                    r.fixed.join(", "),
                    r.summary.clone().unwrap_or_default(),
                ]);
            }
            t.write(&mut out).and_then(|_| {
                writeln!(
                    out,
                    "\n{} record(s) for {} ({live} live)",
                    found.records.len(),
                    found.normalized_name
                )
            })
        }
    }
    .and_then(|_| out.flush());
    output::finish(result, args.opts.output.as_deref())?;
    Ok(ExitCode::from(if live > 0 { 3 } else { 0 }))
}

/// Run `fetter lookup-bound`: exit 3 when a requirement admits an affected
/// version, 0 when none does, 1 when the bound or database cannot be read.
pub fn run_bound(args: &LookupBoundArgs) -> anyhow::Result<ExitCode> {
    let cfg = BoundsConfig {
        sources: vec![BoundSource::from_arg(&args.bound)],
        ..Default::default()
    };
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
    let exposed = found.iter().filter(|f| !f.records.is_empty()).count();
    let mut out = output::open(args.opts.output.as_ref())?;
    let result = match args.opts.format {
        LookupFormat::Json => {
            let doc = BoundDoc {
                schema: "fetter.lookup-bound/1",
                bound: &args.bound,
                requirements: &found,
            };
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        LookupFormat::Table => {
            let mut t = Table::new(["Requirement", "Id", "Severity", "Admitted", "Fixed"]);
            for f in &found {
                if f.records.is_empty() {
                    t.row([
                        f.requirement.clone(),
                        "-".into(),
                        "".into(),
                        "".into(),
                        "".into(),
                    ]);
                }
                for r in &f.records {
                    t.row([
                        f.requirement.clone(),
                        r.record.id.clone(),
                        r.record.severity.as_str().to_string(),
                        r.admitted.clone(),
                        r.record.fixed.join(", "),
                    ]);
                }
            }
            t.write(&mut out).and_then(|_| {
                writeln!(
                    out,
                    "\n{exposed} of {} requirement(s) admit a known-affected version",
                    found.len()
                )
            })
        }
    }
    .and_then(|_| out.flush());
    output::finish(result, args.opts.output.as_deref())?;
    Ok(ExitCode::from(if exposed > 0 { 3 } else { 0 }))
}
