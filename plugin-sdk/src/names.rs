//! PEP 503 name normalisation, identical to the host's.

/// Normalize a project name per PEP 503: runs of `-`, `_` and `.` become one
/// `-`, and the result is lowercase (`Jaraco.Classes` -> `jaraco-classes`).
///
/// The host already gives every distribution's normalized name; use this for
/// names that come from settings.
pub fn normalize(name: &str) -> String {
    let name = name.trim();
    if name.is_ascii() {
        // Nearly every real name: bytes, no Unicode case tables (typosquat
        // normalizes its 15,000 protected names at every start-up).
        let mut out = Vec::with_capacity(name.len());
        let mut in_sep = false;
        for b in name.bytes() {
            if matches!(b, b'-' | b'_' | b'.') {
                if !in_sep {
                    out.push(b'-');
                }
                in_sep = true;
            } else {
                out.push(b.to_ascii_lowercase());
                in_sep = false;
            }
        }
        return String::from_utf8(out).expect("ASCII in, ASCII out");
    }
    normalize_chars(name)
}

/// [`normalize`] for any Unicode text.
fn normalize_chars(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
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
        ] {
            assert_eq!(
                super::normalize(name),
                super::normalize_chars(name),
                "{name:?}"
            );
        }
        assert_eq!(super::normalize("Ünï_Code"), "ünï-code");
    }
}
