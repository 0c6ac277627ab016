//! rpm's BerkeleyDB `Packages` database (rpm before 4.16: CentOS 7 and
//! 8, RHEL 7 and 8, older Fedora and SUSE), read without BerkeleyDB, as
//! rpm's own read-only backend (`lib/backend/bdb_ro.cc`) reads it: a hash
//! database whose keys are header numbers (4 bytes, in the writer's byte
//! order) and whose values are header blobs, most on overflow pages.
//!
//! Every page number, offset and length is checked against the page and
//! the file; page chains are bounded by the page count, so a corrupt or
//! hostile file is an error naming it, never a panic, a hang or a guess.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// `DB_HASHMAGIC`, in the file's byte order.
const HASH_MAGIC: u32 = 0x0006_1561;
/// `DB_BTREEMAGIC`: an index, not `Packages`.
const BTREE_MAGIC: u32 = 0x0005_3162;
/// Page types a hash bucket chain may hold (`P_HASH_UNSORTED`,
/// `P_HASHMETA`, `P_HASH`), as rpm accepts them.
const HASH_PAGES: [u8; 3] = [2, 8, 13];
/// `P_OVERFLOW`.
const OVERFLOW_PAGE: u8 = 7;
/// `H_KEYDATA`: the item's bytes follow its type byte.
const H_KEYDATA: u8 = 1;
/// `H_OFFPAGE`: the item is on overflow pages (page number and length).
const H_OFFPAGE: u8 = 3;
/// The size of a page header (`SIZEOF_PAGE`).
const PAGE_HEADER: usize = 26;
/// Largest item read: rpm's own limit on a header (`headerMaxbytes`).
const MAX_ITEM: usize = 256 << 20;

/// Where pages are read from: the file, or bytes (tests, fuzzing).
pub trait Pages {
    /// Fill `buf` from `offset`; an error when the source is shorter.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()>;

    /// The source's length in bytes.
    fn byte_len(&self) -> std::io::Result<u64>;
}

