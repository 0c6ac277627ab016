//! `trust.toml`: which repositories need what before fetter runs a policy
//! bundle from them.
//!
//! ```toml
//! [[rule]]
//! scope = "registry.acme.internal/security/*"
//! require = ["signature", "pin"]
//! allowed-signers = "allowed_signers"      # relative to this file
//!
//! [[rule]]
//! scope = "*"
//! require = ["pin"]
//! ```
//!
//! A scope is a pattern over `HOST[:PORT]/NAME` (`*` any run of characters,
//! `/` included; `?` one character). Within one file the most specific
//! matching scope decides: a scope without wildcards beats any pattern,
//! then the one with more literal characters; scopes equally specific
//! that both match are all applied. Files are layered
//! (`/etc/fetter/trust.toml`, then the user's): each file's decision
//! applies, so a user file can add requirements but never lift one the
//! system file sets. No matching rule anywhere: nothing is required.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::allowed_signers::{AllowedSigners, SignersError};
use super::pattern;
use super::payload::{Repository, Target};
use super::sshsig::Signer;
use super::verify::{verify_found, FoundSignature};

/// The system-wide trust file.
pub const SYSTEM_TRUST: &str = "/etc/fetter/trust.toml";

/// A trust file that cannot be used, naming the file, and the line when
/// there is one.
#[derive(Debug, thiserror::Error)]
pub enum TrustFileError {
    /// The file cannot be read.
    #[error("cannot read the trust file {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (match [`crate::fsutil::ReadError::io_kind`], not the text).
        reason: crate::fsutil::ReadError,
    },
    /// The file could have been written by someone else.
    #[error("refusing the trust file {}: {problem}", path.display())]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// Who else can write it.
        problem: String,
    },
    /// A problem at a line of the file.
    #[error("{}:{line}: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The allowed_signers file a rule names is unusable.
    #[error("{}:{line}: {source}", path.display())]
    Signers {
        /// The trust file.
        path: PathBuf,
        /// The rule's line.
        line: usize,
        /// The allowed_signers problem.
        source: SignersError,
    },
}

/// What a rule can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// A valid signature by a key of the rule's allowed_signers file.
    Signature,
    /// A reference pinned by digest (`REPO@sha256:…`), not a tag.
    Pin,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    scope: Spanned<String>,
    require: Spanned<Vec<Requirement>>,
    allowed_signers: Option<Spanned<String>>,
    #[serde(default)]
    origins: Vec<Spanned<String>>,
}

/// One `[[rule]]` of a trust file.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The scope pattern.
    pub scope: String,
    /// The trust file it is in.
    pub file: PathBuf,
    /// The line of its `scope` there.
    pub line: usize,
    /// What it requires (sorted, no repeats).
    pub require: Vec<Requirement>,
    /// The keys that may sign, when a signature is required.
    pub signers: Option<AllowedSigners>,
    /// Repositories a signature may name instead of the reference's own
    /// (a mirror's origins).
    pub origins: Vec<String>,
}

impl Rule {
    /// The rule's scope and where it is written, for messages.
    pub fn origin(&self) -> String {
        format!(
            "scope {:?} ({}:{})",
            self.scope,
            self.file.display(),
            self.line
        )
    }

    fn specificity(&self) -> (bool, usize) {
        (
            pattern::is_literal(&self.scope),
            pattern::literal_len(&self.scope),
        )
    }
}

/// The trust rules in force: one list of rules per file, in layer order.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    /// The files read, in layer order, with their rules.
    pub layers: Vec<(PathBuf, Vec<Rule>)>,
}

/// What is being trusted: a target and how the user named it.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The repository and the manifest digest it resolved to.
    pub target: Target,
    /// Whether the reference named the digest (`@sha256:…`) rather than a tag.
    pub pinned: bool,
}

/// What a refused reference lacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The scope requires a digest pin; the reference named a tag.
    Unpinned,
    /// The scope requires a signature; there is none.
    Unsigned {
        /// The allowed_signers file whose keys may sign.
        signers: PathBuf,
    },
    /// Signatures exist, and none is valid: why each was refused.
    NoValidSignature {
        /// The allowed_signers file whose keys may sign.
        signers: PathBuf,
        /// One reason per signature found.
        reasons: Vec<String>,
    },
}

