//! `fetter tree` for people: each environment's distributions that nothing
//! requires, with what they require beneath them (as `pipdeptree` shows
//! it), then what `pip check` would report.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use super::display_path;
use super::render::{json_line, Render};
use crate::depgraph::{EnvGraph, Node, Tree, TREE_SCHEMA};
use crate::escape::escape;

/// Deepest level shown (cycles stop earlier: a name is not expanded twice
/// on one path).
const MAX_DEPTH: usize = 32;

/// The dependency graph as `fetter tree` prints it.
#[derive(Debug, Clone, Copy)]
pub struct TreeReport<'a> {
    /// The `fetter.tree/1` document.
    pub tree: &'a Tree,
    /// Table: only what `pip check` would report (`tree --check`).
    pub problems_only: bool,
}

impl Render for TreeReport<'_> {
    fn schema(&self) -> &'static str {
        TREE_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self.tree, out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        write(self.tree, self.problems_only, out)
    }
}

/// The whole tree, or with `problems_only` just the problems.
pub fn write(t: &Tree, problems_only: bool, out: &mut dyn Write) -> io::Result<()> {
    for (i, g) in t.environments.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", display_path(&g.prefix))?;
        if !problems_only {
            write_env(g, out)?;
        }
        for p in &g.problems {
            writeln!(out, "  {}", escape(&p.message))?;
        }
        if problems_only && g.problems.is_empty() {
            writeln!(out, "  No broken requirements found.")?;
        }
    }
    Ok(())
}

fn write_env(g: &EnvGraph, out: &mut dyn Write) -> io::Result<()> {
    let by_name: HashMap<&str, &Node> = g
        .distributions
        .iter()
        .map(|n| (n.normalized_name.as_str(), n))
        .collect();
    // Roots: what nothing requires; in a pure cycle nobody is a root, so
    // whatever is not reached from a root is listed at the top too.
    let mut shown = BTreeSet::new();
    let roots: Vec<&Node> = g
        .distributions
        .iter()
        .filter(|n| n.required_by == 0)
        .collect();
    for n in roots {
        node(n, &by_name, 0, &mut Vec::new(), &mut shown, out)?;
    }
    for n in &g.distributions {
        if !shown.contains(n.normalized_name.as_str()) {
            node(n, &by_name, 0, &mut Vec::new(), &mut shown, out)?;
        }
    }
    Ok(())
}

fn node<'a>(
    n: &'a Node,
    by_name: &HashMap<&str, &'a Node>,
    depth: usize,
    path: &mut Vec<&'a str>,
    shown: &mut BTreeSet<&'a str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    shown.insert(n.normalized_name.as_str());
    if depth == 0 {
        writeln!(out, "{}=={}", escape(&n.name), escape(&n.version))?;
    }
    path.push(n.normalized_name.as_str());
    for e in &n.requires {
        let indent = "  ".repeat(depth + 1);
        let state = match (&e.installed, e.satisfied) {
            (None, _) => "MISSING".to_string(),
            (Some(v), true) => format!("installed: {}", escape(v)),
            (Some(v), false) => format!("installed: {}, CONFLICT", escape(v)),
        };
        let extra = e
            .via_extra
            .as_ref()
            .map(|x| format!(" (extra {})", escape(x)))
            .unwrap_or_default();
        writeln!(out, "{indent}{} [{state}]{extra}", escape(&e.requirement))?;
        if let Some(child) = by_name.get(e.name.as_str()) {
            if depth + 1 < MAX_DEPTH && !path.contains(&child.normalized_name.as_str()) {
                node(child, by_name, depth + 1, path, shown, out)?;
            }
        }
    }
    path.pop();
    Ok(())
}
