//! An rpm header as rpm's database stores it (one `Packages.blob` of
//! `rpmdb.sqlite`): no lead or magic, a big-endian index count `il` and
//! data length `dl`, `il` index entries of 16 bytes (tag, type, offset,
//! count) and `dl` bytes of data. Parsed by hand, every offset checked:
//! a malformed header is an error, never a panic or a guess.

use std::collections::HashMap;

/// `RPMTAG_NAME`.
const NAME: u32 = 1000;
/// `RPMTAG_VERSION`.
const VERSION: u32 = 1001;
/// `RPMTAG_RELEASE`.
const RELEASE: u32 = 1002;
/// `RPMTAG_EPOCH`.
const EPOCH: u32 = 1003;
/// `RPMTAG_OLDFILENAMES`: full paths, in headers older than rpm 4.
const OLDFILENAMES: u32 = 1027;
/// `RPMTAG_SOURCERPM`: `requests-2.28.1-4.el9.src.rpm`.
const SOURCERPM: u32 = 1044;
/// `RPMTAG_DIRINDEXES`: for each basename, its directory.
const DIRINDEXES: u32 = 1116;
/// `RPMTAG_BASENAMES`.
const BASENAMES: u32 = 1117;
/// `RPMTAG_DIRNAMES`: directories, each ending in `/`.
const DIRNAMES: u32 = 1118;

/// `RPM_CHAR_TYPE`.
const TYPE_CHAR: u32 = 1;
/// `RPM_INT16_TYPE`.
const TYPE_INT16: u32 = 3;
/// `RPM_INT32_TYPE`.
pub(super) const TYPE_INT32: u32 = 4;
/// `RPM_INT64_TYPE`.
const TYPE_INT64: u32 = 5;
/// `RPM_STRING_TYPE`.
const TYPE_STRING: u32 = 6;
/// `RPM_STRING_ARRAY_TYPE`.
pub(super) const TYPE_STRING_ARRAY: u32 = 8;
/// `RPM_I18NSTRING_TYPE` (a string array, one per locale).
const TYPE_I18NSTRING: u32 = 9;

/// Most index entries rpm itself accepts in a header (`hdrchkTags`).
const MAX_ENTRIES: usize = 0xffff;

/// What fetter needs of one installed rpm package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `NAME`.
    pub name: String,
    /// `VERSION`.
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `EPOCH`, when the package has one.
    pub epoch: Option<u32>,
    /// `SOURCERPM`, when it has one (not `gpg-pubkey`).
    pub source_rpm: Option<String>,
    /// Every file and directory it installed, as absolute paths.
    pub files: Vec<String>,
}

impl Header {
    /// `[epoch:]version-release`, as `rpm -q --qf '%{EVR}'` shows it.
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }
}

/// Why a header blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Fewer bytes than the counts or an entry say there are.
    #[error("truncated header: {0}")]
    Truncated(&'static str),
    /// Counts or offsets out of the bounds rpm accepts.
    #[error("malformed header: {0}")]
    Malformed(String),
    /// A tag fetter needs is absent.
    #[error("header has no {0} tag")]
    Missing(&'static str),
}

/// One index entry: where a tag's value lives in the data store.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: u32,
    offset: usize,
    count: usize,
}

