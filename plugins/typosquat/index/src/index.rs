//! The precomputed lookups over the protected names, so each query costs a
//! few table lookups instead of 15,000 comparisons. The tables over the
//! top-PyPI names are built at compile time (the plugin's `build.rs` and `prebuilt` module);
//! only names added by settings are indexed at run time.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use crate::corpus::{aliases, known_near_names, AliasKind, Protected};
use crate::evidence::WEAK_EVIDENCE_MAX_RANK;
use crate::forms::{
    lookalike_key, normalize, py_cores, skeleton, sorted_words, without_version_digits,
};
use crate::neighbourhood::DeletionIndex;
use crate::table::{key, Table};

/// A string typos are measured against: a protected name's skeleton, or a
/// form derived from it (without version digits, without a `py` affix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The protected name it comes from.
    pub id: u32,
    /// The form itself.
    pub text: Cow<'static, str>,
    /// True for derived forms: a typo of one is two differences from the
    /// real name, so weaker evidence.
    pub derived: bool,
}

/// Shortest skeleton a two-typo match may be measured on: below this, two
/// edits can turn most names into other real names.
pub const MIN_TWO_TYPO_LEN: usize = 8;

/// A word prefix shared by this many protected names is a family.
pub const MIN_FAMILY: usize = 3;

/// Every lookup table over the protected names. Values are protected-name
/// ids, except in the deletion indexes, whose values are form ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tables {
    /// Normalized protected and exempt names: never flagged.
    pub trusted: Table,
    /// Skeleton -> ids.
    pub by_skeleton: Table,
    /// Look-alike key -> ids.
    pub by_lookalike: Table,
    /// `py`-stripped core -> ids.
    pub by_core: Table,
    /// Sorted words -> ids.
    pub by_words: Table,
    /// Skeleton without trailing digits -> ids.
    pub by_digitless: Table,
    /// Word prefix (`azure-`, `azure-mgmt-`, separator included) -> the
    /// ids of the protected names that start with it.
    pub families: Table,
    /// Skeleton of an import name -> the id of the project it imports.
    pub by_import: Table,
    /// Skeleton of a former name -> the id of the project it became.
    pub by_former: Table,
    /// Normalized names on PyPI near protected ones (values unused): a
    /// name absent from it is not a known project.
    pub known: Table,
    /// Forms within one edit, by form id.
    pub one_edit: DeletionIndex,
    /// Long forms of very popular names within two edits, by form id.
    pub two_edits: DeletionIndex,
}

impl Tables {
    /// The tables of `self` (ids `0..names`, forms `0..forms`) joined with
    /// `other`'s, whose ids and form ids are shifted past them.
    pub fn merged(&self, other: Tables, names: u32, forms: u32) -> Tables {
        let depth = |d: &DeletionIndex, o: DeletionIndex| {
            let depth = o.depth();
            DeletionIndex::from_table(d.table().merged(o.into_table(), forms), depth)
        };
        Tables {
            trusted: self.trusted.merged(other.trusted, names),
            by_skeleton: self.by_skeleton.merged(other.by_skeleton, names),
            by_lookalike: self.by_lookalike.merged(other.by_lookalike, names),
            by_core: self.by_core.merged(other.by_core, names),
            by_words: self.by_words.merged(other.by_words, names),
            by_digitless: self.by_digitless.merged(other.by_digitless, names),
            families: self.families.merged(other.families, names),
            by_import: self.by_import.merged(other.by_import, names),
            by_former: self.by_former.merged(other.by_former, names),
            known: self.known.merged(other.known, names),
            one_edit: depth(&self.one_edit, other.one_edit),
            two_edits: depth(&self.two_edits, other.two_edits),
        }
    }

    /// The tables in the order [`Tables::encode`] writes them.
    fn all(&self) -> [&Table; 12] {
        [
            &self.trusted,
            &self.by_skeleton,
            &self.by_lookalike,
            &self.by_core,
            &self.by_words,
            &self.by_digitless,
            &self.families,
            &self.by_import,
            &self.by_former,
            &self.known,
            self.one_edit.table(),
            self.two_edits.table(),
        ]
    }

