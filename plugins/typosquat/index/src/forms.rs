//! The derived forms of a project name that typosquat detection compares.
//!
//! Every check reduces both the candidate and the protected name to one of
//! these forms and compares the results, so that each kind of imitation
//! (separator change, look-alike glyphs, `py` affixes, reordered words,
//! version digits) becomes an equality test on precomputed keys.

/// PEP 503 normalisation: the plugin SDK's, the same as the host's.
pub use fetter_packaging::names::normalize;

/// The name with every separator removed (`python-dateutil` ->
/// `pythondateutil`): two names with the same skeleton differ only in where
/// they put separators.
pub fn skeleton(normalized: &str) -> String {
    let mut out = String::with_capacity(normalized.len());
    normalized.split('-').for_each(|part| out.push_str(part));
    out
}

/// The skeleton with visually confusable glyphs folded together: `rn` and
/// `m`, `vv` and `w`, `1`/`i`/`l`, `0`/`o`. Two names with the same
/// look-alike key read the same in many fonts.
pub fn lookalike_key(skeleton: &str) -> String {
    if skeleton.is_ascii() {
        // One pass over the bytes (every name on PyPI is ASCII): the same
        // result as the general path below, which allocated three times.
        let (b, mut out) = (skeleton.as_bytes(), Vec::with_capacity(skeleton.len()));
        let mut i = 0;
        while i < b.len() {
            let pair = (b[i], b.get(i + 1).copied());
            out.push(match pair {
                (b'r', Some(b'n')) => b'm',
                (b'v', Some(b'v')) => b'w',
                (b'1' | b'i', _) => b'l',
                (b'0', _) => b'o',
                (c, _) => c,
            });
            i += if matches!(pair, (b'r', Some(b'n')) | (b'v', Some(b'v'))) {
                2
            } else {
                1
            };
        }
        return String::from_utf8(out).expect("ASCII in, ASCII out");
    }
    lookalike_key_general(skeleton)
}

/// [`lookalike_key`] for any text (the tests hold the ASCII fast path to
/// this).
fn lookalike_key_general(skeleton: &str) -> String {
    let folded = skeleton.replace("rn", "m").replace("vv", "w");
    folded
        .chars()
        .map(|c| match c {
            '1' | 'i' => 'l',
            '0' => 'o',
            other => other,
        })
        .collect()
}

/// Prefixes that name the language rather than the project, longest first
/// so `python3-` is stripped before `py`.
const PY_PREFIXES: &[&str] = &[
    "python3-", "python2-", "python-", "python3", "python2", "python", "py3-", "py2-", "py-",
    "py3", "py2", "py",
];

/// Suffixes that name the language rather than the project, longest first.
const PY_SUFFIXES: &[&str] = &[
    "-python3", "-python2", "-python", "python3", "python", "-py3", "-py", "py3", "py",
];

