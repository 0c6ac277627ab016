//! Where and how command output is written.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use fetter::report::display_path;
use fetter::Inventory;

/// How many warnings are printed before the rest is summarised.
const MAX_WARNINGS_SHOWN: usize = 20;

/// True when output to stdout may be styled: a terminal, and `NO_COLOR`
/// (no-color.org) unset or empty.
pub fn color_stdout() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Open `-o FILE`, or stdout; tables are styled only on a terminal.
pub fn open(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    fetter::report::table::set_color(path.is_none() && color_stdout());
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

/// Print the scan's warnings on stderr, the first few in full.
pub fn print_warnings(inv: &Inventory) {
    let mut err = io::stderr().lock();
    for w in inv.warnings.iter().take(MAX_WARNINGS_SHOWN) {
        let _ = writeln!(err, "warning: {}: {}", display_path(&w.path), w.message);
    }
    if inv.warnings.len() > MAX_WARNINGS_SHOWN {
        let _ = writeln!(
            err,
            "warning: {} more warnings; `fetter scan --format json` lists them all",
            inv.warnings.len() - MAX_WARNINGS_SHOWN
        );
    }
}

/// Finish writing: a closed pipe (`fetter scan | head`) is not an error.
pub fn finish(result: io::Result<()>, out: Option<&Path>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).with_context(|| match out {
            Some(p) => format!("cannot write {}", p.display()),
            None => "cannot write to stdout".to_string(),
        }),
        Ok(()) => Ok(()),
    }
}
