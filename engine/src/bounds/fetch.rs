//! Fetching `http(s)://` bounds with a small rustls client.
//!
//! Any failure (connection, TLS, non-2xx status, oversize or timeout) is an
//! error: a bound that could not be fetched must never read as an empty
//! bound, which would pass or purge everything.

/// Why a bound could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client's error (connection, TLS, status, size, timeout).
    #[error("{0}")]
    Http(String),
    /// Built without HTTP.
    #[error("cannot fetch {0}: this fetter was built without the `online` feature")]
    Offline(String),
}

/// GET `url` and return its body, at most `cap` bytes.
#[cfg(feature = "online")]
pub fn get(url: &str, cap: u64) -> Result<Vec<u8>, FetchError> {
    crate::http::get(url, cap).map_err(|e| FetchError::Http(e.to_string()))
}

/// Built without HTTP (feature `online`): every fetch fails, so a URL bound
/// is an error rather than an empty bound.
#[cfg(not(feature = "online"))]
pub fn get(url: &str, _cap: u64) -> Result<Vec<u8>, FetchError> {
    Err(FetchError::Offline(url.to_string()))
}