/// A reference the trust rules refuse.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{target} refused by trust {rule}: {missing}")]
pub struct Refusal {
    /// The target refused.
    pub target: Target,
    /// The rule that refused, as `scope "…" (FILE:LINE)`.
    pub rule: String,
    /// The scope of that rule.
    pub scope: String,
    /// What was missing.
    pub missing: Missing,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Unpinned => f.write_str(
                "not pinned by digest: the scope requires REPO@sha256:… (or a fetter.lock entry), not a tag",
            ),
            Missing::Unsigned { signers } => write!(
                f,
                "unsigned: the scope requires a signature by a key in {}",
                signers.display()
            ),
            Missing::NoValidSignature { signers, reasons } => {
                write!(f, "no valid signature by a key in {}", signers.display())?;
                for (i, r) in reasons.iter().enumerate() {
                    write!(f, "; signature {}: {r}", i + 1)?;
                }
                Ok(())
            }
        }
    }
}

/// A reference the trust rules accept.
#[derive(Debug, Clone, Default)]
pub struct Accepted {
    /// The rules that applied (empty: no rule matched, nothing required).
    pub rules: Vec<Rule>,
    /// The signers whose signatures satisfied them (for `fetter.lock`).
    pub signers: Vec<Signer>,
}

impl TrustPolicy {
    /// Read trust files in layer order (system first). Every path given
    /// must exist; [`TrustPolicy::default_files`] picks which do.
    pub fn load(paths: &[PathBuf]) -> Result<Self, TrustFileError> {
        let mut layers = Vec::new();
        for path in paths {
            check_owner(path)?;
            let text =
                crate::fsutil::read_small_text(path).map_err(|reason| TrustFileError::Read {
                    path: path.clone(),
                    reason,
                })?;
            layers.push((path.clone(), parse(path, &text)?));
        }
        Ok(TrustPolicy { layers })
    }

