//! How much evidence each rule needs before it accuses a name.
//!
//! Short names sit close to many others (`six`, `sax`, `six2` are all real),
//! so the shorter the protected name, the more specific the imitation must
//! be. The thresholds were tuned on the leave-one-out measurement of
//! `tests/quality.rs` (popular names checked against each other), which
//! fails if they get too loose.

use crate::forms::skeleton;
use crate::rules::Rule;

/// How telling a match is on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// A slip people make and legitimate projects rarely choose: swapped,
    /// repeated or look-alike characters, a neighbouring key, a letter left
    /// out inside the name, a separator moved.
    Strong,
    /// A difference legitimate projects also use to name forks and variants
    /// (`c`/`a` prefixes, `2`/`3` suffixes, a different first letter, `py`
    /// prefixes): flagged only against very popular names.
    Weak,
    /// Weak, and the changed letters are unrelated (neither neighbouring
    /// keys, look-alikes nor sound-alikes): also needs a longer name.
    Faint,
}

/// Weak evidence alone only flags imitations of names at least this
/// popular.
pub const WEAK_EVIDENCE_MAX_RANK: u32 = 1000;

/// Weak evidence against a name ranked up to this, with an attacker-style
/// affix (a combosquat), flags even a name that is on PyPI.
pub const CORROBORATED_MAX_RANK: u32 = 5000;

/// What is known about the candidate besides how it differs from a
/// protected name: the signals that corroborate weak evidence against
/// less popular names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signals {
    /// The name is not a project on PyPI (it is absent from the snapshot's
    /// list of names near popular ones, `data/pypi-near-names.txt`): it was
    /// installed from elsewhere, or removed from the index, as malware is.
    pub unknown: bool,
}

/// True when a `strength` match of `rule` against a protected name is
/// enough to flag. `target` is the part of the protected skeleton the
/// candidate differs in (the whole name, or the member name after a shared
/// family prefix such as `mypy-boto3-`); `rank` its download rank (`None`
/// for names the settings protect, which count as very popular).
///
/// Weak evidence against a name beyond the 1,000 most downloaded needs a
/// corroborating signal: the candidate is not a known project, or it is a
/// combosquat (an attacker-style affix) of a name in the top 5,000.
pub fn is_enough(
    rule: Rule,
    strength: Strength,
    target: &str,
    rank: Option<u32>,
    signals: Signals,
) -> bool {
    if strength != Strength::Strong && rank.is_some_and(|r| r > WEAK_EVIDENCE_MAX_RANK) {
        let affix = rule == Rule::Combosquat && rank.is_some_and(|r| r <= CORROBORATED_MAX_RANK);
        if !(signals.unknown || affix) {
            return false;
        }
    }
    // A name that is not on PyPI may be one letter shorter for a slip
    // inside it to count (`whel`, `numipy`); not at either end, where a
    // word is often a popular name without its first or last letter
    // (`json`, `test` for `ujson`, `rtest`).
    let unknown_bonus = usize::from(
        signals.unknown
            && strength == Strength::Strong
            && matches!(rule, Rule::OmittedChar | Rule::AddedChar),
    );
    let len = target.len() + unknown_bonus - usize::from(strength == Strength::Faint);
    match rule {
        Rule::Separator | Rule::LookAlike | Rule::VersionDigit => len >= 4,
        // Import and former names are matched exactly (or a typo of one,
        // under the typo's rule): any length says enough.
        Rule::ImportName | Rule::FormerName => true,
        Rule::SwappedChars | Rule::RepeatedChar | Rule::SubstitutedChar => len >= 5,
        Rule::OmittedChar | Rule::AddedChar => len >= 6,
        Rule::TwoTypos => len >= crate::index::MIN_TWO_TYPO_LEN,
        // Cores and remainders are length-checked where they are made.
        Rule::PyAffix | Rule::ReorderedWords | Rule::Combosquat => true,
    }
}

/// Words attackers bolt onto a popular name to make a plausible sibling
/// (`requests-dev`, `colorama-fix`, `secure-urllib3`). Words that legitimate
/// plugin ecosystems use all the time (`-utils`, `-core`, `-client`,
/// `-tools`) are left out: they would accuse half of `pytest-*`.
const AFFIXES: &[&str] = &[
    "dev",
    "devel",
    "lib",
    "libs",
    "env",
    "conf",
    "config",
    "fix",
    "fixed",
    "patch",
    "patched",
    "update",
    "updated",
    "latest",
    "new",
    "official",
    "secure",
    "safe",
    "free",
    "installer",
    "setup",
    "hack",
    "crack",
    "pkg",
    "pkgs",
    "package",
    "packages",
    "upgrade",
    "install",
];

/// Most characters of noise after a glued affix (see
/// [`combosquat_remainders`]).
const MAX_NOISE: usize = 4;

/// Shortest name a short made-up first word may be put before (see
/// [`combosquat_remainders`]).
const MIN_PREFIXED_LEN: usize = 12;

/// Shortest remainder a combosquat may be built on.
const MIN_REMAINDER: usize = 4;

