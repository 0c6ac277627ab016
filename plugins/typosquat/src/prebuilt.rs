//! The lookup tables over the embedded top-PyPI list, built at compile
//! time by `build.rs` (with this crate's own [`Index::build`]) and shipped
//! inside the plugin, and read in place: building or even decoding them in
//! the sandbox would cost every run (docs/typosquat.md has the figures).

use crate::corpus::Protected;
use crate::index::{Index, Tables};

/// Bytes aligned for reading u64s in place.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

/// What `build.rs` wrote: a header, then [`Tables::encode`] output.
static PREBUILT: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/top-pypi-tables.bin"
)));

/// First bytes of the prebuilt file; bump with the format.
pub const MAGIC: &[u8; 8] = b"FTSQTB03";

/// The top-PyPI names with their skeletons and forms, as `build.rs`
/// derived and packed them (see [`crate::packed`]): the records, and the
/// string they point into.
static CORPUS_RECORDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/top-pypi-corpus.bin"));
static CORPUS_TEXT: &str = include_str!(concat!(env!("OUT_DIR"), "/top-pypi-corpus.txt"));

/// The index over `protect` (settings) followed by the top-PyPI names.
/// An error if the embedded data is damaged (which `build.rs` makes
/// impossible; tests check it): the plugin then refuses to run rather than
/// protect fewer names.
pub fn index(protect: Vec<Protected>, exempt: &[String]) -> Result<Index, String> {
    let top = top_index()
        .ok_or("the embedded top-PyPI index is damaged; rebuild the typosquat plugin")?;
    Ok(Index::join(protect, exempt, top))
}

/// The prebuilt index over the top-PyPI names, borrowing its strings and
/// tables from the plugin's static data; `None` if damaged.
pub fn top_index() -> Option<Index> {
    let (protected, skeletons, forms) = crate::packed::decode(CORPUS_RECORDS, CORPUS_TEXT)?;
    let tables = decode(protected.len())?;
    Some(Index {
        protected,
        skeletons,
        forms,
        tables,
    })
}

/// The prebuilt tables, if they were built for a list of `names` names.
pub fn decode(names: usize) -> Option<Tables> {
    let rest = PREBUILT.0.strip_prefix(MAGIC)?;
    let count = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
    (count == names as u64).then(|| Tables::read_in_place(&rest[8..]))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::extra;
    use crate::corpus::top_pypi;
    use crate::Detector;
    use std::borrow::Cow;

    #[test]
    fn prebuilt_tables_equal_tables_built_now() {
        let top = top_pypi();
        let built = Index::build(top.clone(), &[]);
        let prebuilt = decode(top.len()).expect("prebuilt tables");
        assert!(
            prebuilt.one_edit.table().is_borrowed(),
            "read in place, not copied"
        );
        assert_eq!(prebuilt, built.tables);
        let top = top_index().expect("prebuilt index");
        assert!(matches!(top.protected[0].name, Cow::Borrowed(_)));
        assert_eq!(top.protected, built.protected);
        assert_eq!(top.skeletons, built.skeletons);
        assert_eq!(top.forms, built.forms);
    }

    #[test]
    fn joined_index_answers_as_one_built_over_all_names() {
        let protect = vec![extra("acme-billing"), extra("internal-tools")];
        let exempt = vec!["reqeusts".to_string()];
        let joined = Detector::with_top_pypi(protect.clone(), &exempt).unwrap();
        let mut all = protect;
        all.extend(top_pypi());
        let built = Detector::new(all, &exempt);
        let names = top_pypi()
            .into_iter()
            .step_by(7)
            .flat_map(|p| {
                let n = p.normalized.into_owned();
                let swapped: String = n.chars().rev().collect();
                [
                    format!("{n}-dev"),
                    format!("{n}x"),
                    swapped,
                    n[1..].to_string(),
                    n,
                ]
            })
            .chain(["acme-bililng", "internal-tool", "reqeusts", "requets"].map(String::from));
        for name in names {
            assert_eq!(joined.check(&name), built.check(&name), "{name}");
        }
    }
}
