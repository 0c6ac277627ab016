//! Markers fetter refuses although pep508_rs would take them (fail closed).
//!
//! tests/differential.rs compares marker evaluation with `packaging`; where
//! pep508_rs 0.9.2 panics, silently drops an expression (it then counts as
//! true) or compares strings by order (`packaging` answers false there),
//! a bound would apply or not depending on the implementation. fetter
//! refuses such a requirement with an error naming its file and line.

use pep508_rs::{MarkerTree, Requirement, VerbatimUrl};

use super::marker_walk::check_lookahead;
use super::Pep508Error;

/// Check a PEP 508 requirement string's marker (if any).
pub fn check_requirement(text: &str) -> Result<(), Pep508Error> {
    if !text.contains(';') {
        return Ok(());
    }
    // Only the marker part (URLs may hold other characters).
    check_ascii(text.split_once(';').map_or("", |(_, m)| m))?;
    // The marker starts after one of the `;` (a URL may hold some).
    for (at, _) in text.match_indices(';') {
        check_lookahead(&text[at + 1..])?;
    }
    check_operators(text)?;
    let mut warnings = Vec::new();
    let mut collect = |_kind, w: String| warnings.push(w);
    // Parse errors are reported by the caller's own parse; only the warnings
    // (expressions pep508_rs would drop) and the tree matter here.
    let parsed = Requirement::<VerbatimUrl>::parse_reporter(text, "/", &mut collect);
    drop(parsed);
    refuse_warnings(warnings)
}

/// Check a bare marker expression (lock files).
pub fn check_marker(text: &str) -> Result<(), Pep508Error> {
    check_ascii(text)?;
    check_lookahead(text)?;
    check_operators(text)?;
    let mut warnings = Vec::new();
    let mut collect = |_kind, w: String| warnings.push(w);
    drop(MarkerTree::parse_reporter(text, &mut collect));
    refuse_warnings(warnings)
}

/// Refuse non-ASCII characters outside quoted strings in a marker:
/// pep508_rs 0.9.2 slices its input by a character count as if it were a
/// byte count after an expression (`os_name == "nt" nté`) and panics off a
/// char boundary. Found by the `requirement` fuzz target.
fn check_ascii(marker: &str) -> Result<(), Pep508Error> {
    let mut quote = None;
    for c in marker.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, c) if !c.is_ascii() => return Err(Pep508Error::NonAscii(c)),
            _ => {}
        }
    }
    Ok(())
}

/// pep508_rs warns and drops an expression it cannot evaluate (`~=` on a
/// string, a version variable against a non-version, `extra < 'x'`, two
/// variables compared); the dropped expression would count as true.
fn refuse_warnings(warnings: Vec<String>) -> Result<(), Pep508Error> {
    match warnings.into_iter().next() {
        None => Ok(()),
        Some(w) => Err(Pep508Error::Dropped(
            w.split_whitespace().collect::<Vec<_>>().join(" "),
        )),
    }
}

/// Marker variables whose values are versions.
const VERSION_MARKERS: &[&str] = &[
    "python_version",
    "python_full_version",
    "implementation_version",
];

/// Marker variables whose values are strings, not versions (PEP 508 and
/// the legacy dotted spellings pep508_rs still accepts).
const STRING_MARKERS: &[&str] = &[
    "os_name",
    "sys_platform",
    "platform_release",
    "platform_system",
    "platform_version",
    "platform_machine",
    "platform_python_implementation",
    "implementation_name",
    "os.name",
    "sys.platform",
    "platform.version",
    "platform.machine",
    "platform.python_implementation",
    "python_implementation",
    "extra",
];

/// Marker tokens, enough to see which operator joins which operands:
/// quoted strings, words (variables, `in`, `not`, `and`, `or`), operators.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    let b = text.as_bytes();
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c == b'\'' || c == b'"' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
        } else if b"<>=!~".contains(&c) {
            while i < b.len() && b"<>=!~".contains(&b[i]) {
                i += 1;
            }
        } else {
            i += 1;
            if c.is_ascii_whitespace() {
                continue;
            }
        }
        // Whole characters only (a quote may close mid-way in UTF-8 text).
        if text.is_char_boundary(start) && text.is_char_boundary(i) {
            out.push(&text[start..i]);
        }
    }
    out
}

