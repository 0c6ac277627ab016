//! Command-line interface: one file per subcommand.

mod audit;
mod count;
mod derive;
mod inspect;
mod lookup;
mod output;
mod purge;
mod purge_pattern;
mod purge_select;
mod quarantine;
mod restore;
mod plugin;
mod scan;
mod search;
mod site_hook;
mod unpack;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code: the command failed at run time (unreadable input, I/O error).
pub const EXIT_ERROR: u8 = 1;
/// Exit code: the command line was wrong (clap uses it too).
pub const EXIT_USAGE: u8 = 2;

/// Audit every Python package installed on a machine.
///
/// fetter finds every Python environment (system, pyenv, uv, conda, venvs)
/// from the filesystem alone, without running any interpreter, and lists
/// what each has installed.
#[derive(Debug, Parser)]
#[command(
    name = "fetter",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Examples:\n  fetter scan\n  fetter --root ~/projects scan --format json\n  fetter search 'requests*'"
)]
pub struct Cli {
    #[command(flatten)]
    scope: ScopeArgs,
    #[command(subcommand)]
    command: Command,
}

/// Which environments a command looks at. Global: accepted before or after
/// the subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Only the environments of this interpreter or prefix (repeatable).
    #[arg(long = "exe", short = 'e', value_name = "PATH", global = true)]
    exes: Vec<PathBuf>,
    /// Search this tree instead of the machine (repeatable).
    #[arg(long = "root", value_name = "DIR", global = true)]
    roots: Vec<PathBuf>,
    /// Search every home under /home and /root, not only $HOME.
    #[arg(long, global = true)]
    all_users: bool,
    /// Print no warnings on stderr.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

impl ScopeArgs {
    fn scope(&self) -> fetter::Scope {
        fetter::Scope {
            exes: self.exes.clone(),
            roots: self.roots.clone(),
            all_users: self.all_users,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every installed distribution in scope.
    #[command(
        after_help = "Examples:\n  fetter scan\n  fetter --exe .venv scan --format json -o inventory.json"
    )]
    Scan(scan::ScanArgs),
    /// Count environments, sites and distributions in scope.
    #[command(after_help = "Example:\n  fetter count --format json")]
    Count(count::CountArgs),
    /// List installed distributions whose name matches a glob.
    #[command(
        after_help = "Examples:\n  fetter search 'django*'\n  fetter search --case-sensitive 'PyYAML'"
    )]
    Search(search::SearchArgs),
    /// Check every environment against a bound (requirements, pyproject or lock file).
    ///
    /// Each installed distribution is ok, unrequired (not in the bound) or
    /// misdefined (outside its specifier, or from another source than the
    /// bound's URL); a requirement nothing satisfies is missing. Exit codes:
    /// 0 valid, 3 violations, 1 error (a bound that cannot be read or
    /// fetched, markers that cannot be evaluated), 2 usage.
    #[command(
        after_help = "Examples:\n  fetter --exe .venv validate --bound requirements.txt\n  fetter validate --bound uv.lock --group test --format json -o report.json\n  fetter validate --bound https://example.org/allowed.txt --superset\n  fetter derive | fetter validate --bound -"
    )]
    Validate(validate::ValidateArgs),
    /// Write a requirements file from what is installed in scope.
    #[command(
        after_help = "Examples:\n  fetter --exe .venv derive -o requirements.txt\n  fetter derive --pin lower"
    )]
    Derive(derive::DeriveArgs),
    /// Check installed distributions against OSV's known vulnerabilities and malware.
    #[command(
        after_help = "Examples:\n  fetter audit db update --from PyPI-all.zip\n  fetter audit --max-age 7d --fail-on high\n  fetter --exe .venv audit --osv-db osv/ --format sarif -o audit.sarif\n\nExit codes: 0 clean, 3 findings at or above --fail-on, 1 the audit could not run\n(database missing, unreadable or too old): never 0 when nothing was checked."
    )]
    Audit(audit::AuditArgs),
    /// Remove the named distributions (quarantined, restorable).
    #[command(
        after_help = "Examples:\n  fetter --exe .venv purge --name requests --dry-run\n  fetter purge -n pip --yes\n\nExit codes: 0 removed (or nothing to remove), 1 refused, not confirmed or failed, 2 usage."
    )]
    Purge(purge::PurgeArgs),
    /// Remove every distribution whose normalised name matches a glob.
    #[command(
        name = "purge-pattern",
        after_help = "Files are moved into a quarantine (restore with `fetter restore`) unless --no-quarantine.\npip is kept unless named outright (`-p pip`). Sites that are EXTERNALLY-MANAGED or owned by\nthe OS package manager are refused.\n\nExamples:\n  fetter --exe .venv purge-pattern -p 'django-*' --dry-run\n  fetter purge-pattern -p 'types-*' --yes\n\nExit codes: 0 removed (or nothing matched), 1 refused, not confirmed or failed, 2 usage."
    )]
    PurgePattern(purge_pattern::PurgePatternArgs),
    /// Put a purge back: every file byte-identical, with its mode.
    #[command(
        after_help = "Examples:\n  fetter restore\n  fetter restore 20261125T134740Z-0123abcd --force\n\nExit codes: 0 restored, 1 refused (conflicts, tampering) or failed."
    )]
    Restore(restore::RestoreArgs),
    /// List quarantined purges, finish an interrupted one, or drop one.
    #[command(
        after_help = "Examples:\n  fetter quarantine list --format json\n  fetter quarantine resume ID\n  fetter quarantine drop ID"
    )]
    Quarantine(quarantine::QuarantineArgs),
    /// Inspect and check policy plugins (sandboxed WebAssembly components).
    #[command(
        after_help = "Examples:\n  fetter plugin info plugins/typosquat.wasm\n  fetter plugin check my.wasm --settings '{}'\n  fetter validate --policy my.wasm"
    )]
    Plugin(plugin::PluginArgs),
    /// Count the files each distribution installed (from its RECORD).
    #[command(
        name = "unpack-count",
        after_help = "Examples:\n  fetter --exe .venv unpack-count\n  fetter unpack-count -p 'pyyaml' --format json"
    )]
    UnpackCount(unpack::UnpackArgs),
    /// List the files each distribution installed (from its RECORD).
    #[command(
        name = "unpack-files",
        after_help = "Examples:\n  fetter --exe .venv unpack-files -p requests\n  fetter unpack-files --format csv -o files.csv"
    )]
    UnpackFiles(unpack::UnpackArgs),
    /// Show what runs at interpreter start-up: .pth import lines, sitecustomize, usercustomize.
    #[command(
        after_help = "Files that run code and that no distribution's RECORD lists are flagged UNOWNED.\n\nExamples:\n  fetter inspect\n  fetter --exe .venv inspect --format json\n\nExit codes: 0 done (3 with --fail-unowned when something is flagged), 1 error."
    )]
    Inspect(inspect::InspectArgs),
    /// What the local OSV database knows about a package name.
    #[command(
        name = "lookup-name",
        after_help = "Examples:\n  fetter lookup-name PyYAML\n  fetter lookup-name requests --osv-db osv/ --format json\n\nExit codes: 0 no live record, 3 records found, 1 database missing or unreadable."
    )]
    LookupName(lookup::LookupNameArgs),
    /// Which known-affected versions each requirement of a bound admits.
    #[command(
        name = "lookup-bound",
        after_help = "Examples:\n  fetter lookup-bound requirements.txt\n  fetter lookup-bound uv.lock --format json\n\nExit codes: 0 nothing admitted, 3 a requirement admits an affected version, 1 bound or database unusable."
    )]
    LookupBound(lookup::LookupBoundArgs),
    /// Install a start-up hook that checks the environment against a bound at each start.
    #[command(
        name = "site-install",
        after_help = "Examples:\n  fetter --exe .venv site-install --bound requirements.txt\n  fetter --exe .venv site-install --bound uv.lock --strict\n\nExit codes: 0 installed, 1 refused (externally managed, already installed, bad bound), 2 usage."
    )]
    SiteInstall(site_hook::SiteInstallArgs),
    /// Remove the start-up hook, every byte of it.
    #[command(
        name = "site-uninstall",
        after_help = "Example:\n  fetter --exe .venv site-uninstall\n\nExit codes: 0 removed, 1 nothing installed or refused."
    )]
    SiteUninstall(site_hook::SiteUninstallArgs),
}

