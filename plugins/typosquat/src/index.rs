//! The precomputed lookups over the protected names, built once per
//! detector so each query costs a few hash lookups and binary searches
//! instead of 15,000 comparisons.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::corpus::Protected;
use crate::evidence::WEAK_EVIDENCE_MAX_RANK;
use crate::forms::{
    lookalike_key, normalize, py_cores, skeleton, sorted_words, without_version_digits,
};
use crate::neighbourhood::DeletionIndex;

/// Map from a derived key to the ids of the protected names that have it.
pub type KeyMap = HashMap<String, Vec<u32>>;

/// A string typos are measured against: a protected name's skeleton, or a
/// form derived from it (without version digits, without a `py` affix).
#[derive(Debug)]
pub struct Form {
    /// The protected name it comes from.
    pub id: u32,
    /// The form itself.
    pub text: String,
    /// True for derived forms: a typo of one is two differences from the
    /// real name, so weaker evidence.
    pub derived: bool,
}

/// Shortest skeleton a two-typo match may be measured on: below this, two
/// edits can turn most names into other real names.
pub const MIN_TWO_TYPO_LEN: usize = 8;

/// A word prefix shared by this many protected names is a family.
pub const MIN_FAMILY: u32 = 3;

/// Every lookup the detector uses.
#[derive(Debug, Default)]
pub struct Index {
    /// The protected names, most popular first.
    pub protected: Vec<Protected>,
    /// Their skeletons, by id.
    pub skeletons: Vec<String>,
    /// Normalized protected and exempt names: never flagged.
    pub trusted: HashSet<String>,
    /// Skeleton -> ids.
    pub by_skeleton: KeyMap,
    /// Look-alike key -> ids.
    pub by_lookalike: KeyMap,
    /// `py`-stripped core -> ids.
    pub by_core: KeyMap,
    /// Sorted words -> ids.
    pub by_words: KeyMap,
    /// Skeleton without trailing digits -> ids.
    pub by_digitless: KeyMap,
    /// The forms typos are measured against.
    pub forms: Vec<Form>,
    /// Forms within one edit, by form id; built on first use, so an
    /// inventory of only protected names never pays for it.
    one_edit: OnceLock<DeletionIndex>,
    /// Long forms of very popular names within two edits, by form id;
    /// built on first use.
    two_edits: OnceLock<DeletionIndex>,
    /// How many protected names start with each word prefix (`azure-`,
    /// `azure-mgmt-`), separator included.
    pub families: HashMap<String, u32>,
}

