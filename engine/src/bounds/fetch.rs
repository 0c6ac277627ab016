//! Fetching `http(s)://` bounds with a small rustls client.
//!
//! Any failure (connection, TLS, non-2xx status, oversize or timeout) is an
//! error: a bound that could not be fetched must never read as an empty
//! bound, which would pass or purge everything.

use std::time::Duration;

/// Whole-request timeout: a bound server that stalls must not hang a run.
const TIMEOUT: Duration = Duration::from_secs(30);

/// GET `url` and return its body, at most `cap` bytes.
pub fn get(url: &str, cap: u64) -> Result<Vec<u8>, String> {
    // The OS trust store, not a bundled one: security teams run behind
    // TLS-inspecting proxies whose CA only the OS trusts.
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("fetter/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| format!("cannot fetch: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!(
            "cannot fetch: the server answered HTTP {}{}",
            status.as_u16(),
            status
                .canonical_reason()
                .map(|r| format!(" {r}"))
                .unwrap_or_default()
        ));
    }
    response
        .body_mut()
        .with_config()
        .limit(cap)
        .read_to_vec()
        .map_err(|e| format!("cannot read the response: {e}"))
}
