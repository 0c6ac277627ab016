//! Requirements files: the lines are read by
//! [`fetter_packaging::requirements_txt`] (pip's grammar, text to data);
//! here `-r`/`-c` includes resolve relative to the including file, whatever
//! its name, and cycles are errors (pip itself recurses until it crashes),
//! and bare paths and `-e` directories are looked up on disk.

use fetter_packaging::requirements_txt;
pub use fetter_packaging::requirements_txt::{
    expand_env, logical_lines, shlex_split, split_args_options, strip_comment, Entry, LineError,
    QuoteError,
};

use crate::bounds::source::Location;
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::bounds::unnamed;

/// Deepest include chain followed (URL includes can loop through redirects
/// and query strings that cycle detection cannot see).
const MAX_INCLUDE_DEPTH: usize = 32;

/// State of one parse: the include stack (for cycle detection) and how
/// `${VAR}` is looked up.
pub struct Parser<'a> {
    stack: Vec<Location>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

/// What a parse produced: requirements, and errors (the parse goes on after each).
#[derive(Debug, Default)]
pub struct Parsed {
    /// Requirements in file order, includes expanded in place.
    pub requirements: Vec<BoundRequirement>,
    /// Lines and includes that could not be understood.
    pub errors: Vec<BoundError>,
}

impl<'a> Parser<'a> {
    /// A parser looking `${VAR}` up with `env` (normally `std::env::var`).
    pub fn new(env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Parser {
            stack: Vec::new(),
            env,
        }
    }

    /// Parse `text`, the content of the document at `location`: its
    /// lines are read by [`fetter_packaging::requirements_txt`], then bare
    /// URLs and paths, `-e` values and includes are resolved here.
    pub fn parse(&mut self, text: &str, location: &Location, constraint: bool) -> Parsed {
        let mut out = Parsed::default();
        self.stack.push(location.clone());
        let source = location.display();
        for (origin, entry) in requirements_txt::parse(text, &source, self.env) {
            let req = match entry {
                Err(e) => Err(e),
                Ok(Entry::Requirement(req)) => Ok(*req),
                Ok(Entry::Unnamed { text, hashes }) => {
                    unnamed::unnamed(&text, &origin, location, false).map(|mut req| {
                        req.hashes = hashes;
                        req
                    })
                }
                Ok(Entry::Editable(value)) => unnamed::editable(&value, &origin, location),
                Ok(Entry::Include {
                    target,
                    constraint: c,
                }) => {
                    self.include(&target, &origin, location, constraint || c, &mut out);
                    continue;
                }
            };
            match req {
                Ok(req) => {
                    out.requirements
                        .push(if constraint { req.as_constraint() } else { req })
                }
                Err(e) => out.errors.push(e),
            }
        }
        self.stack.pop();
        out
    }

    fn include(
        &mut self,
        target: &str,
        origin: &Origin,
        location: &Location,
        constraint: bool,
        out: &mut Parsed,
    ) {
        let err = |m: String| BoundError::new(origin.clone(), m);
        let included = match location.join(target) {
            Ok(l) => l,
            Err(e) => return out.errors.push(err(e.to_string())),
        };
        if let Some(pos) = self.stack.iter().position(|l| *l == included) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .chain(std::iter::once(&included))
                .map(Location::display)
                .collect();
            return out
                .errors
                .push(err(format!("include cycle: {}", chain.join(" -> "))));
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return out.errors.push(err(format!(
                "includes nested deeper than {MAX_INCLUDE_DEPTH} levels at {}",
                included.display()
            )));
        }
        match included.read() {
            Ok(text) => {
                let sub = self.parse(&text, &included, constraint);
                out.requirements.extend(sub.requirements);
                out.errors.extend(sub.errors);
            }
            Err(e) => out.errors.push(err(format!(
                "cannot read included file {}: {e}",
                included.display()
            ))),
        }
    }
}

#[cfg(test)]
#[path = "requirements_tests.rs"]
mod tests;
