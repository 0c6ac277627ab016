//! The protected names: the embedded top-PyPI list plus names added by
//! settings.

use std::borrow::Cow;

use crate::forms::normalize;

/// The 15,000 most downloaded PyPI projects (`rank<TAB>name`), see
/// `data/PROVENANCE.md`.
pub const TOP_PYPI_TSV: &str = include_str!("../data/top-pypi.tsv");

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
    fn rejects_malformed_lines() {
        assert!(parse_ranked("1 requests").is_err());
        assert!(parse_ranked("x\trequests").is_err());
        assert_eq!(
            parse_ranked("# c\n\n7\tFoo_Bar\n").unwrap()[0].normalized,
            "foo-bar"
        );
    }
}
