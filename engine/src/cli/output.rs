//! Where and how command output is written.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use fetter::report::display_path;
use fetter::Inventory;

/// How many warnings are printed before the rest is summarised.
const MAX_WARNINGS_SHOWN: usize = 20;

/// Open `-o FILE`, or stdout.
pub fn open(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn Write>> {
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
