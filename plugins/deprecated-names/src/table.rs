//! The curated table of deprecated, renamed and backport names
//! (`data/deprecated.tsv`, provenance in `data/PROVENANCE.md`).

use std::collections::HashMap;

/// The embedded table.
pub const TABLE_TSV: &str = include_str!("../data/deprecated.tsv");

/// Why a name is in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The same project under a new name.
    Renamed,
    /// Unmaintained or withdrawn: another project replaces it.
    Deprecated,
    /// A PyPI copy of a standard-library module.
    Backport {
        /// The Python version whose standard library has the module.
        stdlib_since: (u32, u32),
    },
}

/// A security reason: why a row denies by default. Every other row (and every
/// `extra` name) only warns unless the settings raise it, as cargo-deny treats
/// unmaintained crates: a deprecation alone should not fail a healthy machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Known vulnerabilities that no release under this name fixes (the row's
    /// reason names them).
    Vulnerable,
    /// A backport documented to be imported in place of, and break, the
    /// standard-library module on Pythons that have it (only on `backport`
    /// rows, so only where the environment's Python has the module).
    ShadowsStdlib,
}

impl Security {
    /// Parse the TSV's `security` column: `none` is `Ok(None)`.
    pub fn parse(s: &str) -> Result<Option<Security>, String> {
        match s {
            "none" => Ok(None),
            "vulnerable" => Ok(Some(Security::Vulnerable)),
            "shadows-stdlib" => Ok(Some(Security::ShadowsStdlib)),
            _ => Err(format!(
                "bad security {s:?} (none, vulnerable or shadows-stdlib)"
            )),
        }
    }

    /// A few words for the verdict's message.
    pub fn describe(self) -> &'static str {
        match self {
            Security::Vulnerable => "known unfixed vulnerabilities",
            Security::ShadowsStdlib => "shadows the standard library",
        }
    }
}

/// How serious using the name is (mirrors the plugin contract's severities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Informational.
    Info,
    /// Still works; worth migrating.
    Low,
    /// Unmaintained with a maintained replacement.
    Medium,
    /// Broken, withdrawn, or vulnerable.
    High,
    /// Critical.
    Critical,
}

impl Level {
    /// Parse a lowercase severity name.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "info" => Level::Info,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as PyPI spells it.
    pub name: String,
    /// What kind of entry it is.
    pub kind: Kind,
    /// What to use instead.
    pub replacement: String,
    /// How serious it is.
    pub severity: Level,
    /// Why it denies by default; `None`: it only warns by default.
    pub security: Option<Security>,
    /// Why, in a few words.
    pub reason: String,
    /// Where the fact comes from.
    pub source: String,
}

/// Parse a `major.minor` Python version (`3.4`).
pub fn parse_major_minor(s: &str) -> Option<(u32, u32)> {
    let mut parts = s.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    Some((major, minor))
}

/// Parse the table; errors name the line.
pub fn parse(tsv: &str) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| format!("deprecated.tsv line {}: {what}", n + 1);
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, kind, replacement, severity, since, security, reason, source] = cols[..] else {
            return Err(bad(&format!("expected 8 columns, got {}", cols.len())));
        };
        let kind = match (kind, since) {
            ("renamed", "") => Kind::Renamed,
            ("deprecated", "") => Kind::Deprecated,
            ("backport", since) => Kind::Backport {
                stdlib_since: parse_major_minor(since).ok_or_else(|| bad("bad stdlib_since"))?,
            },
            _ => {
                return Err(bad(&format!(
                    "bad kind {kind:?} with stdlib_since {since:?}"
                )))
            }
        };
        let security = Security::parse(security).map_err(|e| bad(&e))?;
        // Shadowing depends on the Python: only a backport row knows where.
        if security == Some(Security::ShadowsStdlib) && !matches!(kind, Kind::Backport { .. }) {
            return Err(bad("shadows-stdlib needs kind backport"));
        }
        out.push(Entry {
            name: name.to_string(),
            kind,
            replacement: replacement.to_string(),
            severity: Level::parse(severity).ok_or_else(|| bad("bad severity"))?,
            security,
            reason: reason.to_string(),
            source: source.to_string(),
        });
    }
    Ok(out)
}