    /// The trust files in force: `/etc/fetter/trust.toml` if it exists,
    /// then the user's file: `explicit` (`--trust FILE`), else
    /// `$FETTER_TRUST` (empty: none), else
    /// `$XDG_CONFIG_HOME/fetter/trust.toml` (`~/.config/fetter/trust.toml`)
    /// if it exists. A file named explicitly must exist.
    pub fn default_files(explicit: Option<&Path>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if Path::new(SYSTEM_TRUST).exists() {
            out.push(PathBuf::from(SYSTEM_TRUST));
        }
        if let Some(p) = explicit {
            out.push(p.to_owned());
            return out;
        }
        if let Some(p) = std::env::var_os("FETTER_TRUST") {
            if !p.is_empty() {
                out.push(PathBuf::from(p));
            }
            return out;
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|x| !x.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")));
        if let Some(p) = config
            .map(|d| d.join("fetter/trust.toml"))
            .filter(|p| p.exists())
        {
            out.push(p);
        }
        out
    }

    /// The rules that decide for `repository`: in each file, the most
    /// specific matching scope (ties: all of them).
    pub fn rules_for(&self, repository: &Repository) -> Vec<&Rule> {
        let mut out = Vec::new();
        for (_, rules) in &self.layers {
            let matching: Vec<&Rule> = rules
                .iter()
                .filter(|r| pattern::matches(&r.scope, repository.as_str()))
                .collect();
            if let Some(best) = matching.iter().map(|r| r.specificity()).max() {
                out.extend(matching.into_iter().filter(|r| r.specificity() == best));
            }
        }
        out
    }

    /// Accept or refuse `subject` given the signatures found for it, at
    /// `now` (seconds since the epoch). Every deciding rule must be
    /// satisfied; the first that is not names the refusal.
    pub fn decide(
        &self,
        subject: &Subject,
        found: &[FoundSignature],
        now: i64,
    ) -> Result<Accepted, Box<Refusal>> {
        let mut accepted = Accepted::default();
        for rule in self.rules_for(&subject.target.repository) {
            let refuse = |missing| {
                Box::new(Refusal {
                    target: subject.target.clone(),
                    rule: rule.origin(),
                    scope: rule.scope.clone(),
                    missing,
                })
            };
            for req in &rule.require {
                match req {
                    Requirement::Pin if !subject.pinned => return Err(refuse(Missing::Unpinned)),
                    Requirement::Pin => {}
                    Requirement::Signature => {
                        let signers = rule
                            .signers
                            .as_ref()
                            .expect("checked at load: signature has signers");
                        if found.is_empty() {
                            return Err(refuse(Missing::Unsigned {
                                signers: signers.path.clone(),
                            }));
                        }
                        let mut reasons = Vec::new();
                        let verified = found.iter().find_map(|f| {
                            verify_found(f, &subject.target, signers, &rule.origins, now)
                                .map_err(|e| reasons.push(e.to_string()))
                                .ok()
                        });
                        match verified {
                            Some(signer) if !accepted.signers.contains(&signer) => {
                                accepted.signers.push(signer)
                            }
                            Some(_) => {}
                            None => {
                                return Err(refuse(Missing::NoValidSignature {
                                    signers: signers.path.clone(),
                                    reasons,
                                }))
                            }
                        }
                    }
                }
            }
            accepted.rules.push(rule.clone());
        }
        Ok(accepted)
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, span: Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

/// Parse one trust file's text; `path` is named in errors and anchors
/// relative allowed_signers paths.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Rule>, TrustFileError> {
    let invalid = |line, problem: String| TrustFileError::Invalid {
        path: path.to_owned(),
        line,
        problem,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s));
        invalid(line, e.message().to_owned())
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for spanned in raw.rule {
        let raw = spanned.into_inner();
        let line = line_of(text, raw.scope.span());
        let scope = raw.scope.into_inner();
        check_scope(&scope).map_err(|p| invalid(line, p.to_string()))?;
        if let Some(first) = seen.insert(scope.clone(), line) {
            return Err(invalid(
                line,
                format!("scope {scope:?} is already given at line {first}"),
            ));
        }
        let req_line = line_of(text, raw.require.span());
        let mut require = raw.require.into_inner();
        require.sort();
        require.dedup();
        let wants_signature = require.contains(&Requirement::Signature);
        let signers = match (raw.allowed_signers, wants_signature) {
            (Some(s), true) => {
                let at = line_of(text, s.span());
                let file = dir.join(s.into_inner());
                check_owner(&file)?;
                Some(AllowedSigners::load(&file).map_err(|source| TrustFileError::Signers {
                    path: path.to_owned(),
                    line: at,
                    source,
                })?)
            }
            (None, true) => {
                return Err(invalid(
                    req_line,
                    format!("scope {scope:?} requires a signature but names no allowed-signers file"),
                ))
            }
            (Some(s), false) => {
                return Err(invalid(
                    line_of(text, s.span()),
                    "allowed-signers is given but require has no \"signature\": add it, or drop the file".into(),
                ))
            }
            (None, false) => None,
        };
        if !raw.origins.is_empty() && !wants_signature {
            let at = line_of(text, raw.origins[0].span());
            return Err(invalid(
                at,
                "origins apply only to a rule that requires a signature".into(),
            ));
        }
        let mut origins = Vec::new();
        for o in raw.origins {
            let at = line_of(text, o.span());
            let o = o.into_inner();
            check_scope(&o).map_err(|p| invalid(at, format!("origin: {p}")))?;
            origins.push(o);
        }
        rules.push(Rule {
            scope,
            file: path.to_owned(),
            line,
            require,
            signers,
            origins,
        });
    }
    Ok(rules)
}

/// Why a rule's scope (or origin) is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// An empty scope.
    #[error("the scope is empty (use \"*\" for every repository)")]
    Empty,
    /// A literal scope that is not a repository name.
    #[error(transparent)]
    Repository(#[from] super::payload::PayloadError),
    /// A pattern with a character no repository name has.
    #[error("scope {scope:?} has {c:?}: scopes are lower-case repository names (HOST[:PORT]/NAME) with * and ?")]
    Character {
        /// The scope.
        scope: String,
        /// The character.
        c: char,
    },
}

/// A scope is a repository, or a pattern over repositories.
pub(super) fn check_scope(scope: &str) -> Result<(), ScopeError> {
    if scope.is_empty() {
        return Err(ScopeError::Empty);
    }
    if pattern::is_literal(scope) {
        return Ok(Repository::parse(scope).map(drop)?);
    }
    match scope
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "*?./:_-".contains(*c)))
    {
        Some(c) => Err(ScopeError::Character {
            scope: scope.to_owned(),
            c,
        }),
        None => Ok(()),
    }
}

/// Refuse a file someone else could have written: it decides what runs
/// as root on every machine.
fn check_owner(path: &Path) -> Result<(), TrustFileError> {
    match crate::fsutil::owner_problem(path) {
        Some(problem) => Err(TrustFileError::Unsafe {
            path: path.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}