/// Output formats shared by the inventory commands.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// The versioned JSON document.
    Json,
    /// One row per distribution.
    Csv,
}

/// Parse arguments and run; usage errors exit 2 (clap), run-time errors 1.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(a) => scan::run(&cli.scope, a),
        Command::Count(a) => count::run(&cli.scope, a),
        Command::Search(a) => search::run(&cli.scope, a),
        Command::Validate(a) => validate::run(&cli.scope, a),
        Command::Derive(a) => derive::run(&cli.scope, a),
        Command::Audit(a) => audit::run(&cli.scope, a),
        Command::Purge(a) => purge::run(&cli.scope, a),
        Command::PurgePattern(a) => purge_pattern::run(&cli.scope, a),
        Command::Restore(a) => restore::run(a),
        Command::Quarantine(a) => quarantine::run(a),
        Command::Plugin(a) => plugin::run(cli.scope.quiet, a),
        Command::UnpackCount(a) => unpack::run(&cli.scope, a, false),
        Command::UnpackFiles(a) => unpack::run(&cli.scope, a, true),
        Command::Inspect(a) => inspect::run(&cli.scope, a),
        Command::LookupName(a) => lookup::run_name(a),
        Command::LookupBound(a) => lookup::run_bound(a),
        Command::SiteInstall(a) => site_hook::run_install(&cli.scope, a),
        Command::SiteUninstall(a) => site_hook::run_uninstall(&cli.scope, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Scan the scope and report warnings on stderr (unless `--quiet`).
fn scan_scope(scope: &ScopeArgs) -> fetter::Inventory {
    let inv = fetter::scan::scan(&scope.scope());
    if !scope.quiet {
        output::print_warnings(&inv);
    }
    inv
}
