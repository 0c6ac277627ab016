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

/// Call `each(hnum, blob)` for every package of the `Packages` database
/// at `path`. The error says what is wrong, without the path (the caller
/// names the file).
pub fn each_header(path: &Path, each: impl FnMut(i64, &[u8])) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    each_header_in(&file, each)
}

/// [`each_header`] over any [`Pages`].
pub fn each_header_in<P: Pages + ?Sized>(
    src: &P,
    mut each: impl FnMut(i64, &[u8]),
) -> Result<(), String> {
    let db = Db::open(src)?;
    let mut page = vec![0u8; db.pagesize];
    // Each page is read at most once per walk of a chain; all chains
    // together visit no more pages than the file has.
    let mut budget = u64::from(db.lastpage) + 1;
    for bucket in 0..=db.maxbucket {
        let mut pg = db.bucket_page(bucket)?;
        loop {
            budget = budget
                .checked_sub(1)
                .ok_or("hash bucket chains loop or overlap")?;
            db.page(pg, &mut page)?;
            if !HASH_PAGES.contains(&page[25]) {
                return Err(format!("page {pg}: type {} in a hash bucket", page[25]));
            }
            let n = usize::from(db.u16(&page, 20));
            if n > (db.pagesize - PAGE_HEADER) / 2 {
                return Err(format!("page {pg}: {n} entries do not fit the page"));
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
                        Err(format!(
                            "page {pg}: entry {idx} at {off}..{end} is off the page"
                        ))
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
    fn open(src: &'a P) -> Result<Self, String> {
        let mut meta = [0u8; 512];
        src.read_at(0, &mut meta)
            .map_err(|_| "shorter than a BerkeleyDB meta page".to_string())?;
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
            (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
                return Err("a BerkeleyDB btree, not rpm's Packages hash".into())
            }
            _ => return Err("not a BerkeleyDB hash database".into()),
        };
        let w = |i| word(i, big_endian);
        let version = w(4);
        if !(8..=10).contains(&version) {
            return Err(format!("unsupported hash version {version}"));
        }
        let pagesize = w(5);
        if !(512..=65536).contains(&pagesize) || !pagesize.is_power_of_two() {
            return Err(format!("page size {pagesize} is not one BerkeleyDB uses"));
        }
        let mut spares = [0u32; 32];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = w(24 + i);
        }
        let (lastpage, maxbucket) = (w(8), w(18));
        if maxbucket > lastpage {
            return Err(format!("{maxbucket} buckets in {lastpage} pages"));
        }
        // The meta page's page count is the writer's word; the file's
        // length is a fact. Every bound below (chain walks, overflow
        // reads) counts real pages, so a count of billions in a small
        // file cannot make a loop of the same pages run for hours.
        let in_file = src
            .byte_len()
            .map_err(|e| format!("cannot tell its length: {e}"))?
            / u64::from(pagesize);
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
    fn bucket_page(&self, bucket: u32) -> Result<u32, String> {
        let point = (32 - bucket.leading_zeros()) as usize;
        self.spares
            .get(point)
            .and_then(|s| bucket.checked_add(*s))
            .ok_or_else(|| format!("bucket {bucket} has no page"))
    }

    /// Read page `pg` into `page`: within the file, numbered as asked.
    fn page(&self, pg: u32, page: &mut [u8]) -> Result<(), String> {
        if pg == 0 || pg > self.lastpage {
            return Err(format!(
                "page {pg} is outside the database (last {})",
                self.lastpage
            ));
        }
        self.src
            .read_at(u64::from(pg) * self.pagesize as u64, page)
            .map_err(|e| format!("page {pg} cannot be read: {e}"))?;
        if self.u32(page, 8) != pg {
            return Err(format!("page {pg} says it is page {}", self.u32(page, 8)));
        }
        Ok(())
    }

    /// The bytes of a hash item: on the page, or on its overflow pages.
    fn item(&self, raw: &[u8], pg: u32) -> Result<Vec<u8>, String> {
        match raw.first() {
            Some(&H_KEYDATA) => Ok(raw[1..].to_vec()),
            Some(&H_OFFPAGE) if raw.len() == 12 => {
                let first = self.u32(raw, 4);
                let len = self.u32(raw, 8) as usize;
                self.overflow(first, len)
            }
            Some(t) => Err(format!("page {pg}: item of type {t} (rpm writes none)")),
            None => Err(format!("page {pg}: empty item")),
        }
    }

    /// `len` bytes from the overflow chain starting at page `pg`.
    fn overflow(&self, mut pg: u32, len: usize) -> Result<Vec<u8>, String> {
        if len == 0 || len > MAX_ITEM {
            return Err(format!("overflow item of {len} bytes"));
        }
        let mut out = Vec::with_capacity(len.min(1 << 20));
        let mut page = vec![0u8; self.pagesize];
        let mut pages = 0u32;
        while out.len() < len {
            pages += 1;
            if pages > self.lastpage {
                return Err(format!("overflow chain from page {pg} loops"));
            }
            let left = self.overflow_budget.get();
            if left == 0 {
                return Err("overflow pages are shared between items or loop".into());
            }
            self.overflow_budget.set(left - 1);
            self.page(pg, &mut page)?;
            if page[25] != OVERFLOW_PAGE {
                return Err(format!("page {pg}: type {} in an overflow chain", page[25]));
            }
            let plen = usize::from(self.u16(&page, 22));
            if plen + PAGE_HEADER > self.pagesize || plen > len - out.len() {
                return Err(format!("page {pg}: overflow length {plen} does not fit"));
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

    fn all(bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, String> {
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
        assert!(err.contains("not a BerkeleyDB hash"), "{err}");
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
        assert!(err.contains("loop"), "{err}");
        // A page number past the last page.
        b[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
        let err = all(&b).unwrap_err();
        assert!(err.contains("outside the database"), "{err}");
    }
}