    /// Serialise every table (see [`Table::encode`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        for t in self.all() {
            t.encode(out);
        }
    }

    /// Read tables written by [`Tables::encode`] in place (see
    /// [`Table::read_in_place`]); `None` if damaged.
    pub fn read_in_place(mut bytes: &'static [u8]) -> Option<Tables> {
        let mut next = || {
            let (t, rest) = Table::read_in_place(bytes)?;
            bytes = rest;
            Some(t)
        };
        let tables = Tables {
            trusted: next()?,
            by_skeleton: next()?,
            by_lookalike: next()?,
            by_core: next()?,
            by_words: next()?,
            by_digitless: next()?,
            families: next()?,
            by_import: next()?,
            by_former: next()?,
            known: next()?,
            one_edit: DeletionIndex::from_table(next()?, 1),
            two_edits: DeletionIndex::from_table(next()?, 2),
        };
        bytes.is_empty().then_some(tables)
    }
}

/// The protected names, their derived strings and every lookup.
#[derive(Debug, Default)]
pub struct Index {
    /// The protected names, most preferred first.
    pub protected: Vec<Protected>,
    /// Their skeletons, by id.
    pub skeletons: Vec<Cow<'static, str>>,
    /// The forms typos are measured against.
    pub forms: Vec<Form>,
    /// The lookups.
    pub tables: Tables,
}

/// Is protected name `p` popular enough that weak evidence counts against
/// it (names protected by settings always are)?
fn is_popular(p: &Protected) -> bool {
    p.rank.is_none_or(|r| r <= WEAK_EVIDENCE_MAX_RANK)
}

/// The import and former names of `protected`, as `(kind, alias skeleton,
/// id)`: the embedded aliases of the names that are in it.
pub fn alias_ids(protected: &[Protected]) -> Vec<(AliasKind, String, u32)> {
    let ids: HashMap<&str, u32> = protected
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.normalized.as_ref(), i as u32))
        .collect();
    aliases()
        .into_iter()
        .filter_map(|(kind, alias, project)| {
            let id = *ids.get(normalize(project).as_str())?;
            Some((kind, skeleton(&normalize(alias)), id))
        })
        .collect()
}

/// Shortest alias a typo may be measured against (shorter import names,
/// `cv2`, `bs4`, `jwt`, only match exactly).
pub const MIN_ALIAS_FORM_LEN: usize = 6;

/// The skeletons and forms of `protected`: cheap to derive, so computed at
/// run time even when the tables are prebuilt. `with_aliases` adds the
/// embedded import and former names of the names in it as derived forms.
pub fn derive(protected: &[Protected], with_aliases: bool) -> (Vec<Cow<'static, str>>, Vec<Form>) {
    let (skeletons, mut forms) = derive_names(protected);
    if with_aliases {
        for (_, alias, id) in alias_ids(protected) {
            if alias.len() >= MIN_ALIAS_FORM_LEN {
                forms.push(Form {
                    id,
                    text: alias.into(),
                    derived: true,
                });
            }
        }
    }
    (skeletons, forms)
}

/// [`derive`] without aliases. Kept apart so that the plugin, which only
/// indexes names from settings at run time, does not link the embedded
/// alias and known-name texts (their tables are prebuilt).
fn derive_names(protected: &[Protected]) -> (Vec<Cow<'static, str>>, Vec<Form>) {
    let skeletons: Vec<Cow<'static, str>> = protected
        .iter()
        .map(|p| skeleton(&p.normalized).into())
        .collect();
    let mut forms = Vec::with_capacity(protected.len() + protected.len() / 8);
    for (i, (p, skel)) in protected.iter().zip(&skeletons).enumerate() {
        let id = i as u32;
        forms.push(Form {
            id,
            text: skel.clone(),
            derived: false,
        });
        // A typo of a derived form is weak evidence: it counts against
        // less popular names only with a corroborating signal.
        if let Some(d) = without_version_digits(skel) {
            forms.push(Form {
                id,
                text: d.to_string().into(),
                derived: true,
            });
        }
        for core in py_cores(&p.normalized) {
            forms.push(Form {
                id,
                text: core.into(),
                derived: true,
            });
        }
    }
    (skeletons, forms)
}

