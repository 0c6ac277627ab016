//! Every command's `--help` has a one-line summary and an example.

use clap::CommandFactory;

use super::Cli;

fn walk(cmd: &clap::Command, path: &str, problems: &mut Vec<String>) {
    let name = format!("{path} {}", cmd.get_name()).trim().to_string();
    if cmd.get_name() != "help" {
        match cmd.get_about() {
            Some(a) if !a.to_string().trim().is_empty() && !a.to_string().contains('\n') => {}
            _ => problems.push(format!("`{name}` has no one-line summary")),
        }
        let after = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        if !after.contains("Example") {
            problems.push(format!("`{name} --help` shows no example"));
        }
    }
    for sub in cmd.get_subcommands() {
        walk(sub, &name, problems);
    }
}

#[test]
fn every_help_has_a_summary_and_an_example() {
    let mut problems = Vec::new();
    walk(&Cli::command(), "", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn clap_definition_is_consistent() {
    Cli::command().debug_assert();
}
