//! The inventory in columns, for plugins that export the contract's
//! optional `columns` interface (`evaluate-columns`): the Python and
//! JavaScript SDKs. Their bindings pay per value to receive records (about
//! 200,000 values for 30,000 distributions: 170 ms in Python, 680 ms in
//! JavaScript before a rule runs); in columns the same inventory is a few
//! long strings, each split by one native call in the plugin.
//!
//! A text column is the values joined with `\n`, each escaped so that no
//! metadata can be mistaken for the separator: U+0000 is written `\0` `0`,
//! `\n` is written `\0` `n`, and an absent optional value is `\0` alone
//! (which no escaped value can be). The plugin reverses it, or rejects a
//! column that does not decode.

use wasmtime::component::{ComponentType, Lower};

use super::convert::{DirectUrlView, Lowering};
use super::host::wit;
use crate::inventory::Inventory;

/// The escape character of a text column.
const ESCAPE: char = '\0';
/// What separates the values of a text column.
const SEPARATOR: char = '\n';

/// `inventory-columns` of the contract: built once per run (from fetter's
/// own records and the [`Lowering`] shared with the record path) and
/// lowered into every plugin that takes it.
#[derive(ComponentType, Lower)]
#[component(record)]
pub struct ColumnsView<'a> {
    environments: &'a [wit::Environment],
    sites: Vec<SiteView<'a>>,
    count: u32,
    names: String,
    #[component(name = "normalized-names")]
    normalized_names: String,
    versions: String,
    installers: String,
    requested: String,
    #[component(name = "site-runs")]
    site_runs: Vec<SiteRun>,
    #[component(name = "direct-urls")]
    direct_urls: Vec<(u32, DirectUrlView<'a>)>,
}

/// `site` of the contract, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub struct SiteView<'a> {
    path: &'a str,
    environments: &'a [u32],
}

/// `site-run` of the contract.
#[derive(ComponentType, Lower, Debug, PartialEq, Eq)]
#[component(record)]
pub struct SiteRun {
    site: u32,
    count: u32,
}

impl<'a> ColumnsView<'a> {
    /// The columns of `inv`, which `lowering` was prepared from.
    pub fn new(lowering: &'a Lowering, inv: &'a Inventory) -> Self {
        let n = inv.distributions.len();
        let mut names = Column::with_capacity(n * 16);
        let mut normalized_names = Column::with_capacity(n * 16);
        let mut versions = Column::with_capacity(n * 8);
        let mut installers = Column::with_capacity(n * 4);
        let mut requested = String::with_capacity(n);
        let mut site_runs: Vec<SiteRun> = Vec::new();
        let mut direct_urls = Vec::new();
        for (i, (d, &site)) in inv.distributions.iter().zip(lowering.site_of()).enumerate() {
            names.push(Some(&d.name));
            normalized_names.push(Some(&d.normalized_name));
            versions.push(Some(&d.version));
            installers.push(d.installer.as_deref());
            requested.push(if d.requested { '1' } else { '0' });
            match site_runs.last_mut() {
                Some(run) if run.site == site => run.count += 1,
                _ => site_runs.push(SiteRun { site, count: 1 }),
            }
            if let Some(u) = &d.direct_url {
                direct_urls.push((i as u32, DirectUrlView::of(u)));
            }
        }
        ColumnsView {
            environments: lowering.environments(),
            sites: lowering
                .sites()
                .iter()
                .map(|(path, environments)| SiteView { path, environments })
                .collect(),
            count: n as u32,
            names: names.0,
            normalized_names: normalized_names.0,
            versions: versions.0,
            installers: installers.0,
            requested,
            site_runs,
            direct_urls,
        }
    }
}

/// A text column being written.
struct Column(String, bool);

impl Column {
    fn with_capacity(bytes: usize) -> Self {
        Column(String::with_capacity(bytes), true)
    }

