//! What a fetter policy signature signs: a small canonical JSON document
//! naming the repository and the manifest digest. Naming the repository
//! stops a signature being replayed onto another repository that serves
//! the same bytes; naming a digest, never a tag, stops it following a tag
//! that moves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The `type` every payload carries: what the document is and its version.
pub const PAYLOAD_TYPE: &str = "fetter-policy-signature/v1";

/// Why a repository, digest, reference or payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// A repository name outside the OCI distribution grammar.
    #[error("{0:?} is not a repository (HOST[:PORT]/NAME, e.g. registry.acme.internal/security/base): {1}")]
    Repository(String, &'static str),
    /// A digest that is not `sha256:` and 64 lower-case hex digits.
    #[error("{0:?} is not a sha256 digest (sha256: followed by 64 lower-case hex digits)")]
    Digest(String),
    /// A reference that names a tag, or no digest: signatures are over digests.
    #[error("{0:?} names no digest: a signature is over a manifest digest, never a tag; write HOST/REPO@sha256:…")]
    NoDigest(String),
    /// Bytes that are not a payload fetter wrote.
    #[error("the signed payload is not a fetter policy payload: {0}")]
    Malformed(String),
    /// A payload that parses but is not byte for byte the canonical form:
    /// what was signed must be exactly what is read.
    #[error("the signed payload is not in canonical form (fetter writes {0})")]
    NotCanonical(String),
}

/// A repository: `HOST[:PORT]/NAME`, host in lower case, name in the OCI
/// distribution grammar (lower-case components joined by `/`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Repository(String);

impl Repository {
    /// Parse `HOST[:PORT]/NAME` (an `oci://` prefix is accepted and
    /// dropped). The host is lower-cased: DNS names are case-insensitive,
    /// and a signed name must have one spelling.
    pub fn parse(s: &str) -> Result<Self, PayloadError> {
        let bad = |why| PayloadError::Repository(s.to_owned(), why);
        let rest = s.strip_prefix("oci://").unwrap_or(s);
        let (host, name) = rest
            .split_once('/')
            .ok_or_else(|| bad("no `/` after the host"))?;
        let (hostname, port) = match host.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host, None),
        };
        if hostname.is_empty()
            || !hostname.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
        {
            return Err(bad("the host is not a DNS name or IPv4 address"));
        }
        if let Some(p) = port {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the port is not a number"));
            }
        }
        if name.len() > 255 {
            return Err(bad("the name is longer than 255 characters"));
        }
        if !name.split('/').all(component_ok) {
            return Err(bad(
                "each part of the name is lower-case letters and digits, separated by `.`, `_`, `__` or dashes",
            ));
        }
        Ok(Repository(format!("{}/{name}", host.to_ascii_lowercase())))
    }

    /// `HOST[:PORT]/NAME`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        match &c[start..i] {
            "." | "_" | "__" => {}
            sep if sep.bytes().all(|x| x == b'-') => {}
            _ => return false,
        }
    }
    true
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Repository {
    type Err = PayloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A manifest digest: `sha256:` and 64 lower-case hex digits (the only
/// algorithm fetter writes and accepts).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parse `sha256:<64 lower-case hex>`.
    pub fn parse(s: &str) -> Result<Self, PayloadError> {
        match s.strip_prefix("sha256:") {
            Some(hex)
                if hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                Ok(Digest(s.to_owned()))
            }
            _ => Err(PayloadError::Digest(s.to_owned())),
        }
    }

    /// `sha256:…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits (for the fallback tag `sha256-<hex>.sig`).
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Digest {
    type Err = PayloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What is signed and verified: one manifest in one repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// Where the manifest lives.
    pub repository: Repository,
    /// The manifest's digest.
    pub digest: Digest,
}

impl Target {
    /// Parse `[oci://]HOST[:PORT]/NAME@sha256:…`. A tag alone
    /// (`NAME:TAG`) is refused; `NAME:TAG@sha256:…` keeps the digest and
    /// drops the tag, which signs nothing.
    pub fn parse(s: &str) -> Result<Self, PayloadError> {
        let (name, digest) = s
            .rsplit_once('@')
            .ok_or_else(|| PayloadError::NoDigest(s.to_owned()))?;
        let digest = Digest::parse(digest)?;
        // A tag sits after the last `/`; a `:` before it is the port.
        let name = match name.rfind('/') {
            Some(slash) => match name[slash..].find(':') {
                Some(colon) => &name[..slash + colon],
                None => name,
            },
            None => name,
        };
        Ok(Target {
            repository: Repository::parse(name)?,
            digest,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.repository, self.digest)
    }
}

/// The signed document. Its JSON form is canonical: keys sorted, no
/// whitespace, no trailing newline, so that the same target always gives
/// the same bytes and a verifier can rebuild them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The signed target.
    pub target: Target,
}

/// The JSON shape; field order is the canonical (sorted) key order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    digest: String,
    repository: String,
    #[serde(rename = "type")]
    kind: String,
}

