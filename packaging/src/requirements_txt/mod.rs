//! pip's requirements-file grammar (`pip/_internal/req/req_file.py`), text
//! to data.
//!
//! Processing follows pip's order: join `\` continuations, strip comments,
//! expand `${VAR}`, then split each line into a requirement and its
//! per-requirement options, or an option line (options: [`options`]).
//! Each line becomes an [`Entry`]; what needs the file system or the
//! network (`-r`/`-c` includes, local paths, `-e` directories) is left to
//! the caller: the engine resolves includes relative to the including file.
//! Options that only steer an installer (`--index-url`, `--no-binary`, …)
//! are accepted and ignored.

pub mod options;

use crate::bound::{BoundError, BoundRequirement, Origin};
use crate::hashes::RequirementHash;
use crate::urls;

/// What one logical line of a requirements file holds.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A PEP 508 requirement, with the line's `--hash` values.
    Requirement(Box<BoundRequirement>),
    /// A bare URL or path (`./dist/x-1.0-py3-none-any.whl`,
    /// `git+https://…#egg=x`), with the line's `--hash` values: its project
    /// name may have to be read from a local tree.
    Unnamed {
        /// The requirement as written (marker included).
        text: String,
        /// The line's `--hash` values.
        hashes: Vec<RequirementHash>,
    },
    /// `-e VALUE` (pip applies no `--hash` to it).
    Editable(String),
    /// `-r FILE` (`constraint` false) or `-c FILE` (true).
    Include {
        /// The file or URL, as written.
        target: String,
        /// True for `-c`.
        constraint: bool,
    },
}

/// Why a line's options cannot be split like a shell would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A `'` without its closing quote.
    #[error("unterminated single quote")]
    Single,
    /// A `"` without its closing quote (or ending in `\`).
    #[error("unterminated double quote")]
    Double,
}

/// Why a line is refused (beside an invalid requirement, a
/// [`BoundError`] of [`BoundRequirement::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The options do not split.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// An option pip refuses.
    #[error(transparent)]
    Option(#[from] options::OptionError),
    /// `--hash` on a line without a requirement.
    #[error("--hash must follow a requirement on the same line (join the lines with `\\`)")]
    HashWithoutRequirement,
}

/// Every line of `text` (a requirements file named `source`) that holds
/// something, in order, with where it was written; `${VAR}` is looked up
/// with `env`. A line that cannot be read is an error, and the next lines
/// are read all the same.
pub fn parse(
    text: &str,
    source: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<(Origin, Result<Entry, BoundError>)> {
    let mut out = Vec::new();
    for (line_no, line) in logical_lines(text) {
        let origin = Origin::at(source, line_no);
        let line = strip_comment(&line).trim().to_string();
        if line.is_empty() {
            continue;
        }
        let line = expand_env(&line, env);
        match parse_line(&line, &origin) {
            Ok(None) => {}
            Ok(Some(entry)) => out.push((origin, Ok(entry))),
            Err(e) => out.push((origin.clone(), Err(e))),
        }
    }
    out
}

/// One logical line, decided as pip's `handle_line` decides it: a
/// requirement when words precede the options, else the first `-e`,
/// else the first `-r`, else the first `-c` (pip ignores the others).
fn parse_line(line: &str, origin: &Origin) -> Result<Option<Entry>, BoundError> {
    let (args, opts) = split_args_options(line);
    let err = |e: LineError| BoundError::new(origin.clone(), e.to_string());
    let words = shlex_split(&opts).map_err(|e| err(e.into()))?;
    let opts = options::parse(&words).map_err(|e| err(e.into()))?;
    Ok(Some(if !args.is_empty() {
        if looks_like_url_or_path(&args) {
            Entry::Unnamed {
                text: args,
                hashes: opts.hashes,
            }
        } else {
            let mut req = requirement(&args, origin)?;
            req.hashes = opts.hashes;
            Entry::Requirement(Box::new(req))
        }
    } else if let Some(value) = opts.editables.into_iter().next() {
        Entry::Editable(value)
    } else if let Some(target) = opts.requirements.into_iter().next() {
        Entry::Include {
            target,
            constraint: false,
        }
    } else if let Some(target) = opts.constraints.into_iter().next() {
        Entry::Include {
            target,
            constraint: true,
        }
    } else if !opts.hashes.is_empty() {
        // pip warns and ignores it; a hash meant for a requirement that
        // does not get it is a broken line, so refuse it.
        return Err(err(LineError::HashWithoutRequirement));
    } else {
        return Ok(None);
    }))
}

/// A named requirement line's requirement. pip splits the marker off at
/// the first `;` before parsing the rest (`name @ https://h/x.whl;
/// python_version > '3.10'` is valid there, though PEP 508 wants a space
/// before the `;` that follows a URL).
pub fn requirement(args: &str, origin: &Origin) -> Result<BoundRequirement, BoundError> {
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
    check_wheel_url(&req)?;
    Ok(req)
}

/// Refuse a `name @ url` requirement whose URL names a `.whl` file that is
/// not a valid wheel file name: pip cannot install it.
pub fn check_wheel_url(req: &BoundRequirement) -> Result<(), BoundError> {
    let Some(url) = req.url() else {
        return Ok(());
    };
    match urls::wheel(url.given().unwrap_or(url.raw().as_str())) {
        Some(Err(e)) => Err(BoundError::new(req.origin.clone(), e.to_string())),
        _ => Ok(()),
    }
}

/// Archive suffixes of source distributions pip accepts.
pub const SDIST_SUFFIXES: &[&str] = &[
    ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip",
];

/// True when a requirement line is a URL or a path rather than PEP 508
/// (pip: it contains a path separator or starts with `.`, or is an archive).
pub fn looks_like_url_or_path(s: &str) -> bool {
    let head = s.split(';').next().unwrap_or(s).trim();
    if let Some(i) = head.find("://") {
        // `name @ https://…` is PEP 508; `git+https://…@rev` is a bare URL.
        let scheme = &head[..i];
        return !(scheme.contains('@') || scheme.contains(' '));
    }
    if head.contains('@') {
        return false;
    }
    head.starts_with('.')
        || head.starts_with('/')
        || head.contains('/')
        || head.contains('\\')
        || head.ends_with(".whl")
        || SDIST_SUFFIXES.iter().any(|s| head.ends_with(s))
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
pub fn shlex_split(s: &str) -> Result<Vec<String>, QuoteError> {
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
                        None => return Err(QuoteError::Single),
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
                            None => return Err(QuoteError::Double),
                        },
                        Some(x) => cur.push(x),
                        None => return Err(QuoteError::Double),
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
#[path = "tests.rs"]
mod tests;