/// The skeletons of `normalized` with a leading and/or trailing `py`/`python`
/// affix removed (`python3-dateutil` -> `dateutil`, `kafka-python` ->
/// `kafka`), excluding the unstripped name itself. Cores shorter than four
/// characters are dropped: `py-re` and `pyre` share too little to accuse.
pub fn py_cores(normalized: &str) -> Vec<String> {
    let mut cores = Vec::new();
    let prefix_stripped = PY_PREFIXES
        .iter()
        .find_map(|p| normalized.strip_prefix(p))
        .map(|s| s.trim_start_matches('-'));
    let strip_suffix = |s: &str| -> Option<String> {
        PY_SUFFIXES
            .iter()
            .find_map(|p| s.strip_suffix(p))
            .map(|r| r.trim_end_matches('-').to_string())
    };
    if let Some(p) = prefix_stripped {
        cores.push(p.to_string());
        if let Some(both) = strip_suffix(p) {
            cores.push(both);
        }
    }
    if let Some(s) = strip_suffix(normalized) {
        cores.push(s);
    }
    let mut out: Vec<String> = cores
        .iter()
        .map(|c| skeleton(c))
        .filter(|c| c.len() >= 4)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The words of a normalized name, sorted and joined (`dateutil-python` and
/// `python-dateutil` both give `dateutil-python`); `None` for one-word
/// names, which cannot be reordered.
pub fn sorted_words(normalized: &str) -> Option<String> {
    let mut words: Vec<&str> = normalized.split('-').filter(|w| !w.is_empty()).collect();
    if words.len() < 2 {
        return None;
    }
    words.sort_unstable();
    Some(words.join("-"))
}

/// The skeleton without its trailing digits (`urllib3` -> `urllib`,
/// `beautifulsoup4` -> `beautifulsoup`); `None` when there are none or when
/// fewer than four characters would remain.
pub fn without_version_digits(skeleton: &str) -> Option<&str> {
    let stripped = skeleton.trim_end_matches(|c: char| c.is_ascii_digit());
    (stripped.len() != skeleton.len() && stripped.len() >= 4).then_some(stripped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(normalize("Jaraco__Classes"), "jaraco-classes");
        assert_eq!(normalize("jeIlyfish"), "jeilyfish");
        assert_eq!(normalize(" zope.interface "), "zope-interface");
    }

    #[test]
    fn skeleton_drops_separators() {
        assert_eq!(skeleton("python-date-util"), "pythondateutil");
    }

    #[test]
    fn lookalike_fast_path_equals_the_general_one() {
        let top = crate::corpus::top_pypi();
        let tricky = [
            "rnrn", "rrn", "rnn", "vvv", "vvvv", "vrnv", "r", "v", "", "i1l0o", "rn1", "vv0",
            "ornvvi",
        ];
        for s in top
            .iter()
            .map(|p| skeleton(&p.normalized))
            .chain(tricky.iter().map(|s| s.to_string()))
        {
            assert_eq!(lookalike_key(&s), lookalike_key_general(&s), "{s}");
        }
        assert_eq!(
            lookalike_key("ŕnvv"),
            "ŕnw",
            "non-ASCII takes the general path"
        );
    }

    #[test]
    fn skeleton_drops_every_separator() {
        assert_eq!(skeleton("python-date-util"), "pythondateutil");
        assert_eq!(skeleton("-a--b-"), "ab");
        assert_eq!(skeleton("ü-x"), "üx");
    }

    #[test]
    fn lookalike_key_folds_confusables() {
        assert_eq!(lookalike_key("jeilyfish"), lookalike_key("jellyfish"));
        assert_eq!(lookalike_key("rnatplotlib"), lookalike_key("matplotlib"));
        assert_eq!(lookalike_key("c0l0rama"), lookalike_key("colorama"));
        assert_ne!(lookalike_key("numpy"), lookalike_key("nurnpy2"));
    }

    #[test]
    fn py_cores_strip_language_affixes() {
        assert_eq!(py_cores("python3-dateutil"), vec!["dateutil"]);
        assert_eq!(py_cores("kafka-python"), vec!["kafka"]);
        assert!(py_cores("pythonkafka").contains(&"kafka".to_string()));
        assert!(py_cores("pymongo").contains(&"mongo".to_string()));
        assert!(
            py_cores("py-re").is_empty(),
            "cores under 4 chars are dropped"
        );
        assert!(py_cores("requests").is_empty());
    }

    #[test]
    fn sorted_words_ignores_order() {
        assert_eq!(
            sorted_words("dateutil-python"),
            sorted_words("python-dateutil")
        );
        assert_eq!(sorted_words("requests"), None);
    }

    #[test]
    fn version_digits_are_trailing_only() {
        assert_eq!(without_version_digits("urllib3"), Some("urllib"));
        assert_eq!(without_version_digits("py2neo"), None);
        assert_eq!(without_version_digits("boto3"), Some("boto"));
        assert_eq!(without_version_digits("bs4"), None);
    }
}
