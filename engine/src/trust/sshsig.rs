//! SSH signatures in the `ssh-keygen -Y sign` format (PROTOCOL.sshsig),
//! namespace [`NAMESPACE`], through the `ssh-key` crate: signing with an
//! OpenSSH private key file, verifying against an allowed_signers file.

use std::path::{Path, PathBuf};

use ssh_key::private::{KeypairData, RsaKeypair};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use super::allowed_signers::{AllowedSigners, EntryRefusal};

/// The sshsig namespace of fetter policy signatures: a signature made for
/// git commits or files (`-n git`, `-n file`) never verifies as one.
pub const NAMESPACE: &str = "fetter-policy";

/// Why a key cannot sign.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file cannot be read.
    #[error("cannot read the signing key {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (match [`crate::fsutil::ReadError::io_kind`], not the text).
        reason: crate::fsutil::ReadError,
    },
    /// Not an OpenSSH private key.
    #[error("{} is not an OpenSSH private key ({reason}); `ssh-keygen -p -f {}` rewrites an old PEM key in OpenSSH format", path.display(), path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The key is protected by a passphrase, which fetter does not ask for.
    #[error("{} is encrypted with a passphrase; fetter signs only with unencrypted keys: print the payload with `fetter policy payload REF` and sign it with `ssh-keygen -Y sign -n fetter-policy -f {}`", path.display(), path.display())]
    Encrypted {
        /// The file.
        path: PathBuf,
    },
    /// A key type the signer does not support (DSA, FIDO `sk-` keys).
    #[error("cannot sign with {} ({algorithm}): {reason}; fetter signs with ed25519, RSA and ECDSA P-256/P-384 keys (sign sk- keys with ssh-keygen -Y sign)", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The key's algorithm.
        algorithm: String,
        /// What the signer said.
        reason: String,
    },
}

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not an armored SSH signature.
    #[error("not an SSH signature (-----BEGIN SSH SIGNATURE-----): {0}")]
    Format(String),
    /// Made for another namespace.
    #[error("the signature is for namespace {found:?}, not {NAMESPACE:?}: it was made for something else (sign with -n {NAMESPACE})")]
    Namespace {
        /// The namespace it carries.
        found: String,
    },
    /// The signature does not match the payload under its own key.
    #[error("the signature by key {fingerprint} does not match the payload: the payload was altered, or the signature is for other data")]
    Mismatch {
        /// The signing key's fingerprint.
        fingerprint: String,
    },
    /// The key is not in the allowed signers file.
    #[error("the signing key {fingerprint} is not in the allowed signers file {}", file.display())]
    UnknownKey {
        /// The signing key's fingerprint.
        fingerprint: String,
        /// The allowed_signers file.
        file: PathBuf,
    },
    /// The key is listed, but no line of it allows this signature.
    #[error("the signing key {fingerprint} is listed in {} line {line} ({principals}), but {refusal}", file.display())]
    NotAllowed {
        /// The signing key's fingerprint.
        fingerprint: String,
        /// The allowed_signers file.
        file: PathBuf,
        /// The line that lists the key (the first, if several).
        line: usize,
        /// That line's principals.
        principals: String,
        /// Why the line does not allow it.
        refusal: String,
    },
}

/// A private key, ready to sign.
pub struct SigningKey {
    key: PrivateKey,
    path: PathBuf,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        write!(
            f,
            "SigningKey({}, {})",
            self.path.display(),
            self.fingerprint()
        )
    }
}

impl SigningKey {
    /// Read an unencrypted OpenSSH private key file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text =
            zeroize::Zeroizing::new(crate::fsutil::read_small_text(path).map_err(|reason| {
                KeyError::Read {
                    path: path.to_owned(),
                    reason,
                }
            })?);
        let key = PrivateKey::from_openssh(text.as_bytes()).map_err(|e| KeyError::Format {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if key.is_encrypted() {
            return Err(KeyError::Encrypted {
                path: path.to_owned(),
            });
        }
        Ok(SigningKey {
            key,
            path: path.to_owned(),
        })
    }

    /// The public key's fingerprint as ssh-keygen prints it (`SHA256:…`).
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }

