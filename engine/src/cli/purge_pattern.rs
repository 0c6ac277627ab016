//! `fetter purge-pattern -p PATTERN`: purge the distributions whose
//! normalised name matches a glob, with every safety rule of purge.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::purge::{plan_confirm_execute, PurgeFlags};
use super::{ScopeArgs, EXIT_USAGE};
use fetter::purge::PlanOptions;

/// Arguments of `fetter purge-pattern`.
#[derive(Debug, Args)]
pub struct PurgePatternArgs {
    /// A glob (`*`, `?`, `[abc]`) over PEP 503 normalised names
    /// (`jaraco.classes` is `jaraco-classes`); repeatable.
    #[arg(long = "pattern", short = 'p', value_name = "PATTERN", required = true)]
    pub patterns: Vec<String>,
    /// Match case exactly (default: case-insensitive).
    #[arg(long)]
    pub case_sensitive: bool,
    /// Required with a pattern that matches every name (`*`).
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub flags: PurgeFlags,
}

/// Run `fetter purge-pattern`.
pub fn run(scope: &ScopeArgs, args: &PurgePatternArgs) -> anyhow::Result<ExitCode> {
    if let Some(p) = args.patterns.iter().find(|p| matches_everything(p)) {
        if !args.all {
            eprintln!(
                "error: pattern {p:?} matches every installed distribution; \
                 pass --all as well if that is what you mean"
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    }
    let mut matchers = Vec::new();
    for p in &args.patterns {
        let glob = globset::GlobBuilder::new(&normalize_pattern(p, args.case_sensitive))
            .case_insensitive(!args.case_sensitive)
            .literal_separator(false)
            .build()
            .with_context(|| format!("invalid pattern {p:?}"))?
            .compile_matcher();
        matchers.push(glob);
    }
    let inv = super::scan_scope(scope);
    let targets: Vec<PathBuf> = inv
        .distributions
        .iter()
        .filter(|d| {
            let name = if args.case_sensitive {
                normalize_pattern(&d.name, true)
            } else {
                d.normalized_name.clone()
            };
            matchers.iter().any(|m| m.is_match(&name))
        })
        .map(|d| d.metadata_path.clone())
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

/// Fold runs of `-`, `_` and `.` into `-` (as PEP 503 does to names), and
/// lowercase unless matching case-sensitively.
fn normalize_pattern(pattern: &str, keep_case: bool) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_sep = false;
    for c in pattern.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            if keep_case {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
            in_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_normalised_like_names() {
        assert_eq!(normalize_pattern("Jaraco.Class*", false), "jaraco-class*");
        assert_eq!(normalize_pattern("Py_YAML", true), "Py-YAML");
        assert!(matches_everything("*"));
        assert!(matches_everything("**"));
        assert!(!matches_everything("a*"));
    }
}
