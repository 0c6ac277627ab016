//! `fetter plugin info`: what a plugin file declares, and whether this
//! fetter can run it.

use std::io::{self, Write};

use serde::Serialize;

use crate::plugins::abi::{self, PluginMeta};
use crate::report::render::{json_line, Render};
use crate::report::table::Table;

/// Schema tag of `fetter plugin info --json`.
pub const PLUGIN_INFO_SCHEMA: &str = "fetter.plugin-info/1";

/// What one plugin file is (schemas/fetter.plugin-info-1.schema.json).
#[derive(Debug, Serialize)]
pub struct PluginInfo {
    /// Always [`PLUGIN_INFO_SCHEMA`].
    pub schema: &'static str,
    /// The file or first-party name.
    pub source: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: usize,
    /// The ABI it was built for.
    pub abi: Option<String>,
    /// Whether this fetter runs that ABI.
    pub abi_compatible: bool,
    /// The ABI this fetter runs.
    pub host_abi: &'static str,
    /// Its imports.
    pub imports: Vec<String>,
    /// The plugin's `fetter-plugin` metadata section, if any.
    pub metadata: Option<PluginMeta>,
    /// Why fetter would not run it, if it would not.
    pub problem: Option<String>,
}

impl Render for PluginInfo {
    fn schema(&self) -> &'static str {
        PLUGIN_INFO_SCHEMA
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        json_line(self, out)
    }

    /// Two columns, field and value, without a header.
    fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        let meta = self.metadata.clone().unwrap_or_default();
        let or_none = |s: &str| {
            if s.is_empty() {
                "-".to_string()
            } else {
                s.to_string()
            }
        };
        let mut t = Table::new(["", ""]);
        if self.metadata.is_none() {
            t.row([
                "name".to_string(),
                format!(
                    "(no {} metadata section: not built with fetter-plugin-sdk?)",
                    abi::META_SECTION
                ),
            ]);
        } else {
            t.row(["name".to_string(), or_none(&meta.name)]);
            t.row(["version".to_string(), or_none(&meta.version)]);
        }
        let compat = if self.abi_compatible {
            "compatible"
        } else {
            "INCOMPATIBLE"
        };
        t.row([
            "abi".to_string(),
            format!(
                "{} ({compat}: this fetter runs {})",
                self.abi.as_deref().unwrap_or(""),
                self.host_abi
            ),
        ]);
        t.row(["sha256".to_string(), self.sha256.clone()]);
        t.row(["size".to_string(), format!("{} bytes", self.size)]);
        t.row(["imports".to_string(), or_none(&self.imports.join(", "))]);
        t.row(["description".to_string(), or_none(&meta.description)]);
        t.row(["settings".to_string(), or_none(&meta.settings_help)]);
        if let Some(p) = &self.problem {
            t.row(["problem".to_string(), p.clone()]);
        }
        // The header row is blank: skip it.
        let mut buf = Vec::new();
        t.write(&mut buf)?;
        let text = String::from_utf8_lossy(&buf);
        out.write_all(
            text.split_once('\n')
                .map(|x| x.1)
                .unwrap_or(&text)
                .as_bytes(),
        )
    }
}
