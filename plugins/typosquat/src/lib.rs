//! fetter's `typosquat` policy plugin: flags installed distributions whose
//! names imitate one of the 15,000 most downloaded PyPI projects (or a name
//! the settings protect).
//!
//! The rule logic ([`Detector`]) has no SDK dependency and is tested
//! natively; see `docs/typosquat.md` for what it detects and how well.

pub mod corpus;
pub mod detect;
pub mod edit;
pub mod evidence;
pub mod forms;
pub mod index;
pub mod neighbourhood;
pub mod rules;

pub use detect::{Detector, Finding};
pub use rules::Rule;
