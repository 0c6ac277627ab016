//! Plain aligned text tables, and CSV rows, for people.
//!
//! Every cell is escaped here ([`crate::escape`]): a name, version or path
//! from a package never reaches the terminal raw, whichever command prints
//! it. Cells are also capped in width, so one 200,000-character version
//! does not pad every row to its width (the JSON keeps the whole value).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use unicode_width::UnicodeWidthStr;

use crate::escape::{escape, shorten};

/// Widest cell of a padded column, in display columns.
pub const MAX_CELL_WIDTH: usize = 100;
/// Widest cell of the last column (not padded, so only its own row pays).
pub const MAX_LAST_CELL_WIDTH: usize = 1000;

/// Whether tables are written with ANSI styles (set by the CLI when stdout
/// is a terminal and `NO_COLOR` is unset; never for files or pipes).
static COLOR: AtomicBool = AtomicBool::new(false);

/// Turn ANSI styling of table headers on or off.
pub fn set_color(on: bool) {
    COLOR.store(on, Ordering::Relaxed);
}

/// A table: a header row and data rows of equal length.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let header = cells(header.len(), header);
        Table {
            header,
            rows: Vec::new(),
        }
    }

    /// Append a row; missing cells are blank, extra cells are dropped.
    /// Cells are escaped and capped ([`cell`]).
    pub fn row<S: Into<String>>(&mut self, cells_in: impl IntoIterator<Item = S>) {
        let r = cells(self.header.len(), cells_in.into_iter().map(Into::into));
        self.rows.push(r);
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Write the table, columns padded to their widest cell (display width,
    /// so non-ASCII paths align); the last column is not padded.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        self.write_with(out, COLOR.load(Ordering::Relaxed))
    }

    /// [`Table::write`] with styling chosen by the caller.
    fn write_with(&self, out: &mut dyn Write, color: bool) -> io::Result<()> {
        let n = self.header.len();
        let mut widths = vec![0usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(UnicodeWidthStr::width(c.as_str()));
            }
        }
        for (k, r) in std::iter::once(&self.header).chain(&self.rows).enumerate() {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                line.push_str(c);
                if i + 1 < n {
                    let pad = widths[i] - UnicodeWidthStr::width(c.as_str()) + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            if k == 0 && color {
                // Bold header; padding is computed on the plain text above.
                writeln!(out, "\x1b[1m{}\x1b[0m", line.trim_end())?;
            } else {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
        Ok(())
    }
}

/// `n` cells from `given`, each through [`cell`] (the last with the
/// larger cap), blank where missing.
fn cells(n: usize, given: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut r: Vec<String> = given
        .into_iter()
        .take(n)
        .enumerate()
        .map(|(i, c)| {
            let max = if i + 1 == n {
                MAX_LAST_CELL_WIDTH
            } else {
                MAX_CELL_WIDTH
            };
            cell(&c, max)
        })
        .collect();
    r.resize(n, String::new());
    r
}

/// One table cell as shown: escaped, then cut to `max` display columns
/// with an ellipsis in the middle.
pub fn cell(text: &str, max: usize) -> String {
    shorten(&escape(text), max).into_owned()
}

/// Write one CSV record of untrusted text, each field escaped as in a
/// table but never shortened (CSV is read by tools and by people with
/// `cat`; JSON is the format with the exact value).
pub fn csv_record<W: Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    fields: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    w.write_record(fields.into_iter().map(|f| escape(f.as_ref()).into_owned()))
}

/// A path as a CSV field: in full (no `~`), escaped, non-UTF-8 bytes as `\xHH`.
pub fn csv_path(path: &std::path::Path) -> String {
    crate::escape::escape_os(path.as_os_str()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_wide_characters() {
        let mut t = Table::new(["a", "b"]);
        t.row(["日本", "x"]);
        t.row(["ab", "y"]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a     b\n日本  x\nab    y\n"
        );
    }

    #[test]
    fn cells_are_escaped_and_capped() {
        let mut t = Table::new(["a", "b"]);
        t.row(["ev\x1b[2Jil\u{202e}", "x"]);
        t.row(["1".repeat(5000), "y".repeat(5000)]);
        let mut out = Vec::new();
        t.write_with(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("ev\\x1b[2Jil\\u202e  "), "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\u{202e}'));
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert_eq!(
            widths[2],
            MAX_CELL_WIDTH + 2 + MAX_LAST_CELL_WIDTH,
            "{widths:?}"
        );
    }

    #[test]
    fn header_is_bold_only_when_colour_is_on() {
        let mut t = Table::new(["a", "b"]);
        t.row(["x", "y"]);
        let mut out = Vec::new();
        t.write_with(&mut out, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\x1b[1ma  b\x1b[0m\nx  y\n"
        );
        let mut out = Vec::new();
        t.write_with(&mut out, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a  b\nx  y\n");
    }
}
