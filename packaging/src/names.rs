//! PEP 503 name normalisation: the one `normalize` of the engine, the
//! plugin SDK and every plugin, and [`PackageName`], a name known to be
//! normalised.

use std::fmt;

/// Normalize a project name per PEP 503: runs of `-`, `_` and `.` become one
/// `-`, and the result is lowercase (`Jaraco.Classes` -> `jaraco-classes`).
/// Surrounding whitespace is ignored.
pub fn normalize(name: &str) -> String {
    let name = name.trim();
    if name.is_ascii() {
        // Nearly every real name: bytes, no Unicode case tables (typosquat
        // normalizes its 15,000 protected names at every start-up).
        let mut out = String::with_capacity(name.len());
        let mut in_sep = false;
        for b in name.bytes() {
            if matches!(b, b'-' | b'_' | b'.') {
                if !in_sep {
                    out.push('-');
                }
                in_sep = true;
            } else {
                out.push(char::from(b.to_ascii_lowercase()));
                in_sep = false;
            }
        }
        return out;
    }
    fold(name, Case::Lower)
}

/// PEP 503 normalisation without the lowercasing (`Py_YAML` -> `Py-YAML`):
/// what `--case-sensitive` compares, so separators still never matter.
pub fn normalize_keep_case(name: &str) -> String {
    fold(name, Case::Keep)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Keep,
}

/// The one PEP 503 fold behind [`normalize`] and [`normalize_keep_case`].
fn fold(name: &str, case: Case) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            match case {
                Case::Lower => out.extend(c.to_lowercase()),
                Case::Keep => out.push(c),
            }
            in_sep = false;
        }
    }
    out
}

/// A PEP 503 normalised project name (`jaraco-classes`): made only by
/// [`PackageName::new`] (or deserialising, which normalises too), so two
/// spellings of one project are equal, hash and sort alike. It displays and
/// serialises as the normalised string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName(String);

impl PackageName {
    /// The normalised form of `name`, whatever its spelling.
    pub fn new(name: &str) -> Self {
        PackageName(normalize(name))
    }

    /// The key of an installed distribution's name: [`normalize`] for a
    /// valid name, the escaped form of [`normalize_installed`] otherwise.
    pub fn installed(name: &str) -> Self {
        PackageName(normalize_installed(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for PackageName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<String> for PackageName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<PackageName> for String {
    fn eq(&self, other: &PackageName) -> bool {
        *self == other.0
    }
}

impl PartialEq<PackageName> for str {
    fn eq(&self, other: &PackageName) -> bool {
        self == other.0
    }
}

impl PartialEq<PackageName> for &str {
    fn eq(&self, other: &PackageName) -> bool {
        *self == other.0
    }
}

impl AsRef<str> for PackageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for PackageName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for PackageName {
    fn from(name: &str) -> Self {
        PackageName::new(name)
    }
}

impl PartialEq<str> for PackageName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PackageName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for PackageName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PackageName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(PackageName::new(&name))
    }
}

/// A glob (`*`, `?`, `[abc]`) over project names, with one rule for every
/// command (`search`, `unpack-files -p`, `purge-pattern -p`): the pattern
/// and the name are both PEP 503 normalised before matching, so
/// `charset_normalizer`, `Charset.Normalizer` and `charset-normalizer` are
/// one name. Case-sensitive matching keeps the case of both and still folds
/// the separators.
#[cfg(feature = "glob")]
#[derive(Debug, Clone)]
pub struct NamePattern {
    matcher: globset::GlobMatcher,
    case_sensitive: bool,
}

/// A glob [`NamePattern::new`] cannot compile.
#[cfg(feature = "glob")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid pattern {pattern:?}: {why}")]
pub struct InvalidPattern {
    /// The pattern as given.
    pub pattern: String,
    /// What globset says is wrong.
    pub why: String,
}

#[cfg(feature = "glob")]
impl NamePattern {
    /// Compile `pattern`; an invalid glob is an error naming it.
    pub fn new(pattern: &str, case_sensitive: bool) -> Result<Self, InvalidPattern> {
        let folded = if case_sensitive {
            normalize_keep_case(pattern)
        } else {
            normalize(pattern)
        };
        let matcher = globset::GlobBuilder::new(&folded)
            .case_insensitive(!case_sensitive)
            .literal_separator(false)
            .build()
            .map_err(|e| InvalidPattern {
                pattern: pattern.to_string(),
                why: e.kind().to_string(),
            })?
            .compile_matcher();
        Ok(NamePattern {
            matcher,
            case_sensitive,
        })
    }

    /// True when `name` (as the metadata spells it) matches.
    pub fn is_match(&self, name: &str) -> bool {
        if self.case_sensitive {
            self.matcher.is_match(normalize_keep_case(name))
        } else {
            self.matcher.is_match(normalize(name))
        }
    }
}

/// The normalized name of an installed distribution, whatever its
/// metadata says: [`normalize`] for a valid project name; for an invalid
/// one (`café`, a name holding `ESC[2J`), each character that is not an
/// ASCII letter or digit, and each `-_.` at either end, is written as
/// `-u<hex code point>-` before normalizing (`café` -> `caf-ue9`). The
/// result always matches the inventory schema's `normalized_name` pattern
/// (`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`), and an invalid name never takes the
/// key of the valid name it imitates (`requests\u{202e}` is
/// `requests-u202e`, so a bound naming `requests` does not admit it). It
/// differs from `packaging.utils.canonicalize_name`, which keeps such
/// characters; no index accepts these names.
pub fn normalize_installed(name: &str) -> String {
    if is_valid(name) {
        return normalize(name);
    }
    let last = name.chars().count().saturating_sub(1);
    let mut encoded = String::with_capacity(name.len() + 8);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_alphanumeric() || (matches!(c, '-' | '_' | '.') && i != 0 && i != last) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("-u{:x}-", u32::from(c)));
        }
    }
    normalize(&encoded).trim_matches('-').to_string()
}

