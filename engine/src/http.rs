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

fn check_status(status: ureq::http::StatusCode) -> Result<(), String> {
    if status.is_success() {
        return Ok(());
    }
    Err(format!(
        "the server answered HTTP {}{}",
        status.as_u16(),
        status
            .canonical_reason()
            .map(|r| format!(" {r}"))
            .unwrap_or_default()
    ))
}

/// GET `url`; the body, at most `cap` bytes. Any failure is an error (the
/// message does not repeat the URL: callers name what they fetched).
pub fn get(url: &str, cap: u64) -> Result<Vec<u8>, String> {
    let mut response = agent()
        .get(url)
        .call()
        .map_err(|e| format!("cannot fetch: {e}"))?;
    check_status(response.status()).map_err(|e| format!("cannot fetch: {e}"))?;
    response
        .body_mut()
        .with_config()
        .limit(cap)
        .read_to_vec()
        .map_err(|e| format!("cannot read the response: {e}"))
}

/// POST a JSON body to `url`; the JSON answer, at most `cap` bytes.
pub fn post_json(
    url: &str,
    body: &serde_json::Value,
    cap: u64,
) -> Result<serde_json::Value, String> {
    let mut response = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    check_status(response.status())?;
    let bytes = response
        .body_mut()
        .with_config()
        .limit(cap)
        .read_to_vec()
        .map_err(|e| format!("cannot read the response: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("the answer is not JSON: {e}"))
}
