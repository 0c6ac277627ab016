//! `fetter policy verify [REF | --lock FILE]` without `--signature`:
//! offline, from the local store. Each bundle is re-read and re-checked
//! against its digests, then its stored signatures are put before the
//! trust rules (or one allowed_signers file), exactly as a pull would.

use std::path::Path;
use std::process::ExitCode;

use fetter::escape::escape;
use fetter::oci::lock::Lock;
use fetter::oci::store::Store;
use fetter::oci::{fetch, signatures, OciError, Reference};
use fetter::trust::{self, Target, TrustPolicy};

use super::policy_trust::{print_verified, refused, VerifyArgs, EXIT_REFUSED};

/// One stored bundle to verify.
struct Item {
    repo: String,
    digest: String,
    pinned: bool,
}

/// How one bundle came out.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Verified,
    /// Nothing to verify the signatures against (no rule requires one).
    Unverifiable,
    Refused,
}

/// Verify REF's or the lock's bundles from `store`: exit 0 when every one
/// verified, 3 when any was refused, else 1 when any could not be.
pub(super) fn run(store: &Store, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let items = match (&args.lock, &args.reference) {
        (Some(lock), _) => from_lock(lock)?,
        (None, Some(r)) => vec![from_store(store, r)?],
        (None, None) => anyhow::bail!("give REF or --lock FILE"),
    };
    let trust = match &args.allowed_signers {
        Some(_) => TrustPolicy::default(),
        None => TrustPolicy::load(&TrustPolicy::default_files(args.trust.as_deref()))?,
    };
    let mut worst = Outcome::Verified;
    for item in &items {
        worst = worst.max(verify_one(
            store,
            &trust,
            args.allowed_signers.as_deref(),
            item,
        )?);
    }
    Ok(match worst {
        Outcome::Verified => ExitCode::SUCCESS,
        Outcome::Unverifiable => ExitCode::FAILURE,
        Outcome::Refused => ExitCode::from(EXIT_REFUSED),
    })
}

fn from_lock(path: &Path) -> anyhow::Result<Vec<Item>> {
    let lock = Lock::load_existing(path)?;
    anyhow::ensure!(
        !lock.bundles.is_empty(),
        "{}: the lock names no bundle",
        path.display()
    );
    lock.bundles
        .iter()
        .map(|b| {
            Ok(Item {
                repo: Reference::parse(&b.source)?.repo_name(),
                digest: b.manifest_digest.clone(),
                // A lock entry pins its digest.
                pinned: true,
            })
        })
        .collect()
}

fn from_store(store: &Store, text: &str) -> anyhow::Result<Item> {
    let (reference, entry) = super::policy::stored_entry(store, text)?;
    Ok(Item {
        repo: reference.repo_name(),
        digest: entry.digest,
        pinned: reference.digest.is_some(),
    })
}

fn verify_one(
    store: &Store,
    trust: &TrustPolicy,
    allowed_signers: Option<&Path>,
    item: &Item,
) -> anyhow::Result<Outcome> {
    // The bundle itself first: every small blob re-read and checked.
    fetch::stored(store, &item.repo, &item.digest)?;
    let found = signatures::stored(store, &item.repo, &item.digest)?;
    let target: Target = signatures::target(&item.repo, &item.digest)?;
    if let Some(file) = allowed_signers {
        let mut reasons = Vec::new();
        for f in &found {
            match trust::verify::verify_with_file(f, &target, file)? {
                Ok(signer) => {
                    print_verified(&target, &signer, None);
                    return Ok(Outcome::Verified);
                }
                Err(e) => reasons.push(e.to_string()),
            }
        }
        let why = if reasons.is_empty() {
            "the store keeps no signature for it".to_owned()
        } else {
            reasons.join("; ")
        };
        refused(&format!("{target}: {why}"))?;
        return Ok(Outcome::Refused);
    }
    match signatures::decide(trust, &item.repo, &item.digest, item.pinned, &found) {
        Ok(accepted) => {
            let rules: Vec<String> = accepted.rules.iter().map(|r| r.origin()).collect();
            if accepted.signers.is_empty() {
                eprintln!(
                    "cannot verify {}: {}, so no key is allowed to sign it ({} signature(s) stored); \
                     add a rule with require = [\"signature\"], or pass --allowed-signers FILE",
                    escape(&target.to_string()),
                    match rules.first() {
                        Some(r) => format!("its trust {} does not require a signature", escape(r)),
                        None => "no trust rule covers it".to_owned(),
                    },
                    found.len()
                );
                return Ok(Outcome::Unverifiable);
            }
            for s in &accepted.signers {
                print_verified(&target, s, Some(&rules.join(", ")));
            }
            Ok(Outcome::Verified)
        }
        Err(OciError::Refused(r)) => {
            refused(&r.to_string())?;
            Ok(Outcome::Refused)
        }
        Err(e) => Err(e.into()),
    }
}
