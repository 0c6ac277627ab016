//! `fetter policy sign|verify|payload`: SSH signatures over policy bundle
//! digests, pushed beside the bundle in its registry (or written to a
//! file), verified offline against allowed_signers or trust.toml: from
//! files here, from the local store in [`super::policy_verify`].
//! `fetter policy`'s subcommand enum flattens [`TrustCommand`].

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use fetter::escape::escape;
use fetter::oci::client::Client;
use fetter::oci::store::Store;
use fetter::oci::{signatures, Reference};
use fetter::trust::{
    self, FoundSignature, Payload, Signature, Signer, SigningKey, Subject, Target, TrustPolicy,
};

use super::policy::RegistryArgs;

/// Exit code: the signature or the reference was refused.
pub(super) const EXIT_REFUSED: u8 = 3;

/// The signing and verification subcommands of `fetter policy`.
#[derive(Debug, Subcommand)]
pub(super) enum TrustCommand {
    /// Sign a policy bundle's manifest digest with an SSH key (namespace fetter-policy).
    #[command(
        after_help = "Signs a digest, never a tag: the signature covers a small JSON payload naming the\nrepository and the manifest digest, so it cannot be replayed onto another repository.\nThe signature is in `ssh-keygen -Y sign` format; `ssh-keygen -Y verify -n fetter-policy`\nverifies it against the payload (`fetter policy payload REF`).\nWithout -o, the signature is pushed to REF's registry beside the bundle: through the OCI 1.1\nreferrers API, or the tag sha256-<hex>.sig where the registry has none. --signature FILE pushes\na signature made elsewhere (ssh-keygen -Y sign over `fetter policy payload REF`) after checking\nit signs exactly that payload.\n\nExamples:\n  fetter policy sign registry.acme.internal/security/base@sha256:… --key ~/.ssh/id_ed25519\n  fetter policy sign REF@sha256:… --key ci_key -o base.sig --payload-out base.payload\n  fetter policy sign REF@sha256:… --signature base.payload.sig\n\nExit codes: 0 signed, 1 error (key unreadable or encrypted, a tag instead of a digest, the\nbundle not in the registry, a signature of something else)."
    )]
    Sign(SignArgs),
    /// Verify a signature over a bundle digest, offline: against an allowed_signers file or the trust rules.
    #[command(
        after_help = "With --allowed-signers, the signature must be by a key of that file (git's format, as for\n`ssh-keygen -Y verify`). Without it, the trust rules decide (trust.toml: /etc/fetter/trust.toml,\nthen --trust FILE, $FETTER_TRUST or ~/.config/fetter/trust.toml); the deciding rule must require a\nsignature, or there is no one to check the signature against.\n\nExamples:\n  fetter policy verify REF@sha256:… --signature base.sig --allowed-signers allowed_signers\n  fetter policy verify REF@sha256:… --signature base.sig --trust trust.toml\n  fetter policy verify REF@sha256:… --signature base.payload.sig --payload base.payload\n\nExit codes: 0 verified (signer printed), 3 refused (wrong key, namespace, repository or\ndigest; altered payload), 1 could not verify (unreadable files, bad trust file, no rule)."
    )]
    Verify(VerifyArgs),
    /// Print the payload a signature of REF covers (to sign it with `ssh-keygen -Y sign`).
    #[command(
        after_help = "Examples:\n  fetter policy payload REF@sha256:… -o base.payload\n  ssh-keygen -Y sign -n fetter-policy -f ~/.ssh/id_ed25519 base.payload   # writes base.payload.sig"
    )]
    Payload(PayloadArgs),
}

/// Arguments of `fetter policy sign`.
#[derive(Debug, Args)]
pub(super) struct SignArgs {
    /// The bundle: HOST[:PORT]/REPO@sha256:… (a tag alone is refused).
    #[arg(value_name = "REF@sha256:…")]
    reference: String,
    /// The OpenSSH private key to sign with (unencrypted; ed25519, RSA, ECDSA).
    #[arg(long, value_name = "FILE", required_unless_present = "signature")]
    key: Option<PathBuf>,
    /// Push this signature (`ssh-keygen -Y sign -n fetter-policy` over
    /// `fetter policy payload REF`) instead of signing.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "output"])]
    signature: Option<PathBuf>,
    /// Write the signature (armored, as ssh-keygen writes FILE.sig) here.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the signed payload here.
    #[arg(long, value_name = "FILE")]
    payload_out: Option<PathBuf>,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Arguments of `fetter policy verify`.
#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// The bundle: HOST[:PORT]/REPO@sha256:… (with --signature), or a stored
    /// name (oci://HOST/REPO:TAG or …@sha256:…).
    #[arg(value_name = "REF", required_unless_present = "lock")]
    pub reference: Option<String>,
    /// Verify every bundle this lock file pins, from the store.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["reference", "signature"])]
    pub lock: Option<PathBuf>,
    /// The signature file (`-----BEGIN SSH SIGNATURE-----`); without it,
    /// the signatures kept in the local store.
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// The signed payload; default: the canonical payload of REF.
    #[arg(long, value_name = "FILE", requires = "signature")]
    pub payload: Option<PathBuf>,
    /// Verify against this allowed_signers file instead of the trust rules.
    #[arg(long, value_name = "FILE", conflicts_with = "trust")]
    pub allowed_signers: Option<PathBuf>,
    /// The user's trust file (instead of $FETTER_TRUST or ~/.config/fetter/trust.toml).
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
}

