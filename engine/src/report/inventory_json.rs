//! The inventory as its JSON document, rendered in parallel.
//!
//! The bytes are exactly those of `serde_json::to_writer_pretty(out, inv)`
//! (a test below compares them): the document is written without its
//! distributions, and the distributions array is put in its place, each
//! distribution rendered on its own (in parallel, a batch at a time) and
//! indented to its depth. A scan of 30,000 distributions prints ~14 MB of
//! JSON, which written by one thread was ~10% of the scan's time.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::inventory::{Distribution, Environment, Finding, Inventory, Site, Warning};

/// The inventory without its distributions: the fields of [`Inventory`],
/// in its order (the test below fails if a field is missing).
#[derive(Serialize)]
struct Shell<'a> {
    schema: &'a str,
    environments: &'a [Environment],
    sites: &'a [Site],
    distributions: &'a [Distribution],
    findings: &'a [Finding],
    warnings: &'a [Warning],
}

/// Where the empty distributions array stands in the shell: the only key
/// indented by two spaces with that name (JSON strings hold no newline).
const EMPTY: &[u8] = b"\n  \"distributions\": [],\n";

/// Distributions rendered before their text is written: bounds the memory
/// the rendering takes (~0.5 KB each) whatever the inventory's size.
const BATCH: usize = 1024;

/// Distributions rendered by one task.
const CHUNK: usize = 64;

/// Write `inv` as `serde_json::to_writer_pretty` would (no final newline).
pub fn write_json(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    let shell = serde_json::to_vec_pretty(&Shell {
        schema: &inv.schema,
        environments: &inv.environments,
        sites: &inv.sites,
        distributions: &[],
        findings: &inv.findings,
        warnings: &inv.warnings,
    })?;
    let at = shell.windows(EMPTY.len()).position(|w| w == EMPTY);
    let (Some(at), false) = (at, inv.distributions.is_empty()) else {
        return serde_json::to_writer_pretty(out, inv).map_err(io::Error::from);
    };
    out.write_all(&shell[..at])?;
    out.write_all(b"\n  \"distributions\": [")?;
    for (b, batch) in inv.distributions.chunks(BATCH).enumerate() {
        let texts: Vec<Vec<u8>> = batch
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| render(chunk, b == 0 && c == 0))
            .collect::<io::Result<_>>()?;
        for t in texts {
            out.write_all(&t)?;
        }
    }
    out.write_all(b"\n  ],\n")?;
    out.write_all(&shell[at + EMPTY.len()..])
}

/// The array elements for `chunk`, each preceded by its separator and
/// indented four spaces (the array's depth in the document).
fn render(chunk: &[Distribution], first: bool) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(chunk.len() * 512);
    let mut one = Vec::with_capacity(1024);
    for (i, d) in chunk.iter().enumerate() {
        out.extend_from_slice(if first && i == 0 { b"\n" } else { b",\n" });
        one.clear();
        serde_json::to_writer_pretty(&mut one, d)?;
        for (n, line) in one.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(b"    ");
            out.extend_from_slice(line);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    fn dist(i: usize) -> Distribution {
        let site = PathBuf::from("/s/site-packages");
        Distribution {
            name: format!("Pkg\"{i}\n\u{202e}"),
            normalized_name: crate::names::PackageName::new(&format!("pkg-{i}")),
            version: format!("1.{i}"),
            version_valid: i.is_multiple_of(2),
            parsed_version: None,
            metadata_path: site.join(OsStr::from_bytes(
                &[b"p\xe9".as_slice(), format!("{i}.dist-info").as_bytes()].concat(),
            )),
            site,
            metadata_kind: MetadataKind::DistInfo,
            installer: i.is_multiple_of(3).then(|| "pip".to_string()),
            requested: i.is_multiple_of(5),
            direct_url: i.is_multiple_of(7).then(|| DirectUrl {
                url: "file:///src".into(),
                archive_hashes: vec!["sha256=00".into(), "md5=11".into()],
                editable: true,
                ..Default::default()
            }),
            os_package: None,
        }
    }

    fn inventory(n: usize) -> Inventory {
        Inventory {
            schema: INVENTORY_SCHEMA.into(),
            environments: Vec::new(),
            sites: vec![Site {
                path: "/s/site-packages".into(),
                scope: SiteScope::Own,
                environment: None,
                externally_managed: false,
            }],
            distributions: (0..n).map(dist).collect(),
            findings: vec![Finding {
                kind: FindingKind::ExecutablePth,
                path: "/s/x.pth".into(),
                message: "import os".into(),
            }],
            warnings: vec![Warning::new("/s/w", "w")],
            index: Default::default(),
        }
    }

    #[test]
    fn bytes_are_serde_json_pretty() {
        // Empty, one, a partial chunk, several batches.
        for n in [0, 1, 3, CHUNK + 1, 2 * BATCH + 5] {
            let inv = inventory(n);
            let mut got = Vec::new();
            write_json(&inv, &mut got).unwrap();
            let want = serde_json::to_vec_pretty(&inv).unwrap();
            assert!(got == want, "{n} distributions: output differs");
        }
    }
}
