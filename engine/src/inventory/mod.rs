//! The inventory: sites, distributions and their metadata.

pub mod details;
pub mod direct_url;
pub mod dist;
pub mod ids;
pub mod index;
pub mod metadata;
pub mod model;
pub mod record;
pub mod record_hash;
pub mod site;
pub use fetter_packaging::version;

pub use ids::{DistId, EnvId, SiteId};
pub use index::InventoryIndex;
pub use model::*;

#[cfg(test)]
#[path = "parsed_version_tests.rs"]
mod parsed_version_tests;
