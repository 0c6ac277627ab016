//! Name globs: `*` matches any run of characters, `?` exactly one, matched
//! against PEP 503 normalized names.
//!
//! Written here rather than taken from `globset`: project names have no
//! path separators or character classes to care about, and a regex engine
//! would triple the size of a sandboxed plugin for two wildcards.

/// A compiled name glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameGlob {
    /// The pattern, normalized like a project name (`Jaraco.*` -> `jaraco-*`).
    pattern: String,
}

impl NameGlob {
    /// Compile `pattern`; `None` when it contains characters no project
    /// name or wildcard can (`/`, spaces, brackets…) or is empty.
    pub fn new(pattern: &str) -> Option<NameGlob> {
        let pattern = pattern.trim();
        let ok = !pattern.is_empty()
            && pattern
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?'));
        ok.then(|| NameGlob {
            pattern: crate::normalize(pattern),
        })
    }

    /// The normalized pattern.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// True when normalized name `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        wildcard_match(self.pattern.as_bytes(), name.as_bytes())
    }
}

/// Iterative wildcard matching with single-star backtracking: linear in
/// practice, never exponential.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last star swallow one more character.
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        NameGlob::new(pattern)
            .unwrap()
            .matches(&crate::normalize(name))
    }

    #[test]
    fn literal_names_match_after_normalisation() {
        assert!(m("requests", "requests"));
        assert!(m("Jaraco.Classes", "jaraco_classes"));
        assert!(!m("requests", "requests-oauthlib"));
        assert!(!m("requests", "request"));
    }

    #[test]
    fn wildcards() {
        assert!(m("azure-*", "azure-core"));
        assert!(m("azure-*", "azure.storage.blob"));
        assert!(!m("azure-*", "azure"));
        assert!(m("*", "anything"));
        assert!(m("django*", "django"));
        assert!(m("django*", "django-redis"));
        assert!(m("py?aml", "pyyaml"));
        assert!(!m("py?aml", "pyaml"));
        assert!(m("*-stubs", "boto3-stubs"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m("**", ""));
    }

    #[test]
    fn rejects_patterns_no_name_can_match() {
        for bad in ["", "  ", "a/b", "req uests", "[ab]", "x!"] {
            assert_eq!(NameGlob::new(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let pattern = "*a".repeat(30);
        let name = "a".repeat(29) + "b";
        assert!(!m(&pattern, &name));
    }
}