/// Parse the header blob `blob`.
pub fn parse(blob: &[u8]) -> Result<Header, HeaderError> {
    let h = index(blob)?;
    let name = h.string(NAME)?.ok_or(HeaderError::Missing("NAME"))?;
    let version = h.string(VERSION)?.ok_or(HeaderError::Missing("VERSION"))?;
    let release = h.string(RELEASE)?.ok_or(HeaderError::Missing("RELEASE"))?;
    let epoch = h.int32s(EPOCH)?.and_then(|e| e.first().copied());
    let source_rpm = h.string(SOURCERPM)?;
    let files = match (h.strings(BASENAMES)?, h.strings(DIRNAMES)?) {
        (Some(base), Some(dirs)) => {
            let idx = h
                .int32s(DIRINDEXES)?
                .ok_or(HeaderError::Missing("DIRINDEXES"))?;
            if idx.len() != base.len() {
                return Err(HeaderError::Malformed(format!(
                    "{} basenames but {} dirindexes",
                    base.len(),
                    idx.len()
                )));
            }
            base.iter()
                .zip(&idx)
                .map(|(b, &i)| {
                    dirs.get(i as usize)
                        .map(|d| format!("{d}{b}"))
                        .ok_or_else(|| {
                            HeaderError::Malformed(format!(
                                "dirindex {i} of {} dirnames",
                                dirs.len()
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        (None, None) => h.strings(OLDFILENAMES)?.unwrap_or_default(),
        _ => return Err(HeaderError::Missing("BASENAMES or DIRNAMES")),
    };
    Ok(Header {
        name,
        version,
        release,
        epoch,
        source_rpm,
        files,
    })
}

/// The header's index entries over its data store, every offset checked.
pub(super) fn index(blob: &[u8]) -> Result<Parsed<'_>, HeaderError> {
    let il = be32(blob, 0).ok_or(HeaderError::Truncated("no index count"))? as usize;
    let dl = be32(blob, 4).ok_or(HeaderError::Truncated("no data length"))? as usize;
    if il == 0 || il > MAX_ENTRIES {
        return Err(HeaderError::Malformed(format!("{il} index entries")));
    }
    let index_end = 8 + il * 16;
    let data = blob
        .get(index_end..)
        .and_then(|d| d.get(..dl))
        .ok_or(HeaderError::Truncated("index and data exceed the blob"))?;
    let mut entries: HashMap<u32, Entry> = HashMap::new();
    for i in 0..il {
        let at = 8 + i * 16;
        let field = |k: usize| be32(blob, at + 4 * k).ok_or(HeaderError::Truncated("index entry"));
        let (tag, kind, offset, count) = (field(0)?, field(1)?, field(2)?, field(3)?);
        let offset = offset as usize;
        if offset > dl {
            return Err(HeaderError::Malformed(format!(
                "tag {tag}: offset {offset} past the data ({dl} bytes)"
            )));
        }
        // The first tag wins, as in rpm (region trailers repeat none of ours).
        entries.entry(tag).or_insert(Entry {
            kind,
            offset,
            count: count as usize,
        });
    }
    Ok(Parsed { data, entries })
}

/// The source package's name and `version-release` from a `SOURCERPM`
/// value (`python-requests-2.28.1-4.el9.src.rpm` → `python-requests`,
/// `2.28.1-4.el9`); `None` when it is not `name-version-release.src.rpm`.
pub fn source_name_version(source_rpm: &str) -> Option<(&str, &str)> {
    let nvr = source_rpm
        .strip_suffix(".src.rpm")
        .or_else(|| source_rpm.strip_suffix(".nosrc.rpm"))?;
    let (nv, _release) = nvr.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    let evr = nvr.get(name.len() + 1..)?;
    (!name.is_empty()).then_some((name, evr))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

/// A header's index over its data store.
pub(super) struct Parsed<'a> {
    data: &'a [u8],
    entries: HashMap<u32, Entry>,
}

impl Parsed<'_> {
    /// A `STRING` tag (or the first string of a string array).
    pub(super) fn string(&self, tag: u32) -> Result<Option<String>, HeaderError> {
        let Some(e) = self.entries.get(&tag) else {
            return Ok(None);
        };
        match e.kind {
            TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING => {
                Ok(self.strings_at(tag, e.offset, 1)?.into_iter().next())
            }
            k => Err(wrong_type(tag, k)),
        }
    }

    /// A `STRING_ARRAY` tag.
    pub(super) fn strings(&self, tag: u32) -> Result<Option<Vec<String>>, HeaderError> {
        let Some(e) = self.entries.get(&tag) else {
            return Ok(None);
        };
        if e.kind != TYPE_STRING_ARRAY {
            return Err(wrong_type(tag, e.kind));
        }
        self.strings_at(tag, e.offset, e.count).map(Some)
    }

    /// An `INT32` tag.
    pub(super) fn int32s(&self, tag: u32) -> Result<Option<Vec<u32>>, HeaderError> {
        Ok(self.fixed(tag, TYPE_INT32, 4)?.map(|b| {
            b.chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }))
    }

    /// An `INT16` tag.
    pub(super) fn int16s(&self, tag: u32) -> Result<Option<Vec<u16>>, HeaderError> {
        Ok(self.fixed(tag, TYPE_INT16, 2)?.map(|b| {
            b.chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect()
        }))
    }

    /// An `INT64` tag.
    pub(super) fn int64s(&self, tag: u32) -> Result<Option<Vec<u64>>, HeaderError> {
        Ok(self.fixed(tag, TYPE_INT64, 8)?.map(|b| {
            b.chunks_exact(8)
                .map(|c| u64::from_be_bytes(c.try_into().unwrap_or([0; 8])))
                .collect()
        }))
    }

    /// A `CHAR` (or `INT8`) tag.
    pub(super) fn chars(&self, tag: u32) -> Result<Option<Vec<u8>>, HeaderError> {
        let kind = self.entries.get(&tag).map(|e| e.kind);
        let want = if kind == Some(2) { 2 } else { TYPE_CHAR };
        Ok(self.fixed(tag, want, 1)?.map(<[u8]>::to_vec))
    }

    /// The bytes of a tag of fixed-size elements, `count * size` of them.
    fn fixed(&self, tag: u32, kind: u32, size: usize) -> Result<Option<&[u8]>, HeaderError> {
        let Some(e) = self.entries.get(&tag) else {
            return Ok(None);
        };
        if e.kind != kind {
            return Err(wrong_type(tag, e.kind));
        }
        e.count
            .checked_mul(size)
            .and_then(|n| self.data.get(e.offset..e.offset.checked_add(n)?))
            .map(Some)
            .ok_or_else(|| overrun(tag))
    }

    /// `count` NUL-terminated strings from `offset` (lossy UTF-8: rpm
    /// does not promise an encoding).
    fn strings_at(
        &self,
        tag: u32,
        offset: usize,
        count: usize,
    ) -> Result<Vec<String>, HeaderError> {
        // Each string takes at least its NUL: a count larger than the
        // bytes left is malformed, and caps the allocation.
        let rest = self.data.get(offset..).ok_or_else(|| overrun(tag))?;
        if count > rest.len() {
            return Err(overrun(tag));
        }
        let mut out = Vec::with_capacity(count);
        let mut at = 0;
        for _ in 0..count {
            let tail = &rest[at..];
            let len = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| overrun(tag))?;
            out.push(String::from_utf8_lossy(&tail[..len]).into_owned());
            at += len + 1;
        }
        Ok(out)
    }
}

fn wrong_type(tag: u32, kind: u32) -> HeaderError {
    HeaderError::Malformed(format!("tag {tag} has type {kind}"))
}

fn overrun(tag: u32) -> HeaderError {
    HeaderError::Malformed(format!("tag {tag} runs past the data"))
}

/// A header blob with `tags` (tag, type, count, data), for tests.
#[cfg(test)]
pub(crate) fn build(tags: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    for (tag, kind, count, bytes) in tags {
        if *kind == TYPE_INT32 {
            while !data.len().is_multiple_of(4) {
                data.push(0);
            }
        }
        for v in [*tag, *kind, data.len() as u32, *count] {
            index.extend_from_slice(&v.to_be_bytes());
        }
        data.extend_from_slice(bytes);
    }
    let mut blob = Vec::new();
    blob.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(data);
    blob
}

/// A string tag's value, for [`build`].
#[cfg(test)]
pub(crate) fn s(v: &str) -> (u32, Vec<u8>) {
    (TYPE_STRING, format!("{v}\0").into_bytes())
}

/// A string array tag's value, for [`build`].
#[cfg(test)]
pub(crate) fn sa(v: &[&str]) -> (u32, Vec<u8>) {
    (
        TYPE_STRING_ARRAY,
        v.iter()
            .flat_map(|x| format!("{x}\0").into_bytes())
            .collect(),
    )
}

/// An int32 array tag's value, for [`build`].
#[cfg(test)]
pub(crate) fn i32s(v: &[u32]) -> (u32, Vec<u8>) {
    (TYPE_INT32, v.iter().flat_map(|x| x.to_be_bytes()).collect())
}

/// A package header as rpm writes one, for tests.
#[cfg(test)]
pub(crate) fn sample(
    name: &str,
    evr: (Option<u32>, &str, &str),
    srpm: &str,
    files: &[&str],
) -> Vec<u8> {
    let mut dirs: Vec<String> = Vec::new();
    let mut base = Vec::new();
    let mut idx = Vec::new();
    for f in files {
        let (d, b) = f.rsplit_once('/').unwrap();
        let d = format!("{d}/");
        let i = dirs.iter().position(|x| *x == d).unwrap_or_else(|| {
            dirs.push(d);
            dirs.len() - 1
        });
        idx.push(i as u32);
        base.push(b);
    }
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    let mut tags = vec![(NAME, s(name)), (VERSION, s(evr.1)), (RELEASE, s(evr.2))];
    if let Some(e) = evr.0 {
        tags.push((EPOCH, i32s(&[e])));
    }
    tags.push((SOURCERPM, s(srpm)));
    tags.push((DIRINDEXES, i32s(&idx)));
    tags.push((BASENAMES, sa(&base)));
    tags.push((DIRNAMES, sa(&dirs)));
    let tags: Vec<(u32, u32, u32, Vec<u8>)> = tags
        .into_iter()
        .map(|(t, (k, b))| {
            let count = match k {
                TYPE_STRING => 1,
                TYPE_INT32 => (b.len() / 4) as u32,
                _ => b.iter().filter(|&&x| x == 0).count() as u32,
            };
            (t, k, count, b)
        })
        .collect();
    build(&tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<u8> {
        sample(
            "python3-requests",
            (Some(1), "2.28.1", "4.el9"),
            "python-requests-2.28.1-4.el9.src.rpm",
            &[
                "/usr/lib/python3.9/site-packages/requests",
                "/usr/lib/python3.9/site-packages/requests/__init__.py",
                "/usr/lib/python3.9/site-packages/requests-2.28.1.dist-info",
            ],
        )
    }

    #[test]
    fn reads_name_evr_source_and_files() {
        let h = parse(&demo()).unwrap();
        assert_eq!(h.name, "python3-requests");
        assert_eq!(h.evr(), "1:2.28.1-4.el9");
        assert_eq!(
            source_name_version(h.source_rpm.as_deref().unwrap()),
            Some(("python-requests", "2.28.1-4.el9"))
        );
        assert_eq!(h.files.len(), 3);
        assert_eq!(
            h.files[1],
            "/usr/lib/python3.9/site-packages/requests/__init__.py"
        );
        assert_eq!(source_name_version("x.src.rpm"), None);
        assert_eq!(
            source_name_version("a-b-c-1-2.nosrc.rpm"),
            Some(("a-b-c", "1-2"))
        );
    }

    #[test]
    fn reads_a_header_rpm_wrote() {
        // tests/fixtures/rpm/README.md says how it was made.
        let blob = include_bytes!("../../../../tests/fixtures/rpm/python3-rpmdemo.header");
        let h = parse(blob).unwrap();
        assert_eq!(h.name, "python3-rpmdemo");
        assert_eq!(h.evr(), "2:1.2.3-4.el9");
        assert_eq!(
            h.source_rpm.as_deref(),
            Some("python-rpmdemo-1.2.3-4.el9.src.rpm")
        );
        let site = "/usr/lib/python3.12/site-packages";
        for f in [
            "rpmdemo-1.2.3.dist-info",
            "rpmdemo-1.2.3.dist-info/METADATA",
            "rpmdemo.py",
        ] {
            assert!(
                h.files.contains(&format!("{site}/{f}")),
                "{f}: {:?}",
                h.files
            );
        }
        for n in 0..blob.len() {
            assert!(parse(&blob[..n]).is_err(), "prefix of {n} bytes parsed");
        }
    }

    #[test]
    fn every_truncation_and_garbage_is_an_error_not_a_panic() {
        let blob = demo();
        for n in 0..blob.len() {
            assert!(parse(&blob[..n]).is_err(), "prefix of {n} bytes parsed");
        }
        // Flip each byte: parsing may succeed or fail, never panic.
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0xff;
            let _ = parse(&b);
        }
        assert!(parse(&[0xff; 64]).is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn bad_counts_types_and_indexes_are_named() {
        let (_, n) = s("n");
        let nvr = [
            (NAME, TYPE_STRING, 1, n.clone()),
            (VERSION, TYPE_STRING, 1, n.clone()),
            (RELEASE, TYPE_STRING, 1, n),
        ];
        // A string array count larger than the data.
        let mut tags = nvr.to_vec();
        tags.extend([
            (DIRINDEXES, TYPE_INT32, 1, i32s(&[0]).1),
            (BASENAMES, TYPE_STRING_ARRAY, 1_000_000, sa(&["f"]).1),
            (DIRNAMES, TYPE_STRING_ARRAY, 1, sa(&["/usr/"]).1),
        ]);
        let err = parse(&build(&tags)).unwrap_err().to_string();
        assert!(err.contains("tag 1117 runs past the data"), "{err}");
        // NAME as an int32.
        let blob = build(&[(NAME, TYPE_INT32, 1, vec![0, 0, 0, 1])]);
        let err = parse(&blob).unwrap_err().to_string();
        assert!(err.contains("tag 1000 has type 4"), "{err}");
        // A dirindex past the dirnames.
        let mut tags = nvr.to_vec();
        tags.extend([
            (DIRINDEXES, TYPE_INT32, 1, i32s(&[7]).1),
            (BASENAMES, TYPE_STRING_ARRAY, 1, sa(&["f"]).1),
            (DIRNAMES, TYPE_STRING_ARRAY, 1, sa(&["/usr/"]).1),
        ]);
        let blob = build(&tags);
        let err = parse(&blob).unwrap_err().to_string();
        assert!(err.contains("dirindex 7 of 1 dirnames"), "{err}");
        // An int32 count whose byte length overflows.
        let blob = build(&[(EPOCH, TYPE_INT32, u32::MAX, vec![0; 4])]);
        assert!(parse(&blob).is_err());
    }
}