/// The embedded table, keyed by PEP 503 normalized name.
pub fn embedded() -> HashMap<String, Entry> {
    parse(TABLE_TSV)
        .expect("embedded deprecated.tsv is well formed")
        .into_iter()
        .map(|e| (crate::normalize(&e.name), e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_with_sources() {
        let table = embedded();
        assert!(table.len() >= 70, "{}", table.len());
        assert!(table
            .values()
            .all(|e| !e.source.is_empty() && !e.replacement.is_empty()));
        assert_eq!(table["sklearn"].replacement, "scikit-learn");
        assert_eq!(table["pycrypto"].replacement, "pycryptodome");
        assert_eq!(table["pep8"].replacement, "pycodestyle");
        assert_eq!(
            table["enum34"].kind,
            Kind::Backport {
                stdlib_since: (3, 4)
            }
        );
        assert_eq!(table["python-levenshtein"].kind, Kind::Renamed);
    }

    /// Exactly the rows PROVENANCE.md lists deny by default; each is high so
    /// that a manifest's `fail-on = "high"` (policies/default.toml) still
    /// fails on it, and each vulnerable row names its vulnerabilities.
    #[test]
    fn security_rows_are_the_documented_ones() {
        let table = embedded();
        let mut secure: Vec<(&str, Security)> = table
            .values()
            .filter_map(|e| Some((e.name.as_str(), e.security?)))
            .collect();
        secure.sort_by_key(|(name, _)| *name);
        assert_eq!(
            secure,
            vec![
                ("PIL", Security::Vulnerable),
                ("enum34", Security::ShadowsStdlib),
                ("pycrypto", Security::Vulnerable),
                ("typing", Security::ShadowsStdlib),
            ]
        );
        for e in table.values().filter(|e| e.security.is_some()) {
            assert!(e.severity >= Level::High, "{}", e.name);
        }
        for e in table
            .values()
            .filter(|e| e.security == Some(Security::Vulnerable))
        {
            assert!(e.reason.contains("CVE-"), "{}", e.name);
        }
        // The examples of ordinary, healthy environments only warn.
        assert_eq!((table["toml"].security, table["py"].security), (None, None));
    }

    #[test]
    fn no_duplicates_after_normalisation() {
        let rows = parse(TABLE_TSV).unwrap();
        assert_eq!(rows.len(), embedded().len());
    }

    #[test]
    fn bad_rows_are_rejected_with_the_line() {
        let e = parse("# h\nfoo\trenamed\tbar\tlow\t\treason\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("8 columns"), "{e}");
        assert!(parse("foo\tbackport\tbar\tlow\t\tnone\tr\ts\n").is_err());
        assert!(parse("foo\trenamed\tbar\tsevere\t\tnone\tr\ts\n").is_err());
        let e = parse("foo\trenamed\tbar\tlow\t\tyes\tr\ts\n").unwrap_err();
        assert!(
            e.contains("line 1") && e.contains("bad security \"yes\""),
            "{e}"
        );
        let e = parse("foo\trenamed\tbar\thigh\t\tshadows-stdlib\tr\ts\n").unwrap_err();
        assert!(e.contains("needs kind backport"), "{e}");
        assert!(parse("foo\tbackport\tbar\thigh\t3.4\tshadows-stdlib\tr\ts\n").is_ok());
    }

    #[test]
    fn parses_python_versions() {
        assert_eq!(parse_major_minor("3.12.1"), Some((3, 12)));
        assert_eq!(parse_major_minor("3.13t"), Some((3, 13)));
        assert_eq!(parse_major_minor("3"), None);
    }
}