/// True when `name` is a valid project name
/// (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
pub fn is_valid(name: &str) -> bool {
    let b = name.as_bytes();
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    match b {
        [] => false,
        [one] => alnum(one),
        [first, mid @ .., last] => {
            alnum(first)
                && alnum(last)
                && mid
                    .iter()
                    .all(|c| alnum(c) || matches!(c, b'.' | b'_' | b'-'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_per_pep_503() {
        assert_eq!(normalize("jaraco.classes"), "jaraco-classes");
        assert_eq!(normalize("Jaraco_Classes"), "jaraco-classes");
        assert_eq!(normalize("PyYAML"), "pyyaml");
        assert_eq!(normalize("a-_.b"), "a-b");
        assert_eq!(normalize("zope.interface"), "zope-interface");
    }

    #[test]
    fn ascii_fast_path_equals_the_unicode_path() {
        for name in [
            "Foo_Bar",
            "a..b",
            "X-y",
            "--a",
            "ZOPE.Interface",
            "a_-_b",
            "",
            "Q",
            " Django ",
        ] {
            assert_eq!(normalize(name), fold(name.trim(), Case::Lower), "{name:?}");
        }
        assert_eq!(normalize("Ünï_Code"), "ünï-code");
    }

    #[test]
    fn package_names_compare_normalised() {
        let a = PackageName::new("Jaraco.Classes");
        assert_eq!(a, PackageName::new("jaraco_classes"));
        assert_eq!(a.to_string(), "jaraco-classes");
        assert_eq!(a, "jaraco-classes");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"jaraco-classes\"");
        let b: PackageName = serde_json::from_str("\"Jaraco__CLASSES\"").unwrap();
        assert_eq!(a, b);
        let set: std::collections::BTreeSet<PackageName> =
            ["b", "A", "a"].into_iter().map(PackageName::new).collect();
        assert_eq!(
            set.into_iter()
                .map(PackageName::into_string)
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[cfg(feature = "glob")]
    #[test]
    fn patterns_normalise_both_sides() {
        let p = NamePattern::new("charset_normalizer", false).unwrap();
        assert!(p.is_match("charset-normalizer"));
        assert!(p.is_match("Charset.Normalizer"));
        assert!(!p.is_match("charset-normalizer2"));
        let p = NamePattern::new("Jaraco.Class*", false).unwrap();
        assert!(p.is_match("jaraco-classes") && p.is_match("JARACO_CLASSES"));
        let p = NamePattern::new("Py_YAML", true).unwrap();
        assert!(p.is_match("Py.YAML") && p.is_match("Py-YAML"));
        assert!(!p.is_match("pyyaml") && !p.is_match("Py-Yaml"));
        assert_eq!(normalize_keep_case("Py_.YAML"), "Py-YAML");
        assert!(NamePattern::new("a[", false)
            .unwrap_err()
            .to_string()
            .contains("a["));
    }

    #[test]
    fn validates_names() {
        assert!(is_valid("requests"));
        assert!(is_valid("a"));
        assert!(is_valid("jaraco.classes"));
        assert!(!is_valid("-a"));
        assert!(!is_valid("a-"));
        assert!(!is_valid(""));
        assert!(!is_valid("a b"));
    }

    #[test]
    fn invalid_installed_names_still_normalize_to_the_pattern() {
        assert_eq!(normalize_installed("Jaraco.Classes"), "jaraco-classes");
        assert_eq!(normalize_installed("café"), "caf-ue9");
        assert_eq!(normalize_installed("-a"), "u2d-a");
        assert_eq!(normalize_installed("x\x1b[2J"), "x-u1b-u5b-2j");
        assert_eq!(normalize_installed("\u{fffd}"), "ufffd");
        let ok = |s: &str| {
            let b = s.as_bytes();
            !b.is_empty()
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        };
        for n in ["a b", "..", "_", "ünï", "a__", "\u{202e}evil"] {
            assert!(ok(&normalize_installed(n)), "{n:?}");
        }
    }
}
