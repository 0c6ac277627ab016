//! A symmetric-delete index: finds every protected name within one (or two)
//! edits of a query without comparing against all of them.
//!
//! Each protected string is stored under the hash of itself and of each
//! string obtained by deleting up to `depth` of its characters. Two strings
//! `depth` omissions, insertions, substitutions or adjacent swaps apart
//! always share one of those keys, so a query only hashes its own variants
//! (`len + 1` at depth 1, about `len²/2` at depth 2) and binary-searches
//! each. Hash collisions only add candidates: callers verify every
//! candidate (see [`crate::edit`]).

/// Sorted `(hash of a deletion variant, id)` pairs.
#[derive(Debug, Default)]
pub struct DeletionIndex {
    entries: Vec<(u64, u32)>,
    depth: usize,
}

/// FNV-1a over the bytes of `s` with the bytes at `skip` left out: the
/// hash of a deletion variant without building the string.
fn hash_without(s: &[u8], skip: [usize; 2]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, b) in s.iter().enumerate() {
        if i != skip[0] && i != skip[1] {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The hashes of `s` and of its deletions of up to `depth` (1 or 2)
/// characters, sorted and deduplicated (deleting either letter of a double
/// gives the same variant).
fn variant_hashes(s: &[u8], depth: usize) -> Vec<u64> {
    const NONE: usize = usize::MAX;
    let n = s.len();
    let mut hashes = vec![hash_without(s, [NONE, NONE])];
    for i in 0..n {
        hashes.push(hash_without(s, [i, NONE]));
        if depth >= 2 {
            hashes.extend((i + 1..n).map(|j| hash_without(s, [i, j])));
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes
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
        for (id, s) in strings {
            entries.extend(
                variant_hashes(s.as_bytes(), depth)
                    .into_iter()
                    .map(|h| (h, id)),
            );
        }
        entries.sort_unstable();
        DeletionIndex { entries, depth }
    }

    /// Ids of strings that may be within `depth` edits of `query` (sorted,
    /// deduplicated, unverified).
    pub fn candidates(&self, query: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        for h in variant_hashes(query.as_bytes(), self.depth) {
            let start = self.entries.partition_point(|(k, _)| *k < h);
            ids.extend(
                self.entries[start..]
                    .iter()
                    .take_while(|(k, _)| *k == h)
                    .map(|(_, id)| *id),
            );
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Number of stored keys (for sizing and tests).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
