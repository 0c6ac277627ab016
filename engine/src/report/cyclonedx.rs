//! CycloneDX 1.6 JSON SBOM of an inventory (`fetter scan --format cyclonedx`),
//! so the installed packages of a machine land in Dependency-Track, Grype,
//! Trivy and every other SBOM consumer.
//!
//! One component per installed distribution (a name installed in three
//! sites is three components: they are three copies on disk), identified by
//! a `pkg:pypi/name@version` purl. Where it lives is told by properties in
//! the `fetter:` namespace: the site, each environment that sees the site,
//! the metadata directory, the installer and the direct URL.

use std::io::{self, Read, Write};
use std::path::Path;

use serde_json::{json, Value};

use super::sbom::SbomExtras;

use crate::inventory::{Distribution, Inventory};

/// The CycloneDX specification version written.
pub const SPEC_VERSION: &str = "1.6";

/// The package URL of a PyPI distribution: name normalized as the purl spec
/// requires for `pypi` (lowercase, `_` and `.` as `-`), version percent-encoded.
pub fn purl(d: &Distribution) -> String {
    format!(
        "pkg:pypi/{}@{}",
        encode(&crate::names::normalize(&d.name)),
        encode(&d.version)
    )
}

/// Percent-encode everything but purl's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({"name": format!("fetter:{name}"), "value": value.into()})
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn component(inv: &Inventory, d: &Distribution, x: &SbomExtras) -> Value {
    let mut props = vec![
        property("site", path_str(&d.site)),
        property("metadata_path", path_str(&d.metadata_path)),
    ];
    for &i in inv.environments_with_site(&d.site) {
        props.push(property("environment", path_str(&inv.env(i).prefix)));
    }
    if let Some(installer) = &d.installer {
        props.push(property("installer", installer.clone()));
    }
    props.push(property("requested", d.requested.to_string()));
    if !d.version_valid {
        props.push(property("version_valid", "false"));
    }
    if let Some(os) = &d.os_package {
        // The distro package is what a scanner must match advisories
        // against: Debian patches its copy without changing the version.
        props.push(property("os_package", os.name.clone()));
        props.push(property("os_package_manager", os.manager.to_string()));
        if let Some(v) = &os.version {
            props.push(property("os_package_version", v.clone()));
        }
    }
    let mut c = json!({
        "type": "library",
        // The metadata directory is what makes a copy unique on disk.
        "bom-ref": format!("{}#{}", purl(d), path_str(&d.metadata_path)),
        "name": d.name,
        "version": d.version,
        "purl": purl(d),
        "properties": props,
    });
    if let Some(l) = x.licenses.get(&d.metadata_path) {
        c["licenses"] = match &l.spdx {
            Some(expr) => json!([{"expression": expr}]),
            None => json!([{"license": {"name": l.declared}}]),
        };
    }
    if let Some(u) = &d.direct_url {
        c["properties"]
            .as_array_mut()
            .expect("properties is an array")
            .push(property("direct_url", u.url.clone()));
        if let Some(vcs) = &u.vcs {
            let url = match &u.commit_id {
                Some(commit) => format!("{vcs}+{}@{commit}", u.url),
                None => format!("{vcs}+{}", u.url),
            };
            c["externalReferences"] = json!([{"type": "vcs", "url": url}]);
        }
    }
    c
}

/// Build the SBOM document for `inv`.
pub fn document(inv: &Inventory) -> Value {
    let x = super::sbom::extras(inv);
    let bom_ref = |p: &std::path::Path| {
        inv.distributions
            .iter()
            .find(|d| d.metadata_path == p)
            .map(|d| format!("{}#{}", purl(d), path_str(&d.metadata_path)))
    };
    let mut deps: std::collections::BTreeMap<String, Vec<String>> = inv
        .distributions
        .iter()
        .map(|d| {
            (
                format!("{}#{}", purl(d), path_str(&d.metadata_path)),
                Vec::new(),
            )
        })
        .collect();
    for (from, to) in &x.depends_on {
        if let (Some(a), Some(b)) = (bom_ref(from), bom_ref(to)) {
            deps.entry(a).or_default().push(b);
        }
    }
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "timestamp": crate::timefmt::utc_now(),
            "tools": {"components": [{
                "type": "application",
                "name": "fetter",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "properties": [
                property("environments", inv.environments.len().to_string()),
                property("sites", inv.sites.len().to_string()),
            ],
        },
        "components": inv.distributions.iter().map(|d| component(inv, d, &x)).collect::<Vec<_>>(),
        "dependencies": deps
            .into_iter()
            .map(|(r, mut on)| {
                on.dedup();
                json!({"ref": r, "dependsOn": on})
            })
            .collect::<Vec<_>>(),
    });
    if let Some(serial) = random_uuid() {
        doc["serialNumber"] = json!(format!("urn:uuid:{serial}"));
    }
    doc
}

/// Write the SBOM.
pub fn write(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(inv))?;
    writeln!(out)
}

/// A random (version 4) UUID from the OS, or `None` where there is no
/// `/dev/urandom` (the serial number is optional).
fn random_uuid() -> Option<String> {
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .ok()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::digest::hex(&b);
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_normalizes_and_encodes() {
        let d = Distribution {
            name: "Jaraco.Classes".into(),
            normalized_name: "jaraco-classes".into(),
            version: "1.0+local.1".into(),
            version_valid: true,
            parsed_version: "1.0+local.1".parse().ok(),
            site: "/s".into(),
            metadata_path: "/s/x.dist-info".into(),
            metadata_kind: crate::inventory::MetadataKind::DistInfo,
            installer: None,
            requested: false,
            direct_url: None,
            os_package: None,
        };
        assert_eq!(purl(&d), "pkg:pypi/jaraco-classes@1.0%2Blocal.1");
    }

    #[test]
    fn uuid_is_version_4() {
        let u = random_uuid().expect("/dev/urandom");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
