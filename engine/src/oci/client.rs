//! The registry side: the OCI distribution API over fetter's ureq client.
//!
//! Every download has a cap decided before the request (a layer that
//! declares 2 GiB is refused without a byte read) and enforced while
//! reading (a registry that sends more than it declared is cut off), and
//! every blob and manifest is checked against its digest before anyone
//! sees it. TLS is verified against the system roots (plus `--ca-cert`);
//! plain HTTP is only spoken to a loopback registry or one marked
//! insecure.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use ureq::http::{Method, Request, StatusCode};

use super::auth::{self, Challenge, Credentials};
use super::{digest_of, verify_digest, OciError, Reference, MANIFEST_LIMIT};
use crate::escape::escape;

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Extra CA certificates (PEM) trusted beside the system roots.
    pub ca_cert: Option<PathBuf>,
    /// `ca_cert` came from the config file (for every registry), not from
    /// `--ca-cert` (for this one): it then does not stop the plain-HTTP
    /// fallback of a loopback or insecure registry. A CA named on the
    /// command line says the registry speaks TLS, so it does.
    pub ca_cert_from_config: bool,
    /// Plain HTTP is allowed for a non-loopback registry (`--insecure`).
    pub insecure: bool,
    /// Registries (`HOST` or `HOST:PORT`, lower case) that may be spoken
    /// to over plain HTTP although not on loopback (the config file's
    /// `[registry] insecure`). A bare `HOST` covers every port.
    pub insecure_registries: Vec<String>,
    /// Per-request timeout (default 60 s).
    pub timeout: Option<Duration>,
}

impl ClientOptions {
    /// Whether `registry` (`HOST[:PORT]`, as in a [`Reference`]) is listed
    /// in [`insecure_registries`](Self::insecure_registries).
    pub fn lists_insecure(&self, registry: &str) -> bool {
        let registry = registry.to_ascii_lowercase();
        let host = match registry.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => registry.as_str(),
        };
        self.insecure_registries
            .iter()
            .any(|e| *e == registry || (!e.contains(':') && e == host))
    }
}

/// Check that `path` is a readable PEM file holding at least one
/// certificate, as a CA option needs (an error naming the file otherwise).
pub fn check_ca_cert(path: &std::path::Path) -> Result<(), OciError> {
    super::tls::read_ca(path).map(|_| ())
}

/// A connection to one repository of one registry.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    repo: String,
    creds: Option<Credentials>,
    authorization: RefCell<Option<String>>,
}

/// A manifest as the registry sent it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The exact bytes (their sha256 is the manifest digest).
    pub bytes: Vec<u8>,
    /// `sha256:…` of the bytes.
    pub digest: String,
    /// The `Content-Type` the registry gave.
    pub media_type: String,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    location: Option<String>,
    body: Vec<u8>,
}

