//! pip's requirements-file grammar (`pip/_internal/req/req_file.py`).
//!
//! Processing follows pip's order: join `\` continuations, strip comments,
//! expand `${VAR}`, then split each line into a requirement and its
//! per-requirement options, or an option line (options: [`req_options`]).
//! `-r`/`-c` includes resolve relative to the including file, whatever its
//! name, and cycles are errors (pip itself recurses until it crashes).
//! Options that only steer an installer (`--index-url`, `--no-binary`, …)
//! are accepted and ignored.

use crate::bounds::req_options;
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

    /// Parse `text`, the content of the document at `location`.
    pub fn parse(&mut self, text: &str, location: &Location, constraint: bool) -> Parsed {
        let mut out = Parsed::default();
        self.stack.push(location.clone());
        let source = location.display();
        for (line_no, line) in logical_lines(text) {
            let origin = Origin::at(&source, line_no);
            let line = strip_comment(&line).trim().to_string();
            if line.is_empty() {
                continue;
            }
            let line = expand_env(&line, self.env);
            if let Err(e) = self.parse_line(&line, &origin, location, constraint, &mut out) {
                out.errors.push(e);
            }
        }
        self.stack.pop();
        out
    }

    /// One logical line, decided as pip's `handle_line` decides it: a
    /// requirement when words precede the options, else the first `-e`,
    /// else the first `-r`, else the first `-c` (pip ignores the others).
    fn parse_line(
        &mut self,
        line: &str,
        origin: &Origin,
        location: &Location,
        constraint: bool,
        out: &mut Parsed,
    ) -> Result<(), BoundError> {
        let (args, options) = split_args_options(line);
        let err = |m: String| BoundError::new(origin.clone(), m);
        let words = shlex_split(&options).map_err(&err)?;
        let opts = req_options::parse(&words).map_err(&err)?;
        let req = if !args.is_empty() {
            let mut req = requirement(&args, origin, location)?;
            req.hashes = opts.hashes;
            req
        } else if let Some(value) = opts.editables.first() {
            // pip applies no --hash to an editable (nothing is downloaded).
            unnamed::editable(value, origin, location)?
        } else if let Some(file) = opts.requirements.first() {
            self.include(file, origin, location, constraint, out);
            return Ok(());
        } else if let Some(file) = opts.constraints.first() {
            self.include(file, origin, location, true, out);
            return Ok(());
        } else if !opts.hashes.is_empty() {
            // pip warns and ignores it; a hash meant for a requirement that
            // does not get it is a broken line, so refuse it.
            return Err(err(
                "--hash must follow a requirement on the same line (join the lines with `\\`)"
                    .into(),
            ));
        } else {
            return Ok(());
        };
        out.requirements
            .push(if constraint { req.as_constraint() } else { req });
        Ok(())
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
            Err(e) => return out.errors.push(err(e)),
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

/// A requirement line's requirement: PEP 508, or a bare URL or path (pip
/// accepts both; the project name then comes from the URL or the tree).
fn requirement(
    args: &str,
    origin: &Origin,
    location: &Location,
) -> Result<BoundRequirement, BoundError> {
    if unnamed::looks_like_url_or_path(args) {
        return unnamed::unnamed(args, origin, location, false);
    }
    // pip splits the marker off at the first `;` before parsing the rest
    // (`name @ https://h/x.whl; python_version > '3.10'` is valid there,
    // though PEP 508 wants a space before the `;` that follows a URL).
    let req = match args.split_once(';') {
        Some((head, marker)) => {
            let marker = marker.trim();
            let text = if marker.is_empty() {
                head.trim().to_string()
            } else {
                format!("{} ; {marker}", head.trim())
            };
            let mut req = BoundRequirement::parse(&text, origin.clone())?;
            req.text = args.trim().to_string();
            req
        }
        None => BoundRequirement::parse(args, origin.clone())?,
    };
    unnamed::check_wheel_url(&req)?;
    Ok(req)
}

/// Join `\`-continued lines, numbering each logical line by its first
/// physical line. A comment line ends a continuation (pip's `join_lines`).
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let comment = is_comment_line(line);
        if !line.ends_with('\\') || comment {
            let line = if comment {
                format!(" {line}")
            } else {
                line.to_string()
            };
            match pending.take() {
                Some((first, mut acc)) => {
                    acc.push_str(&line);
                    out.push((first, acc));
                }
                None => out.push((n, line)),
            }
        } else {
            let part = line.trim_end_matches('\\');
            match &mut pending {
                Some((_, acc)) => acc.push_str(part),
                None => pending = Some((n, part.to_string())),
            }
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

/// pip's `COMMENT_RE.match`: the line is a comment from its start.
fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Remove a comment: `#` at the start or after whitespace, to the end of the
/// line (a `#` inside a URL fragment such as `#egg=` is not a comment).
pub fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Expand `${VAR}` (names of `A-Z`, `0-9`, `_` only, as pip); unset
/// variables are left as written.
pub fn expand_env(line: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end)
                if end > 0
                    && after[..end]
                        .bytes()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_') =>
            {
                let var = &after[..end];
                match env(var).filter(|v| !v.is_empty()) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[start..start + 3 + end]),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// pip's `break_args_options`: words up to the first one starting with `-`
/// are the requirement, the rest are options.
pub fn split_args_options(line: &str) -> (String, String) {
    let tokens: Vec<&str> = line.split(' ').collect();
    let split = tokens
        .iter()
        .position(|t| t.starts_with('-'))
        .unwrap_or(tokens.len());
    (
        tokens[..split].join(" ").trim().to_string(),
        tokens[split..].join(" "),
    )
}

/// Split options like a POSIX shell (pip uses `shlex.split`): whitespace
/// separates, quotes group, backslash escapes outside single quotes.
pub fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x) => cur.push(x),
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(x) = chars.next() {
                    cur.push(x);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "requirements_tests.rs"]
mod tests;
