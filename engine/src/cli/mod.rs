//! Command-line interface: one file per subcommand.

mod audit;
mod config;
mod count;
mod derive;
mod generate;
#[cfg(test)]
mod help_tests;
mod inspect;
mod lookup;
mod output;
mod plugin;
mod plugin_build;
mod plugin_new;
mod plugin_push;
mod policy;
mod policy_trust;
mod policy_verify;
mod progress;
mod purge;
mod purge_pattern;
mod purge_select;
mod quarantine;
mod report;
mod restore;
mod scan;
mod search;
mod site_hook;
mod tree;
mod unpack;
mod validate;
mod verify;
mod version;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

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
    // Before the scope: a flattened struct's help heading carries over to
    // the fields after it.
    #[command(flatten)]
    global: GlobalOpts,
    #[command(flatten)]
    scope: ScopeOpts,
    #[command(subcommand)]
    command: Command,
}

/// Which environments a command looks at: accepted before the subcommand
/// (`fetter --exe .venv scan`) or after it, only by the commands that read
/// the inventory; shown under their own heading in `--help`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Scope")]
pub struct ScopeOpts {
    /// Only the environments of this interpreter or prefix (repeatable).
    #[arg(long = "exe", short = 'e', value_name = "PATH")]
    exes: Vec<PathBuf>,
    /// Search this tree instead of the machine (repeatable).
    #[arg(long = "root", value_name = "DIR")]
    roots: Vec<PathBuf>,
    /// Search every home under /home and /root, not only $HOME.
    #[arg(long)]
    all_users: bool,
}

impl ScopeOpts {
    fn is_empty(&self) -> bool {
        self.exes.is_empty() && self.roots.is_empty() && !self.all_users
    }
}

/// Options every command takes, before or after the subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalOpts {
    /// Print no warnings and no progress on stderr.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

