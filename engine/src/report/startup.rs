//! `fetter inspect`: what runs at interpreter start-up, for people (one
//! row per start-up file) and as the `fetter.inspect/1` document.

use std::io::{self, Write};

use crate::report::display_path;
use crate::report::render::{json_line, Render};
use crate::report::table::Table;
use crate::startup::{StartupKind, StartupReport, INSPECT_SCHEMA};

impl Render for StartupReport {
    fn schema(&self) -> &'static str {
        INSPECT_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// One row per start-up file, then a count of those that run code
    /// and no distribution owns.
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut t = Table::new(["Environment", "Kind", "File", "Runs", "Owner"]);
        for env in &self.environments {
            for h in &env.startup_files {
                let runs = cut(&if let Some(e) = &h.error {
                    format!("unreadable: {e}")
                } else if h.kind == StartupKind::Pth {
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
        let flagged: usize = self.environments.iter().map(|e| e.unowned_executable).sum();
        t.write(out)?;
        writeln!(
            out,
            "\n{} start-up file(s) in {} environment(s); {flagged} run code and are owned by no distribution",
            self.environments
                .iter()
                .map(|e| e.startup_files.len())
                .sum::<usize>(),
            self.environments.len()
        )
    }
}

/// Table cells stay readable; the JSON has every line in full.
fn cut(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
