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

use std::borrow::Cow;

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

/// The three bits `key` sets in its filter word (the word is chosen by the
/// key's low bits, the bits by its middle bits; the directory uses the top
/// bits): a blocked Bloom filter, one memory access per lookup, about 0.5%
/// false positives at 16 bits per entry where one bit per key had 6%.
fn filter_bits(key: u64) -> u64 {
    (1 << ((key >> 20) & 63)) | (1 << ((key >> 26) & 63)) | (1 << ((key >> 32) & 63))
}

/// The key of a string in a [`Table`].
pub fn key(s: &str) -> u64 {
    mix(poly(s.as_bytes()))
}

/// Sorted, deduplicated `(key, value)` pairs with a directory and a filter.
///
/// The arrays are either owned (tables built at run time, over names from
/// settings) or borrowed from the plugin's static data (the tables
/// `build.rs` wrote, read in place: loading them costs nothing).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    /// Keys, ascending; `values[i]` belongs to `keys[i]`.
    keys: Cow<'static, [u64]>,
    values: Cow<'static, [u32]>,
    /// `directory[b]..directory[b + 1]` are the entries whose key has top
    /// bits `b`; `shift` maps a key to `b`.
    directory: Cow<'static, [u32]>,
    shift: u32,
    /// A blocked Bloom filter, 16 bits per entry: most lookups are of keys
    /// that are absent (a name's deletion variants), and this answers
    /// those from a few hundred KiB that stay in cache, instead of two
    /// misses into megabytes of entries.
    filter: Cow<'static, [u64]>,
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
        let keys: Vec<u64> = entries.iter().map(|e| e.0).collect();
        let values: Vec<u32> = entries.iter().map(|e| e.1).collect();
        Self::with_lookups(keys.into(), values.into())
    }

    /// A table over sorted `keys` and their `values`, with the directory
    /// and filter computed now: two linear passes, cheaper inside the
    /// sandbox than shipping them (which made the plugin 60% larger).
    fn with_lookups(keys: Cow<'static, [u64]>, values: Cow<'static, [u32]>) -> Self {
        // About one entry per directory slot: 2^bits >= entries.
        let bits = usize::BITS - keys.len().max(1).leading_zeros();
        let shift = 64 - bits;
        let mut directory = vec![0u32; (1usize << bits) + 1];
        for &k in keys.iter() {
            directory[(k >> shift) as usize + 1] += 1;
        }
        for b in 1..directory.len() {
            directory[b] += directory[b - 1];
        }
        let mut filter = vec![0u64; (keys.len() * 16).next_power_of_two().div_ceil(64)];
        let words = filter.len() - 1;
        for &k in keys.iter() {
            filter[k as usize & words] |= filter_bits(k);
        }
        Table {
            keys,
            values,
            directory: directory.into(),
            shift,
            filter: filter.into(),
        }
    }

    /// The values stored under `key` (ascending).
    pub fn get(&self, key: u64) -> &[u32] {
        self.probe().get(key)
    }

    /// The table ready for many lookups in a row: the per-lookup work
    /// (resolving the borrowed-or-owned arrays, the filter's mask) done
    /// once. The two-typo search makes ~100 lookups per name, most of
    /// them answered by the filter alone.
    pub fn probe(&self) -> Probe<'_> {
        Probe {
            table: self,
            filter: &self.filter,
            mask: self.filter.len().wrapping_sub(1),
        }
    }

    /// The entries under `key`, past the filter.
    fn find(&self, key: u64) -> &[u32] {
        let b = (key >> self.shift) as usize;
        let (lo, hi) = (self.directory[b] as usize, self.directory[b + 1] as usize);
        let bucket = &self.keys[lo..hi];
        let start = bucket.partition_point(|k| *k < key);
        let len = bucket[start..].iter().take_while(|k| **k == key).count();
        &self.values[lo + start..lo + start + len]
    }

    /// The values stored under the key of `s`.
    pub fn values<'a>(&'a self, s: &str) -> impl Iterator<Item = u32> + 'a {
        self.get(key(s)).iter().copied()
    }

    /// True when anything is stored under the key of `s`.
    pub fn contains(&self, s: &str) -> bool {
        !self.get(key(s)).is_empty()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// True when the arrays are read in place from static data.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.keys, Cow::Borrowed(_))
    }

    /// This table's entries followed, key by key, by `other`'s with `offset`
    /// added to each value: the tables of a few names protected by settings
    /// (ids `0..offset`) joined with the prebuilt tables of the top-PyPI
    /// names (ids from `offset`), in one linear merge.
    pub fn merged(&self, other: Table, offset: u32) -> Table {
        if self.is_empty() && offset == 0 {
            return other; // no names from settings: the prebuilt table as is
        }
        let a = self.keys.iter().copied().zip(self.values.iter().copied());
        let b = other
            .keys
            .iter()
            .copied()
            .zip(other.values.iter().map(|v| v + offset));
        let mut out = Vec::with_capacity(self.len() + other.len());
        let (mut a, mut b) = (a.peekable(), b.peekable());
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(x), Some(y)) => x.0 <= y.0,
            };
            out.extend(if take_a { a.next() } else { b.next() });
        }
        Table::from_sorted(out)
    }

    /// Append the table to `out` in the form [`Table::read_in_place`]
    /// reads: the entry count (little-endian u64), the keys (u64), then
    /// the values (u32) padded to a multiple of 8 bytes, so that each array
    /// starts 8-byte aligned relative to the start of `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.keys.len() as u64).to_le_bytes());
        self.keys
            .iter()
            .for_each(|k| out.extend_from_slice(&k.to_le_bytes()));
        self.values
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        out.resize(out.len().next_multiple_of(8), 0);
    }

    /// Read a table written by [`Table::encode`] from the front of
    /// `bytes` (which must start 8-byte aligned), borrowing its keys and
    /// values in place, and return it with the rest. `None` if truncated
    /// or if the keys are out of order.
    pub fn read_in_place(bytes: &'static [u8]) -> Option<(Table, &'static [u8])> {
        let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
        let mut at = 8;
        let keys = cast::<u64>(bytes, &mut at, n)?;
        let values = cast::<u32>(bytes, &mut at, n)?;
        at = at.next_multiple_of(8);
        // A linear pass that keeps the lookups correct if the data were
        // ever damaged (it is the plugin's own, built by build.rs and
        // compared with a fresh build by the tests).
        if !keys.windows(2).all(|w| w[0] <= w[1]) {
            return None;
        }
        Some((Table::with_lookups(keys, values), bytes.get(at..)?))
    }
}