impl Index {
    /// Build every lookup over `protected` (most preferred first) and the
    /// `exempt` names.
    pub fn build(protected: Vec<Protected>, exempt: &[String]) -> Self {
        let (skeletons, forms) = derive(&protected, true);
        let mut tables = Self::tables(&protected, &skeletons, &forms, exempt);
        let mut by_kind: [Vec<(u64, u32)>; 2] = Default::default();
        for (kind, alias, id) in alias_ids(&protected) {
            by_kind[usize::from(kind == AliasKind::Former)].push((key(&alias), id));
        }
        let [import, former] = by_kind;
        tables.by_import = Table::new(import);
        tables.by_former = Table::new(former);
        tables.known = Table::new(
            known_near_names()
                .map(|n| (key(&normalize(n)), 0))
                .collect(),
        );
        Index {
            protected,
            skeletons,
            forms,
            tables,
        }
    }

    /// The index over names from settings that [`Index::join`] puts before
    /// the prebuilt one: without what comes with the top-PyPI list (import
    /// and former names, the known names), which the prebuilt part has.
    fn build_head(protected: Vec<Protected>, exempt: &[String]) -> Self {
        let (skeletons, forms) = derive_names(&protected);
        let tables = Self::tables(&protected, &skeletons, &forms, exempt);
        Index {
            protected,
            skeletons,
            forms,
            tables,
        }
    }

    /// The same index as [`Index::build`] over `first` followed by the
    /// names of `rest`, a prebuilt index (with no exempt names): only
    /// `first` (names from settings, usually few) is indexed now.
    pub fn join(first: Vec<Protected>, exempt: &[String], rest: Index) -> Self {
        let head = Index::build_head(first, exempt);
        let Index {
            protected: rest,
            skeletons: rest_skeletons,
            forms: rest_forms,
            tables: rest_tables,
        } = rest;
        let (names, forms) = (head.protected.len() as u32, head.forms.len() as u32);
        let tables = head.tables.merged(rest_tables, names, forms);
        let mut index = head;
        index.protected.extend(rest);
        index.skeletons.extend(rest_skeletons);
        index.forms.extend(rest_forms.into_iter().map(|f| Form {
            id: f.id + names,
            ..f
        }));
        index.tables = tables;
        index
    }

