//! A symmetric-delete index: finds every protected name within one (or two)
//! edits of a query without comparing against all of them.
//!
//! Each protected string is stored under the hash of itself and of each
//! string obtained by deleting up to `depth` of its characters. Two strings
//! `depth` omissions, insertions, substitutions or adjacent swaps apart
//! always share one of those keys, so a query only hashes its own variants
//! (`len + 1` at depth 1, about `len²/2` at depth 2) and looks each up
//! in a [`Table`]. Hash collisions only add candidates: callers verify every
//! candidate (see [`crate::edit`]).

use crate::table::{mix, Table, BASE};

/// The `(hash of a deletion variant, id)` pairs of the indexed strings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeletionIndex {
    table: Table,
    depth: usize,
}

/// The hashes of `s` and of its deletions of up to `depth` (1 or 2)
/// characters, sorted and deduplicated (deleting either letter of a double
/// gives the same variant).
#[cfg(test)]
fn variant_hashes(s: &[u8], depth: usize) -> Vec<u64> {
    let mut hashes = Vec::new();
    each_variant_hash(s, depth, &mut Vec::new(), &mut |h| hashes.push(h));
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Call `emit` with the hash of `s` and of each of its deletions of up to
/// `depth` characters (duplicates included). Prefix hashes and powers, kept
/// in `scratch` between calls, make each variant O(1), so a name costs
/// O(len²) at depth 2 rather than O(len³). Each hash is [`mix`]ed, so it
/// equals [`crate::table::key`] of the variant.
fn each_variant_hash(s: &[u8], depth: usize, scratch: &mut Vec<u64>, emit: &mut impl FnMut(u64)) {
    let n = s.len();
    // scratch[..=n] = prefix hashes (hash of s[..k]); scratch[n+1..] = BASE^k.
    scratch.clear();
    scratch.resize(2 * (n + 1), 0);
    let (prefix, pow) = scratch.split_at_mut(n + 1);
    pow[0] = 1;
    for (k, &c) in s.iter().enumerate() {
        prefix[k + 1] = prefix[k].wrapping_mul(BASE).wrapping_add(u64::from(c) + 1);
        pow[k + 1] = pow[k].wrapping_mul(BASE);
    }
    // Hash of s[a..b].
    let span = |a: usize, b: usize| prefix[b].wrapping_sub(prefix[a].wrapping_mul(pow[b - a]));
    // h(x ++ s[a..b]) = h(x)·B^(b-a) + h(s[a..b]).
    let join = |h: u64, (a, b): (usize, usize)| h.wrapping_mul(pow[b - a]).wrapping_add(span(a, b));
    emit(mix(prefix[n]));
    // Kept as the index loop the committed plugin was built from: rewriting
    // it means rebuilding and committing plugins/typosquat.wasm.
    #[allow(clippy::needless_range_loop)]
    for i in 0..n {
        emit(mix(join(prefix[i], (i + 1, n))));
        if depth >= 2 {
            for j in i + 1..n {
                emit(mix(join(join(prefix[i], (i + 1, j)), (j + 1, n))));
            }
        }
    }
}

impl DeletionIndex {
    /// Index `strings` at one deletion; a string's id is its position.
    pub fn build<'a>(strings: impl IntoIterator<Item = &'a str>) -> Self {
        Self::build_with_ids(
            strings.into_iter().enumerate().map(|(i, s)| (i as u32, s)),
            1,
        )
    }

    /// Index `(id, string)` pairs with up to `depth` (1 or 2) deletions.
    pub fn build_with_ids<'a>(
        strings: impl IntoIterator<Item = (u32, &'a str)>,
        depth: usize,
    ) -> Self {
        let mut entries = Vec::new();
        let mut scratch = Vec::new();
        for (id, s) in strings {
            each_variant_hash(s.as_bytes(), depth, &mut scratch, &mut |h| {
                entries.push((h, id))
            });
        }
        DeletionIndex {
            table: Table::new(entries),
            depth,
        }
    }

    /// An index over a prebuilt table of variant hashes.
    pub fn from_table(table: Table, depth: usize) -> Self {
        DeletionIndex { table, depth }
    }

    /// The variant-hash table (to serialise or merge a prebuilt index).
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The variant-hash table, by value.
    pub fn into_table(self) -> Table {
        self.table
    }

    /// How many deletions each stored string was indexed with.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Ids of strings that may be within `depth` edits of `query` (sorted,
    /// deduplicated, unverified).
    pub fn candidates(&self, query: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        self.candidates_into(query, &mut Vec::new(), &mut ids);
        ids
    }

    /// [`DeletionIndex::candidates`] into `ids` (cleared first), reusing
    /// `scratch` between calls: no allocation per query once warm.
    pub fn candidates_into(&self, query: &str, scratch: &mut Vec<u64>, ids: &mut Vec<u32>) {
        ids.clear();
        if self.table.is_empty() {
            return;
        }
        let table = self.table.probe();
        each_variant_hash(query.as_bytes(), self.depth, scratch, &mut |h| {
            ids.extend_from_slice(table.get(h));
        });
        ids.sort_unstable();
        ids.dedup();
    }

    /// Number of stored keys (for sizing and tests).
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::single_edit;

    #[test]
    fn finds_every_name_one_edit_away() {
        let names = ["requests", "numpy", "django", "sphinx"];
        let index = DeletionIndex::build(names);
        for (query, want) in [
            ("reqeusts", 0),
            ("requestss", 0),
            ("reuests", 0),
            ("mumpy", 1),
            ("djanga", 2),
            ("sphnx", 3),
        ] {
            assert!(
                index.candidates(query).contains(&want),
                "{query} should reach {}",
                names[want as usize]
            );
        }
    }

    #[test]
    fn depth_two_reaches_two_edits() {
        let names = ["beautifulsoup", "matplotlib"];
        let index =
            DeletionIndex::build_with_ids(names.iter().enumerate().map(|(i, s)| (i as u32, *s)), 2);
        assert!(index.candidates("beaitifulsoop").contains(&0));
        assert!(index.candidates("matplootib").contains(&1));
        assert!(index.candidates("beautifulsoup").contains(&0));
        assert!(!index.candidates("matplotlib").contains(&0));
    }

    #[test]
    fn variant_hashes_match_hashes_of_built_strings() {
        let whole = crate::table::key;
        let got = variant_hashes(b"abcd", 2);
        for variant in [
            "abcd", "bcd", "acd", "abd", "abc", "cd", "bd", "bc", "ad", "ac", "ab",
        ] {
            assert!(got.contains(&whole(variant)), "{variant}");
        }
        assert_eq!(got.len(), 11);
        assert_ne!(whole("ab"), whole("ba"));
    }

    #[test]
    fn agrees_with_brute_force() {
        let names = ["abcde", "abdce", "xbcde", "abcd", "abcdef", "zzzzz"];
        let index = DeletionIndex::build(names);
        for query in ["abcde", "bacde", "abcdz", "abce", "aabcde", "qqqqq"] {
            let got: Vec<u32> = index
                .candidates(query)
                .into_iter()
                .filter(|id| {
                    single_edit(query.as_bytes(), names[*id as usize].as_bytes()).is_some()
                })
                .collect();
            let want: Vec<u32> = (0..names.len() as u32)
                .filter(|id| {
                    single_edit(query.as_bytes(), names[*id as usize].as_bytes()).is_some()
                })
                .collect();
            assert_eq!(got, want, "{query}");
        }
    }
}
