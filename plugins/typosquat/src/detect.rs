//! The detector: indexes the protected names once, then judges one
//! candidate name at a time.

use std::collections::{HashMap, HashSet};

use crate::corpus::Protected;
use crate::edit::{is_at_edge, single_edit, Edit, Substitution};
use crate::evidence::{combosquat_remainders, is_enough, Strength};
use crate::forms::{
    lookalike_key, normalize, py_cores, skeleton, sorted_words, without_version_digits,
};
use crate::neighbourhood::DeletionIndex;
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

type KeyMap = HashMap<String, Vec<u32>>;

/// Protected names and the indexes that find imitations of them.
#[derive(Debug, Default)]
pub struct Detector {
    protected: Vec<Protected>,
    skeletons: Vec<String>,
    /// Normalized protected and exempt names: never flagged.
    trusted: HashSet<String>,
    by_skeleton: KeyMap,
    by_lookalike: KeyMap,
    by_core: KeyMap,
    by_words: KeyMap,
    by_digitless: KeyMap,
    deletions: DeletionIndex,
    /// How many protected names start with each word prefix (`azure-`,
    /// `azure-mgmt-`), separator included.
    families: HashMap<String, u32>,
}

fn push(map: &mut KeyMap, key: String, id: u32) {
    let ids = map.entry(key).or_default();
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

impl Detector {
    /// Index `protected` (the earlier a name, the more it is preferred when
    /// several match: pass the most popular first). Names in `exempt` are
    /// never flagged.
    pub fn new(protected: Vec<Protected>, exempt: &[String]) -> Self {
        let mut d = Detector {
            skeletons: protected.iter().map(|p| skeleton(&p.normalized)).collect(),
            ..Detector::default()
        };
        d.trusted = protected.iter().map(|p| p.normalized.clone()).collect();
        d.trusted.extend(exempt.iter().map(|e| normalize(e)));
        for (id, p) in protected.iter().enumerate() {
            let id = id as u32;
            let skel = &d.skeletons[id as usize];
            push(&mut d.by_skeleton, skel.clone(), id);
            push(&mut d.by_lookalike, lookalike_key(skel), id);
            for core in py_cores(&p.normalized) {
                push(&mut d.by_core, core, id);
            }
            if let Some(words) = sorted_words(&p.normalized) {
                push(&mut d.by_words, words, id);
            }
            let words: Vec<&str> = p.normalized.split('-').collect();
            for n in 1..words.len() {
                let prefix = format!("{}-", words[..n].join("-"));
                *d.families.entry(prefix).or_default() += 1;
            }
            push(
                &mut d.by_digitless,
                without_version_digits(skel).unwrap_or(skel).to_string(),
                id,
            );
        }
        d.deletions = DeletionIndex::build(d.skeletons.iter().map(String::as_str));
        d.protected = protected;
        d
    }

    /// Number of protected names.
    pub fn len(&self) -> usize {
        self.protected.len()
    }

    /// True when nothing is protected.
    pub fn is_empty(&self) -> bool {
        self.protected.is_empty()
    }

    /// Judge one installed name: the most specific imitation of the most
    /// popular protected name, or `None` for a name that is itself
    /// protected, exempt, or not close enough to any.
    pub fn check(&self, name: &str) -> Option<Finding> {
        let normalized = normalize(name);
        if normalized.is_empty() || self.trusted.contains(&normalized) {
            return None;
        }
        self.judge(&normalized, false)
    }

    /// Judge a protected name as if it were not protected, against all the
    /// *other* protected names: the leave-one-out measurement of how often
    /// legitimate popular names would be accused.
    pub fn check_against_others(&self, name: &str) -> Option<Finding> {
        let normalized = normalize(name);
        if normalized.is_empty() {
            return None;
        }
        self.judge(&normalized, true)
    }

    fn judge(&self, normalized: &str, leave_self_out: bool) -> Option<Finding> {
        use Strength::{Strong, Weak};
        let skel = skeleton(normalized);
        let mut best: Option<(Rule, u32)> = None;
        let mut consider = |rule: Rule, strength: Strength, id: u32| {
            let p = &self.protected[id as usize];
            let differs = self.skeletons[id as usize] != skel || rule == Rule::Separator;
            let is_self = leave_self_out && p.normalized == normalized;
            if differs
                && !is_self
                && best.is_none_or(|b| (rule, id) < b)
                && is_enough(rule, strength, &self.differing_part(normalized, id), p.rank)
            {
                best = Some((rule, id));
            }
        };

        for &id in self.lookup(&self.by_skeleton, &skel) {
            consider(Rule::Separator, Strong, id);
        }
        for &id in self.lookup(&self.by_lookalike, &lookalike_key(&skel)) {
            consider(Rule::LookAlike, Strong, id);
        }
        for id in self.deletions.candidates(&skel) {
            let target = self.skeletons[id as usize].as_bytes();
            if let Some(edit) = single_edit(skel.as_bytes(), target) {
                let weak = edit == Edit::Substituted(Substitution::Other)
                    || is_at_edge(skel.as_bytes(), target);
                consider(rule_for(edit), if weak { Weak } else { Strong }, id);
            }
        }
        // A `py` affix swapped for another (`python-mongo` for `pymongo`) is
        // strong; one merely added or dropped (`pika` and `pypika` are
        // unrelated projects) is weak.
        let cores = py_cores(normalized);
        for core in &cores {
            for &id in self.lookup(&self.by_core, core) {
                consider(Rule::PyAffix, Strong, id);
            }
            for &id in self.lookup(&self.by_skeleton, core) {
                consider(Rule::PyAffix, Weak, id);
            }
        }
        for &id in self.lookup(&self.by_core, &skel) {
            consider(Rule::PyAffix, Weak, id);
        }
        if let Some(words) = sorted_words(normalized) {
            for &id in self.lookup(&self.by_words, &words) {
                consider(Rule::ReorderedWords, Strong, id);
            }
        }
        let digitless = without_version_digits(&skel).unwrap_or(&skel);
        for &id in self.lookup(&self.by_digitless, digitless) {
            consider(Rule::VersionDigit, Weak, id);
        }
        for remainder in combosquat_remainders(normalized) {
            for &id in self.lookup(&self.by_skeleton, &remainder) {
                consider(Rule::Combosquat, Weak, id);
            }
        }

        best.map(|(rule, id)| {
            let p = &self.protected[id as usize];
            Finding {
                rule,
                target: p.name.clone(),
                rank: p.rank,
            }
        })
    }

    fn lookup<'a>(&self, map: &'a KeyMap, key: &str) -> &'a [u32] {
        map.get(key).map_or(&[], Vec::as_slice)
    }

    /// The skeleton of the part of protected name `id` that `normalized`
    /// differs in. When both start with the same words and those words
    /// prefix a family of protected names (`mypy-boto3-`, `azure-mgmt-`),
    /// only the member part counts: `mypy-boto3-rds` and `mypy-boto3-drs`
    /// are two short names in one family, not a long name with a typo.
    fn differing_part(&self, normalized: &str, id: u32) -> String {
        let target = &self.protected[id as usize].normalized;
        let mut shared = 0;
        for (i, (a, b)) in normalized.split('-').zip(target.split('-')).enumerate() {
            if a != b {
                break;
            }
            let prefix_len = target
                .split('-')
                .take(i + 1)
                .map(|w| w.len() + 1)
                .sum::<usize>();
            if prefix_len >= target.len() {
                break;
            }
            if self.family_size(&target[..prefix_len]) >= MIN_FAMILY {
                shared = prefix_len;
            }
        }
        skeleton(&target[shared..])
    }

    fn family_size(&self, prefix: &str) -> u32 {
        self.families.get(prefix).copied().unwrap_or(0)
    }
}

/// A word prefix shared by this many protected names is a family.
const MIN_FAMILY: u32 = 3;

/// The rule a single typing mistake falls under.
fn rule_for(edit: Edit) -> Rule {
    match edit {
        Edit::Omitted => Rule::OmittedChar,
        Edit::Repeated => Rule::RepeatedChar,
        Edit::Added => Rule::AddedChar,
        Edit::Swapped => Rule::SwappedChars,
        Edit::Substituted(Substitution::LookAlike) => Rule::LookAlike,
        Edit::Substituted(Substitution::Digit) => Rule::VersionDigit,
        Edit::Substituted(Substitution::KeyboardNeighbour | Substitution::Other) => {
            Rule::SubstitutedChar
        }
    }
}