    fn tables(
        protected: &[Protected],
        skeletons: &[Cow<'static, str>],
        forms: &[Form],
        exempt: &[String],
    ) -> Tables {
        let mut pairs: [Vec<(u64, u32)>; 7] = Default::default();
        let [trusted, by_skeleton, by_lookalike, by_core, by_words, by_digitless, families] =
            &mut pairs;
        for (i, (p, skel)) in protected.iter().zip(skeletons).enumerate() {
            let id = i as u32;
            trusted.push((key(&p.normalized), id));
            by_skeleton.push((key(skel), id));
            by_lookalike.push((key(&lookalike_key(skel)), id));
            if let Some(words) = sorted_words(&p.normalized) {
                by_words.push((key(&words), id));
            }
            let words: Vec<&str> = p.normalized.split('-').collect();
            for n in 1..words.len() {
                families.push((key(&format!("{}-", words[..n].join("-"))), id));
            }
            by_digitless.push((key(without_version_digits(skel).unwrap_or(skel)), id));
            for core in py_cores(&p.normalized) {
                by_core.push((key(&core), id));
            }
        }
        trusted.extend(exempt.iter().map(|e| (key(&normalize(e)), 0)));
        let popular_long: Vec<(u32, &str)> = forms
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.text.len() >= MIN_TWO_TYPO_LEN && is_popular(&protected[f.id as usize])
            })
            .map(|(i, f)| (i as u32, f.text.as_ref()))
            .collect();
        let [trusted, by_skeleton, by_lookalike, by_core, by_words, by_digitless, families] = pairs;
        Tables {
            trusted: Table::new(trusted),
            by_skeleton: Table::new(by_skeleton),
            by_lookalike: Table::new(by_lookalike),
            by_core: Table::new(by_core),
            by_words: Table::new(by_words),
            by_digitless: Table::new(by_digitless),
            families: Table::new(families),
            by_import: Table::default(),
            by_former: Table::default(),
            known: Table::default(),
            one_edit: DeletionIndex::build(forms.iter().map(|f| f.text.as_ref())),
            two_edits: DeletionIndex::build_with_ids(popular_long, 2),
        }
    }

    /// The skeleton of the part of protected name `id` that `normalized`
    /// differs in. When both start with the same words and those words
    /// prefix a family of protected names (`mypy-boto3-`, `azure-mgmt-`),
    /// only the member part counts: `mypy-boto3-rds` and `mypy-boto3-drs`
    /// are two short names in one family, not a long name with a typo. A
    /// `py-`/`python-` prefix is a language affix, not a family.
    ///
    /// With `by_words` (typo rules), when the candidate splits the name
    /// into other words than the protected name does, its whole words that
    /// the protected skeleton starts (or ends) with are set aside too:
    /// `tiny-b` keeps the word `tiny` of `tinydb` intact and differs only
    /// in `db`, a variant label rather than a slip in a six-letter name.
    pub fn differing_part(&self, normalized: &str, id: u32, by_words: bool) -> String {
        let target = &self.protected[id as usize].normalized;
        let mut shared = 0;
        let mut prefix_len = 0;
        for (a, b) in normalized.split('-').zip(target.split('-')) {
            prefix_len += b.len() + 1;
            if a != b || prefix_len >= target.len() {
                break;
            }
            let prefix = &target[..prefix_len];
            if !is_py_prefix(prefix) && self.tables.families.values(prefix).count() >= MIN_FAMILY {
                shared = prefix_len;
            }
        }
        let mut part = skeleton(&target[shared..]);
        if by_words && normalized.matches('-').count() != target.matches('-').count() {
            let words: Vec<&str> = normalized.split('-').filter(|w| !w.is_empty()).collect();
            let mut first = 0;
            while first + 1 < words.len() && part.len() > words[first].len() {
                match part.strip_prefix(words[first]) {
                    Some(rest) => part = rest.to_string(),
                    None => break,
                }
                first += 1;
            }
            let mut last = words.len();
            while last > first + 1 && part.len() > words[last - 1].len() {
                match part.strip_suffix(words[last - 1]) {
                    Some(rest) => part = rest.to_string(),
                    None => break,
                }
                last -= 1;
            }
        }
        part
    }
}

/// True for a `py`/`python` word prefix (`py-`, `python3-`): the language,
/// shared by hundreds of unrelated names, not a family of one project.
fn is_py_prefix(prefix: &str) -> bool {
    matches!(
        prefix,
        "py-" | "py2-" | "py3-" | "python-" | "python2-" | "python3-"
    )
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
        assert_eq!(x.differing_part("mypy-boto3-drs", 0, false), "rds");
        assert_eq!(
            x.differing_part("reqeusts-oauthlib", 3, false),
            "requestsoauthlib"
        );
        assert_eq!(
            x.differing_part("requests-oauthlb", 3, false),
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
            .map(|f| (f.text.as_ref(), f.derived))
            .collect();
        assert!(texts.contains(&("opencvpython", false)));
        assert!(texts.contains(&("opencv", true)));
        assert!(texts.contains(&("beautifulsoup", true)));
    }
}