/// The scope a command runs over: the scope options given before and after
/// the subcommand, together.
#[derive(Debug, Clone, Default)]
pub struct ScopeArgs {
    exes: Vec<PathBuf>,
    roots: Vec<PathBuf>,
    all_users: bool,
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

impl Cli {
    /// The scope of a subcommand that reads the inventory.
    fn scope_with(&self, after: &ScopeOpts) -> ScopeArgs {
        let before = &self.scope;
        ScopeArgs {
            exes: before.exes.iter().chain(&after.exes).cloned().collect(),
            roots: before.roots.iter().chain(&after.roots).cloned().collect(),
            all_users: before.all_users || after.all_users,
            quiet: self.global.quiet,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every installed distribution in scope.
    #[command(
        after_help = "Examples:\n  fetter scan\n  fetter --exe .venv scan --format json -o inventory.json"
    )]
    Scan {
        #[command(flatten)]
        args: scan::ScanArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Count environments, sites and distributions in scope.
    #[command(after_help = "Example:\n  fetter count --format json")]
    Count {
        #[command(flatten)]
        args: count::CountArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// List installed distributions whose name matches a glob.
    #[command(
        after_help = "Examples:\n  fetter search 'django*'\n  fetter search --case-sensitive 'PyYAML'"
    )]
    Search {
        #[command(flatten)]
        args: search::SearchArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
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
    Validate {
        #[command(flatten)]
        args: validate::ValidateArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Write a requirements file from what is installed in scope.
    #[command(
        after_help = "Examples:\n  fetter --exe .venv derive -o requirements.txt\n  fetter derive --pin lower"
    )]
    Derive {
        #[command(flatten)]
        args: derive::DeriveArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Check installed distributions against OSV's known vulnerabilities and malware.
    #[command(
        after_help = "Examples:\n  fetter audit db update --from PyPI-all.zip\n  fetter audit --max-age 7d --fail-on high\n  fetter --exe .venv audit --osv-db osv/ --format sarif -o audit.sarif\n\nExit codes: 0 clean, 3 findings at or above --fail-on, 1 the audit could not run\n(database missing, unreadable or too old): never 0 when nothing was checked."
    )]
    Audit {
        #[command(flatten)]
        args: audit::AuditArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Remove the named distributions (quarantined, restorable).
    #[command(
        after_help = "Examples:\n  fetter --exe .venv purge --name requests --dry-run\n  fetter purge -n pip --yes\n\nExit codes: 0 removed (or nothing to remove), 1 refused, not confirmed or failed, 2 usage."
    )]
    Purge {
        #[command(flatten)]
        args: purge::PurgeArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Remove every distribution whose normalised name matches a glob.
    #[command(
        name = "purge-pattern",
        after_help = "Files are moved into a quarantine (restore with `fetter restore`) unless --no-quarantine.\npip is kept unless named outright (`-p pip`). Sites that are EXTERNALLY-MANAGED or owned by\nthe OS package manager are refused.\n\nExamples:\n  fetter --exe .venv purge-pattern -p 'django-*' --dry-run\n  fetter purge-pattern -p 'types-*' --yes\n\nExit codes: 0 removed (or nothing matched), 1 refused, not confirmed or failed, 2 usage."
    )]
    PurgePattern {
        #[command(flatten)]
        args: purge_pattern::PurgePatternArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
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
    /// Show the effective config file (defaults for bounds, policies, formats).
    #[command(
        after_help = "Examples:\n  fetter config show\n  fetter config path\n\nLooked up in order, first found wins: $FETTER_CONFIG (empty: none), ./fetter.toml,\n$XDG_CONFIG_HOME/fetter/config.toml (~/.config/fetter/config.toml). Flags override it.\n\nKeys (relative paths are relative to the file):\n  format = \"json\"                 default --format of every command that has it\n  [scan] / [count] / [search]     format = ...\n  [validate]                      bounds = [\"uv.lock\"], policies = [\"typosquat\"],\n                                  ignore = [\"pip\"], format = \"sarif\"\n  [registry]                      ca-cert = \"ca.pem\" (PEM, beside the system roots; --ca-cert wins),\n                                  insecure = [\"registry.lan:5000\"] (plain HTTP allowed)"
    )]
    Config(config::ConfigArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  fetter completions bash > ~/.local/share/bash-completion/completions/fetter\n  fetter completions zsh > \"${fpath[1]}/_fetter\"\n  fetter completions fish > ~/.config/fish/completions/fetter.fish"
    )]
    Completions(generate::CompletionsArgs),
    /// Print the man page (roff), or write one page per command.
    #[command(
        after_help = "Examples:\n  fetter man | man -l -\n  fetter man --dir /usr/local/share/man/man1"
    )]
    Man(generate::ManArgs),
    /// Inspect and check policy plugins (sandboxed WebAssembly components).
    #[command(
        after_help = "Examples:\n  fetter plugin info plugins/typosquat.wasm\n  fetter plugin check my.wasm --settings '{}'\n  fetter validate --policy my.wasm"
    )]
    Plugin(plugin::PluginArgs),
    /// Share policy bundles through OCI registries: push, sign, pull (verify and lock), save/load for air gaps.
    #[command(
        after_help = "Examples:\n  fetter policy push policies/default.toml oci://registry.acme.internal/security/base:v3\n  fetter policy pull oci://registry.acme.internal/security/base:v3\n  fetter validate --policy oci://registry.acme.internal/security/base:v3\n  fetter policy sign registry.acme.internal/security/base@sha256:… --key ~/.ssh/id_ed25519\n  fetter policy verify --lock fetter.lock\n  fetter policy save -o policies.tar && fetter policy load policies.tar"
    )]
    Policy(policy::PolicyCmdArgs),
    /// Count the files each distribution installed (from its RECORD).
    #[command(
        name = "unpack-count",
        after_help = "Examples:\n  fetter --exe .venv unpack-count\n  fetter unpack-count -p 'pyyaml' --format json"
    )]
    UnpackCount {
        #[command(flatten)]
        args: unpack::UnpackArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// List the files each distribution installed (from its RECORD).
    #[command(
        name = "unpack-files",
        after_help = "Examples:\n  fetter --exe .venv unpack-files -p requests\n  fetter unpack-files --format csv -o files.csv"
    )]
    UnpackFiles {
        #[command(flatten)]
        args: unpack::UnpackArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Show what runs at interpreter start-up: .pth import lines, sitecustomize, usercustomize.
    #[command(
        after_help = "Files that run code and that no distribution's RECORD lists are flagged UNOWNED.\n\nExamples:\n  fetter inspect\n  fetter --exe .venv inspect --format json\n\nExit codes: 0 done (3 with --fail-unowned when something is flagged), 1 error."
    )]
    Inspect {
        #[command(flatten)]
        args: inspect::InspectArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Check every installed file against the hash and size its RECORD gives.
    #[command(
        after_help = "Like debsums or rpm -V, for Python: files modified, resized or missing since install, files\ndropped into a distribution's package directories that no RECORD lists, and start-up files\n(.pth, sitecustomize) that run code and that nothing installed.\n\nExamples:\n  fetter --exe .venv verify\n  fetter verify -p requests --format json\n  fetter verify --format sarif -o verify.sarif\n\nExit codes: 0 everything matches, 3 something was modified, 1 verification could not run\n(a RECORD or file unreadable, or no RECORD outside an OS-managed site without\n--allow-unverifiable)."
    )]
    Verify {
        #[command(flatten)]
        args: verify::VerifyArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Show the installed dependency graph; with --check, what `pip check` reports.
    #[command(
        after_help = "Requires-Dist of every visible distribution, markers evaluated for its environment and\nextras followed.\n\nExamples:\n  fetter --exe .venv tree\n  fetter --exe .venv tree --check\n  fetter tree --format json -o tree.json\n\nExit codes: 0 done (with --check: nothing broken), 3 with --check: a requirement missing or\nconflicting, 1 metadata or markers that could not be read or evaluated."
    )]
    Tree {
        #[command(flatten)]
        args: tree::TreeArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
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
    /// Merge many hosts' JSON reports (scan, validate, audit) into one fleet report.
    #[command(
        after_help = "Inputs: HOST.json (or HOST.scan.json, HOST.validate.json, HOST.audit.json), a HOST/\ndirectory holding scan.json, validate.json and/or audit.json, or a directory of those.\nThe host is named after the file or directory.\n\nExamples:\n  fetter report reports/ -o fleet.json\n  fetter report reports/ --format html -o fleet.html --previous last-week.json\n\nExit codes: 0 written, 1 a report could not be read (with --keep-going: after writing\nthe rest, the host listed as unreadable), 2 usage."
    )]
    Report(report::ReportArgs),
    /// Install a start-up hook that checks the environment against a bound at each start.
    #[command(
        name = "site-install",
        after_help = "Examples:\n  fetter --exe .venv site-install --bound requirements.txt\n  fetter --exe .venv site-install --bound uv.lock --strict\n\nExit codes: 0 installed, 1 refused (externally managed, already installed, bad bound), 2 usage."
    )]
    SiteInstall {
        #[command(flatten)]
        args: site_hook::SiteInstallArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
    /// Remove the start-up hook, every byte of it.
    #[command(
        name = "site-uninstall",
        after_help = "Example:\n  fetter --exe .venv site-uninstall\n\nExit codes: 0 removed, 1 nothing installed or refused."
    )]
    SiteUninstall {
        #[command(flatten)]
        args: site_hook::SiteUninstallArgs,
        #[command(flatten)]
        scope: ScopeOpts,
    },
}

