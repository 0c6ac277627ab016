//! `fetter policy push|pull|save|load|list|inspect`: policy bundles as
//! OCI artifacts (the library side is `fetter::oci`); `sign`, `verify` and
//! `payload` are in [`super::policy_trust`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use fetter::escape::escape;
use fetter::oci::client::{Client, ClientOptions};
use fetter::oci::lock::{Lock, Locked};
use fetter::oci::store::Store;
use fetter::oci::{archive, bundle, fetch, signatures, source, Reference};
use fetter::report::policy::{
    InspectPlugin, ListRow, PolicyInspect, PolicyList, POLICY_INSPECT_SCHEMA,
};
use fetter::report::render::Format;
use fetter::trust::TrustPolicy;

use super::policy_trust;

/// How to reach registries (shared by the commands that do).
#[derive(Debug, Args, Clone, Default)]
pub struct RegistryArgs {
    /// Trust this CA certificate (PEM) beside the system roots (instead of
    /// the config file's [registry] ca-cert).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Allow plain HTTP to a registry that is not on loopback (the config
    /// file's [registry] insecure lists registries always allowed it).
    #[arg(long)]
    pub insecure: bool,
}

impl RegistryArgs {
    /// The client options: these flags over the config file's `[registry]`
    /// (`--ca-cert` replaces its `ca-cert`; `--insecure` allows plain HTTP
    /// beside the registries its `insecure` lists). A `ca-cert` there that
    /// cannot be used is an error naming the config file and the key.
    pub fn options(&self) -> anyhow::Result<ClientOptions> {
        let loaded = super::config::load()?;
        let registry = &loaded.config.registry;
        let (ca_cert, ca_cert_from_config) = match (&self.ca_cert, &registry.ca_cert) {
            (Some(flag), _) => (Some(flag.clone()), false),
            (None, Some(file)) => {
                let path = PathBuf::from(file);
                fetter::oci::client::check_ca_cert(&path).map_err(|e| {
                    anyhow::anyhow!(
                        "config file {}: [registry] ca-cert: {e}; fix the file, or override it with --ca-cert",
                        loaded.shown()
                    )
                })?;
                (Some(path), true)
            }
            (None, None) => (None, false),
        };
        Ok(ClientOptions {
            ca_cert,
            ca_cert_from_config,
            insecure: self.insecure,
            insecure_registries: registry.insecure.clone(),
            timeout: None,
        })
    }
}

/// Arguments of `fetter policy`.
#[derive(Debug, Args)]
pub struct PolicyCmdArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Publish a policy manifest and its plugins as one OCI artifact.
    #[command(
        after_help = "Prints HOST/REPO@sha256:…, the digest that pins the whole policy.\n\nExample:\n  fetter policy push policies/default.toml oci://registry.acme.internal/security/base:v3"
    )]
    Push(PushArgs),
    /// Fetch a bundle into the local store, check every digest, and lock it.
    #[command(
        after_help = "Signatures are checked per trust.toml (/etc/fetter/trust.toml, then --trust FILE,\n$FETTER_TRUST or ~/.config/fetter/trust.toml) before anything is stored; a bundle already in\nfetter.lock at the same digest counts as pinned. The signer and key fingerprint go in the lock,\nthe signatures in the store (so `fetter policy verify` and `save` work offline).\n\nExample:\n  fetter policy pull oci://registry.acme.internal/security/base@sha256:…\n  fetter policy pull oci://registry.acme.internal/security/base:v3 --locked\n\nExit codes: 0 pulled, 1 refused (trust, digest, --locked) or failed."
    )]
    Pull(PullArgs),
    /// Write stored bundles to a tarball (an OCI image layout) for an air gap.
    #[command(
        after_help = "Example:\n  fetter policy save -o policies.tar\n\nExit codes: 0 saved, 1 failed (nothing written)."
    )]
    Save(SaveArgs),
    /// Load a tarball written by `save` into the store (and push it to a mirror).
    #[command(
        after_help = "Example:\n  fetter policy load policies.tar --push oci://mirror.internal/security/base\n\nExit codes: 0 loaded, 1 refused or failed (nothing stored)."
    )]
    Load(LoadArgs),
    /// What the local store holds.
    #[command(after_help = "Example:\n  fetter policy list --json")]
    List(ListArgs),
    #[command(flatten)]
    Trust(policy_trust::TrustCommand),
    /// A stored bundle's layers, plugins and settings.
    #[command(
        after_help = "Example:\n  fetter policy inspect oci://registry.acme.internal/security/base:v3"
    )]
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
struct PushArgs {
    /// The policy manifest.
    #[arg(value_name = "MANIFEST.toml")]
    manifest: PathBuf,
    /// Where to publish it.
    #[arg(value_name = "oci://HOST[:PORT]/REPO:TAG")]
    reference: String,
    /// A revision (e.g. a git commit) recorded in the bundle's config.
    #[arg(long)]
    revision: Option<String>,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Debug, Args)]
