//! The protected names: the embedded top-PyPI list plus names added by
//! settings.

use std::borrow::Cow;

use crate::forms::normalize;

/// The 15,000 most downloaded PyPI projects (`rank<TAB>name`), see
/// `data/PROVENANCE.md`.
pub const TOP_PYPI_TSV: &str = include_str!("../data/top-pypi.tsv");

/// Import names of top-PyPI projects that differ from their distribution
/// names (`import_name<TAB>project`), see `data/PROVENANCE.md`.
pub const IMPORT_NAMES_TSV: &str = include_str!("../data/import-names.tsv");

/// Former distribution names of top-PyPI projects (`former<TAB>project`),
/// see `data/PROVENANCE.md`.
pub const FORMER_NAMES_TSV: &str = include_str!("../data/former-names.tsv");

/// Names on PyPI (in the 2026 snapshot) near a protected name, one a line:
/// a name absent from it is not a known project, which corroborates weak
/// evidence (see `data/PROVENANCE.md` and [`crate::evidence::Signals`]).
pub const KNOWN_NEAR_NAMES: &str = include_str!("../data/pypi-near-names.txt");

/// Which other name of a protected project an alias is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasKind {
    /// The name its code is imported by (`sklearn`).
    Import,
    /// A name it was formerly published under (`scikits.learn`).
    Former,
}

/// Another name of a protected project: `(kind, alias, project)`, both
/// as the data files spell them.
pub type Alias = (AliasKind, &'static str, &'static str);

/// The embedded import and former names, import names first.
pub fn aliases() -> Vec<Alias> {
    let parse = |kind: AliasKind, tsv: &'static str| {
        tsv.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(move |l| l.split_once('\t').map(|(a, p)| (kind, a, p.trim_end())))
    };
    parse(AliasKind::Import, IMPORT_NAMES_TSV)
        .chain(parse(AliasKind::Former, FORMER_NAMES_TSV))
        .collect()
}

/// The embedded known names near protected ones.
pub fn known_near_names() -> impl Iterator<Item = &'static str> {
    KNOWN_NEAR_NAMES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

/// A name typosquats may imitate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    /// The name as the index (or the settings) spell it.
    pub name: Cow<'static, str>,
    /// Its PEP 503 normalized form.
    pub normalized: Cow<'static, str>,
    /// Download rank on PyPI (1 = most downloaded); `None` for names the
    /// settings protect.
    pub rank: Option<u32>,
}

/// Parse `rank<TAB>name` lines; `#` lines and blank lines are comments.
pub fn parse_ranked(tsv: &str) -> Result<Vec<Protected>, String> {
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (rank, name) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {}: expected rank<TAB>name", n + 1))?;
        let rank: u32 = rank
            .parse()
            .map_err(|_| format!("line {}: bad rank {rank:?}", n + 1))?;
        out.push(Protected {
            name: name.to_string().into(),
            normalized: normalize(name).into(),
            rank: Some(rank),
        });
    }
    Ok(out)
}

/// The embedded top-PyPI list, most downloaded first.
pub fn top_pypi() -> Vec<Protected> {
    let mut names = parse_ranked(TOP_PYPI_TSV).expect("embedded top-pypi.tsv is well formed");
    names.sort_by_key(|p| p.rank);
    names
}

/// A name protected by the settings rather than by popularity.
pub fn extra(name: &str) -> Protected {
    Protected {
        name: name.to_string().into(),
        normalized: normalize(name).into(),
        rank: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_is_complete_and_ranked() {
        let top = top_pypi();
        assert_eq!(top.len(), 14_985);
        assert_eq!(top[0].rank, Some(1));
        assert!(top.windows(2).all(|w| w[0].rank < w[1].rank));
        for popular in ["requests", "numpy", "setuptools", "pip", "urllib3"] {
            assert!(top.iter().any(|p| p.normalized == popular), "{popular}");
        }
    }

    #[test]
    fn aliases_name_protected_projects() {
        let top: std::collections::HashSet<_> =
            top_pypi().into_iter().map(|p| p.normalized).collect();
        let aliases = aliases();
        // `cv2` is shipped by several opencv-* distributions, so ambiguous: left out.
        assert!(aliases.contains(&(AliasKind::Import, "sklearn", "scikit-learn")));
        assert!(aliases.contains(&(AliasKind::Former, "scikits.learn", "scikit-learn")));
        for (_, alias, project) in aliases {
            assert!(
                top.contains(normalize(project).as_str()),
                "{alias} -> {project}"
            );
            assert_ne!(normalize(alias), normalize(project));
        }
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse_ranked("1 requests").is_err());
        assert!(parse_ranked("x\trequests").is_err());
        assert_eq!(
            parse_ranked("# c\n\n7\tFoo_Bar\n").unwrap()[0].normalized,
            "foo-bar"
        );
    }
}
