//! pip's requirements-file grammar (`pip/_internal/req/req_file.py`).
//!
//! Processing follows pip's order: join `\` continuations, strip comments,
//! expand `${VAR}`, then split each line into a requirement and its
//! per-requirement options, or an option line. `-r`/`-c` includes resolve
//! relative to the including file, whatever its name, and cycles are errors
//! (pip itself recurses until it crashes). Options that only steer an
//! installer (`--index-url`, `--no-binary`, …) are accepted and ignored.

use crate::bounds::source::Location;
use crate::bounds::spec::{BoundError, BoundRequirement, Origin};
use crate::bounds::unnamed;

/// Deepest include chain followed (URL includes can loop through redirects
/// and query strings that cycle detection cannot see).
const MAX_INCLUDE_DEPTH: usize = 32;

/// Option-line options that take a value and are ignored.
const IGNORED_WITH_VALUE: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--trusted-host",
    "--use-feature",
    "--progress-bar",
];
/// Option-line flags that are ignored.
const IGNORED_FLAGS: &[&str] = &["--no-index", "--prefer-binary", "--require-hashes", "--pre"];
/// Per-requirement options: they take a value and do not change what is
/// installed, so they are accepted and ignored.
const PER_REQUIREMENT: &[&str] = &[
    "--hash",
    "--config-settings",
    "-C",
    "--global-option",
    "--install-option",
];

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
        let tokens = shlex_split(&options).map_err(&err)?;
        if !args.is_empty() {
            check_per_requirement_options(&tokens).map_err(&err)?;
            let mut req = requirement(&args, origin, location)?;
            if constraint {
                req = req.as_constraint();
            }
            out.requirements.push(req);
            return Ok(());
        }
        let mut i = 0;
        let mut saw_editable = false;
        while i < tokens.len() {
            let (opt, inline) = split_option(&tokens[i]);
            let mut value = || -> Result<String, BoundError> {
                if let Some(v) = inline.clone() {
                    return Ok(v);
                }
                i += 1;
                tokens
                    .get(i)
                    .cloned()
                    .ok_or_else(|| err(format!("option {opt} needs a value")))
            };
            match opt.as_str() {
                "-r" | "--requirement" => {
                    let v = value()?;
                    self.include(&v, origin, location, constraint, out)
                }
                "-c" | "--constraint" => {
                    let v = value()?;
                    self.include(&v, origin, location, true, out)
                }
                "-e" | "--editable" => {
                    saw_editable = true;
                    let v = value()?;
                    let mut req = unnamed::editable(&v, origin, location)?;
                    if constraint {
                        req = req.as_constraint();
                    }
                    out.requirements.push(req);
                }
                o if IGNORED_WITH_VALUE.contains(&o) => {
                    value()?;
                }
                o if IGNORED_FLAGS.contains(&o) => {}
                // `-e path --config-settings k=v`: options of the editable.
                o if PER_REQUIREMENT.contains(&o) && saw_editable => {
                    value()?;
                }
                o if PER_REQUIREMENT.contains(&o) => {
                    return Err(err(format!(
                        "option {o} must follow a requirement on the same line"
                    )));
                }
                o => {
                    return Err(err(format!(
                        "unknown option {o:?}: pip would reject this file (see `pip install --help` for the options a requirements file may hold)"
                    )))
                }
            }
            i += 1;
        }
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
    BoundRequirement::parse(args, origin.clone())
}

/// Per-requirement options must be known ones, each with a value.
fn check_per_requirement_options(tokens: &[String]) -> Result<(), String> {
    let mut i = 0;
    while i < tokens.len() {
        let (opt, inline) = split_option(&tokens[i]);
        if !PER_REQUIREMENT.contains(&opt.as_str()) {
            return Err(format!(
                "option {opt:?} is not allowed after a requirement (allowed: --hash, --config-settings, --global-option)"
            ));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                tokens
                    .get(i)
                    .cloned()
                    .ok_or_else(|| format!("option {opt} needs a value"))?
            }
        };
        if opt == "--hash" && !value.contains(':') {
            return Err(format!(
                "invalid --hash {value:?}: expected ALGORITHM:HEXDIGEST"
            ));
        }
        i += 1;
    }
    Ok(())
}

/// `--opt=value` -> (`--opt`, Some(value)); `-rfile` -> (`-r`, Some(file)).
fn split_option(token: &str) -> (String, Option<String>) {
    if let Some(long) = token.strip_prefix("--") {
        return match long.split_once('=') {
            Some((o, v)) => (format!("--{o}"), Some(v.to_string())),
            None => (token.to_string(), None),
        };
    }
    if token.len() > 2 && token.starts_with('-') && token.is_char_boundary(2) {
        let (o, v) = token.split_at(2);
        return (o.to_string(), Some(v.trim_start_matches('=').to_string()));
    }
    (token.to_string(), None)
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
