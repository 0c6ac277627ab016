//! The one HTTP client fetter uses (bounds from URLs, OSV online), so TLS
//! and timeouts are decided in one place.

use std::time::Duration;

/// Whole-request timeout: a server that stalls must not hang a run.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A rustls agent that verifies with the OS trust store (security teams run
/// behind TLS-inspecting proxies whose CA only the OS trusts) and never
/// turns HTTP statuses into transport errors (callers check them).
pub fn agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("fetter/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Why an HTTP request failed. The messages do not repeat the URL:
/// callers name what they fetched.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// [`get`] could not connect, or the server did not answer 2xx.
    #[error("cannot fetch: {0}")]
    Fetch(Failure),
    /// [`post_json`] could not reach the server.
    #[error("cannot reach the server: {0}")]
    Unreachable(ureq::Error),
    /// [`post_json`]'s server answered other than 2xx.
    #[error("{0}")]
    Status(Status),
    /// The body could not be read (or is larger than the cap).
    #[error("cannot read the response: {0}")]
    Read(ureq::Error),
    /// [`post_json`]'s answer is not JSON.
    #[error("the answer is not JSON: {0}")]
    NotJson(serde_json::Error),
}

impl HttpError {
    /// The HTTP status the server answered, when that is what failed.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Fetch(Failure::Status(s)) | HttpError::Status(s) => Some(s.0.as_u16()),
            _ => None,
        }
    }
}

/// Why [`get`] could not fetch.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Connection, TLS or timeout.
    #[error("{0}")]
    Transport(ureq::Error),
    /// The server answered, not with 2xx.
    #[error("{0}")]
    Status(Status),
}

/// A non-2xx HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub ureq::http::StatusCode);

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the server answered HTTP {}", self.0.as_u16())?;
        match self.0.canonical_reason() {
            Some(r) => write!(f, " {r}"),
            None => Ok(()),
        }
    }
}

fn check_status(status: ureq::http::StatusCode) -> Result<(), Status> {
    if status.is_success() {
        return Ok(());
    }
    Err(Status(status))
}

/// GET `url`; the body, at most `cap` bytes. Any failure is an error (the
/// message does not repeat the URL: callers name what they fetched).
pub fn get(url: &str, cap: u64) -> Result<Vec<u8>, HttpError> {
    let mut response = agent()
        .get(url)
        .call()
        .map_err(|e| HttpError::Fetch(Failure::Transport(e)))?;
    check_status(response.status()).map_err(|s| HttpError::Fetch(Failure::Status(s)))?;
    response
        .body_mut()
        .with_config()
        .limit(cap)
        .read_to_vec()
        .map_err(HttpError::Read)
}

/// POST a JSON body to `url`; the JSON answer, at most `cap` bytes.
pub fn post_json(
    url: &str,
    body: &serde_json::Value,
    cap: u64,
) -> Result<serde_json::Value, HttpError> {
    let mut response = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .map_err(HttpError::Unreachable)?;
    check_status(response.status()).map_err(HttpError::Status)?;
    let bytes = response
        .body_mut()
        .with_config()
        .limit(cap)
        .read_to_vec()
        .map_err(HttpError::Read)?;
    serde_json::from_slice(&bytes).map_err(HttpError::NotJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_read_as_before_and_carry_the_code() {
        let e = HttpError::Fetch(Failure::Status(Status(ureq::http::StatusCode::NOT_FOUND)));
        assert_eq!(
            e.to_string(),
            "cannot fetch: the server answered HTTP 404 Not Found"
        );
        assert_eq!(e.status(), Some(404));
        let e = HttpError::Status(Status(ureq::http::StatusCode::from_u16(599).unwrap()));
        assert_eq!(e.to_string(), "the server answered HTTP 599");
        assert_eq!(e.status(), Some(599));
    }
}