/// A [`Table`] ready for lookups (see [`Table::probe`]).
pub struct Probe<'a> {
    table: &'a Table,
    filter: &'a [u64],
    /// `filter.len() - 1` (a power of two minus one); unused when empty.
    mask: usize,
}

impl<'a> Probe<'a> {
    /// The values stored under `key` (ascending).
    #[inline]
    pub fn get(&self, key: u64) -> &'a [u32] {
        if self.filter.is_empty() {
            return &[];
        }
        let bits = filter_bits(key);
        if self.filter[key as usize & self.mask] & bits != bits {
            return &[];
        }
        self.table.find(key)
    }
}

/// A plain little-endian integer type that can be read in place.
trait Plain: Copy + Sized {
    fn from_le_slice(b: &[u8]) -> Self;
}

impl Plain for u64 {
    fn from_le_slice(b: &[u8]) -> Self {
        u64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}

impl Plain for u32 {
    fn from_le_slice(b: &[u8]) -> Self {
        u32::from_le_bytes(b.try_into().expect("4 bytes"))
    }
}

/// `count` little-endian `T`s at `bytes[*at..]`, borrowed in place when the
/// target is little-endian and they are aligned (they are when `bytes` is,
/// see `prebuilt.rs`), copied otherwise; advances `at`.
fn cast<T: Plain>(bytes: &'static [u8], at: &mut usize, count: usize) -> Option<Cow<'static, [T]>> {
    let size = std::mem::size_of::<T>();
    let raw = bytes.get(*at..*at + count.checked_mul(size)?)?;
    *at += raw.len();
    if cfg!(target_endian = "little") {
        // SAFETY: u32 and u64 have no invalid bit patterns; `align_to`
        // only puts in `middle` what is correctly aligned for T.
        let (head, middle, tail) = unsafe { raw.align_to::<T>() };
        if head.is_empty() && tail.is_empty() {
            return Some(Cow::Borrowed(middle));
        }
    }
    Some(Cow::Owned(
        raw.chunks_exact(size).map(T::from_le_slice).collect(),
    ))
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

    /// `bytes` as 'static data starting at an 8-byte boundary plus `skew`.
    fn leaked(bytes: &[u8], skew: usize) -> &'static [u8] {
        let words = vec![0u64; (bytes.len() + skew).div_ceil(8) + 1].leak();
        // SAFETY: viewing initialised u64s as bytes.
        let all: &'static mut [u8] = unsafe {
            std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8)
        };
        all[skew..skew + bytes.len()].copy_from_slice(bytes);
        &all[skew..skew + bytes.len()]
    }

    #[test]
    fn encode_read_round_trip_in_place_or_copied_and_rejects_damage() {
        let t = Table::new((0..1000).map(|i| (key(&i.to_string()), i)).collect());
        let mut bytes = Vec::new();
        t.encode(&mut bytes);
        assert_eq!(bytes.len() % 8, 0);
        bytes.extend_from_slice(&[7; 8]);
        let (back, rest) = Table::read_in_place(leaked(&bytes, 0)).unwrap();
        assert!(back.is_borrowed(), "aligned data is read in place");
        assert_eq!((&back, rest), (&t, &[7u8; 8][..]));
        assert_eq!(back.values("17").collect::<Vec<_>>(), [17]);
        let (copied, _) = Table::read_in_place(leaked(&bytes, 1)).unwrap();
        assert!(!copied.is_borrowed(), "misaligned data is copied");
        assert_eq!(copied, t);
        assert!(Table::read_in_place(leaked(&bytes[..100], 0)).is_none());
        let mut unsorted = bytes.clone();
        unsorted[8..16].copy_from_slice(&[0xff; 8]);
        assert!(Table::read_in_place(leaked(&unsorted, 0)).is_none());
    }

    #[test]
    fn directory_finds_every_key_in_crowded_empty_and_edge_buckets() {
        // Keys 0..100 all fall in bucket 0; u64::MAX in the last bucket;
        // most buckets in between are empty.
        let mut pairs: Vec<(u64, u32)> = (0..100).map(|k| (k, k as u32)).collect();
        pairs.extend([(u64::MAX, 7), (u64::MAX, 8), (1 << 63, 9)]);
        pairs.extend((0..500u64).map(|i| (mix(i), i as u32)));
        let t = Table::new(pairs.clone());
        for (k, v) in pairs {
            assert!(t.get(k).contains(&v), "{k:x}");
        }
        assert_eq!(t.get(u64::MAX), [7, 8]);
        assert!(t.get(100).is_empty() && t.get((1 << 63) + 1).is_empty());
    }

    #[test]
    fn empty_table_answers_nothing() {
        assert!(Table::default().get(5).is_empty());
        assert!(Table::new(vec![]).get(5).is_empty());
    }
}