struct PullArgs {
    /// The bundle: oci://HOST[:PORT]/REPO[:TAG][@sha256:…].
    #[arg(value_name = "REF")]
    reference: String,
    /// The lock file to record the bundle in.
    #[arg(long, value_name = "FILE", default_value = "fetter.lock")]
    lock: PathBuf,
    /// Refuse when the tag no longer points at the digest in the lock.
    #[arg(long)]
    locked: bool,
    /// The user's trust file (instead of $FETTER_TRUST or ~/.config/fetter/trust.toml).
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Debug, Args)]
struct SaveArgs {
    /// The tarball to write.
    #[arg(long, short = 'o', value_name = "FILE.tar")]
    output: PathBuf,
    /// Only these stored names (HOST/REPO:TAG or HOST/REPO@sha256:…); default all.
    #[arg(value_name = "REF")]
    names: Vec<String>,
}

#[derive(Debug, Args)]
struct LoadArgs {
    /// A tarball written by `fetter policy save`.
    #[arg(value_name = "FILE.tar")]
    archive: PathBuf,
    /// Also push every loaded bundle to this repository, same tags, same digests.
    #[arg(long, value_name = "oci://MIRROR/REPO")]
    push: Option<String>,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// A stored bundle: oci://HOST/REPO:TAG or HOST/REPO@sha256:….
    #[arg(value_name = "REF")]
    reference: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Run `fetter policy …`.
pub fn run(quiet: bool, args: &PolicyCmdArgs) -> anyhow::Result<ExitCode> {
    let store = Store::default_location();
    match &args.command {
        PolicyCommand::Push(a) => push(a),
        PolicyCommand::Pull(a) => pull(quiet, &store, a),
        PolicyCommand::Save(a) => save(quiet, &store, a),
        PolicyCommand::Load(a) => load(quiet, &store, a),
        PolicyCommand::List(a) => list(&store, a),
        PolicyCommand::Inspect(a) => inspect(&store, a),
        PolicyCommand::Trust(cmd) => policy_trust::run_trust(&store, cmd),
    }
}

fn push(args: &PushArgs) -> anyhow::Result<ExitCode> {
    let reference = Reference::parse(&args.reference)?;
    if reference.digest.is_some() {
        bail!(
            "{}: push to a tag (a digest is what push prints)",
            args.reference
        );
    }
    let artifact = bundle::build(&args.manifest, args.revision.as_deref())?;
    let client = Client::connect(&reference, &args.registry.options()?)?;
    let digest = fetch::upload(
        &client,
        artifact.blobs(),
        &artifact.manifest,
        reference.tag_or_latest(),
    )?;
    println!("{}", reference.pinned(&digest));
    Ok(ExitCode::SUCCESS)
}

fn pull(quiet: bool, store: &Store, args: &PullArgs) -> anyhow::Result<ExitCode> {
    let reference = Reference::parse(&args.reference)?;
    let source_key = Reference {
        digest: None,
        ..reference.clone()
    };
    let source_key = if reference.tag.is_some() || reference.digest.is_none() {
        source_key.to_string()
    } else {
        reference.to_string()
    };
    let mut lock = Lock::load(&args.lock)?;
    let locked = lock.find(&source_key).cloned();
    if args.locked && locked.is_none() {
        bail!(
            "{}: not in {} (--locked): pull it once without --locked to lock it",
            source_key,
            args.lock.display()
        );
    }
    let client = Client::connect(&reference, &args.registry.options()?)?;
    let manifest = client.get_manifest(reference.manifest_ref())?;
    if let (true, Some(l)) = (args.locked, &locked) {
        if l.manifest_digest != manifest.digest {
            bail!(
                "{source_key} now points to {} but {} pins {} (--locked): refusing; review the new bundle, then pull without --locked to move the lock",
                manifest.digest,
                args.lock.display(),
                l.manifest_digest
            );
        }
    }
    if let Some(d) = &reference.digest {
        if *d != manifest.digest {
            bail!(
                "{}: the registry sent manifest {}",
                reference,
                manifest.digest
            );
        }
    }
    // The trust rules decide before anything is stored or locked.
    let trust = TrustPolicy::load(&TrustPolicy::default_files(args.trust.as_deref()))?;
    let pinned = reference.digest.is_some()
        || locked
            .as_ref()
            .is_some_and(|l| l.manifest_digest == manifest.digest);
    let (pulled, accepted) =
        signatures::pull_trusted(store, &client, &reference, manifest, &trust, pinned)?;
    let (signer, key_fingerprint) = signatures::lock_fields(&accepted);
    lock.upsert(Locked {
        source: source_key,
        manifest_digest: pulled.digest.clone(),
        pulled_at: fetter::timefmt::utc_now(),
        signer: signer.clone(),
        key_fingerprint: key_fingerprint.clone(),
        layers: pulled.plan.layers.clone(),
    });
    lock.save(&args.lock)?;
    println!("{}", escape(&pulled.what));
    if !quiet {
        eprintln!(
            "pulled {} {} ({} layer(s)) into {}; locked in {}",
            escape(&pulled.config.name),
            escape(pulled.config.version.as_deref().unwrap_or("")),
            pulled.plan.layers.len(),
            store.root().display(),
            args.lock.display()
        );
        if let (Some(s), Some(k)) = (&signer, &key_fingerprint) {
            eprintln!("signed by {} ({k})", escape(s));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn save(quiet: bool, store: &Store, args: &SaveArgs) -> anyhow::Result<ExitCode> {
    let names: Vec<String> = args
        .names
        .iter()
        .map(|n| n.strip_prefix("oci://").unwrap_or(n).to_string())
        .collect();
    let saved = archive::save(store, &names, &args.output)?;
    if !quiet {
        for e in &saved {
            eprintln!("saved {} ({})", escape(&e.name), e.digest);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn load(quiet: bool, store: &Store, args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let mirror = args.push.as_deref().map(Reference::parse).transpose()?;
    if let Some(m) = &mirror {
        if m.tag.is_some() || m.digest.is_some() {
            bail!(
                "--push {}: give a repository (oci://MIRROR/REPO): the tags come from the tarball",
                m
            );
        }
    }
    let loaded = archive::load(store, &args.archive)?;
    for l in &loaded {
        if !quiet {
            eprintln!("loaded {} ({})", escape(&l.entry.name), l.entry.digest);
        }
    }
    let Some(mirror) = mirror else {
        return Ok(ExitCode::SUCCESS);
    };
    let client = Client::connect(&mirror, &args.registry.options()?)?;
    // Tags first, so a digest that a tag already carried is not pushed twice.
    let mut order: Vec<&archive::Loaded> = loaded.iter().collect();
    order.sort_by_key(|l| l.entry.name.contains('@'));
    let mut pushed = std::collections::BTreeSet::new();
    let mut signed = std::collections::BTreeSet::new();
    for l in order {
        let Some(b) = &l.bundle else { continue };
        let from = Reference::parse(&l.entry.name)?;
        if from.tag.is_none() && pushed.contains(&b.digest) {
            continue;
        }
        pushed.insert(b.digest.clone());
        let tag = match &from.tag {
            Some(t) => t.clone(),
            None => b.digest.clone(),
        };
        let digest = fetch::upload(
            &client,
            b.blobs.iter().map(|(_, v)| v.as_slice()),
            &b.manifest,
            &tag,
        )?;
        // Its signatures go along, once: they name the origin repository,
        // which a mirror's trust rule lists under `origins`.
        let found = signatures::stored(store, &from.repo_name(), &b.digest)?;
        if !found.is_empty() && signed.insert(b.digest.clone()) {
            signatures::push(&client, &digest, &found)?;
        }
        let target = Reference {
            tag: from.tag.clone(),
            ..mirror.clone()
        };
        println!("{}", target.pinned(&digest));
    }
    Ok(ExitCode::SUCCESS)
}

fn list(store: &Store, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let rows: Vec<ListRow> = store
        .entries()?
        .into_iter()
        .map(|e| ListRow {
            name: e.name,
            digest: e.digest,
            verified_at: e.verified_at.map(fetter::timefmt::rfc3339),
        })
        .collect();
    super::output::print_plain(&PolicyList(&rows), json_or_table(args.json))?;
    Ok(ExitCode::SUCCESS)
}

/// `text` parsed, and the store's entry for it (an error naming the
/// store when there is none).
pub(super) fn stored_entry(
    store: &Store,
    text: &str,
) -> anyhow::Result<(Reference, fetter::oci::store::Entry)> {
    let reference = Reference::parse(text)?;
    let name = source::store_name(&reference);
    let entry = store.find(&name)?.with_context(|| {
        format!(
            "{name} is not in the local store ({}): `fetter policy pull` or `load` it first; see `fetter policy list`",
            store.root().display()
        )
    })?;
    Ok((reference, entry))
}

fn inspect(store: &Store, args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let (reference, entry) = stored_entry(store, &args.reference)?;
    let resolved = source::run_from(store, &reference, &entry.digest, None)?;
    let (pulled, _) = fetch::stored(store, &reference.repo_name(), &entry.digest)?;
    // Signers the trust rules accept, from the stored signatures (offline).
    let stored_sigs = signatures::stored(store, &reference.repo_name(), &entry.digest)?;
    let trust = TrustPolicy::load(&TrustPolicy::default_files(None))?;
    let signers: Vec<String> = signatures::decide(
        &trust,
        &reference.repo_name(),
        &entry.digest,
        true,
        &stored_sigs,
    )
    .map(|a| {
        a.signers
            .iter()
            .map(|s| format!("{} ({})", s.identity(), s.fingerprint))
            .collect()
    })
    .unwrap_or_default();
    let plugins = resolved
        .specs
        .iter()
        .map(|s| InspectPlugin {
            layer: pulled
                .plan
                .layers
                .iter()
                .find(|l| s.sha256.as_deref().is_some_and(|h| l.digest.ends_with(h)))
                .map(|l| l.path.clone())
                .unwrap_or_default(),
            sha256: s.sha256.clone().unwrap_or_default(),
            settings: serde_json::from_str(&s.settings).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let report = PolicyInspect {
        schema: POLICY_INSPECT_SCHEMA,
        reference: resolved.pinned,
        config: pulled.config.clone(),
        layers: pulled.plan.layers.clone(),
        plugins,
        signers,
        signatures: stored_sigs.len(),
    };
    super::output::print_plain(&report, json_or_table(args.json))?;
    Ok(ExitCode::SUCCESS)
}

/// `--json` or the table.
fn json_or_table(json: bool) -> Format {
    if json {
        Format::Json
    } else {
        Format::Table
    }
}
