//! `fetter policy sign|verify|payload`: SSH signatures over policy bundle
//! digests, verified offline against allowed_signers or trust.toml.
//!
//! The OCI client (`fetter policy push/pull/…`) absorbs these: its
//! subcommand enum flattens [`TrustCommand`], pushes what `sign` makes
//! through [`push_signature`], and verifies from its store with
//! `fetter::trust::TrustPolicy::decide`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use fetter::escape::escape;
use fetter::trust::{
    self, FoundSignature, Payload, Signer, SigningKey, Subject, Target, TrustPolicy,
};

/// Exit code: the signature or the reference was refused.
const EXIT_REFUSED: u8 = 3;

/// Arguments of `fetter policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: TrustCommand,
}

/// The signing and verification subcommands of `fetter policy`.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Sign a policy bundle's manifest digest with an SSH key (namespace fetter-policy).
    #[command(
        after_help = "Signs a digest, never a tag: the signature covers a small JSON payload naming the\nrepository and the manifest digest, so it cannot be replayed onto another repository.\nThe signature is in `ssh-keygen -Y sign` format; `ssh-keygen -Y verify -n fetter-policy`\nverifies it against the payload (`fetter policy payload REF`).\n\nExamples:\n  fetter policy sign registry.acme.internal/security/base@sha256:… --key ~/.ssh/id_ed25519 -o base.sig\n  fetter policy sign REF@sha256:… --key ci_key -o base.sig --payload-out base.payload\n\nExit codes: 0 signed, 1 error (key unreadable or encrypted, a tag instead of a digest)."
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
pub struct SignArgs {
    /// The bundle: HOST[:PORT]/REPO@sha256:… (a tag alone is refused).
    #[arg(value_name = "REF@sha256:…")]
    reference: String,
    /// The OpenSSH private key to sign with (unencrypted; ed25519, RSA, ECDSA).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Write the signature (armored, as ssh-keygen writes FILE.sig) here.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the signed payload here.
    #[arg(long, value_name = "FILE")]
    payload_out: Option<PathBuf>,
}

/// Arguments of `fetter policy verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle: HOST[:PORT]/REPO@sha256:….
    #[arg(value_name = "REF@sha256:…")]
    reference: String,
    /// The signature file (`-----BEGIN SSH SIGNATURE-----`).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
    /// The signed payload; default: the canonical payload of REF.
    #[arg(long, value_name = "FILE")]
    payload: Option<PathBuf>,
    /// Verify against this allowed_signers file instead of the trust rules.
    #[arg(long, value_name = "FILE", conflicts_with = "trust")]
    allowed_signers: Option<PathBuf>,
    /// The user's trust file (instead of $FETTER_TRUST or ~/.config/fetter/trust.toml).
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
}

/// Arguments of `fetter policy payload`.
#[derive(Debug, Args)]
pub struct PayloadArgs {
    /// The bundle: HOST[:PORT]/REPO@sha256:….
    #[arg(value_name = "REF@sha256:…")]
    reference: String,
    /// Write the payload here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `fetter policy …`.
pub fn run(args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    run_trust(&args.command)
}

/// Run one of the signing and verification subcommands.
pub fn run_trust(cmd: &TrustCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TrustCommand::Sign(a) => sign(a),
        TrustCommand::Verify(a) => verify(a),
        TrustCommand::Payload(a) => payload(a),
    }
}

fn target(reference: &str) -> anyhow::Result<Target> {
    Ok(Target::parse(reference)?)
}

fn sign(args: &SignArgs) -> anyhow::Result<ExitCode> {
    let target = target(&args.reference)?;
    let key = SigningKey::load(&args.key)?;
    let payload = Payload::new(target.clone()).to_bytes();
    let signature = key.sign(&payload)?;
    let found = FoundSignature {
        payload: payload.clone(),
        signature: signature.to_armored().into_bytes(),
    };
    match &args.output {
        Some(out) => write_file(out, &found.signature)?,
        None => push_signature(&target, &found)?,
    }
    if let Some(p) = &args.payload_out {
        write_file(p, &payload)?;
    }
    println!(
        "signed {} with {}",
        escape(&target.to_string()),
        key.fingerprint()
    );
    Ok(ExitCode::SUCCESS)
}

/// Where the OCI client attaches a signature to its manifest (referrers
/// API, else the tag `fetter::trust::fallback_tag`). Until it does, a
/// signature goes to a file.
fn push_signature(target: &Target, _found: &FoundSignature) -> anyhow::Result<()> {
    bail!(
        "pushing a signature to the registry is not available in this build; write it to a \
         file with -o FILE (signing {})",
        target
    )
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn read_file(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    fetter::fsutil::read_capped(path, fetter::fsutil::SMALL_FILE_CAP)
        .with_context(|| format!("cannot read the {what} {}", path.display()))
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let target = target(&args.reference)?;
    let Some(sig_path) = &args.signature else {
        bail!(
            "verifying from the local store is not available in this build; pass --signature FILE"
        );
    };
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

fn refused(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("refused: {}", escape(message));
    Ok(ExitCode::from(EXIT_REFUSED))
}

fn print_verified(target: &Target, signer: &Signer, rules: Option<&str>) {
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