fn push(map: &mut KeyMap, key: String, id: u32) {
    let ids = map.entry(key).or_default();
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

impl Index {
    /// Build every lookup over `protected` (most popular first) and the
    /// `exempt` names.
    pub fn build(protected: Vec<Protected>, exempt: &[String]) -> Self {
        let mut x = Index {
            skeletons: protected.iter().map(|p| skeleton(&p.normalized)).collect(),
            ..Index::default()
        };
        x.trusted = protected.iter().map(|p| p.normalized.clone()).collect();
        x.trusted.extend(exempt.iter().map(|e| normalize(e)));
        for (i, p) in protected.iter().enumerate() {
            let id = i as u32;
            let skel = x.skeletons[i].clone();
            push(&mut x.by_skeleton, skel.clone(), id);
            push(&mut x.by_lookalike, lookalike_key(&skel), id);
            if let Some(words) = sorted_words(&p.normalized) {
                push(&mut x.by_words, words, id);
            }
            let words: Vec<&str> = p.normalized.split('-').collect();
            for n in 1..words.len() {
                *x.families
                    .entry(format!("{}-", words[..n].join("-")))
                    .or_default() += 1;
            }
            let digitless = without_version_digits(&skel).map(str::to_string);
            push(
                &mut x.by_digitless,
                digitless.clone().unwrap_or_else(|| skel.clone()),
                id,
            );
            x.forms.push(Form {
                id,
                text: skel,
                derived: false,
            });
            // A typo of a derived form is weak evidence, which only counts
            // against very popular names: index derived forms of those only.
            let popular = p.rank.is_none_or(|r| r <= WEAK_EVIDENCE_MAX_RANK);
            if let Some(d) = digitless.filter(|_| popular) {
                x.forms.push(Form {
                    id,
                    text: d,
                    derived: true,
                });
            }
            for core in py_cores(&p.normalized) {
                push(&mut x.by_core, core.clone(), id);
                if popular {
                    x.forms.push(Form {
                        id,
                        text: core,
                        derived: true,
                    });
                }
            }
        }
        x.protected = protected;
        x
    }

    /// The forms within one edit of a query (see [`DeletionIndex`]).
    pub fn one_edit(&self) -> &DeletionIndex {
        self.one_edit
            .get_or_init(|| DeletionIndex::build(self.forms.iter().map(|f| f.text.as_str())))
    }

    /// The long forms of very popular names within two edits of a query.
    pub fn two_edits(&self) -> &DeletionIndex {
        self.two_edits.get_or_init(|| {
            let popular = |f: &Form| {
                self.protected[f.id as usize]
                    .rank
                    .is_none_or(|r| r <= WEAK_EVIDENCE_MAX_RANK)
            };
            DeletionIndex::build_with_ids(
                self.forms
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.text.len() >= MIN_TWO_TYPO_LEN && popular(f))
                    .map(|(i, f)| (i as u32, f.text.as_str())),
                2,
            )
        })
    }

    /// The ids stored under `key` in `map`.
    pub fn lookup<'a>(map: &'a KeyMap, key: &str) -> &'a [u32] {
        map.get(key).map_or(&[], Vec::as_slice)
    }

    /// The skeleton of the part of protected name `id` that `normalized`
    /// differs in. When both start with the same words and those words
    /// prefix a family of protected names (`mypy-boto3-`, `azure-mgmt-`),
    /// only the member part counts: `mypy-boto3-rds` and `mypy-boto3-drs`
    /// are two short names in one family, not a long name with a typo.
    pub fn differing_part(&self, normalized: &str, id: u32) -> String {
        let target = &self.protected[id as usize].normalized;
        let mut shared = 0;
        let mut prefix_len = 0;
        for (a, b) in normalized.split('-').zip(target.split('-')) {
            prefix_len += b.len() + 1;
            if a != b || prefix_len >= target.len() {
                break;
            }
            if self
                .families
                .get(&target[..prefix_len])
                .copied()
                .unwrap_or(0)
                >= MIN_FAMILY
            {
                shared = prefix_len;
            }
        }
        skeleton(&target[shared..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::extra;

    fn index(names: &[&str]) -> Index {
        Index::build(names.iter().map(|n| extra(n)).collect(), &[])
    }

    #[test]
    fn families_narrow_the_differing_part() {
        let x = index(&[
            "mypy-boto3-rds",
            "mypy-boto3-s3",
            "mypy-boto3-ec2",
            "requests-oauthlib",
        ]);
        assert_eq!(x.differing_part("mypy-boto3-drs", 0), "rds");
        assert_eq!(x.differing_part("reqeusts-oauthlib", 3), "requestsoauthlib");
        assert_eq!(
            x.differing_part("requests-oauthlb", 3),
            "requestsoauthlib",
            "no family"
        );
    }

    #[test]
    fn derived_forms_are_indexed() {
        let x = index(&["opencv-python", "beautifulsoup4"]);
        let texts: Vec<(&str, bool)> = x
            .forms
            .iter()
            .map(|f| (f.text.as_str(), f.derived))
            .collect();
        assert!(texts.contains(&("opencvpython", false)));
        assert!(texts.contains(&("opencv", true)));
        assert!(texts.contains(&("beautifulsoup", true)));
    }
}
