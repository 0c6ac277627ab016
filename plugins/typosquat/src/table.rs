//! A flat multi-map from 64-bit string hashes to `u32` values: every lookup
//! table of the detector is one of these.
//!
//! Flat sorted arrays rather than `HashMap<String, _>` because the tables
//! over the 15,000 protected names are built once at compile time
//! (`build.rs`) and shipped inside the plugin: loading one is a copy, not
//! 15,000 allocations and hash insertions inside the sandbox on every run.
//! A directory on the hash's top bits makes a lookup two memory accesses.
//!
//! Keys are hashes, so two keys could collide; at 64 bits over a few
//! hundred thousand keys the odds are about 10^-9, and a collision only
//! adds a candidate that the detector then judges on its real strings.

/// Polynomial hash base (odd, so multiplication is invertible mod 2^64).
pub const BASE: u64 = 0x100_0000_01b3;

/// The raw polynomial hash of `s` (mod 2^64), before [`mix`]: the deletion
/// index derives its variants' hashes from prefix hashes of this form.
pub fn poly(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |h, &c| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(c) + 1)
    })
}

/// Spread a polynomial hash's entropy into its top bits, which the
/// directory indexes (the splitmix64 finaliser; a bijection, so distinct
/// hashes stay distinct).
pub fn mix(mut h: u64) -> u64 {
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The key of a string in a [`Table`].
pub fn key(s: &str) -> u64 {
    mix(poly(s.as_bytes()))
}

/// Sorted, deduplicated `(key, value)` pairs with a directory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    entries: Vec<(u64, u32)>,
    /// `directory[b]..directory[b + 1]` are the entries whose key has top
    /// bits `b`; `shift` maps a key to `b`.
    directory: Vec<u32>,
    shift: u32,
    /// One bit per key's low bits, 16 bits per entry: most lookups are of
    /// keys that are absent (a name's deletion variants), and this answers
    /// those from a few hundred KiB that stay in cache, instead of two
    /// misses into megabytes of entries.
    filter: Vec<u64>,
}

impl Table {
    /// A table of `pairs` in any order, duplicates allowed.
    pub fn new(mut pairs: Vec<(u64, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        Self::from_sorted(pairs)
    }

    /// A table of `entries` already sorted and deduplicated.
    pub fn from_sorted(entries: Vec<(u64, u32)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0] < w[1]));
        // About one entry per directory slot: 2^bits >= entries.
        let bits = usize::BITS - entries.len().max(1).leading_zeros();
        let shift = 64 - bits;
        let mut directory = vec![0u32; (1usize << bits) + 1];
        for &(k, _) in &entries {
            directory[(k >> shift) as usize + 1] += 1;
        }
        for b in 1..directory.len() {
            directory[b] += directory[b - 1];
        }
        let mut filter = vec![0u64; (entries.len() * 16).next_power_of_two().div_ceil(64)];
        let mask = filter.len() * 64 - 1;
        for &(k, _) in &entries {
            let bit = k as usize & mask;
            filter[bit / 64] |= 1 << (bit % 64);
        }
        Table {
            entries,
            directory,
            shift,
            filter,
        }
    }

    /// The entries stored under `key` (contiguous, values ascending).
    pub fn get(&self, key: u64) -> &[(u64, u32)] {
        if self.entries.is_empty() {
            return &[];
        }
        let bit = key as usize & (self.filter.len() * 64 - 1);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return &[];
        }
        let b = (key >> self.shift) as usize;
        let bucket = &self.entries[self.directory[b] as usize..self.directory[b + 1] as usize];
        let start = bucket.partition_point(|(k, _)| *k < key);
        let len = bucket[start..]
            .iter()
            .take_while(|(k, _)| *k == key)
            .count();
        &bucket[start..start + len]
    }

    /// The values stored under the key of `s`.
    pub fn values<'a>(&'a self, s: &str) -> impl Iterator<Item = u32> + 'a {
        self.get(key(s)).iter().map(|(_, v)| *v)
    }

    /// True when anything is stored under the key of `s`.
    pub fn contains(&self, s: &str) -> bool {
        !self.get(key(s)).is_empty()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// This table's entries followed, key by key, by `other`'s with `offset`
    /// added to each value: the tables of a few names protected by settings
    /// (ids `0..offset`) joined with the prebuilt tables of the top-PyPI
    /// names (ids from `offset`), in one linear merge.
    pub fn merged(&self, other: Table, offset: u32) -> Table {
        if self.entries.is_empty() && offset == 0 {
            return other; // no names from settings: the prebuilt table as is
        }
        let (a, b) = (&self.entries, &other.entries);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let take_a = j == b.len() || (i < a.len() && a[i].0 <= b[j].0);
            if take_a {
                out.push(a[i]);
                i += 1;
            } else {
                out.push((b[j].0, b[j].1 + offset));
                j += 1;
            }
        }
        Table::from_sorted(out)
    }

    /// Append the table to `out`: a little-endian entry count, then each
    /// entry as key (u64) and value (u32).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (k, v) in &self.entries {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// Read a table written by [`Table::encode`] from the front of `bytes`,
    /// returning it and the rest; `None` if truncated or not sorted.
    pub fn decode(bytes: &[u8]) -> Option<(Table, &[u8])> {
        let count = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let body = bytes.get(4..4 + count.checked_mul(12)?)?;
        let entries: Vec<(u64, u32)> = body
            .chunks_exact(12)
            .map(|c| {
                let k = u64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
                let v = u32::from_le_bytes(c[8..].try_into().expect("4 bytes"));
                (k, v)
            })
            .collect();
        if !entries.windows(2).all(|w| w[0] < w[1]) {
            return None;
        }
        Some((Table::from_sorted(entries), &bytes[4 + count * 12..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_value_of_a_key_and_nothing_else() {
        let t = Table::new(vec![
            (key("a"), 3),
            (key("b"), 1),
            (key("a"), 2),
            (key("a"), 3),
        ]);
        assert_eq!(t.values("a").collect::<Vec<_>>(), [2, 3]);
        assert_eq!(t.values("b").collect::<Vec<_>>(), [1]);
        assert!(!t.contains("c"));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn merge_offsets_the_second_table() {
        let settings = Table::new(vec![(key("acme"), 0), (key("x"), 0)]);
        let top = Table::new(vec![(key("x"), 0), (key("requests"), 1)]);
        let m = settings.merged(top, 1);
        assert_eq!(m.values("x").collect::<Vec<_>>(), [0, 1]);
        assert_eq!(m.values("requests").collect::<Vec<_>>(), [2]);
        assert_eq!(m.values("acme").collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn encode_decode_round_trip_and_rejects_damage() {
        let t = Table::new((0..1000).map(|i| (key(&i.to_string()), i)).collect());
        let mut bytes = Vec::new();
        t.encode(&mut bytes);
        bytes.push(7);
        let (back, rest) = Table::decode(&bytes).unwrap();
        assert_eq!((back, rest), (t, &[7u8][..]));
        assert!(Table::decode(&bytes[..100]).is_none());
        let mut unsorted = bytes.clone();
        unsorted[4..16].copy_from_slice(&[0xff; 12]);
        assert!(Table::decode(&unsorted).is_none());
    }

    #[test]
    fn empty_table_answers_nothing() {
        assert!(Table::default().get(5).is_empty());
        assert!(Table::new(vec![]).get(5).is_empty());
    }
}
