//! The detector: indexes the protected names once, then judges one
//! candidate name at a time.

use crate::corpus::Protected;
use crate::edit::{
    distance_within, is_at_edge, is_plausible_misspelling, single_edit, Edit, Substitution,
};
use crate::evidence::{
    combosquat_remainders, is_enough, Signals, Strength, WEAK_EVIDENCE_MAX_RANK,
};
use crate::forms::{
    lookalike_key, normalize, py_cores, skeleton, sorted_words, without_version_digits,
};
use crate::index::{Index, MIN_TWO_TYPO_LEN};
use crate::rules::Rule;

/// A candidate that imitates a protected name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How it imitates it.
    pub rule: Rule,
    /// The imitated name, as the index spells it.
    pub target: String,
    /// The imitated name's PyPI download rank (`None`: protected by settings).
    pub rank: Option<u32>,
}

impl Finding {
    /// A sentence naming the imitated package and its popularity.
    pub fn message(&self, candidate: &str) -> String {
        let popularity = match self.rank {
            Some(rank) => format!("PyPI download rank #{rank}"),
            None => "protected by this policy's settings".to_string(),
        };
        format!(
            "`{candidate}` looks like a typosquat of `{}` ({popularity}): {}",
            self.target,
            self.rule.explanation()
        )
    }

    /// Advice for people: the name they probably meant.
    pub fn suggestion(&self) -> String {
        format!("did you mean `{}`?", self.target)
    }
}

/// Buffers a check reuses from the previous one (see
/// [`Detector::check_with`]): the deletion variants' hashes and the
/// candidate ids of the neighbourhood searches.
#[derive(Debug, Default)]
pub struct Scratch {
    variants: Vec<u64>,
    ids: Vec<u32>,
}

/// Protected names and the indexes that find imitations of them.
#[derive(Debug, Default)]
pub struct Detector {
    index: Index,
}

impl Detector {
    /// Index `protected` (the earlier a name, the more it is preferred when
    /// several match: pass the most popular first). Names in `exempt` are
    /// never flagged.
    pub fn new(protected: Vec<Protected>, exempt: &[String]) -> Self {
        Detector {
            index: Index::build(protected, exempt),
        }
    }

    /// The detector the plugin runs: the names in `protect` (from settings;
    /// preferred when several match), then the embedded top-PyPI list,
    /// whose tables were built at compile time ([`crate::prebuilt`]).
    /// Answers exactly as [`Detector::new`] over the same names would.
    pub fn with_top_pypi(protect: Vec<Protected>, exempt: &[String]) -> Result<Self, String> {
        Ok(Detector {
            index: crate::prebuilt::index(protect, exempt)?,
        })
    }

    /// Number of protected names.
    pub fn len(&self) -> usize {
        self.index.protected.len()
    }

    /// True when nothing is protected.
    pub fn is_empty(&self) -> bool {
        self.index.protected.is_empty()
    }

    /// Judge one installed name: the most specific imitation of the most
    /// popular protected name, or `None` for a name that is itself
    /// protected, exempt, or not close enough to any.
    pub fn check(&self, name: &str) -> Option<Finding> {
        self.check_with(name, &mut Scratch::default())
    }

    /// [`Detector::check`] with buffers kept between calls: checking many
    /// names, this saves a few allocations per name (and, under a bump
    /// allocator, the memory they would leave behind).
    pub fn check_with(&self, name: &str, scratch: &mut Scratch) -> Option<Finding> {
        let normalized = normalize(name);
        if normalized.is_empty() || self.index.tables.trusted.contains(&normalized) {
            return None;
        }
        let signals = Signals {
            unknown: !self.index.tables.known.contains(&normalized),
        };
        self.judge(&normalized, false, signals, scratch)
    }

    /// [`Detector::check`] as if `name` were not a project on PyPI: what
    /// the detector would say of it installed from a private index or after
    /// its removal. `examples/near_names.rs` runs this over every name on
    /// PyPI to list the known names that need the list of known names.
    pub fn check_assuming_unknown(&self, name: &str) -> Option<Finding> {
        let normalized = normalize(name);
        if normalized.is_empty() || self.index.tables.trusted.contains(&normalized) {
            return None;
        }
        let signals = Signals { unknown: true };
        self.judge(&normalized, false, signals, &mut Scratch::default())
    }