/// The operand of `a` or `b` that is in `set`.
fn any<'a>(set: &[&str], a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    [a, b].into_iter().flatten().find(|v| set.contains(v))
}

/// Refuse comparisons whose answer depends on the implementation:
/// - `~=` with a string variable: pep508_rs 0.9.2 panics on
///   `'x' ~= sys_platform` (`unreachable!` in its marker algebra, and the
///   panic poisons its global interner so every later marker panics too);
/// - `<`, `<=`, `>`, `>=` with a string variable: PEP 508 falls back to
///   Python's string order and pep508_rs does so, `packaging` 26 answers
///   false;
/// - `in` / `not in` with a version variable: pep508_rs compares versions
///   (`python_version in '3.12.1'` is false), `packaging` substrings (true).
fn check_operators(text: &str) -> Result<(), Pep508Error> {
    let t = tokens(text);
    for (i, op) in t.iter().enumerate() {
        let (left, right) = (i.checked_sub(1).map(|j| t[j]), t.get(i + 1).copied());
        let (left_in, right_in) = match *op {
            "in" if i > 0 && t[i - 1] == "not" => (i.checked_sub(2).map(|j| t[j]), right),
            _ => (left, right),
        };
        let why = match *op {
            // `'3.8' ~= python_version`: pep508_rs inverts it, `packaging`
            // builds `~=<environment value>` and tests '3.8' against it.
            "~=" if right.is_some_and(|r| VERSION_MARKERS.contains(&r)) => {
                Some(Pep508Error::TildeOrder {
                    variable: right.unwrap_or_default().to_string(),
                    value: left.unwrap_or_default().to_string(),
                })
            }
            "~=" => {
                any(STRING_MARKERS, left, right).map(|v| Pep508Error::TildeString(v.to_string()))
            }
            "<" | "<=" | ">" | ">=" => {
                any(STRING_MARKERS, left, right).map(|v| Pep508Error::StringOrder {
                    variable: v.to_string(),
                    op: op.to_string(),
                })
            }
            // A list of versions (`python_version in "2.7 3.4"`, used by real
            // packages) means the same to both; one version
            // (`python_version in '3.12.1'`) does not.
            "in" if [left_in, right_in]
                .into_iter()
                .flatten()
                .any(|t| t.starts_with(['\'', '"']) && t.contains([' ', ','])) =>
            {
                None
            }
            "in" => any(VERSION_MARKERS, left_in, right_in)
                .map(|v| Pep508Error::VersionIn(v.to_string())),
            _ => None,
        };
        if let Some(why) = why {
            return Err(why);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_implementations_answer_differently() {
        for bad in [
            "x ; sys_platform ~= 'linux'",
            "x ; python_full_version >= '3.13.*'",
            "x ; extra < 'dev'",
            "x ; platform_machine >= 'i686'",
            "x ; os_name == sys_platform",
            "x ; os_name != 'nt' or os_name <= 'posix'",
            "x ; python_version not in '3.12.1'",
            "x ; '3.8' in python_full_version",
            "x ; 'linux' ~= sys_platform",
            "x ; '3.8' ~= python_version",
            "cffi (>=1.14) ; os_name == \"nt\u{f6dd} implemcffi (>=1.14) ; os_name == \"nt\u{f6dd} implemententation_name != \"pypy\"",
            "x ; os_name == 'nt' é",
        ] {
            assert!(check_requirement(bad).is_err(), "{bad}");
        }
        for good in [
            "x ; sys_platform == 'linux' and python_version < '3.10'",
            "x ; platform_machine != 'ARM64' or 'linux' in sys_platform",
            "x ; extra == 'test'",
            "x ; python_version in \"2.6 2.7 3.2 3.3\"",
            "x ; sys_platform == 'a<b' and python_version < '3'",
            "x ; sys_platform == 'é'",
            "x",
        ] {
            assert_eq!(check_requirement(good), Ok(()), "{good}");
        }
        assert!(check_marker("platform_system <= 'Lin'").is_err());
        assert_eq!(check_marker("python_version >= '3.8'"), Ok(()));
    }
}
