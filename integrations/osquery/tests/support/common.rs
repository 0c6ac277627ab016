//! The repository's own test helpers (`tests/common/`) that this crate
//! shares, at the `crate::common` paths they use: the loopback OCI
//! registry (Debian's `docker-registry`, fetched by `deb`), over the
//! server helpers `support` already includes.

pub use crate::support::{server, skip_or_fail};

#[allow(dead_code)]
#[path = "../../../../tests/common/deb.rs"]
pub mod deb;
#[allow(dead_code)]
#[path = "../../../../tests/common/registry.rs"]
pub mod registry;