impl Pages for File {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.read_exact_at(buf, offset)
    }

    fn byte_len(&self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

impl Pages for [u8] {
    fn byte_len(&self) -> std::io::Result<u64> {
        Ok(self.len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let start = usize::try_from(offset).ok();
        let src = start
            .and_then(|s| self.get(s..s.checked_add(buf.len())?))
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// What is wrong with a BerkeleyDB `Packages` file. The messages do not
/// name the file (the caller does).
#[derive(Debug, thiserror::Error)]
pub enum BdbError {
    /// The file cannot be opened (match its kind).
    #[error("cannot open: {0}")]
    Open(std::io::Error),
    /// The file's length cannot be had.
    #[error("cannot tell its length: {0}")]
    Length(std::io::Error),
    /// Shorter than the meta page.
    #[error("shorter than a BerkeleyDB meta page")]
    ShortMeta,
    /// A btree database.
    #[error("a BerkeleyDB btree, not rpm's Packages hash")]
    Btree,
    /// Not BerkeleyDB at all.
    #[error("not a BerkeleyDB hash database")]
    NotHash,
    /// A hash version this reader does not know.
    #[error("unsupported hash version {0}")]
    Version(u32),
    /// A page size BerkeleyDB never uses.
    #[error("page size {0} is not one BerkeleyDB uses")]
    PageSize(u32),
    /// More buckets than pages.
    #[error("{maxbucket} buckets in {lastpage} pages")]
    Buckets {
        /// The highest bucket.
        maxbucket: u32,
        /// The last page.
        lastpage: u32,
    },
    /// The bucket chains visit more pages than the file has.
    #[error("hash bucket chains loop or overlap")]
    ChainLoop,
    /// A bucket whose page cannot be computed.
    #[error("bucket {0} has no page")]
    NoBucketPage(u32),
    /// A page number past the last page (or 0).
    #[error("page {pg} is outside the database (last {last})")]
    Outside {
        /// The page.
        pg: u32,
        /// The last page.
        last: u32,
    },
    /// A page could not be read.
    #[error("page {pg} cannot be read: {error}")]
    PageRead {
        /// The page.
        pg: u32,
        /// Why (match its kind).
        error: std::io::Error,
    },
    /// A page whose header names another page.
    #[error("page {pg} says it is page {says}")]
    Misnumbered {
        /// The page.
        pg: u32,
        /// The number in its header.
        says: u32,
    },
    /// A page of the wrong type in a bucket chain.
    #[error("page {pg}: type {kind} in a hash bucket")]
    NotHashPage {
        /// The page.
        pg: u32,
        /// Its type byte.
        kind: u8,
    },
    /// More entries than the page holds.
    #[error("page {pg}: {n} entries do not fit the page")]
    Entries {
        /// The page.
        pg: u32,
        /// Its entry count.
        n: usize,
    },
    /// An entry whose bytes are not on its page.
    #[error("page {pg}: entry {idx} at {off}..{end} is off the page")]
    OffPage {
        /// The page.
        pg: u32,
        /// The entry.
        idx: usize,
        /// Its start.
        off: usize,
        /// Its end.
        end: usize,
    },
    /// An item of a type rpm never writes.
    #[error("page {pg}: item of type {kind} (rpm writes none)")]
    ItemType {
        /// The page.
        pg: u32,
        /// The type byte.
        kind: u8,
    },
    /// An empty item.
    #[error("page {0}: empty item")]
    EmptyItem(u32),
    /// An overflow item of no or too many bytes.
    #[error("overflow item of {0} bytes")]
    OverflowSize(usize),
    /// An overflow chain longer than the file.
    #[error("overflow chain from page {0} loops")]
    OverflowLoop(u32),
    /// The overflow reads of a walk need more pages than the file has.
    #[error("overflow pages are shared between items or loop")]
    OverflowShared,
    /// A page of the wrong type in an overflow chain.
    #[error("page {pg}: type {kind} in an overflow chain")]
    NotOverflowPage {
        /// The page.
        pg: u32,
        /// Its type byte.
        kind: u8,
    },
    /// An overflow page's length past its page or item.
    #[error("page {pg}: overflow length {len} does not fit")]
    OverflowLength {
        /// The page.
        pg: u32,
        /// The length it declares.
        len: usize,
    },
}

/// Call `each(hnum, blob)` for every package of the `Packages` database
/// at `path`. The error says what is wrong, without the path (the caller
/// names the file).
pub fn each_header(path: &Path, each: impl FnMut(i64, &[u8])) -> Result<(), BdbError> {
    let file = File::open(path).map_err(BdbError::Open)?;
    each_header_in(&file, each)
}

/// [`each_header`] over any [`Pages`].
pub fn each_header_in<P: Pages + ?Sized>(
    src: &P,
    mut each: impl FnMut(i64, &[u8]),
) -> Result<(), BdbError> {
    let db = Db::open(src)?;
    let mut page = vec![0u8; db.pagesize];
    // Each page is read at most once per walk of a chain; all chains
    // together visit no more pages than the file has.
    let mut budget = u64::from(db.lastpage) + 1;
    for bucket in 0..=db.maxbucket {
        let mut pg = db.bucket_page(bucket)?;
        loop {
            budget = budget.checked_sub(1).ok_or(BdbError::ChainLoop)?;
            db.page(pg, &mut page)?;
            if !HASH_PAGES.contains(&page[25]) {
                return Err(BdbError::NotHashPage { pg, kind: page[25] });
            }
            let n = usize::from(db.u16(&page, 20));
            if n > (db.pagesize - PAGE_HEADER) / 2 {
                return Err(BdbError::Entries { pg, n });
            }
            let mut idx = 0;
            while idx + 1 < n {
                let koff = usize::from(db.u16(&page, PAGE_HEADER + 2 * idx));
                let voff = usize::from(db.u16(&page, PAGE_HEADER + 2 + 2 * idx));
                let kend = if idx == 0 {
                    db.pagesize
                } else {
                    usize::from(db.u16(&page, PAGE_HEADER - 2 + 2 * idx))
                };
                let item = |off: usize, end: usize| {
                    if off < PAGE_HEADER + 2 * n || off >= end || end > db.pagesize {
                        Err(BdbError::OffPage { pg, idx, off, end })
                    } else {
                        Ok(&page[off..end])
                    }
                };
                let key = db.item(item(koff, kend)?, pg)?;
                let val = db.item(item(voff, koff)?, pg)?;
                // Key 0 (or any key not 4 bytes long) is rpm's bookkeeping.
                if let Ok(k) = <[u8; 4]>::try_from(key.as_slice()) {
                    let hnum = if db.big_endian {
                        u32::from_be_bytes(k)
                    } else {
                        u32::from_le_bytes(k)
                    };
                    if hnum != 0 {
                        each(i64::from(hnum), &val);
                    }
                }
                idx += 2;
            }
            pg = db.u32(&page, 16);
            if pg == 0 {
                break;
            }
        }
    }
    Ok(())
}

/// An open hash database.
struct Db<'a, P: Pages + ?Sized> {
    src: &'a P,
    big_endian: bool,
    pagesize: usize,
    lastpage: u32,
    maxbucket: u32,
    spares: [u32; 32],
    /// Overflow pages left to read in this walk: each belongs to one
    /// item in a real database, so all items together read no more pages
    /// than the file has (many items naming one chain are refused).
    overflow_budget: std::cell::Cell<u64>,
}

impl<'a, P: Pages + ?Sized> Db<'a, P> {
    /// Read and check the meta page (`HMETA`).
    fn open(src: &'a P) -> Result<Self, BdbError> {
        let mut meta = [0u8; 512];
        src.read_at(0, &mut meta).map_err(|_| BdbError::ShortMeta)?;
        let word = |i: usize, be: bool| {
            let b: [u8; 4] = meta[4 * i..4 * i + 4].try_into().unwrap_or([0; 4]);
            if be {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let big_endian = match (word(3, false), word(3, true)) {
            (HASH_MAGIC, _) => false,
            (_, HASH_MAGIC) => true,
            (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => return Err(BdbError::Btree),
            _ => return Err(BdbError::NotHash),
        };
        let w = |i| word(i, big_endian);
        let version = w(4);
        if !(8..=10).contains(&version) {
            return Err(BdbError::Version(version));
        }
        let pagesize = w(5);
        if !(512..=65536).contains(&pagesize) || !pagesize.is_power_of_two() {
            return Err(BdbError::PageSize(pagesize));
        }
        let mut spares = [0u32; 32];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = w(24 + i);
        }
        let (lastpage, maxbucket) = (w(8), w(18));
        if maxbucket > lastpage {
            return Err(BdbError::Buckets {
                maxbucket,
                lastpage,
            });
        }
        // The meta page's page count is the writer's word; the file's
        // length is a fact. Every bound below (chain walks, overflow
        // reads) counts real pages, so a count of billions in a small
        // file cannot make a loop of the same pages run for hours.
        let in_file = src.byte_len().map_err(BdbError::Length)? / u64::from(pagesize);
        let lastpage = lastpage.min(u32::try_from(in_file.saturating_sub(1)).unwrap_or(u32::MAX));
        Ok(Db {
            src,
            big_endian,
            pagesize: pagesize as usize,
            lastpage,
            maxbucket,
            spares,
            overflow_budget: std::cell::Cell::new(u64::from(lastpage) + 1),
        })
    }

    fn u16(&self, page: &[u8], at: usize) -> u16 {
        let b = [page[at], page[at + 1]];
        if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    fn u32(&self, page: &[u8], at: usize) -> u32 {
        let b = [page[at], page[at + 1], page[at + 2], page[at + 3]];
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    /// The first page of `bucket` (`BS_TO_PAGE`: the bucket plus the
    /// spare pages of its split point).
    fn bucket_page(&self, bucket: u32) -> Result<u32, BdbError> {
        let point = (32 - bucket.leading_zeros()) as usize;
        self.spares
            .get(point)
            .and_then(|s| bucket.checked_add(*s))
            .ok_or(BdbError::NoBucketPage(bucket))
    }

    /// Read page `pg` into `page`: within the file, numbered as asked.
    fn page(&self, pg: u32, page: &mut [u8]) -> Result<(), BdbError> {
        if pg == 0 || pg > self.lastpage {
            return Err(BdbError::Outside {
                pg,
                last: self.lastpage,
            });
        }
        self.src
            .read_at(u64::from(pg) * self.pagesize as u64, page)
            .map_err(|error| BdbError::PageRead { pg, error })?;
        if self.u32(page, 8) != pg {
            return Err(BdbError::Misnumbered {
                pg,
                says: self.u32(page, 8),
            });
        }
        Ok(())
    }

    /// The bytes of a hash item: on the page, or on its overflow pages.
    fn item(&self, raw: &[u8], pg: u32) -> Result<Vec<u8>, BdbError> {
        match raw.first() {
            Some(&H_KEYDATA) => Ok(raw[1..].to_vec()),
            Some(&H_OFFPAGE) if raw.len() == 12 => {
                let first = self.u32(raw, 4);
                let len = self.u32(raw, 8) as usize;
                self.overflow(first, len)
            }
            Some(&kind) => Err(BdbError::ItemType { pg, kind }),
            None => Err(BdbError::EmptyItem(pg)),
        }
    }

    /// `len` bytes from the overflow chain starting at page `pg`.
    fn overflow(&self, mut pg: u32, len: usize) -> Result<Vec<u8>, BdbError> {
        if len == 0 || len > MAX_ITEM {
            return Err(BdbError::OverflowSize(len));
        }
        let mut out = Vec::with_capacity(len.min(1 << 20));
        let mut page = vec![0u8; self.pagesize];
        let mut pages = 0u32;
        while out.len() < len {
            pages += 1;
            if pages > self.lastpage {
                return Err(BdbError::OverflowLoop(pg));
            }
            let left = self.overflow_budget.get();
            if left == 0 {
                return Err(BdbError::OverflowShared);
            }
            self.overflow_budget.set(left - 1);
            self.page(pg, &mut page)?;
            if page[25] != OVERFLOW_PAGE {
                return Err(BdbError::NotOverflowPage { pg, kind: page[25] });
            }
            let plen = usize::from(self.u16(&page, 22));
            if plen + PAGE_HEADER > self.pagesize || plen > len - out.len() {
                return Err(BdbError::OverflowLength { pg, len: plen });
            }
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + plen]);
            if out.len() < len {
                pg = self.u32(&page, 16);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../../tests/fixtures/rpm/Packages.bdb");
    const HEADER: &[u8] = include_bytes!("../../../../tests/fixtures/rpm/python3-rpmdemo.header");

    fn all(bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, BdbError> {
        let mut out = Vec::new();
        each_header_in(bytes, |h, b| out.push((h, b.to_vec())))?;
        Ok(out)
    }

    #[test]
    fn reads_a_database_berkeley_db_wrote() {
        // tests/fixtures/rpm/README.md says how it was made.
        assert_eq!(all(FIXTURE).unwrap(), vec![(1, HEADER.to_vec())]);
    }

    #[test]
    fn truncations_and_flipped_bytes_are_errors_never_panics() {
        for n in 0..FIXTURE.len() {
            let r = all(&FIXTURE[..n]);
            if n < 512 {
                assert!(r.is_err(), "prefix of {n} bytes read");
            }
        }
        for i in 0..FIXTURE.len() {
            for x in [0xff, 0x01, 0x80] {
                let mut b = FIXTURE.to_vec();
                b[i] ^= x;
                let _ = all(&b);
            }
        }
        let err = all(&[0u8; 600]).unwrap_err();
        assert!(matches!(err, BdbError::NotHash), "{err}");
        assert_eq!(err.to_string(), "not a BerkeleyDB hash database");
    }

    #[test]
    fn loops_and_wild_pages_are_named() {
        // Point the first bucket page's "next" at itself: a loop.
        let mut b = FIXTURE.to_vec();
        let db = Db::open(FIXTURE).unwrap();
        let pg = db.bucket_page(0).unwrap() as usize;
        let at = pg * db.pagesize + 16;
        b[at..at + 4].copy_from_slice(&(pg as u32).to_le_bytes());
        let err = all(&b).unwrap_err();
        assert!(matches!(err, BdbError::ChainLoop), "{err}");
        assert!(err.to_string().contains("loop"), "{err}");
        // A page number past the last page.
        b[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
        let err = all(&b).unwrap_err();
        assert!(matches!(err, BdbError::Outside { pg: 1000, .. }), "{err}");
        assert!(err.to_string().contains("outside the database"), "{err}");
    }
}