    /// [`Detector::check`] with the signals given rather than looked up:
    /// the quality tools use it to judge names against a whole index
    /// snapshot without the embedded list of known names.
    pub fn check_with_signals(&self, name: &str, signals: Signals) -> Option<Finding> {
        let normalized = normalize(name);
        if normalized.is_empty() || self.index.tables.trusted.contains(&normalized) {
            return None;
        }
        self.judge(&normalized, false, signals, &mut Scratch::default())
    }

    /// Judge a protected name as if it were not protected, against all the
    /// *other* protected names: the leave-one-out measurement of how often
    /// legitimate popular names would be accused.
    pub fn check_against_others(&self, name: &str) -> Option<Finding> {
        let normalized = normalize(name);
        if normalized.is_empty() {
            return None;
        }
        // Every popular name is a known project.
        let signals = Signals { unknown: false };
        self.judge(&normalized, true, signals, &mut Scratch::default())
    }

    fn judge(
        &self,
        normalized: &str,
        leave_self_out: bool,
        signals: Signals,
        scratch: &mut Scratch,
    ) -> Option<Finding> {
        use Strength::{Faint, Strong, Weak};
        let x = &self.index;
        let skel = skeleton(normalized);
        // Best match first by how telling it is (an exact alias or a strong
        // slip beats a weak one, whatever the rule; a name beyond the top
        // 1,000 counts one notch less), then by the rule's specificity,
        // then by popularity: `psycogp2` is a swap in `psycopg2`, not a
        // weak swap in `psycopg` without its digit, and `pandar` is more
        // likely `pandas` than `panda`.
        let mut best: Option<(u8, Rule, u32)> = None;
        let mut consider = |rule: Rule, strength: Strength, id: u32| {
            let p = &x.protected[id as usize];
            let differs = x.skeletons[id as usize] != skel || rule == Rule::Separator;
            let is_self = leave_self_out && p.normalized == normalized;
            let grade = match (rule, strength) {
                (Rule::Separator | Rule::ImportName | Rule::FormerName, _) | (_, Strong) => 0,
                (_, Weak) => 1,
                (_, Faint) => 2,
            } + u8::from(p.rank.is_some_and(|r| r > WEAK_EVIDENCE_MAX_RANK));
            if differs
                && !is_self
                && best.is_none_or(|b| (grade, rule, id) < b)
                && is_enough(
                    rule,
                    strength,
                    &x.differing_part(normalized, id, rule.is_typo()),
                    p.rank,
                    signals,
                )
            {
                best = Some((grade, rule, id));
            }
        };

        for id in x.tables.by_skeleton.values(&skel) {
            consider(Rule::Separator, Strong, id);
        }
        // A popular project's import or former name: a name people type
        // because they know the project by it. Weak: some are real, other
        // projects (`attr` is not `attrs`).
        // Short aliases (`yaml`, `jwt`, `attr`) are ordinary words many
        // unrelated local packages are named: only longer ones accuse.
        if skel.len() >= MIN_ALIAS_LEN {
            for id in x.tables.by_import.values(&skel) {
                consider(Rule::ImportName, Weak, id);
            }
            for id in x.tables.by_former.values(&skel) {
                consider(Rule::FormerName, Weak, id);
            }
        }
        for id in x.tables.by_lookalike.values(&lookalike_key(&skel)) {
            consider(Rule::LookAlike, Strong, id);
        }
        let digitless = without_version_digits(&skel);
        let queries = [Some((skel.as_str(), false)), digitless.map(|d| (d, true))];
        let Scratch { variants, ids } = scratch;
        for &(query, query_derived) in queries.iter().flatten() {
            x.tables.one_edit.candidates_into(query, variants, ids);
            for &form_id in ids.iter() {
                let form = &x.forms[form_id as usize];
                if (query_derived || form.derived) && form.text.len() < MIN_DERIVED_LEN {
                    continue; // `lint` (from `pylint`) is too short to typo against
                }
                let Some(edit) = single_edit(query.as_bytes(), form.text.as_bytes()) else {
                    continue;
                };
                if strip_digits(query) == strip_digits(&form.text) {
                    continue; // only version digits differ: the version-digit rule below
                }
                let unrelated = matches!(
                    edit,
                    Edit::Substituted(Substitution::Other | Substitution::Digit)
                );
                let weak = query_derived
                    || form.derived
                    || is_at_edge(query.as_bytes(), form.text.as_bytes());
                let strength = match (unrelated, weak) {
                    (true, _) => Faint,
                    (false, true) => Weak,
                    (false, false) => Strong,
                };
                consider(rule_for(edit), strength, form.id);
            }
        }
        if skel.len() >= MIN_TWO_TYPO_LEN {
            for &(query, _) in queries.iter().flatten() {
                x.tables.two_edits.candidates_into(query, variants, ids);
                for &form_id in ids.iter() {
                    let form = &x.forms[form_id as usize];
                    let (q, t) = (query.as_bytes(), form.text.as_bytes());
                    if is_plausible_misspelling(q, t) && distance_within(q, t, 2) == Some(2) {
                        consider(Rule::TwoTypos, Weak, form.id);
                    }
                }
            }
        }
        // Not on PyPI, and a long popular name with two letters appended
        // (`pyaescrypter`, `crytic_compilers`): the two-typo rule leaves
        // names that merely extend another to known projects
        // (`tensorflowjs`), but an unknown one gets no such benefit.
        if signals.unknown && skel.len() >= MIN_TWO_TYPO_LEN + 2 && skel.is_ascii() {
            for id in x.tables.by_skeleton.values(&skel[..skel.len() - 2]) {
                consider(Rule::TwoTypos, Weak, id);
            }
        }
        if let Some(words) = sorted_words(normalized) {
            for id in x.tables.by_words.values(&words) {
                consider(Rule::ReorderedWords, Strong, id);
            }
        }
        // A `py` affix swapped for another (`python-mongo` for `pymongo`) is
        // strong; one merely added or dropped (`pika` and `pypika` are
        // unrelated projects) is weak.
        for core in py_cores(normalized) {
            for id in x.tables.by_core.values(&core) {
                consider(Rule::PyAffix, Strong, id);
            }
            for id in x.tables.by_skeleton.values(&core) {
                consider(Rule::PyAffix, Weak, id);
            }
        }
        // The `py` dropped: only a core of five characters or more accuses
        // (`proj` and `yaml` are words, not imitations of `pyproj`, `pyyaml`).
        if skel.len() >= MIN_DROPPED_PY_CORE_LEN {
            for id in x.tables.by_core.values(&skel) {
                consider(Rule::PyAffix, Weak, id);
            }
        }
        for id in x.tables.by_digitless.values(digitless.unwrap_or(&skel)) {
            consider(Rule::VersionDigit, Weak, id);
        }
        for remainder in combosquat_remainders(normalized, &skel, signals.unknown) {
            let digitless = without_version_digits(&remainder).unwrap_or(&remainder);
            for id in x
                .tables
                .by_skeleton
                .values(&remainder)
                .chain(x.tables.by_digitless.values(digitless))
            {
                consider(Rule::Combosquat, Weak, id);
            }
        }

        best.map(|(_, rule, id)| {
            let p = &x.protected[id as usize];
            Finding {
                rule,
                target: p.name.to_string(),
                rank: p.rank,
            }
        })
    }
}

