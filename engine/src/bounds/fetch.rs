//! Fetching `http(s)://` bounds with a small rustls client.
//!
//! Any failure (connection, TLS, non-2xx status, oversize or timeout) is an
//! error: a bound that could not be fetched must never read as an empty
//! bound, which would pass or purge everything.

/// GET `url` and return its body, at most `cap` bytes.
#[cfg(feature = "online")]
pub fn get(url: &str, cap: u64) -> Result<Vec<u8>, String> {
    crate::http::get(url, cap).map_err(|e| e.to_string())
}

/// Built without HTTP (feature `online`): every fetch fails, so a URL bound
/// is an error rather than an empty bound.
#[cfg(not(feature = "online"))]
pub fn get(url: &str, _cap: u64) -> Result<Vec<u8>, String> {
    Err(format!(
        "cannot fetch {url}: this fetter was built without the `online` feature"
    ))
}
