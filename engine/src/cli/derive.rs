//! `fetter derive`: write a requirements file from what is installed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, ValueEnum};

use super::{output, ScopeArgs};
use fetter::bounds::cfg::DEFAULT_IGNORE;
use fetter::bounds::derive::{self, PinStyle};
use fetter::escape::escape;
use fetter::names::normalize;
use fetter::report::display_path;

/// `--pin` values.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Pin {
    /// `name==V`.
    #[default]
    Exact,
    /// `name>=V`.
    Lower,
    /// `name<=V`.
    Upper,
    /// `name~=V` (compatible release).
    Compatible,
}

impl From<Pin> for PinStyle {
    fn from(p: Pin) -> Self {
        match p {
            Pin::Exact => PinStyle::Exact,
            Pin::Lower => PinStyle::Lower,
            Pin::Upper => PinStyle::Upper,
            Pin::Compatible => PinStyle::Compatible,
        }
    }
}

/// Arguments of `fetter derive`.
#[derive(Debug, Args)]
pub(super) struct DeriveArgs {
    /// How versions are pinned. Packages installed from a VCS or URL are
    /// always written as `name @ url` (git: `git+URL@commit`).
    #[arg(long, value_enum, default_value_t)]
    pin: Pin,
    /// Leave this package out (repeatable). By default only pip is left out,
    /// as `fetter validate` ignores it; giving --ignore replaces that default.
    #[arg(long = "ignore", value_name = "NAME")]
    ignore: Vec<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter derive`.
pub(super) fn run(scope: &ScopeArgs, args: &DeriveArgs) -> anyhow::Result<ExitCode> {
    let inv = super::scan_scope(scope)?;
    if inv.environments.is_empty() {
        bail!("no Python environment found in scope; check --exe/--root");
    }
    let ignored: Vec<String> = if args.ignore.is_empty() {
        DEFAULT_IGNORE.iter().map(|n| normalize(n)).collect()
    } else {
        args.ignore.iter().map(|n| normalize(n)).collect()
    };
    let pin = PinStyle::from(args.pin);
    let derived = derive::derive(&inv, pin, &ignored);
    for c in &derived.conflicts {
        eprintln!(
            "warning: {} is installed in several versions; wrote `{}`:",
            escape(&c.name),
            escape(&c.chosen)
        );
        for (line, envs) in &c.variants {
            let envs: Vec<String> = envs.iter().map(|e| display_path(e)).collect();
            eprintln!("warning:   {} in {}", escape(line), envs.join(", "));
        }
    }
    let text = derive::render(&derived, pin, &derive::utc_now());
    let mut out = output::open(args.output.as_ref())?;
    let result = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    output::finish(result, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