/// Shortest import or former name matched as an alias.
const MIN_ALIAS_LEN: usize = 5;

/// Shortest `py`-less core a name without the affix is matched on.
const MIN_DROPPED_PY_CORE_LEN: usize = 5;

/// Shortest derived form (a name without its version digits or `py`
/// affix) a typo may be measured against.
const MIN_DERIVED_LEN: usize = 6;

fn strip_digits(skeleton: &str) -> &str {
    without_version_digits(skeleton).unwrap_or(skeleton)
}

/// The rule a single typing mistake falls under.
fn rule_for(edit: Edit) -> Rule {
    match edit {
        Edit::Omitted => Rule::OmittedChar,
        Edit::Repeated => Rule::RepeatedChar,
        Edit::Added => Rule::AddedChar,
        Edit::Swapped => Rule::SwappedChars,
        Edit::Substituted(Substitution::LookAlike) => Rule::LookAlike,
        Edit::Substituted(Substitution::Digit) => Rule::VersionDigit,
        Edit::Substituted(_) => Rule::SubstitutedChar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{extra, top_pypi};
    use std::sync::OnceLock;

    fn top() -> &'static Detector {
        static TOP: OnceLock<Detector> = OnceLock::new();
        TOP.get_or_init(|| Detector::new(top_pypi(), &[]))
    }

    fn rule_of(name: &str) -> Option<(&'static str, String)> {
        top()
            .check(name)
            .map(|f| (f.rule.id(), normalize(&f.target)))
    }

    #[test]
    fn each_rule_on_a_known_example() {
        for (name, rule, target) in [
            ("setup-tools", "typosquat/separator", "setuptools"),
            ("jeIlyfish", "typosquat/look-alike", "jellyfish"),
            ("rnatplotlib", "typosquat/look-alike", "matplotlib"),
            ("reqeusts", "typosquat/swapped-chars", "requests"),
            ("reequests", "typosquat/repeated-char", "requests"),
            ("urlib3", "typosquat/omitted-char", "urllib3"),
            ("djanga", "typosquat/substituted-char", "django"),
            ("colourama", "typosquat/added-char", "colorama"),
            ("matplootib", "typosquat/two-typos", "matplotlib"),
            (
                "dateutil-python",
                "typosquat/reordered-words",
                "python-dateutil",
            ),
            ("python3-dateutil", "typosquat/py-affix", "python-dateutil"),
            ("urllib", "typosquat/version-digit", "urllib3"),
            ("requests-dev", "typosquat/combosquat", "requests"),
            ("colorama-fix", "typosquat/combosquat", "colorama"),
        ] {
            assert_eq!(rule_of(name), Some((rule, target.to_string())), "{name}");
        }
    }

    #[test]
    fn popular_names_and_unrelated_names_pass() {
        for name in [
            "requests",
            "Django",
            "jaraco.classes",
            "pip",
            "hello-world",
            "foo",
            "bar",
        ] {
            assert_eq!(top().check(name), None, "{name}");
        }
    }

    #[test]
    fn short_names_are_not_accused_of_small_slips() {
        // `six`/`sx`, `attrs`/`attr`: one edit from a short name is too
        // little evidence.
        for name in ["sx", "sxi", "atr", "idan"] {
            assert_eq!(top().check(name), None, "{name}");
        }
    }

    #[test]
    fn message_names_target_and_rank() {
        let f = top().check("reqeusts").unwrap();
        let msg = f.message("reqeusts");
        assert!(
            msg.contains("`requests`") && msg.contains("rank #6"),
            "{msg}"
        );
        assert_eq!(f.suggestion(), "did you mean `requests`?");
    }

    #[test]
    fn settings_protect_and_exempt_names() {
        let mut protected = vec![extra("acme-billing")];
        protected.extend(top_pypi());
        let d = Detector::new(protected, &["reqeusts".to_string()]);
        let f = d.check("acme-bililng").unwrap();
        assert_eq!((f.target.as_str(), f.rank), ("acme-billing", None));
        assert!(f.message("acme-bililng").contains("settings"));
        assert_eq!(d.check("acme-billing-dev").unwrap().rule, Rule::Combosquat);
        assert_eq!(d.check("reqeusts"), None, "exempt");
        assert_eq!(d.check("Reqeusts"), None, "exempt after normalisation");
    }

    /// Target of `name` judged as a name that is (`unknown: false`) or is
    /// not on PyPI.
    fn target_of(name: &str, unknown: bool) -> Option<String> {
        top()
            .check_with_signals(name, Signals { unknown })
            .map(|f| normalize(&f.target))
    }

    #[test]
    fn a_strong_slip_beats_a_weak_one_on_another_name() {
        // A swap in `psycopg2` rather than a weak swap in `psycopg` without
        // the digit; an omission inside `discord`, not in the `discord` of
        // `discord-py` without its affix.
        assert_eq!(target_of("psycogp2", false).as_deref(), Some("psycopg2"));
        assert_eq!(target_of("discrd", true).as_deref(), Some("discord"));
    }

    #[test]
    fn names_not_on_pypi_need_less_evidence() {
        for (name, target) in [
            ("coloramapkgsdow", "colorama"),
            ("sc-concurrent-log-handler", "concurrent-log-handler"),
            ("pyaescrypter", "pyaescrypt"),
            ("py-ckord", "py-cord"),
            ("numipy", "numpy"),
            ("install-pyyaml", "pyyaml"),
        ] {
            assert_eq!(target_of(name, true).as_deref(), Some(target), "{name}");
            if name != "install-pyyaml" && name != "py-ckord" {
                assert_eq!(target_of(name, false), None, "{name} on PyPI");
            }
        }
    }

    #[test]
    fn words_and_short_aliases_are_not_imitations() {
        // `tiny-b` keeps the word `tiny` of `tinydb`: only `db` differs.
        // `yaml` and `proj` are words, not `pyyaml`/`pyproj` without `py`.
        for name in ["tiny-b", "yaml", "proj", "test"] {
            assert_eq!(target_of(name, true), None, "{name}");
        }
    }

    #[test]
    fn leave_one_out_ignores_only_the_name_itself() {
        assert_eq!(top().check_against_others("requests"), None);
        assert!(top().check_against_others("python3-nmap").is_some());
    }
}