impl Client {
    /// Connect to `reference`'s registry: pick the scheme (HTTPS, or
    /// plain HTTP where allowed and the registry does not speak TLS),
    /// load credentials, and check that it is an OCI registry at all.
    pub fn connect(reference: &Reference, options: &ClientOptions) -> Result<Client, OciError> {
        let agent = super::tls::agent(options)?;
        let creds = auth::credentials_for(&reference.registry)?;
        let mut client = Client {
            agent,
            base: format!("https://{}", reference.registry),
            repo: reference.repository.clone(),
            creds,
            authorization: RefCell::new(None),
        };
        let plain_ok = options.insecure
            || reference.is_loopback()
            || options.lists_insecure(&reference.registry);
        let fallback = plain_ok && (options.ca_cert.is_none() || options.ca_cert_from_config);
        match client.ping() {
            Ok(()) => Ok(client),
            Err(tls_error @ OciError::Unreachable { .. }) if fallback => {
                // Loopback (or --insecure) may speak plain HTTP; when that
                // fails too, the HTTPS error is the one that explains.
                client.base = format!("http://{}", reference.registry);
                match client.ping() {
                    Ok(()) => Ok(client),
                    Err(OciError::Unreachable { .. }) => Err(tls_error),
                    // Something answered plain HTTP, wrongly: say both.
                    Err(OciError::Registry { url, message }) => Err(OciError::Registry {
                        url,
                        message: format!("{message} (and over HTTPS: {tls_error})"),
                    }),
                    Err(other) => Err(other),
                }
            }
            Err(OciError::Unreachable { url, message }) if !plain_ok => Err(OciError::Unreachable {
                url,
                message: format!(
                    "{message} (plain HTTP was not tried: {} is not on loopback and not marked insecure; allow it with --insecure, or with `insecure = [\"{}\"]` under [registry] in the config file)",
                    escape(&reference.registry),
                    escape(&reference.registry)
                ),
            }),
            Err(e) => Err(e),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2/{}/{path}", self.base, self.repo)
    }

    /// `GET /v2/`: the API version check every registry answers (200, or
    /// 401 with a challenge). A web server that is not a registry answers
    /// HTML or 404 here, and is named as such.
    fn ping(&self) -> Result<(), OciError> {
        let url = format!("{}/v2/", self.base);
        let a = self.raw(Method::GET, &url, &[], None, 64 * 1024)?;
        if a.content_type.starts_with("text/html") {
            return Err(not_a_registry(&url, &a.content_type));
        }
        match a.status.as_u16() {
            200 | 401 => Ok(()),
            _ => Err(status_error(&url, &a)),
        }
    }

    /// One request, once, with the current authorization.
    fn raw(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        cap: u64,
    ) -> Result<Answer, OciError> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(a) = self.authorization.borrow().as_deref() {
            req = req.header("Authorization", a);
        }
        let transport = |e: ureq::Error| OciError::Unreachable {
            url: url.to_string(),
            message: format!("cannot connect: {}", escape(&e.to_string())),
        };
        let mut response = match body {
            Some(b) => self
                .agent
                .run(req.body(b).map_err(|e| registry(url, e))?)
                .map_err(transport)?,
            None => self
                .agent
                .run(req.body(()).map_err(|e| registry(url, e))?)
                .map_err(transport)?,
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let content_type = header("content-type").unwrap_or_default();
        let location = header("location");
        let challenge = header("www-authenticate");
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(cap)
            .read_to_vec()
            .map_err(|e| OciError::Registry {
                url: url.to_string(),
                message: format!(
                    "cannot read the answer (more than {cap} bytes, or cut off): {}",
                    escape(&e.to_string())
                ),
            })?;
        Ok(Answer {
            status,
            content_type,
            // The challenge rides in `location` for 401s (see `send`).
            location: if status == StatusCode::UNAUTHORIZED {
                challenge
            } else {
                location
            },
            body,
        })
    }

    /// A request, authenticating once when the registry asks (401).
    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        cap: u64,
    ) -> Result<Answer, OciError> {
        let a = self.raw(method.clone(), url, headers, body, cap)?;
        if a.status != StatusCode::UNAUTHORIZED {
            return Ok(a);
        }
        let challenge = a.location.as_deref().and_then(auth::parse_challenge);
        let push = method != Method::GET && method != Method::HEAD;
        self.authenticate(url, challenge, push)?;
        let again = self.raw(method, url, headers, body, cap)?;
        if again.status == StatusCode::UNAUTHORIZED || again.status == StatusCode::FORBIDDEN {
            return Err(OciError::Registry {
                url: url.to_string(),
                message: format!(
                    "the registry refused the credentials for {} (HTTP {}): check `auths` in {}",
                    escape(&self.repo),
                    again.status.as_u16(),
                    auth::docker_config_path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "~/.docker/config.json".into())
                ),
            });
        }
        Ok(again)
    }

    fn authenticate(
        &self,
        url: &str,
        challenge: Option<Challenge>,
        push: bool,
    ) -> Result<(), OciError> {
        let no_creds = || {
            OciError::Registry {
            url: url.to_string(),
            message: format!(
                "the registry requires credentials and none are configured: add `auths` for it to {} (`docker login` writes them)",
                auth::docker_config_path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.docker/config.json".into())
            ),
        }
        };
        match challenge {
            Some(Challenge::Basic) => {
                let creds = self.creds.as_ref().ok_or_else(no_creds)?;
                *self.authorization.borrow_mut() = Some(creds.basic_header());
                Ok(())
            }
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope.unwrap_or_else(|| {
                    format!(
                        "repository:{}:{}",
                        self.repo,
                        if push { "pull,push" } else { "pull" }
                    )
                });
                let mut token_url = url::Url::parse(&realm).map_err(|e| registry(&realm, e))?;
                {
                    let mut q = token_url.query_pairs_mut();
                    if let Some(s) = &service {
                        q.append_pair("service", s);
                    }
                    q.append_pair("scope", &scope);
                }
                let mut req = self.agent.get(token_url.as_str());
                if let Some(c) = &self.creds {
                    req = req.header("Authorization", &c.basic_header());
                }
                let mut r = req.call().map_err(|e| registry(token_url.as_str(), e))?;
                if !r.status().is_success() {
                    return Err(OciError::Registry {
                        url: realm,
                        message: format!("the token service answered HTTP {}", r.status().as_u16()),
                    });
                }
                let body = r
                    .body_mut()
                    .with_config()
                    .limit(1024 * 1024)
                    .read_to_vec()
                    .map_err(|e| registry(&realm, e))?;
                let token = auth::token_from_answer(&body).ok_or_else(|| OciError::Registry {
                    url: realm.clone(),
                    message: "the token service's answer holds no token".into(),
                })?;
                *self.authorization.borrow_mut() = Some(format!("Bearer {token}"));
                Ok(())
            }
            None if self.creds.is_some() => {
                *self.authorization.borrow_mut() =
                    self.creds.as_ref().map(Credentials::basic_header);
                Ok(())
            }
            None => Err(no_creds()),
        }
    }

    /// The manifest at `reference` (a tag or a digest): only an OCI image
    /// manifest is accepted; when asked by digest its bytes must hash to it.
    pub fn get_manifest(&self, reference: &str) -> Result<Fetched, OciError> {
        self.get_manifest_opt(reference)?
            .ok_or_else(|| OciError::Registry {
                url: self.url(&format!("manifests/{reference}")),
                message: format!(
                    "no manifest {} in {} (HTTP 404)",
                    escape(reference),
                    escape(&self.repo)
                ),
            })
    }

    /// [`get_manifest`](Self::get_manifest), `None` when the registry has
    /// no such tag or digest (404).
    pub fn get_manifest_opt(&self, reference: &str) -> Result<Option<Fetched>, OciError> {
        let url = self.url(&format!("manifests/{reference}"));
        let accept = format!("{},{}", super::MANIFEST_MEDIA_TYPE, super::INDEX_MEDIA_TYPE);
        let a = self.send(
            Method::GET,
            &url,
            &[("Accept", &accept)],
            None,
            MANIFEST_LIMIT,
        )?;
        if a.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !a.status.is_success() {
            return Err(status_error(&url, &a));
        }
        if a.content_type.starts_with("text/html") {
            return Err(not_a_registry(&url, &a.content_type));
        }
        let media_type = a
            .content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let digest = digest_of(&a.body);
        if super::is_sha256_digest(reference) {
            verify_digest(&format!("manifest {reference}"), reference, &a.body)?;
        }
        Ok(Some(Fetched {
            bytes: a.body,
            digest,
            media_type,
        }))
    }

    /// The blob `digest`, declared `size` bytes: refused before the
    /// request when `size` is over `limit`, cut off when the registry
    /// sends more, and checked against its digest.
    pub fn get_blob(
        &self,
        what: &str,
        digest: &str,
        size: u64,
        limit: u64,
    ) -> Result<Vec<u8>, OciError> {
        if size > limit {
            return Err(OciError::TooLarge {
                what: what.to_string(),
                size,
                limit,
            });
        }
        if !super::is_sha256_digest(digest) {
            return Err(OciError::bundle(
                what,
                format!("{} is not a sha256 digest", escape(digest)),
            ));
        }
        let url = self.url(&format!("blobs/{digest}"));
        let a = self.send(Method::GET, &url, &[], None, size)?;
        if !a.status.is_success() {
            return Err(status_error(&url, &a));
        }
        if a.body.len() as u64 != size {
            return Err(OciError::bundle(
                what,
                format!(
                    "the registry sent {} bytes, the manifest says {size}",
                    a.body.len()
                ),
            ));
        }
        verify_digest(what, digest, &a.body)?;
        Ok(a.body)
    }

    /// Whether the registry has blob `digest` already.
    pub fn has_blob(&self, digest: &str) -> Result<bool, OciError> {
        let url = self.url(&format!("blobs/{digest}"));
        let a = self.send(Method::HEAD, &url, &[], None, 0)?;
        Ok(a.status.is_success())
    }

    /// Upload `bytes` as a blob (monolithic POST + PUT), unless the
    /// registry has it; returns its digest.
    pub fn push_blob(&self, bytes: &[u8]) -> Result<String, OciError> {
        let digest = digest_of(bytes);
        if self.has_blob(&digest)? {
            return Ok(digest);
        }
        let url = self.url("blobs/uploads/");
        let a = self.send(
            Method::POST,
            &url,
            &[("Content-Length", "0")],
            Some(&[]),
            64 * 1024,
        )?;
        if a.status != StatusCode::ACCEPTED {
            return Err(status_error(&url, &a));
        }
        let location = a.location.ok_or_else(|| OciError::Registry {
            url: url.clone(),
            message: "the registry started an upload but gave no Location".into(),
        })?;
        let mut put = url::Url::parse(&self.base)
            .and_then(|b| b.join(&location))
            .map_err(|e| registry(&location, e))?;
        put.query_pairs_mut().append_pair("digest", &digest);
        let len = bytes.len().to_string();
        let a = self.send(
            Method::PUT,
            put.as_str(),
            &[
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", &len),
            ],
            Some(bytes),
            64 * 1024,
        )?;
        if a.status != StatusCode::CREATED {
            return Err(status_error(put.as_str(), &a));
        }
        Ok(digest)
    }

    /// Upload a manifest under `reference` (a tag, or its own digest);
    /// returns its digest.
    pub fn push_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<String, OciError> {
        let url = self.url(&format!("manifests/{reference}"));
        let a = self.send(
            Method::PUT,
            &url,
            &[("Content-Type", media_type)],
            Some(bytes),
            64 * 1024,
        )?;
        if a.status != StatusCode::CREATED {
            return Err(status_error(&url, &a));
        }
        Ok(digest_of(bytes))
    }

    /// The OCI 1.1 referrers of `digest` (an image index), or `None` when
    /// the registry has no referrers API (404, as distribution 2.8): the
    /// caller then falls back to a tag (`sha256-<hex>.sig`, read with
    /// [`get_manifest_opt`](Self::get_manifest_opt)).
    pub fn referrers(&self, digest: &str) -> Result<Option<oci_spec::image::ImageIndex>, OciError> {
        let url = self.url(&format!("referrers/{digest}"));
        let a = self.send(
            Method::GET,
            &url,
            &[("Accept", super::INDEX_MEDIA_TYPE)],
            None,
            MANIFEST_LIMIT,
        )?;
        if a.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !a.status.is_success() {
            return Err(status_error(&url, &a));
        }
        serde_json::from_slice(&a.body)
            .map(Some)
            .map_err(|e| OciError::Registry {
                url,
                message: format!("the referrers answer is not an image index: {e}"),
            })
    }
}