    /// Append one value (`None`: absent), escaped, after a separator
    /// unless it is the first.
    fn push(&mut self, value: Option<&str>) {
        if !std::mem::take(&mut self.1) {
            self.0.push(SEPARATOR);
        }
        match value {
            None => self.0.push(ESCAPE),
            Some(v) if !v.contains([ESCAPE, SEPARATOR]) => self.0.push_str(v),
            Some(v) => {
                for c in v.chars() {
                    match c {
                        ESCAPE => self.0.push_str("\u{0}0"),
                        SEPARATOR => self.0.push_str("\0n"),
                        c => self.0.push(c),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plugins' decoding (fetter_policy/_columns.py and the JS SDK's
    /// `textColumn`), in Rust: split, then undo the escapes.
    fn decode(column: &str, count: usize) -> Vec<Option<String>> {
        if count == 0 {
            assert!(column.is_empty());
            return Vec::new();
        }
        let values: Vec<Option<String>> = column
            .split(SEPARATOR)
            .map(|v| {
                if v == "\0" {
                    return None;
                }
                let mut parts = v.split(ESCAPE);
                let mut out = parts.next().unwrap().to_string();
                for p in parts {
                    match p.chars().next() {
                        Some('0') => out.push(ESCAPE),
                        Some('n') => out.push(SEPARATOR),
                        other => panic!("malformed escape {other:?} in {column:?}"),
                    }
                    out.push_str(&p[1..]);
                }
                Some(out)
            })
            .collect();
        assert_eq!(values.len(), count, "{column:?}");
        values
    }

    #[test]
    fn hostile_values_survive_a_text_column() {
        let values: Vec<Option<&str>> = vec![
            Some(""),
            Some("\n"),
            Some("\0"),
            Some("\0n"),
            Some("\u{0}0"),
            Some("\\0n"),
            None,
            Some("a\nb\0c\n\n"),
            Some("\n\0"),
            Some("ünï\u{202e}code\u{fffd}"),
            Some(""),
        ];
        let mut column = Column::with_capacity(0);
        for v in &values {
            column.push(*v);
        }
        // One separator per boundary: nothing in a value looks like one.
        assert_eq!(column.0.matches(SEPARATOR).count(), values.len() - 1);
        let expected: Vec<Option<String>> = values.iter().map(|v| v.map(String::from)).collect();
        assert_eq!(decode(&column.0, values.len()), expected);
    }

    #[test]
    fn columns_of_an_inventory() {
        use crate::inventory::{DirectUrl, Distribution, MetadataKind};
        let dist = |i: usize, site: &str| Distribution {
            name: format!("D\n{i}"),
            normalized_name: crate::names::PackageName::new(&format!("d-{i}")),
            version: "1".into(),
            version_valid: true,
            parsed_version: "1".parse().ok(),
            site: site.into(),
            metadata_path: format!("{site}/d{i}-1.dist-info").into(),
            metadata_kind: MetadataKind::DistInfo,
            installer: (i != 1).then(|| "pip".into()),
            requested: i == 2,
            direct_url: (i == 3).then(|| DirectUrl {
                url: "git+x".into(),
                ..Default::default()
            }),
            os_package: None,
        };
        let inv = Inventory {
            distributions: vec![dist(0, "/a"), dist(1, "/a"), dist(2, "/b"), dist(3, "/a")],
            ..Inventory::default()
        };
        let lowering = Lowering::new(&inv);
        let c = ColumnsView::new(&lowering, &inv);
        assert_eq!(c.count, 4);
        assert_eq!(c.names, "D\0n0\nD\0n1\nD\0n2\nD\0n3");
        assert_eq!(c.installers, "pip\n\0\npip\npip");
        assert_eq!(c.requested, "0010");
        let runs: Vec<(u32, u32)> = c.site_runs.iter().map(|r| (r.site, r.count)).collect();
        assert_eq!(runs, [(0, 2), (1, 1), (0, 1)]);
        let sites: Vec<&str> = c.sites.iter().map(|s| s.path).collect();
        assert_eq!(sites, ["/a", "/b"]);
        let urls: Vec<u32> = c.direct_urls.iter().map(|(i, _)| *i).collect();
        assert_eq!(urls, [3]);
        let empty = Inventory::default();
        let lowering = Lowering::new(&empty);
        let c = ColumnsView::new(&lowering, &empty);
        assert_eq!((c.count, c.names.as_str(), c.site_runs.len()), (0, "", 0));
    }

    #[test]
    fn zero_and_one_values() {
        assert_eq!(Column::with_capacity(0).0, "");
        let mut one = Column::with_capacity(0);
        one.push(Some(""));
        assert_eq!(decode(&one.0, 1), vec![Some(String::new())]);
    }
}