impl Payload {
    /// The payload for `target`.
    pub fn new(target: Target) -> Self {
        Payload { target }
    }

    /// The canonical bytes that are signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&Wire {
            digest: self.target.digest.to_string(),
            repository: self.target.repository.to_string(),
            kind: PAYLOAD_TYPE.to_owned(),
        })
        .expect("a struct of strings always serialises")
    }

    /// Read signed bytes back: a payload of another type, with other keys,
    /// or not byte for byte canonical is refused.
    pub fn parse(bytes: &[u8]) -> Result<Self, PayloadError> {
        let wire: Wire =
            serde_json::from_slice(bytes).map_err(|e| PayloadError::Malformed(e.to_string()))?;
        if wire.kind != PAYLOAD_TYPE {
            return Err(PayloadError::Malformed(format!(
                "its type is {:?}, not {PAYLOAD_TYPE:?}",
                wire.kind
            )));
        }
        let payload = Payload::new(Target {
            repository: Repository::parse(&wire.repository)
                .map_err(|e| PayloadError::Malformed(e.to_string()))?,
            digest: Digest::parse(&wire.digest)
                .map_err(|e| PayloadError::Malformed(e.to_string()))?,
        });
        let canonical = payload.to_bytes();
        if canonical != bytes {
            return Err(PayloadError::NotCanonical(
                String::from_utf8_lossy(&canonical).into_owned(),
            ));
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn canonical_bytes() {
        let t = Target::parse(&format!(
            "oci://Registry.Acme.Internal:5000/security/base@{D}"
        ))
        .unwrap();
        let bytes = Payload::new(t.clone()).to_bytes();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            format!(
                r#"{{"digest":"{D}","repository":"registry.acme.internal:5000/security/base","type":"fetter-policy-signature/v1"}}"#
            )
        );
        assert_eq!(Payload::parse(&bytes).unwrap().target, t);
    }

    #[test]
    fn tags_are_dropped_and_ports_kept() {
        let t = Target::parse(&format!("127.0.0.1:5000/a/b:v1@{D}")).unwrap();
        assert_eq!(t.repository.as_str(), "127.0.0.1:5000/a/b");
        assert_eq!(t.to_string(), format!("127.0.0.1:5000/a/b@{D}"));
        let e = Target::parse("127.0.0.1:5000/a/b:v1").unwrap_err();
        assert!(e.to_string().contains("never a tag"), "{e}");
    }

    #[test]
    fn bad_names_and_digests() {
        for bad in [
            "nohost",
            "host/UPPER",
            "host/a//b",
            "host/-a",
            "ho st/a",
            "host:x/a",
            "/a",
        ] {
            assert!(Repository::parse(bad).is_err(), "{bad}");
        }
        for ok in ["h/a", "h/a.b_c__d--e/f", "h:1/a0"] {
            assert!(Repository::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "sha256:abc",
            "sha512:00",
            &D.to_uppercase(),
            &D.replace("sha256", "sha256 "),
        ] {
            assert!(Digest::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn non_canonical_or_foreign_payloads_are_refused() {
        let t = Target::parse(&format!("h/a@{D}")).unwrap();
        let good = String::from_utf8(Payload::new(t).to_bytes()).unwrap();
        let spaced = good.replace(",", ", ");
        assert!(matches!(
            Payload::parse(spaced.as_bytes()),
            Err(PayloadError::NotCanonical(_))
        ));
        let extra = good.replace("{", r#"{"x":1,"#);
        assert!(matches!(
            Payload::parse(extra.as_bytes()),
            Err(PayloadError::Malformed(_))
        ));
        let other = good.replace("fetter-policy-signature/v1", "cosign");
        assert!(Payload::parse(other.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("cosign"));
        assert!(Payload::parse(b"\xff").is_err());
    }
}
