//! `fetter purge-pattern -p PATTERN`: purge the distributions whose
//! normalised name matches a glob, with every safety rule of purge.

use std::process::ExitCode;

use clap::Args;

use super::purge::{plan_confirm_execute, PurgeFlags};
use super::{ScopeArgs, EXIT_USAGE};
use fetter::inventory::DistId;
use fetter::names::NamePattern;
use fetter::purge::PlanOptions;

/// Arguments of `fetter purge-pattern`.
#[derive(Debug, Args)]
pub(super) struct PurgePatternArgs {
    /// A glob (`*`, `?`, `[abc]`) over PEP 503 normalised names
    /// (`jaraco.classes` is `jaraco-classes`); repeatable.
    #[arg(long = "pattern", short = 'p', value_name = "PATTERN", required = true)]
    pub patterns: Vec<String>,
    /// Match case exactly (separators `-`, `_`, `.` are still one).
    #[arg(long)]
    pub case_sensitive: bool,
    /// Required with a pattern that matches every name (`*`).
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub flags: PurgeFlags,
}

/// Run `fetter purge-pattern`.
pub(super) fn run(scope: &ScopeArgs, args: &PurgePatternArgs) -> anyhow::Result<ExitCode> {
    if let Some(p) = args.patterns.iter().find(|p| matches_everything(p)) {
        if !args.all {
            eprintln!(
                "error: pattern {p:?} matches every installed distribution; \
                 pass --all as well if that is what you mean"
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    }
    let matchers = args
        .patterns
        .iter()
        .map(|p| NamePattern::new(p, args.case_sensitive))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let inv = super::scan_scope(scope)?;
    let targets: Vec<DistId> = inv
        .dist_ids()
        .filter(|(_, d)| matchers.iter().any(|m| m.is_match(&d.name)))
        .map(|(id, _)| id)
        .collect();
    // pip goes only when named outright, not when a wildcard catches it.
    let allow_pip = args
        .patterns
        .iter()
        .any(|p| !p.contains(['*', '?', '[']) && fetter::names::normalize(p) == "pip");
    plan_confirm_execute(&inv, &targets, &PlanOptions { allow_pip }, &args.flags)
}

/// A pattern of only `*` (and `**`) matches every name.
fn matches_everything(pattern: &str) -> bool {
    let t = pattern.trim();
    !t.is_empty() && t.chars().all(|c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stars_match_everything() {
        assert!(matches_everything("*"));
        assert!(matches_everything("**"));
        assert!(!matches_everything("a*"));
    }
}