    /// Sign `msg` in [`NAMESPACE`] with SHA-512 (ssh-keygen's default).
    pub fn sign(&self, msg: &[u8]) -> Result<Signature, KeyError> {
        let unsupported = |reason: String| KeyError::Unsupported {
            path: self.path.clone(),
            algorithm: self.key.algorithm().to_string(),
            reason,
        };
        let sig = match self.key.key_data() {
            KeypairData::Rsa(pair) => {
                let data = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, msg)
                    .map_err(|e| unsupported(e.to_string()))?;
                let raw = sign_rsa(pair, &data).map_err(|e| unsupported(e.to_string()))?;
                SshSig::new(
                    self.key.public_key().key_data().clone(),
                    NAMESPACE,
                    HashAlg::Sha512,
                    raw,
                )
            }
            _ => self.key.sign(NAMESPACE, HashAlg::Sha512, msg),
        };
        sig.map(Signature).map_err(|e| unsupported(e.to_string()))
    }
}

/// Why an RSA key could not sign.
#[derive(Debug, thiserror::Error)]
enum RsaError {
    #[error("the key's {0} is not a positive integer")]
    NotPositive(&'static str),
    #[error("not a valid RSA key: {0}")]
    Key(rsa::Error),
    #[error("{0}")]
    Sign(rsa::signature::Error),
    #[error("{0}")]
    Signature(ssh_key::Error),
}

/// `rsa-sha2-512` (PKCS#1 v1.5 over SHA-512) of the sshsig signed data,
/// as ssh-keygen makes it for RSA keys. By hand from the key's components
/// because ssh-key 0.6.7's own conversion passes the prime p twice (p, p
/// instead of p, q), which the `rsa` crate rightly refuses.
fn sign_rsa(pair: &RsaKeypair, data: &[u8]) -> Result<ssh_key::Signature, RsaError> {
    use rsa::signature::{SignatureEncoding, Signer as _};
    let int = |m: &ssh_key::Mpint, what: &'static str| {
        m.as_positive_bytes()
            .map(rsa::BigUint::from_bytes_be)
            .ok_or(RsaError::NotPositive(what))
    };
    let key = rsa::RsaPrivateKey::from_components(
        int(&pair.public.n, "modulus")?,
        int(&pair.public.e, "exponent")?,
        int(&pair.private.d, "private exponent")?,
        vec![
            int(&pair.private.p, "prime p")?,
            int(&pair.private.q, "prime q")?,
        ],
    )
    .map_err(RsaError::Key)?;
    let sig = rsa::pkcs1v15::SigningKey::<ssh_key::sha2::Sha512>::new(key)
        .try_sign(data)
        .map_err(RsaError::Sign)?;
    ssh_key::Signature::new(
        ssh_key::Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        sig.to_vec(),
    )
    .map_err(RsaError::Signature)
}

/// An SSH signature (what `ssh-keygen -Y sign` writes to `FILE.sig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(SshSig);

impl Signature {
    /// Read the armored form (`-----BEGIN SSH SIGNATURE-----`).
    pub fn parse(text: &[u8]) -> Result<Self, VerifyError> {
        SshSig::from_pem(text)
            .map(Signature)
            .map_err(|e| VerifyError::Format(e.to_string()))
    }

    /// The armored form, LF line endings, as ssh-keygen writes it.
    pub fn to_armored(&self) -> String {
        let mut s = self
            .0
            .to_pem(LineEnding::LF)
            .expect("a signature that parsed or was made encodes");
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }

    /// The namespace the signature was made in.
    pub fn namespace(&self) -> &str {
        self.0.namespace()
    }

    /// The signing key's fingerprint (`SHA256:…`).
    pub fn fingerprint(&self) -> String {
        PublicKey::from(self.0.public_key().clone())
            .fingerprint(HashAlg::Sha256)
            .to_string()
    }

    /// Check the namespace and the signature over `msg` under its own
    /// embedded key, without asking whether anyone allows that key: a
    /// signature of other bytes is refused before it is published.
    pub fn check_self(&self, msg: &[u8]) -> Result<(), VerifyError> {
        if self.0.namespace() != NAMESPACE {
            return Err(VerifyError::Namespace {
                found: self.0.namespace().to_owned(),
            });
        }
        let key = PublicKey::from(self.0.public_key().clone());
        key.verify(NAMESPACE, msg, &self.0)
            .map_err(|_| VerifyError::Mismatch {
                fingerprint: self.fingerprint(),
            })
    }

