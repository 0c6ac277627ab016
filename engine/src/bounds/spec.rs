//! One requirement of a bound, where it came from, and what a bound that
//! cannot be read reports: defined in [`fetter_packaging::bound`], shared
//! with the parsers there.

pub use fetter_packaging::bound::{BoundError, BoundRequirement, Origin};
pub use fetter_packaging::pep508::{check_nesting, pep508_message, shorten, MAX_NESTING};