fn registry(url: &str, e: impl std::fmt::Display) -> OciError {
    OciError::Registry {
        url: url.to_string(),
        message: escape(&e.to_string()).into_owned(),
    }
}

fn not_a_registry(url: &str, content_type: &str) -> OciError {
    OciError::Registry {
        url: url.to_string(),
        message: format!(
            "the server answered an HTML page ({}), not the OCI distribution API: is this a registry (or a proxy's login page)?",
            escape(content_type)
        ),
    }
}

/// An unexpected status, with the registry's own error code and message
/// when it sent the distribution spec's `{"errors": […]}`.
fn status_error(url: &str, a: &Answer) -> OciError {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        code: Option<String>,
        message: Option<String>,
    }
    let detail = serde_json::from_slice::<Errors>(&a.body)
        .ok()
        .map(|e| {
            e.errors
                .iter()
                .map(|x| {
                    format!(
                        "{} {}",
                        x.code.as_deref().unwrap_or(""),
                        x.message.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.trim().is_empty());
    let mut message = format!("the registry answered HTTP {}", a.status.as_u16());
    if let Some(d) = detail {
        message.push_str(&format!(": {}", escape(d.trim())));
    } else if a.content_type.starts_with("text/html") {
        message.push_str(" with an HTML page: is this a registry?");
    }
    if a.status.is_server_error() {
        return OciError::Unreachable {
            url: url.to_string(),
            message,
        };
    }
    OciError::Registry {
        url: url.to_string(),
        message,
    }
}
