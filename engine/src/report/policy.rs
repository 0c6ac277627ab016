//! `fetter policy list` and `fetter policy inspect`: the policy bundles in
//! the local store, and what one of them holds.

use std::io::{self, Write};

use serde::Serialize;

use crate::escape::escape;
use crate::oci::bundle::{BundleConfig, LayerInfo};
use crate::report::render::{json_line, Render};
use crate::report::table::Table;

/// Tag of `fetter policy list --json`'s schema
/// (schemas/fetter.policy-list-1.schema.json): the document is a bare
/// array, so the tag names the schema only, not a field.
pub const POLICY_LIST_SCHEMA: &str = "fetter.policy-list/1";
/// Schema tag of `fetter policy inspect --json`.
pub const POLICY_INSPECT_SCHEMA: &str = "fetter.policy-inspect/1";

/// One bundle in the local store.
#[derive(Debug, Serialize)]
pub struct ListRow {
    /// The name it is stored under (`HOST/REPO:TAG`).
    pub name: String,
    /// The manifest digest.
    pub digest: String,
    /// When its signatures were last verified (RFC 3339 UTC).
    pub verified_at: Option<String>,
}

/// Every bundle in the local store.
#[derive(Debug, Clone, Copy)]
pub struct PolicyList<'a>(pub &'a [ListRow]);

impl Render for PolicyList<'_> {
    fn schema(&self) -> &'static str {
        POLICY_LIST_SCHEMA
    }

    /// The bare array of rows.
    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self.0, out)
    }

    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut t = Table::new(["NAME", "DIGEST", "VERIFIED"]);
        for r in self.0 {
            t.row([
                escape(&r.name).into_owned(),
                r.digest.clone(),
                r.verified_at.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        t.write(out)
    }
}

/// What one stored bundle holds (schemas/fetter.policy-inspect-1.schema.json).
#[derive(Debug, Serialize)]
pub struct PolicyInspect {
    /// Always [`POLICY_INSPECT_SCHEMA`].
    pub schema: &'static str,
    /// The bundle, pinned by digest.
    pub reference: String,
    /// Its configuration.
    pub config: BundleConfig,
    /// Its layers.
    pub layers: Vec<LayerInfo>,
    /// The plugins it runs.
    pub plugins: Vec<InspectPlugin>,
    /// Signers of stored signatures that the trust rules accept:
    /// `principals (SHA256:…)`.
    pub signers: Vec<String>,
    /// How many signatures the store keeps for the bundle.
    pub signatures: usize,
}

/// One plugin of a bundle.
#[derive(Debug, Serialize)]
pub struct InspectPlugin {
    /// The layer holding it.
    pub layer: String,
    /// SHA-256 of the plugin, hex.
    pub sha256: String,
    /// The settings it is run with.
    pub settings: serde_json::Value,
}

impl Render for PolicyInspect {
    fn schema(&self) -> &'static str {
        POLICY_INSPECT_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// The bundle's name, ABI and signers, a table of its layers, and each
    /// plugin's settings.
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let c = &self.config;
        writeln!(out, "bundle    {}", escape(&self.reference))?;
        writeln!(
            out,
            "name      {} {}",
            escape(&c.name),
            escape(c.version.as_deref().unwrap_or(""))
        )?;
        writeln!(out, "abi       {}", escape(&c.abi))?;
        if let Some(r) = &c.requires_fetter {
            writeln!(out, "requires  fetter {}", escape(r))?;
        }
        if let Some(r) = &c.revision {
            writeln!(out, "revision  {}", escape(r))?;
        }
        if self.signers.is_empty() {
            writeln!(
                out,
                "signers   (none verified; {} signature(s) stored)",
                self.signatures
            )?;
        }
        for s in &self.signers {
            writeln!(out, "signer    {}", escape(s))?;
        }
        let mut t = Table::new(["LAYER", "MEDIA TYPE", "DIGEST", "SIZE"]);
        for l in &self.layers {
            t.row([
                escape(&l.path).into_owned(),
                l.media_type.clone(),
                l.digest.clone(),
                l.size.to_string(),
            ]);
        }
        t.write(out)?;
        for p in &self.plugins {
            writeln!(
                out,
                "plugin {} settings {}",
                escape(&p.layer),
                escape(&p.settings.to_string())
            )?;
        }
        Ok(())
    }
}
