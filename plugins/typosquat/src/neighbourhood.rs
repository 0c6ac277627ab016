//! A symmetric-delete index: finds every protected name within one edit of
//! a query without comparing against all of them.
//!
//! Each protected skeleton is stored under the hash of itself and of each
//! string obtained by deleting one of its characters. Two strings one
//! omission, insertion, substitution or adjacent swap apart always share
//! one of those keys, so a query only hashes its own `len + 1` variants and
//! binary-searches each. Hash collisions only add candidates: callers
//! verify every candidate with [`crate::edit::single_edit`].

/// Sorted `(hash of a deletion variant, protected name id)` pairs.
#[derive(Debug, Default)]
pub struct DeletionIndex {
    entries: Vec<(u64, u32)>,
}

/// FNV-1a over the bytes of `s` with the byte at `skip` left out: the hash
/// of a deletion variant without building the string.
fn hash_without(s: &[u8], skip: Option<usize>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, b) in s.iter().enumerate() {
        if Some(i) != skip {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The hashes of `s` and of its single-character deletions.
fn variant_hashes(s: &[u8]) -> impl Iterator<Item = u64> + '_ {
    std::iter::once(None)
        .chain((0..s.len()).map(Some))
        .map(move |skip| hash_without(s, skip))
}

impl DeletionIndex {
    /// Index `skeletons`; a skeleton's id is its position in the iterator.
    pub fn build<'a>(skeletons: impl IntoIterator<Item = &'a str>) -> Self {
        let mut entries = Vec::new();
        for (id, s) in skeletons.into_iter().enumerate() {
            let mut hashes: Vec<u64> = variant_hashes(s.as_bytes()).collect();
            // Deleting either letter of a double gives the same variant.
            hashes.sort_unstable();
            hashes.dedup();
            entries.extend(hashes.into_iter().map(|h| (h, id as u32)));
        }
        entries.sort_unstable();
        DeletionIndex { entries }
    }

    /// Ids of protected names that may be within one edit of `query`
    /// (sorted, deduplicated, unverified).
    pub fn candidates(&self, query: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        for h in variant_hashes(query.as_bytes()) {
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
