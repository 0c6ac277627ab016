//! OpenSSH-style wildcard patterns (`*` any run of characters, `?` one
//! character), shared by trust.toml scopes and allowed_signers principals
//! and namespaces, so both files mean the same thing by a `*`.

/// Whether `text` matches `pattern`, where `*` matches any run of
/// characters (`/` included) and `?` exactly one; everything else is
/// literal. Iterative with one backtrack point: linear in practice, never
/// exponential on hostile patterns.
pub(super) fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether `text` matches a comma-separated OpenSSH pattern list
/// (`match_pattern_list`): some positive pattern matches and no negated
/// one (`!pattern`) does.
pub(super) fn matches_list(list: &str, text: &str) -> bool {
    let mut matched = false;
    for pat in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match pat.strip_prefix('!') {
            Some(neg) if matches(neg, text) => return false,
            Some(_) => {}
            None => matched |= matches(pat, text),
        }
    }
    matched
}

/// Whether a pattern has a wildcard at all.
pub(super) fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?'])
}

/// How many literal (non-wildcard) characters a pattern has: the measure
/// of "more specific" between two patterns that both match.
pub(super) fn literal_len(pattern: &str) -> usize {
    pattern.chars().filter(|c| !matches!(c, '*' | '?')).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "registry.acme.internal/security/base"));
        assert!(matches(
            "registry.acme.internal/security/*",
            "registry.acme.internal/security/a/b"
        ));
        assert!(!matches(
            "registry.acme.internal/security/*",
            "registry.acme.internal/securityx"
        ));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*@acme.com", "alice@acme.com"));
        assert!(!matches("*@acme.com", "alice@acme.com.evil"));
        assert!(matches("a*b*c", "aXXbYYbc"));
        assert!(!matches("abc", "abcd"));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
    }

    #[test]
    fn hostile_patterns_stay_fast() {
        let pat = "*a".repeat(50) + "b";
        let text = "a".repeat(5000);
        assert!(!matches(&pat, &text));
    }

    #[test]
    fn lists_with_negation() {
        assert!(matches_list("git,fetter-policy", "fetter-policy"));
        assert!(!matches_list("git,file", "fetter-policy"));
        assert!(matches_list("*", "fetter-policy"));
        assert!(!matches_list("*,!fetter-*", "fetter-policy"));
        assert!(!matches_list("", "x"));
    }

    #[test]
    fn specificity() {
        assert!(is_literal("registry/x"));
        assert!(!is_literal("registry/*"));
        assert_eq!(literal_len("registry/*"), 9);
        assert_eq!(literal_len("*"), 0);
    }
}