    /// Verify this signature over `msg` against `signers`, as
    /// `ssh-keygen -Y verify -n fetter-policy` does: the namespace, the
    /// cryptographic signature under its embedded key, then a line of the
    /// file that lists that key and allows the namespace now.
    pub fn verify(
        &self,
        msg: &[u8],
        signers: &AllowedSigners,
        now: i64,
    ) -> Result<Signer, VerifyError> {
        if self.0.namespace() != NAMESPACE {
            return Err(VerifyError::Namespace {
                found: self.0.namespace().to_owned(),
            });
        }
        let fingerprint = self.fingerprint();
        let key = PublicKey::from(self.0.public_key().clone());
        if key.verify(NAMESPACE, msg, &self.0).is_err() {
            return Err(VerifyError::Mismatch { fingerprint });
        }
        let mut first_refusal: Option<(usize, String, EntryRefusal)> = None;
        for entry in signers.entries_for(self.0.public_key()) {
            match entry.allows(NAMESPACE, now) {
                Ok(()) => {
                    return Ok(Signer {
                        principals: entry.principal_list(),
                        fingerprint,
                        file: signers.path.clone(),
                        line: entry.line,
                    })
                }
                Err(r) => {
                    first_refusal.get_or_insert((entry.line, entry.principals.clone(), r));
                }
            }
        }
        Err(match first_refusal {
            Some((line, principals, refusal)) => VerifyError::NotAllowed {
                fingerprint,
                file: signers.path.clone(),
                line,
                principals,
                refusal: refusal.to_string(),
            },
            None => VerifyError::UnknownKey {
                fingerprint,
                file: signers.path.clone(),
            },
        })
    }
}

/// Who signed: what a verified signature proves, and what `fetter.lock`
/// records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The principals of the allowed_signers line that allowed the key.
    pub principals: Vec<String>,
    /// The key's fingerprint as ssh-keygen prints it (`SHA256:…`).
    pub fingerprint: String,
    /// The allowed_signers file.
    pub file: PathBuf,
    /// The line of that file.
    pub line: usize,
}

impl Signer {
    /// The signer identity: the principals, comma-separated as written.
    pub fn identity(&self) -> String {
        self.principals.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use crate::trust::test_key::{PRIVATE, PUBLIC};

    fn key() -> SigningKey {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        std::fs::write(&p, PRIVATE).unwrap();
        SigningKey::load(&p).unwrap()
    }

    fn signers(text: &str) -> AllowedSigners {
        AllowedSigners::parse(Path::new("allowed"), text).unwrap()
    }

    #[test]
    fn round_trip_and_refusals() {
        let k = key();
        let sig = k.sign(b"payload").unwrap();
        let sig = Signature::parse(sig.to_armored().as_bytes()).unwrap();
        let ok = signers(&format!("alice@acme.com {PUBLIC}\n"));
        let who = sig.verify(b"payload", &ok, 0).unwrap();
        assert_eq!(who.identity(), "alice@acme.com");
        assert_eq!(who.fingerprint, k.fingerprint());
        assert_eq!(who.line, 1);

        let e = sig.verify(b"other", &ok, 0).unwrap_err();
        assert!(matches!(e, VerifyError::Mismatch { .. }), "{e}");
        let e = sig.verify(b"payload", &signers(""), 0).unwrap_err();
        assert!(
            e.to_string()
                .contains("is not in the allowed signers file allowed"),
            "{e}"
        );
        let e = sig
            .verify(
                b"payload",
                &signers(&format!("a namespaces=\"git\" {PUBLIC}\n")),
                0,
            )
            .unwrap_err();
        assert!(e.to_string().contains("line 1 (a)"), "{e}");
        // A later line may allow what an earlier one does not.
        let two = signers(&format!("a namespaces=\"git\" {PUBLIC}\nb {PUBLIC}\n"));
        assert_eq!(sig.verify(b"payload", &two, 0).unwrap().line, 2);
    }

    #[test]
    fn other_namespaces_are_refused() {
        let raw = PrivateKey::from_openssh(PRIVATE).unwrap();
        let git = Signature(raw.sign("git", HashAlg::Sha512, b"payload").unwrap());
        let e = git
            .verify(b"payload", &signers(&format!("a {PUBLIC}\n")), 0)
            .unwrap_err();
        assert_eq!(
            e,
            VerifyError::Namespace {
                found: "git".into()
            }
        );
    }

    #[test]
    fn bad_key_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id");
        std::fs::write(&p, PUBLIC).unwrap();
        let e = SigningKey::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("is not an OpenSSH private key") && e.contains("id"),
            "{e}"
        );
        let e = SigningKey::load(&dir.path().join("missing"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read the signing key"), "{e}");
        assert!(Signature::parse(b"nope").is_err());
    }
}
