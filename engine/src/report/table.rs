//! Plain aligned text tables.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use unicode_width::UnicodeWidthStr;

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
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row; missing cells are blank, extra cells are dropped.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut r: Vec<String> = cells.into_iter().map(Into::into).collect();
        r.resize(self.header.len(), String::new());
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
