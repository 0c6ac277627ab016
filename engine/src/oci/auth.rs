//! Registry credentials and authentication challenges.
//!
//! Credentials come from the Docker config file (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`), `auths` entries only: credential helpers
//! run programs, which a policy fetch must not do behind the user's back.
//! A registry that answers 401 says how to authenticate in
//! `WWW-Authenticate`: `Basic` (send the credentials) or `Bearer realm=…,
//! service=…, scope=…` (trade them for a token at the realm).

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use serde::Deserialize;

use super::OciError;

/// A user name and password for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    // Never print the password, even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({:?}, ***)", self.username)
    }
}

impl Credentials {
    /// The `Authorization: Basic …` value.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

#[derive(Deserialize, Default)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, DockerAuth>,
}

#[derive(Deserialize, Default)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The Docker config file fetter reads credentials from.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The credentials for `registry` (`host[:port]`) in the Docker config
/// file, if any. A config file that exists but cannot be read or parsed is
/// an error (silently going anonymous would hide the mistake).
pub fn credentials_for(registry: &str) -> Result<Option<Credentials>, OciError> {
    let Some(path) = docker_config_path() else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::fsutil::read_small_text(&path).map_err(|e| OciError::file(&path, e))?;
    let config: DockerConfig = serde_json::from_str(&text)
        .map_err(|e| OciError::file(&path, format!("not a Docker config file: {e}")))?;
    lookup(&config, registry).map_err(|e| OciError::file(&path, e))
}

/// Why a Docker config's `auth` value is unusable (`key`: its `auths` key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthEntryError {
    /// Not base64.
    #[error("auths.{key:?}.auth is not base64: {reason}")]
    NotBase64 {
        /// The `auths` key.
        key: String,
        /// What the decoder said.
        reason: String,
    },
    /// Base64 of bytes that are not UTF-8.
    #[error("auths.{0:?}.auth is not UTF-8")]
    NotUtf8(String),
    /// Base64 of text without a colon.
    #[error("auths.{0:?}.auth is not base64 of USER:PASSWORD")]
    NoColon(String),
}

fn lookup(config: &DockerConfig, registry: &str) -> Result<Option<Credentials>, AuthEntryError> {
    // Docker writes keys as `host`, `https://host` or `https://host/v1/`.
    let entry = config.auths.iter().find(|(key, _)| {
        let k = key
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let k = k.split('/').next().unwrap_or(k);
        k.eq_ignore_ascii_case(registry)
    });
    let Some((key, auth)) = entry else {
        return Ok(None);
    };
    if let (Some(u), Some(p)) = (&auth.username, &auth.password) {
        return Ok(Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        }));
    }
    let Some(encoded) = &auth.auth else {
        return Ok(None);
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| AuthEntryError::NotBase64 {
            key: key.clone(),
            reason: e.to_string(),
        })?;
    let raw = String::from_utf8(raw).map_err(|_| AuthEntryError::NotUtf8(key.clone()))?;
    let (u, p) = raw
        .split_once(':')
        .ok_or_else(|| AuthEntryError::NoColon(key.clone()))?;
    Ok(Some(Credentials {
        username: u.to_string(),
        password: p.to_string(),
    }))
}

/// What a 401 answer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// Send the credentials with every request.
    Basic,
    /// Fetch a token from `realm` (with `service` and `scope`).
    Bearer {
        /// The token endpoint.
        realm: String,
        /// The `service` parameter.
        service: Option<String>,
        /// The `scope` parameter.
        scope: Option<String>,
    },
}

/// Parse a `WWW-Authenticate` header value; `None` for schemes fetter
/// does not speak.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, params) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = parse_params(params);
    Some(Challenge::Bearer {
        realm: params.get("realm")?.clone(),
        service: params.get("service").cloned(),
        scope: params.get("scope").cloned(),
    })
}

/// `key="value", key=value` pairs (values may hold commas inside quotes,
/// as scopes do: `repository:a/b:pull,push`).
fn parse_params(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        out.insert(key, value.to_string());
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

/// The token in a token endpoint's JSON answer (`token` or `access_token`).
pub fn token_from_answer(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Answer {
        token: Option<String>,
        access_token: Option<String>,
    }
    let a: Answer = serde_json::from_slice(body).ok()?;
    a.token.or(a.access_token).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(
            parse_challenge("Basic realm=\"basic-realm\""),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(
                "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\""
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull,push".into()),
            })
        );
        assert_eq!(parse_challenge("Negotiate abc"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn docker_auths_match_any_key_form() {
        let config: DockerConfig = serde_json::from_str(
            r#"{"auths": {"https://reg.example:5000/v1/": {"auth": "dTpwOng="},
                          "other": {"username": "a", "password": "b"}}}"#,
        )
        .unwrap();
        let c = lookup(&config, "reg.example:5000").unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("u", "p:x"));
        assert_eq!(lookup(&config, "other").unwrap().unwrap().password, "b");
        assert_eq!(lookup(&config, "none").unwrap(), None);
        assert!(!format!("{c:?}").contains("p:x"));
    }

    #[test]
    fn unusable_auth_values_are_told_by_variant() {
        let config: DockerConfig = serde_json::from_str(
            r#"{"auths": {"a": {"auth": "!!"}, "b": {"auth": "bm9jb2xvbg=="}, "c": {"auth": "/w=="}}}"#,
        )
        .unwrap();
        assert!(matches!(
            lookup(&config, "a"),
            Err(AuthEntryError::NotBase64 { key, .. }) if key == "a"
        ));
        let e = lookup(&config, "b").unwrap_err();
        assert_eq!(e, AuthEntryError::NoColon("b".into()));
        assert_eq!(
            e.to_string(),
            "auths.\"b\".auth is not base64 of USER:PASSWORD"
        );
        assert_eq!(
            lookup(&config, "c").unwrap_err(),
            AuthEntryError::NotUtf8("c".into())
        );
    }

    #[test]
    fn token_answers() {
        assert_eq!(token_from_answer(br#"{"token":"t"}"#).as_deref(), Some("t"));
        assert_eq!(
            token_from_answer(br#"{"access_token":"a"}"#).as_deref(),
            Some("a")
        );
        assert_eq!(token_from_answer(b"<html>"), None);
    }
}