/// The skeletons left when one affix word is removed from the start or end
/// of `normalized` (`requests-dev` -> `requests`), or an affix glued to the
/// end without a separator (`requestsdev`, remainders of at least five
/// characters only, since glued short words are often just words).
/// `skel` is the [`skeleton`] of `normalized`, which callers already have.
///
/// With `loose` (for names not on PyPI), an affix glued in with a few
/// characters of noise after it counts too (`coloramapkgsdow`,
/// `pysqlite3pkgv2`), and so does a first word of one to three letters
/// before a name of two words or more (`sc-concurrent-log-handler`).
pub fn combosquat_remainders(normalized: &str, skel: &str, loose: bool) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<&str> = normalized.split('-').collect();
    // A year or build number bolted on (`2022-requests`) reads as an affix too.
    let is_affix =
        |w: &str| AFFIXES.contains(&w) || (w.len() >= 4 && w.bytes().all(|b| b.is_ascii_digit()));
    if words.len() >= 2 {
        if is_affix(words[words.len() - 1]) {
            out.push(skeleton(&words[..words.len() - 1].join("-")));
        }
        if is_affix(words[0]) {
            out.push(skeleton(&words[1..].join("-")));
        }
    }
    debug_assert_eq!(skel, skeleton(normalized));
    for affix in AFFIXES.iter().filter(|a| a.len() >= 3) {
        if let Some(rest) = skel.strip_suffix(affix) {
            if rest.len() >= 5 {
                out.push(rest.to_string());
            }
        }
    }
    if loose {
        // A short made-up first word on a long name
        // (`sc-concurrent-log-handler`).
        if words.len() >= 3 && (1..=3).contains(&words[0].len()) {
            let rest = skeleton(&words[1..].join("-"));
            if rest.len() >= MIN_PREFIXED_LEN {
                out.push(rest);
            }
        }
        for affix in AFFIXES.iter().filter(|a| a.len() >= 3) {
            let mut from = 0;
            while let Some(at) = skel[from..].find(affix).map(|i| i + from) {
                let tail = skel.len() - at - affix.len();
                if at >= 5 && (1..=MAX_NOISE).contains(&tail) {
                    out.push(skel[..at].to_string());
                }
                from = at + 1;
            }
        }
    }
    out.retain(|r| r.len() >= MIN_REMAINDER);
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_need_more_evidence() {
        use Strength::*;
        let top = Some(10);
        let s = Signals::default();
        assert!(!is_enough(Rule::SwappedChars, Strong, "six", top, s));
        assert!(is_enough(Rule::SwappedChars, Strong, "numpy", top, s));
        assert!(is_enough(Rule::SubstitutedChar, Strong, "numpy", top, s));
        assert!(is_enough(Rule::SubstitutedChar, Weak, "numpy", top, s));
        assert!(!is_enough(Rule::SubstitutedChar, Faint, "numpy", top, s));
        assert!(is_enough(Rule::SubstitutedChar, Faint, "django", top, s));
        assert!(!is_enough(Rule::OmittedChar, Strong, "flask", top, s));
    }

    #[test]
    fn weak_evidence_needs_a_very_popular_target() {
        use Strength::*;
        let known = Signals::default();
        let unknown = Signals { unknown: true };
        assert!(is_enough(
            Rule::Combosquat,
            Weak,
            "requests",
            Some(6),
            known
        ));
        assert!(!is_enough(
            Rule::AddedChar,
            Weak,
            "pysher",
            Some(3481),
            known
        ));
        assert!(is_enough(
            Rule::SwappedChars,
            Strong,
            "pysher",
            Some(3481),
            known
        ));
        assert!(is_enough(Rule::Combosquat, Weak, "internal", None, known));
        // Corroborated: an attacker-style affix on a top-5,000 name, or a
        // name that is not on PyPI.
        assert!(is_enough(
            Rule::Combosquat,
            Weak,
            "pysher",
            Some(3481),
            known
        ));
        assert!(!is_enough(
            Rule::Combosquat,
            Weak,
            "tkcalendar",
            Some(10084),
            known
        ));
        assert!(is_enough(
            Rule::Combosquat,
            Weak,
            "tkcalendar",
            Some(10084),
            unknown
        ));
        assert!(is_enough(
            Rule::AddedChar,
            Weak,
            "pysher",
            Some(3481),
            unknown
        ));
    }

    fn combosquat_remainders(normalized: &str) -> Vec<String> {
        super::combosquat_remainders(normalized, &skeleton(normalized), false)
    }

    #[test]
    fn remainders_strip_one_affix() {
        assert_eq!(combosquat_remainders("requests-dev"), vec!["requests"]);
        assert_eq!(combosquat_remainders("secure-urllib3"), vec!["urllib3"]);
        assert_eq!(combosquat_remainders("colorama-fix"), vec!["colorama"]);
        assert!(combosquat_remainders("requestsdev").contains(&"requests".to_string()));
        assert!(combosquat_remainders("pytest-xdist").is_empty());
        assert!(
            combosquat_remainders("os-dev").is_empty(),
            "remainder too short"
        );
    }
}
