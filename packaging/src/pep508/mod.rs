//! PEP 508 requirements and markers through pep508_rs, behind the guards
//! fetter needs: inputs on which pep508_rs 0.9.2 panics, overflows the
//! stack, or answers differently from `packaging` are refused with an
//! error ([`marker_guard`], [`check_nesting`]), and messages never echo
//! more than a line of the input.

pub mod marker_guard;
mod marker_walk;

use std::str::FromStr;

use pep508_rs::{MarkerTree, Requirement, VerbatimUrl};

/// Why a requirement or marker is refused: pep508_rs's own error, or a
/// guard's (an input on which pep508_rs 0.9.2 would panic, overflow the
/// stack or answer differently from `packaging`). Values are shortened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Pep508Error {
    /// pep508_rs refuses the requirement.
    #[error("invalid requirement {text:?}: {why}")]
    Requirement {
        /// The requirement, shortened.
        text: String,
        /// The first line of pep508_rs's message.
        why: String,
    },
    /// pep508_rs refuses the marker.
    #[error("invalid marker {text:?}: {why}")]
    Marker {
        /// The marker as written.
        text: String,
        /// The first line of pep508_rs's message.
        why: String,
    },
    /// Parentheses nested deeper than [`MAX_NESTING`].
    #[error("parentheses nested deeper than {MAX_NESTING} levels; simplify the marker")]
    Nesting,
    /// A name ending in a separator before more text.
    #[error("package name {name:?} must end with a letter or digit, not {end:?}")]
    NameEnd {
        /// The name, shortened.
        name: String,
        /// Its last character.
        end: char,
    },
    /// An extra ending in a separator.
    #[error("extra {0:?} must end with a letter or digit")]
    ExtraEnd(String),
    /// Non-ASCII outside a quoted string of a marker.
    #[error("unexpected character {0:?} in a marker (outside a quoted string)")]
    NonAscii(char),
    /// A look-ahead run pep508_rs would slice inside a character.
    #[error("unexpected text {0:?} after a marker expression (expected `and` or `or`)")]
    Lookahead(String),
    /// An expression pep508_rs would drop (it would count as true).
    #[error("marker cannot be evaluated reliably: {0}")]
    Dropped(String),
    /// `'3.8' ~= python_version`.
    #[error("`~=` must have the marker variable on its left (`{variable} ~= {value}`)")]
    TildeOrder {
        /// The version variable.
        variable: String,
        /// The other operand.
        value: String,
    },
    /// `~=` on a string variable.
    #[error("`~=` cannot compare the string marker variable {0}; use == or !=")]
    TildeString(String),
    /// `<`, `<=`, `>`, `>=` on a string variable.
    #[error("marker compares {variable} by string order ({op}), which Python packaging tools answer differently; use ==, != or in")]
    StringOrder {
        /// The string variable.
        variable: String,
        /// The operator.
        op: String,
    },
    /// `in` on a version variable with one version.
    #[error("`in` on the version variable {0} means a version match to some tools and a substring to others; use == or a version range")]
    VersionIn(String),
}

/// Parse a PEP 508 requirement string, guarded: `Err` with a message
/// (`invalid requirement "…": …`) for anything fetter refuses. PEP 440
/// arbitrary equality operands (`===foobar`) need not be versions: they
/// are returned as written, beside the requirement (which holds `===0`).
pub fn parse_requirement(
    text: &str,
) -> Result<(Requirement<VerbatimUrl>, Vec<String>), Pep508Error> {
    check_nesting(text)?;
    check_name_end(text)?;
    let (pep508_text, arbitrary) = extract_arbitrary(text);
    marker_guard::check_requirement(&pep508_text)?;
    let requirement = Requirement::<VerbatimUrl>::from_str(&pep508_text).map_err(|e| {
        Pep508Error::Requirement {
            text: shorten(text),
            why: pep508_message(&e),
        }
    })?;
    Ok((requirement, arbitrary))
}

/// Parse a PEP 508 marker expression (a lock file's `markers`), guarded as
/// [`parse_requirement`] is.
pub fn parse_marker(text: &str) -> Result<MarkerTree, Pep508Error> {
    check_nesting(text)?;
    marker_guard::check_marker(text)?;
    MarkerTree::parse_str::<VerbatimUrl>(text).map_err(|e| Pep508Error::Marker {
        text: text.to_string(),
        why: pep508_message(&e),
    })
}

/// `text`, cut to 120 characters for messages (a bad line may be huge).
pub fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Deepest parenthesis nesting accepted in a requirement or marker.
pub const MAX_NESTING: usize = 64;

/// Refuse markers nested deeper than [`MAX_NESTING`]: the marker parser
/// recurses once per level, and a hostile bound could overflow the stack
/// (an abort, not an error).
pub fn check_nesting(text: &str) -> Result<(), Pep508Error> {
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Pep508Error::Nesting);
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Refuse a leading name that ends in `.`, `-` or `_` before another
/// character (`foo_>=1`, `A- `): pep508_rs 0.9.2 panics on it
/// (`expect` on `PackageName::new`, lib.rs:477) instead of returning an
/// error. Found by tests/properties.rs.
fn check_name_end(text: &str) -> Result<(), Pep508Error> {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(t.len());
    if let Some(c @ ('.' | '-' | '_')) = t[..end].chars().last() {
        if end < t.len() {
            return Err(Pep508Error::NameEnd {
                name: shorten(&t[..end]),
                end: c,
            });
        }
    }
    // Extras too: `x[crt5.]` panicked the same way (`expect` on
    // `ExtraName::new`, lib.rs:658). Found by the `requirement` fuzz target.
    if let Some(inner) = t[end..].trim_start().strip_prefix('[') {
        let inner = inner.split(']').next().unwrap_or_default();
        if let Some(bad) = inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .find(|e| e.ends_with(['.', '-', '_']))
        {
            return Err(Pep508Error::ExtraEnd(shorten(bad)));
        }
    }
    Ok(())
}

/// The first line of a multi-line parser message (pep508_rs underlines the
/// error position on following lines).
fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// The first line of a pep508_rs error's message, without the input
/// excerpt its `Display` underlines: pep508_rs 0.9.2 cuts that excerpt at
/// character counts used as byte offsets, and panics when they fall inside
/// a multi-byte character (`x[a é]`). Found by the `requirement` fuzz
/// target. The excerpt was never shown (only the first line was kept).
pub fn pep508_message(e: &pep508_rs::Pep508Error<VerbatimUrl>) -> String {
    first_line(&e.message.to_string()).to_string()
}

/// Replace each `=== OPERAND` with `===0` so `pep508_rs` accepts operands
/// that are not PEP 440 versions, and return the operands as written.
fn extract_arbitrary(text: &str) -> (String, Vec<String>) {
    if !text.contains("===") {
        return (text.to_string(), Vec::new());
    }
    // Only the part before the marker holds specifiers.
    let (head, tail) = match text.find(';') {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let mut out = String::with_capacity(text.len());
    let mut operands = Vec::new();
    let mut rest = head;
    while let Some(i) = rest.find("===") {
        out.push_str(&rest[..i + 3]);
        let after = rest[i + 3..].trim_start();
        let end = after
            .find(|c: char| c == ',' || c == ')' || c.is_whitespace())
            .unwrap_or(after.len());
        operands.push(after[..end].to_string());
        out.push('0');
        rest = &after[end..];
    }
    out.push_str(rest);
    out.push_str(tail);
    (out, operands)
}
