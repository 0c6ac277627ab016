//! The lookup tables over the embedded top-PyPI list, built at compile
//! time by `build.rs` (with this crate's own [`Index::build`]) and shipped
//! inside the plugin. Building them in the sandbox took most of a run's
//! time; decoding them still took ~15 ms; now they are read in place.

use crate::corpus::{top_pypi, Protected};
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
pub const MAGIC: &[u8; 8] = b"FTSQTB02";

/// The index over `protect` (settings) followed by the top-PyPI names.
/// Falls back to building everything if the embedded tables do not match
/// the embedded list (which `build.rs` makes impossible; tests check it).
pub fn index(protect: Vec<Protected>, exempt: &[String]) -> Index {
    let top = top_pypi();
    match decode(top.len()) {
        Some(tables) => Index::join(protect, exempt, top, tables),
        None => {
            let mut all = protect;
            all.extend(top);
            Index::build(all, exempt)
        }
    }
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
    use crate::Detector;

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
    }

    #[test]
    fn joined_index_answers_as_one_built_over_all_names() {
        let protect = vec![extra("acme-billing"), extra("internal-tools")];
        let exempt = vec!["reqeusts".to_string()];
        let joined = Detector::with_top_pypi(protect.clone(), &exempt);
        let mut all = protect;
        all.extend(top_pypi());
        let built = Detector::new(all, &exempt);
        let names = top_pypi()
            .into_iter()
            .step_by(7)
            .flat_map(|p| {
                let n = p.normalized;
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
