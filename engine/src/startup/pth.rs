//! The lines of a `.pth` file, split as `site.addpackage` reads them.

/// A `.pth` file's meaningful lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PthLines {
    /// Lines `site.py` executes (they start with `import` and a space or tab).
    pub imports: Vec<String>,
    /// Lines naming directories to add to `sys.path`.
    pub paths: Vec<String>,
}

/// Longest line kept in a report.
const MAX_LINE: usize = 200;

/// Split `.pth` content into executed lines and path lines (comments and
/// blank lines skipped, as `site.addpackage` does).
pub fn parse_pth(bytes: &[u8]) -> PthLines {
    let text = String::from_utf8_lossy(bytes);
    let mut out = PthLines::default();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let kept = cut(line.trim_end());
        if line.starts_with("import ") || line.starts_with("import\t") {
            out.imports.push(kept);
        } else {
            out.paths.push(kept);
        }
    }
    out
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_LINE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_imports_from_paths() {
        let p = parse_pth(b"# c\n/opt/x\nimport os; os.system('x')\nimport\tsys\n  import y\n\n");
        assert_eq!(p.imports, vec!["import os; os.system('x')", "import\tsys"]);
        // Leading blanks: site.py does not execute it, it is a (strange) path.
        assert_eq!(p.paths, vec!["/opt/x", "  import y"]);
    }
}
