//! PEP 503 name normalisation, shared by every check that compares names.

/// Normalize a project name per PEP 503: runs of `-`, `_` and `.` become one
/// `-`, and the result is lowercase (`Jaraco.Classes` -> `jaraco-classes`).
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
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
    fn validates_names() {
        assert!(is_valid("requests"));
        assert!(is_valid("a"));
        assert!(is_valid("jaraco.classes"));
        assert!(!is_valid("-a"));
        assert!(!is_valid("a-"));
        assert!(!is_valid(""));
        assert!(!is_valid("a b"));
    }
}
