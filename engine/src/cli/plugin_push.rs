//! `fetter plugin push FILE.wasm|NAME oci://HOST/REPO:TAG`: one plugin,
//! alone, in the CNCF WebAssembly artifact layout (the library side is
//! `fetter::oci::wasm_artifact`), through the same registry client,
//! credentials and TLS settings as `fetter policy push`.

use std::borrow::Cow;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use fetter::escape::escape;
use fetter::oci::client::Client;
use fetter::oci::{fetch, wasm_artifact, Reference, WASM_LIMIT};
use fetter::plugins::{embedded, PluginSource};

use super::policy::RegistryArgs;

/// Arguments of `fetter plugin push`.
#[derive(Debug, Args)]
pub(super) struct PushArgs {
    /// The plugin: FILE.wasm or the name of a first-party plugin.
    #[arg(value_name = "FILE.wasm|NAME")]
    plugin: String,
    /// Where to publish it.
    #[arg(value_name = "oci://HOST[:PORT]/REPO:TAG")]
    reference: String,
    /// The config's `author` (and the manifest's `org.opencontainers.image.authors`).
    #[arg(long, value_name = "TEXT")]
    author: Option<String>,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Run `fetter plugin push`.
pub(super) fn run(quiet: bool, args: &PushArgs) -> anyhow::Result<ExitCode> {
    let reference = Reference::parse(&args.reference)?;
    if reference.digest.is_some() {
        bail!(
            "{}: push to a tag (a digest is what push prints)",
            args.reference
        );
    }
    let spec = super::plugin::one_plugin(&args.plugin)?;
    let label = spec.label();
    let (title, bytes): (String, Cow<'static, [u8]>) = match &spec.source {
        PluginSource::Embedded(n) => {
            let e = embedded::find(n)
                .ok_or_else(|| anyhow::anyhow!("no first-party plugin named {n:?}"))?;
            (format!("{n}.wasm"), Cow::Borrowed(e.bytes))
        }
        PluginSource::File(p) => {
            let bytes = fetter::fsutil::read_capped(p, WASM_LIMIT)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            let title = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "plugin.wasm".into());
            (title, Cow::Owned(bytes))
        }
    };
    // Checked and packed before any connection: a plugin fetter would not
    // run never reaches the registry.
    let created = wasm_artifact::created_now()?;
    let artifact = wasm_artifact::build(&label, &title, bytes, &created, args.author.as_deref())?;
    let client = Client::connect(&reference, &args.registry.options()?)?;
    let digest = fetch::upload(
        &client,
        artifact.blobs(),
        &artifact.manifest,
        reference.tag_or_latest(),
    )?;
    println!("{}", reference.pinned(&digest));
    if !quiet {
        let layer = &artifact.layers[0].0;
        eprintln!(
            "pushed {} as a CNCF wasm artifact: layer {} ({} bytes), the sha256 `fetter plugin info` prints",
            escape(&shown(&spec.source)),
            layer.digest,
            layer.size
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn shown(source: &PluginSource) -> String {
    match source {
        PluginSource::Embedded(n) => format!("first-party plugin {n}"),
        PluginSource::File(p) => p.display().to_string(),
    }
}
