//! PEP 503 name normalisation, identical to the host's.

/// Normalize a project name per PEP 503: runs of `-`, `_` and `.` become one
/// `-`, and the result is lowercase (`Jaraco.Classes` -> `jaraco-classes`).
///
/// The host already gives every distribution's normalized name; use this for
/// names that come from settings.
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

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(super::normalize("Jaraco.Classes"), "jaraco-classes");
        assert_eq!(super::normalize("a__b-.c"), "a-b-c");
        assert_eq!(super::normalize(" Django "), "django");
    }
}