impl Command {
    /// Whether the command reads the inventory, and so takes a scope.
    fn reads_inventory(&self) -> bool {
        !matches!(
            self,
            Command::Restore(_)
                | Command::Quarantine(_)
                | Command::Plugin(_)
                | Command::Policy(_)
                | Command::LookupName(_)
                | Command::LookupBound(_)
                | Command::Config(_)
                | Command::Completions(_)
                | Command::Man(_)
                | Command::Report(_)
        )
    }
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
output::format_values!(Format { Table, Json, Csv });

/// Parse arguments and run; usage errors exit 2 (clap), run-time errors 1.
pub fn run() -> ExitCode {
    output::exit_quietly_on_closed_pipe();
    // The long version names the plugin ABI; clap wants it on the command.
    let long: &'static str = Box::leak(version::long().into_boxed_str());
    let matches = Cli::command().version(long).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    if !cli.scope.is_empty() && !cli.command.reads_inventory() {
        // Accepting and ignoring a scope would let `fetter --exe typo
        // plugin check` look like it used one.
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--exe, --root and --all-users apply only to the commands that read the \
                 inventory (scan, count, search, validate, derive, audit, purge, purge-pattern, \
                 unpack-count, unpack-files, inspect, verify, tree, site-install, site-uninstall)",
            )
            .exit();
    }
    let quiet = cli.global.quiet;
    let result = match &cli.command {
        Command::Scan { args, scope } => scan::run(&cli.scope_with(scope), args),
        Command::Count { args, scope } => count::run(&cli.scope_with(scope), args),
        Command::Search { args, scope } => search::run(&cli.scope_with(scope), args),
        Command::Validate { args, scope } => validate::run(&cli.scope_with(scope), args),
        Command::Derive { args, scope } => derive::run(&cli.scope_with(scope), args),
        Command::Audit { args, scope } => audit::run(&cli.scope_with(scope), args),
        Command::Purge { args, scope } => purge::run(&cli.scope_with(scope), args),
        Command::PurgePattern { args, scope } => purge_pattern::run(&cli.scope_with(scope), args),
        Command::Restore(a) => restore::run(a),
        Command::Quarantine(a) => quarantine::run(a),
        Command::Plugin(a) => plugin::run(quiet, a),
        Command::Policy(a) => policy::run(quiet, a),
        Command::UnpackCount { args, scope } => unpack::run(&cli.scope_with(scope), args, false),
        Command::UnpackFiles { args, scope } => unpack::run(&cli.scope_with(scope), args, true),
        Command::Inspect { args, scope } => inspect::run(&cli.scope_with(scope), args),
        Command::Verify { args, scope } => verify::run(&cli.scope_with(scope), args),
        Command::Tree { args, scope } => tree::run(&cli.scope_with(scope), args),
        Command::LookupName(a) => lookup::run_name(a),
        Command::LookupBound(a) => lookup::run_bound(a),
        Command::SiteInstall { args, scope } => {
            site_hook::run_install(&cli.scope_with(scope), args)
        }
        Command::SiteUninstall { args, scope } => {
            site_hook::run_uninstall(&cli.scope_with(scope), args)
        }
        Command::Config(a) => config::run(a),
        Command::Report(a) => report::run(a),
        Command::Completions(a) => generate::completions(a),
        Command::Man(a) => generate::man(a),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`fetter … | head -1`): nothing to say, and
        // nobody to say it to.
        Err(e) if output::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", fetter::escape::escape(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Scan the scope and report warnings on stderr (unless `--quiet`). A
/// named entry (`--exe`, `--root`) that resolves to no environment is an
/// error: whatever the command checks, it would check nothing there.
fn scan_scope(scope: &ScopeArgs) -> anyhow::Result<fetter::Inventory> {
    let scanned = scan_named(scope);
    match scanned.unresolved.as_slice() {
        [] => Ok(scanned.inventory),
        [one] => Err(anyhow::anyhow!("{one}")),
        many => Err(anyhow::anyhow!(
            "{} of the named scopes lead to no Python environment:\n  {}",
            many.len(),
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        )),
    }
}

/// Scan the scope, report warnings, and leave the named entries that found
/// nothing to the caller (validate and audit report them as check failures
/// in their documents).
fn scan_named(scope: &ScopeArgs) -> fetter::scan::Scanned {
    let spinner = progress::Spinner::start("scanning Python environments", scope.quiet);
    let scanned = fetter::scan::scan_scope(&scope.scope());
    spinner.finish();
    if !scope.quiet {
        output::print_warnings(&scanned.inventory);
    }
    scanned
}
