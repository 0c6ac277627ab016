//! `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]`: where a bundle lives.
//!
//! The host is always explicit (there is no default registry: a policy
//! must never be fetched from somewhere nobody named). Repository and tag
//! follow the distribution spec's grammar, so what fetter prints is what
//! any registry accepts.

use std::fmt;

use super::{is_sha256_digest, OciError};

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `host` or `host:port`.
    pub registry: String,
    /// `team/policy`.
    pub repository: String,
    /// The tag, if given.
    pub tag: Option<String>,
    /// `sha256:…`, if given: the reference is then pinned.
    pub digest: Option<String>,
}

impl Reference {
    /// Parse `oci://…` (the scheme is optional).
    pub fn parse(text: &str) -> Result<Reference, OciError> {
        let err = |message: &str| OciError::Reference {
            reference: text.to_string(),
            message: message.to_string(),
        };
        let rest = text.strip_prefix("oci://").unwrap_or(text);
        if rest.contains("://") {
            return Err(err("only the oci:// scheme is understood"));
        }
        let (rest, digest) = match rest.split_once('@') {
            Some((r, d)) => {
                if !is_sha256_digest(d) {
                    return Err(err(
                        "the digest must be sha256: and 64 lowercase hex digits",
                    ));
                }
                (r, Some(d.to_string()))
            }
            None => (rest, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| err("no repository after the registry host"))?;
        if registry.is_empty()
            || !registry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        {
            return Err(err("the registry must be HOST or HOST:PORT"));
        }
        // A tag is after the last `:` of the last path component.
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t.to_string())),
            _ => (path, None),
        };
        if !valid_repository(repository) {
            return Err(err(
                "the repository must be lowercase path components ([a-z0-9] separated by . _ - or /)",
            ));
        }
        if let Some(t) = &tag {
            if !valid_tag(t) {
                return Err(err(
                    "a tag is 1-128 of [A-Za-z0-9_.-], not starting with . or -",
                ));
            }
        }
        Ok(Reference {
            registry: registry.to_ascii_lowercase(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// The tag to resolve, `latest` when none was given.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// What to ask the registry for: the digest when pinned, else the tag.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .unwrap_or_else(|| self.tag_or_latest())
    }

    /// `HOST/REPO@sha256:…`: the pinned form `push` prints.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}/{}@{digest}", self.registry, self.repository)
    }

    /// `HOST/REPO:TAG` (no digest): the name a tag resolves under.
    pub fn tagged(&self) -> String {
        format!(
            "{}/{}:{}",
            self.registry,
            self.repository,
            self.tag_or_latest()
        )
    }

    /// `HOST/REPO`.
    pub fn repo_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        if let Some(rest) = self.registry.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        self.registry.split(':').next().unwrap_or(&self.registry)
    }

    /// Whether the registry is on this machine (plain HTTP is allowed
    /// there without `--insecure`).
    pub fn is_loopback(&self) -> bool {
        let h = self.host();
        h == "localhost"
            || h.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The same repository at another digest.
    pub fn with_digest(&self, digest: &str) -> Reference {
        Reference {
            digest: Some(digest.to_string()),
            ..self.clone()
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn valid_repository(repo: &str) -> bool {
    !repo.is_empty()
        && repo.len() <= 255
        && repo.split('/').all(|component| {
            let b = component.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
        })
}

fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_repo_tag_digest() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("oci://127.0.0.1:5000/sec/policy:v1@{d}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "sec/policy");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert!(r.is_loopback());
        assert_eq!(r.pinned(&d), format!("127.0.0.1:5000/sec/policy@{d}"));
        let r = Reference::parse("registry.acme.internal/security/base").unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_ref(), "latest");
        assert!(!r.is_loopback());
        assert_eq!(r.to_string(), "oci://registry.acme.internal/security/base");
    }

    #[test]
    fn refuses_what_a_registry_would_not_take() {
        for bad in [
            "oci://host",
            "oci:///repo",
            "https://host/repo",
            "oci://host/Repo",
            "oci://host/repo:-x",
            "oci://host/repo@sha256:abc",
            "oci://host/repo@md5:aaaa",
            "oci://ho st/repo",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
