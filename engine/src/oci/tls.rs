//! The HTTP agent for registries: TLS verified against the system roots,
//! or the system roots plus a CA file (`--ca-cert`, or the config file's
//! `[registry] ca-cert`).

use std::path::Path;
use std::time::Duration;

use ureq::tls::Certificate;

use super::client::ClientOptions;
use super::OciError;

/// An agent verifying TLS against the system roots, or the system roots
/// plus `ca_cert` (the platform verifier takes no extra roots, so then the
/// system bundle is read as PEM).
pub(crate) fn agent(options: &ClientOptions) -> Result<ureq::Agent, OciError> {
    use ureq::tls::{RootCerts, TlsConfig};
    let roots = match &options.ca_cert {
        None => RootCerts::PlatformVerifier,
        Some(path) => {
            let mut certs = read_ca(path)?;
            for bundle in SYSTEM_BUNDLES {
                if let Ok(pem) = std::fs::read(bundle) {
                    certs.extend(ureq::tls::parse_pem(&pem).filter_map(|i| match i {
                        Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    }));
                    break;
                }
            }
            RootCerts::new_with_certs(&certs)
        }
    };
    let tls = TlsConfig::builder().root_certs(roots).build();
    Ok(ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(options.timeout.unwrap_or(Duration::from_secs(60))))
        .http_status_as_error(false)
        .user_agent(concat!("fetter/", env!("CARGO_PKG_VERSION")))
        .build()
        .into())
}

/// The certificates of the PEM file `path`: an error naming it when it
/// cannot be read or holds none.
pub(crate) fn read_ca(path: &Path) -> Result<Vec<Certificate<'static>>, OciError> {
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    let pem = crate::fsutil::read_capped(path, 16 * 1024 * 1024)
        .map_err(|e| OciError::file(path, format!("cannot read the CA certificate: {e}")))?;
    for item in ureq::tls::parse_pem(&pem) {
        if let Ok(ureq::tls::PemItem::Certificate(c)) = item {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(OciError::file(path, "no PEM certificate in the file"));
    }
    Ok(certs)
}

/// Where distributions keep the system's CA bundle.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];