/// Arguments of `fetter policy payload`.
#[derive(Debug, Args)]
pub(super) struct PayloadArgs {
    /// The bundle: HOST[:PORT]/REPO@sha256:….
    #[arg(value_name = "REF@sha256:…")]
    reference: String,
    /// Write the payload here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run one of the signing and verification subcommands (`store`: the
/// local store, for `verify` without `--signature`).
pub(super) fn run_trust(store: &Store, cmd: &TrustCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TrustCommand::Sign(a) => sign(a),
        TrustCommand::Verify(a) if a.signature.is_none() => super::policy_verify::run(store, a),
        TrustCommand::Verify(a) => verify(a),
        TrustCommand::Payload(a) => payload(a),
    }
}

fn target(reference: &str) -> anyhow::Result<Target> {
    Ok(Target::parse(reference)?)
}

fn sign(args: &SignArgs) -> anyhow::Result<ExitCode> {
    let target = target(&args.reference)?;
    let payload = Payload::new(target.clone()).to_bytes();
    let (signature, fingerprint) = match (&args.key, &args.signature) {
        (Some(key), _) => {
            let key = SigningKey::load(key)?;
            (
                key.sign(&payload)?.to_armored().into_bytes(),
                key.fingerprint(),
            )
        }
        (None, Some(file)) => {
            let bytes = read_file(file, "signature")?;
            let sig = Signature::parse(&bytes)
                .with_context(|| format!("{}: not an SSH signature", file.display()))?;
            sig.check_self(&payload).with_context(|| {
                format!(
                    "{}: not a signature of `fetter policy payload {target}`",
                    file.display()
                )
            })?;
            (bytes, sig.fingerprint())
        }
        (None, None) => bail!("give --key FILE to sign, or --signature FILE to push a signature"),
    };
    let found = FoundSignature {
        payload: payload.clone(),
        signature,
    };
    let pushed = match &args.output {
        Some(out) => {
            write_file(out, &found.signature)?;
            None
        }
        None => Some(push_signature(
            &args.reference,
            &target,
            &found,
            &args.registry,
        )?),
    };
    if let Some(p) = &args.payload_out {
        write_file(p, &payload)?;
    }
    println!("signed {} with {fingerprint}", escape(&target.to_string()));
    if let Some(artifact) = pushed {
        println!("pushed signature {artifact}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Attach `found` to the bundle in its registry (referrers API, else the
/// fallback tag `sha256-<hex>.sig`); returns the signature artifact's digest.
fn push_signature(
    reference: &str,
    target: &Target,
    found: &FoundSignature,
    registry: &RegistryArgs,
) -> anyhow::Result<String> {
    let reference = Reference::parse(reference)?;
    let options = registry.options()?;
    Client::connect(&reference, &options)
        .and_then(|client| {
            signatures::push(&client, target.digest.as_str(), std::slice::from_ref(found))
        })
        .with_context(|| {
            format!("cannot push the signature of {target} (-o FILE writes it to a file instead)")
        })
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn read_file(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    fetter::fsutil::read_capped(path, fetter::fsutil::SMALL_FILE_CAP)
        .with_context(|| format!("cannot read the {what} {}", path.display()))
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let (Some(reference), Some(sig_path)) = (&args.reference, &args.signature) else {
        bail!("--signature FILE verifies one REF@sha256:…");
    };
    let target = target(reference)?;
    let found = FoundSignature {
        payload: match &args.payload {
            Some(p) => read_file(p, "payload")?,
            None => Payload::new(target.clone()).to_bytes(),
        },
        signature: read_file(sig_path, "signature")?,
    };
    if let Some(file) = &args.allowed_signers {
        return match trust::verify::verify_with_file(&found, &target, file)? {
            Ok(signer) => {
                print_verified(&target, &signer, None);
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => refused(&format!("{target}: {e}")),
        };
    }
    let files = TrustPolicy::default_files(args.trust.as_deref());
    let policy = TrustPolicy::load(&files)?;
    let subject = Subject {
        target: target.clone(),
        pinned: true,
    };
    match policy.decide(
        &subject,
        std::slice::from_ref(&found),
        trust::allowed_signers::now(),
    ) {
        Ok(accepted) => {
            let Some(signer) = accepted.signers.first() else {
                let why = match accepted.rules.first() {
                    Some(r) => format!("its trust {} does not require a signature", r.origin()),
                    None if files.is_empty() => "there is no trust file".to_owned(),
                    None => "no trust rule covers it".to_owned(),
                };
                bail!(
                    "cannot verify the signature for {target}: {why}, so no key is allowed to sign it; \
                     add a rule with require = [\"signature\"], or pass --allowed-signers FILE"
                );
            };
            let rules: Vec<String> = accepted.rules.iter().map(|r| r.origin()).collect();
            print_verified(&target, signer, Some(&rules.join(", ")));
            Ok(ExitCode::SUCCESS)
        }
        Err(refusal) => refused(&refusal.to_string()),
    }
}

pub(super) fn refused(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("refused: {}", escape(message));
    Ok(ExitCode::from(EXIT_REFUSED))
}

pub(super) fn print_verified(target: &Target, signer: &Signer, rules: Option<&str>) {
    println!("verified {}", escape(&target.to_string()));
    println!("signer: {}", escape(&signer.identity()));
    println!("key: {}", signer.fingerprint);
    println!(
        "allowed by: {}:{}",
        escape(&signer.file.display().to_string()),
        signer.line
    );
    if let Some(r) = rules {
        println!("trust: {}", escape(r));
    }
}

fn payload(args: &PayloadArgs) -> anyhow::Result<ExitCode> {
    let bytes = Payload::new(target(&args.reference)?).to_bytes();
    match &args.output {
        Some(p) => write_file(p, &bytes)?,
        // No newline: these are the exact bytes that are signed.
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
