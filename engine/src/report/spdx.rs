//! SPDX 2.3 JSON: one package per installed distribution (name, version,
//! package URL, declared licence), `DEPENDS_ON` relationships from the
//! installed dependency graph.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::PathBuf;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::cyclonedx::purl;
use super::sbom::{extras, SbomExtras};
use crate::inventory::Inventory;

/// Build the SPDX document for `inv`.
pub fn document(inv: &Inventory) -> Value {
    document_with(inv, &extras(inv))
}

/// [`document`] with licences and edges already read.
pub fn document_with(inv: &Inventory, x: &SbomExtras) -> Value {
    let created = crate::timefmt::utc_now();
    let mut ids: HashMap<&PathBuf, String> = HashMap::new();
    let mut packages = Vec::new();
    let mut relationships = Vec::new();
    let mut refs: BTreeMap<String, String> = BTreeMap::new();
    for (i, d) in inv.distributions.iter().enumerate() {
        let id = format!("SPDXRef-Package-{i}-{}", spdx_id_part(&d.normalized_name));
        ids.insert(&d.metadata_path, id.clone());
        let license = x.licenses.get(&d.metadata_path);
        let declared = license
            .and_then(|l| l.spdx.clone())
            .unwrap_or_else(|| "NOASSERTION".into());
        // An expression naming LicenseRef-… needs the text it stands for.
        for word in declared
            .split([' ', '(', ')'])
            .filter(|w| w.starts_with("LicenseRef-"))
        {
            let text = license.map(|l| l.declared.clone()).unwrap_or_default();
            refs.entry(word.to_string()).or_insert(text);
        }
        // SPDX allows network locations only: a local file or directory
        // install (`file://…`) has no download location to assert.
        let download = d
            .direct_url
            .as_ref()
            .filter(|u| {
                u.url.starts_with("https://")
                    || u.url.starts_with("http://")
                    || u.url.starts_with("ssh://")
                    || u.url.starts_with("git://")
            })
            .map(|u| match (&u.vcs, &u.commit_id) {
                (Some(vcs), Some(c)) => format!("{vcs}+{}@{c}", u.url),
                (Some(vcs), None) => format!("{vcs}+{}", u.url),
                _ => u.url.clone(),
            })
            .unwrap_or_else(|| "NOASSERTION".into());
        let mut p = json!({
            "SPDXID": id,
            "name": d.name,
            "versionInfo": d.version,
            "downloadLocation": download,
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": declared,
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl(d),
            }],
            "comment": format!("installed at {}", d.metadata_path.display()),
        });
        if let Some(l) = license.filter(|l| l.spdx.is_none()) {
            p["licenseComments"] = json!(format!("declared: {}", l.declared));
        }
        if let Some(os) = &d.os_package {
            p["supplier"] = json!(format!("Organization: {} package {}", os.manager, os.name));
        }
        packages.push(p);
        relationships.push(json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": ids[&d.metadata_path],
        }));
    }
    for (from, to) in &x.depends_on {
        if let (Some(a), Some(b)) = (ids.get(from), ids.get(to)) {
            relationships.push(json!({"spdxElementId": a, "relationshipType": "DEPENDS_ON", "relatedSpdxElement": b}));
        }
    }
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "fetter-inventory",
        "documentNamespace": namespace(inv, &created),
        "creationInfo": {"created": created, "creators": [format!("Tool: fetter-{}", env!("CARGO_PKG_VERSION"))]},
        "packages": packages,
        "relationships": relationships,
    });
    if !refs.is_empty() {
        doc["hasExtractedLicensingInfos"] = json!(refs
            .iter()
            .map(|(id, text)| json!({"licenseId": id, "extractedText": if text.is_empty() { "NOASSERTION" } else { text }}))
            .collect::<Vec<_>>());
    }
    doc
}

/// Write the SPDX document.
pub fn write(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(inv))?;
    writeln!(out)
}

/// SPDX ids allow letters, digits, `.` and `-`.
fn spdx_id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A unique document namespace: the creation time and what was scanned.
fn namespace(inv: &Inventory, created: &str) -> String {
    let mut h = Sha256::new();
    h.update(created.as_bytes());
    for d in &inv.distributions {
        h.update(d.metadata_path.as_os_str().as_encoded_bytes());
    }
    let hex = crate::digest::hex(&h.finalize()[..16]);
    format!("https://spdx.org/spdxdocs/fetter-inventory-{hex}")
}
