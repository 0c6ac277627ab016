//! The `allowed_signers` file of `ssh-keygen -Y verify` (and git's
//! `gpg.ssh.allowedSignersFile`), so teams reuse the file they already
//! keep: one line per key,
//! `PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]`.
//!
//! Supported options: `namespaces="…"` (a pattern list the signature's
//! namespace must match), `valid-after="…"` and `valid-before="…"`
//! (`YYYYMMDD[HHMM[SS]]`, local time, or UTC with a trailing `Z`).
//! `cert-authority` (keys that certify other keys) is out of scope: such a
//! line is an error naming it, never silently skipped, so a file that
//! relies on it cannot pass as verified.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ssh_key::{HashAlg, PublicKey};

use super::pattern;

/// A problem in an allowed_signers file, naming the file and line.
#[derive(Debug, thiserror::Error)]
pub enum SignersError {
    /// The file cannot be read.
    #[error("cannot read the allowed signers file {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (match [`crate::fsutil::ReadError::io_kind`], not the text).
        reason: crate::fsutil::ReadError,
    },
    /// A line that is not a valid entry.
    #[error("{}:{line}: {problem}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: LineError,
    },
}

/// What is wrong with one allowed_signers line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// No principals field.
    #[error("no principals")]
    NoPrincipals,
    /// An empty principals field (`""`).
    #[error("empty principals field")]
    EmptyPrincipals,
    /// Nothing after the principals.
    #[error("no key after the principals")]
    NoKey,
    /// Options, then nothing.
    #[error("no key after the options")]
    NoKeyAfterOptions,
    /// A key type without its data.
    #[error("no key data after the key type")]
    NoKeyData,
    /// The key does not parse.
    #[error("the key `{kind} …` cannot be read: {reason}")]
    Key {
        /// The key type as written.
        kind: String,
        /// What the parser said.
        reason: String,
    },
    /// An option that needs a value has none.
    #[error("option {0} needs a value ({0}=\"…\")")]
    NeedsValue(String),
    /// An option value not in double quotes.
    #[error("the value of {0} must be in double quotes")]
    Unquoted(String),
    /// `cert-authority`.
    #[error(
        "cert-authority entries are not supported by fetter: list the signing keys themselves"
    )]
    CertAuthority,
    /// The second field is neither a key type nor options.
    #[error("{0:?} is neither a key type nor options")]
    NotOptions(String),
    /// An option fetter does not read.
    #[error("unsupported option {0:?} (fetter reads namespaces, valid-after, valid-before)")]
    UnsupportedOption(String),
    /// A `valid-after`/`valid-before` that is not a time.
    #[error(transparent)]
    Time(#[from] BadTime),
}

/// A `valid-after`/`valid-before` value that is not a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time (YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC)")]
pub struct BadTime(pub String);

/// One key allowed to sign, with whom it speaks for and when.
#[derive(Debug, Clone)]
pub struct Entry {
    /// 1-based line number in the file.
    pub line: usize,
    /// The principals field as written: comma-separated patterns.
    pub principals: String,
    /// `namespaces="…"`: the pattern list a signature's namespace must
    /// match; `None` allows every namespace (as ssh-keygen does).
    pub namespaces: Option<String>,
    /// `valid-after`: the key does not sign before this (seconds since the epoch).
    pub valid_after: Option<i64>,
    /// `valid-before`: the key does not sign after this (seconds since the epoch).
    pub valid_before: Option<i64>,
    /// The key.
    pub key: PublicKey,
}

/// Why an entry whose key matches still does not allow a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryRefusal {
    /// Its `namespaces` option does not include the namespace.
    Namespace(String),
    /// Its `valid-after` is still in the future.
    NotYetValid,
    /// Its `valid-before` has passed.
    Expired,
}

impl fmt::Display for EntryRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryRefusal::Namespace(ns) => {
                write!(f, "its namespaces=\"{ns}\" does not include the namespace")
            }
            EntryRefusal::NotYetValid => f.write_str("its valid-after time has not come yet"),
            EntryRefusal::Expired => f.write_str("its valid-before time has passed"),
        }
    }
}

impl Entry {
    /// Whether this entry allows a signature in `namespace` at `now`
    /// (seconds since the epoch).
    pub fn allows(&self, namespace: &str, now: i64) -> Result<(), EntryRefusal> {
        if let Some(ns) = &self.namespaces {
            if !pattern::matches_list(ns, namespace) {
                return Err(EntryRefusal::Namespace(ns.clone()));
            }
        }
        if self.valid_after.is_some_and(|t| now < t) {
            return Err(EntryRefusal::NotYetValid);
        }
        if self.valid_before.is_some_and(|t| now > t) {
            return Err(EntryRefusal::Expired);
        }
        Ok(())
    }

    /// The principals as a list (`alice@acme.com,bob@acme.com` → two).
    pub fn principal_list(&self) -> Vec<String> {
        self.principals.split(',').map(str::to_owned).collect()
    }

    /// The key's fingerprint as ssh-keygen prints it (`SHA256:…`).
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }
}

/// A parsed allowed_signers file.
#[derive(Debug, Clone)]
pub struct AllowedSigners {
    /// Where it was read from (named in every message).
    pub path: PathBuf,
    /// Its entries, in file order.
    pub entries: Vec<Entry>,
}

impl AllowedSigners {
    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Self, SignersError> {
        let text = crate::fsutil::read_small_text(path).map_err(|reason| SignersError::Read {
            path: path.to_owned(),
            reason,
        })?;
        Self::parse(path, &text)
    }

    /// Parse `text`, naming `path` in errors. Blank lines and `#` comments
    /// are skipped; any other line that is not a valid entry is an error.
    pub fn parse(path: &Path, text: &str) -> Result<Self, SignersError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = parse_line(line, i + 1).map_err(|problem| SignersError::Line {
                path: path.to_owned(),
                line: i + 1,
                problem,
            })?;
            entries.push(entry);
        }
        Ok(AllowedSigners {
            path: path.to_owned(),
            entries,
        })
    }

    /// The entries whose key is `key`, in file order.
    pub fn entries_for<'a>(
        &'a self,
        key: &'a ssh_key::public::KeyData,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.key.key_data() == key)
    }
}

/// Split off one field: a run of non-blanks, where double quotes protect
/// blanks (`namespaces="a b"`), as ssh-keygen's `strdelimw` does.
fn field(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return Some((&s[..i], &s[i..])),
            _ => {}
        }
    }
    Some((s, ""))
}

fn parse_line(line: &str, n: usize) -> Result<Entry, LineError> {
    let (principals, rest) = field(line).ok_or(LineError::NoPrincipals)?;
    let principals = principals.trim_matches('"').to_owned();
    if principals.is_empty() {
        return Err(LineError::EmptyPrincipals);
    }
    let (second, after) = field(rest).ok_or(LineError::NoKey)?;
    // Options are present when the second field is not a key type.
    let (options, key_text) = if second.parse::<ssh_key::Algorithm>().is_ok() {
        (None, rest)
    } else {
        (Some(second), after)
    };
    let (kind, after_kind) = field(key_text).ok_or(LineError::NoKeyAfterOptions)?;
    let (b64, _comment) = field(after_kind).ok_or(LineError::NoKeyData)?;
    // Options first: a cert-authority line is named as such, whatever its key.
    let opts = match options {
        Some(o) => parse_options(o)?,
        None => Options::default(),
    };
    let key = PublicKey::from_openssh(&format!("{kind} {b64}")).map_err(|e| LineError::Key {
        kind: kind.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(Entry {
        line: n,
        principals,
        namespaces: opts.namespaces,
        valid_after: opts.valid_after,
        valid_before: opts.valid_before,
        key,
    })
}

/// Split options on commas outside quotes.
fn split_options(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The options of one line.
#[derive(Default)]
struct Options {
    namespaces: Option<String>,
    valid_after: Option<i64>,
    valid_before: Option<i64>,
}

fn parse_options(opts: &str) -> Result<Options, LineError> {
    let mut out = Options::default();
    for opt in split_options(opts) {
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (opt, None),
        };
        let value = || -> Result<&str, LineError> {
            let v = value.ok_or_else(|| LineError::NeedsValue(name.to_owned()))?;
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or_else(|| LineError::Unquoted(name.to_owned()))
        };
        match name.to_ascii_lowercase().as_str() {
            "cert-authority" => return Err(LineError::CertAuthority),
            "namespaces" => out.namespaces = Some(value()?.to_owned()),
            "valid-after" => out.valid_after = Some(parse_time(value()?)?),
            "valid-before" => out.valid_before = Some(parse_time(value()?)?),
            "" => return Err(LineError::NotOptions(opts.to_owned())),
            other => return Err(LineError::UnsupportedOption(other.to_owned())),
        }
    }
    Ok(out)
}

/// `YYYYMMDD[HHMM[SS]][Z]` as seconds since the epoch: UTC with `Z`,
/// local time without (as ssh-keygen reads it).
pub fn parse_time(s: &str) -> Result<i64, BadTime> {
    let bad = || BadTime(s.to_owned());
    let (digits, utc) = match s.strip_suffix(['Z', 'z']) {
        Some(d) => (d, true),
        None => (s, false),
    };
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num =
        |r: std::ops::Range<usize>| digits.get(r).map_or(0, |d| d.parse::<i64>().unwrap_or(0));
    let (y, mo, d) = (num(0..4), num(4..6), num(6..8));
    let (h, mi, sec) = (num(8..10), num(10..12), num(12..14));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 59 {
        return Err(bad());
    }
    if utc {
        return Ok(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec);
    }
    local_time(y, mo, d, h, mi, sec).ok_or_else(bad)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A local wall-clock time through the C library's time zone rules.
fn local_time(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    // SAFETY: an all-zero `tm` is a valid value; mktime only reads and
    // normalises the struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = (y - 1900) as i32;
    tm.tm_mon = (mo - 1) as i32;
    tm.tm_mday = d as i32;
    tm.tm_hour = h as i32;
    tm.tm_min = mi as i32;
    tm.tm_sec = s as i32;
    tm.tm_isdst = -1;
    // SAFETY: `tm` is a valid, initialised struct tm.
    let t = unsafe { libc::mktime(&mut tm) };
    (t != -1).then_some(t as i64)
}

/// The current time in seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::trust::test_key::PUBLIC as KEY;

    fn parse(text: &str) -> Result<AllowedSigners, SignersError> {
        AllowedSigners::parse(Path::new("signers"), text)
    }

    #[test]
    fn entries_with_and_without_options() {
        let s = parse(&format!(
            "# team keys\n\nalice@acme.com {KEY} alice laptop\n\
             bob@acme.com,carol@acme.com namespaces=\"git,fetter-policy\",valid-after=\"20200101Z\" {KEY}\n"
        ))
        .unwrap();
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.entries[0].line, 3);
        assert_eq!(s.entries[0].namespaces, None);
        assert_eq!(
            s.entries[1].principal_list(),
            ["bob@acme.com", "carol@acme.com"]
        );
        assert_eq!(
            s.entries[1].namespaces.as_deref(),
            Some("git,fetter-policy")
        );
        assert_eq!(s.entries[1].valid_after, Some(1_577_836_800));
        assert!(s.entries[0].fingerprint().starts_with("SHA256:"));
    }

    #[test]
    fn entry_checks() {
        let s = parse(&format!(
            "a namespaces=\"git\" {KEY}\nb valid-before=\"20000101Z\" {KEY}\nc valid-after=\"29990101Z\" {KEY}\n"
        ))
        .unwrap();
        let now = now();
        assert_eq!(
            s.entries[0].allows("fetter-policy", now),
            Err(EntryRefusal::Namespace("git".into()))
        );
        assert_eq!(
            s.entries[1].allows("fetter-policy", now),
            Err(EntryRefusal::Expired)
        );
        assert_eq!(
            s.entries[2].allows("fetter-policy", now),
            Err(EntryRefusal::NotYetValid)
        );
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        for (text, needle) in [
            (format!("a cert-authority {KEY}"), "cert-authority"),
            (format!("a bogus=\"1\" {KEY}"), "unsupported option"),
            ("a ssh-ed25519 AAAAnotbase64".to_owned(), "cannot be read"),
            ("alice".to_owned(), "no key"),
            (format!("a valid-after=\"2020\" {KEY}"), "not a time"),
            (format!("a namespaces=git {KEY}"), "double quotes"),
        ] {
            let e = parse(&format!("# c\n{text}\n")).unwrap_err().to_string();
            assert!(e.starts_with("signers:2: "), "{e}");
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn bad_lines_are_told_by_variant() {
        let problem = |text: String| match parse(&text) {
            Err(SignersError::Line {
                line: 1, problem, ..
            }) => problem,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            problem(format!("a cert-authority {KEY}")),
            LineError::CertAuthority
        );
        assert_eq!(problem("alice".into()), LineError::NoKey);
        assert_eq!(
            problem(format!("a valid-after=\"2020\" {KEY}")),
            LineError::Time(BadTime("2020".into()))
        );
        assert_eq!(
            problem(format!("a namespaces=git {KEY}")),
            LineError::Unquoted("namespaces".into())
        );
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("19700101Z"), Ok(0));
        assert_eq!(parse_time("20260102030405Z"), Ok(1_767_323_045));
        assert_eq!(parse_time("202601020304Z"), Ok(1_767_323_040));
        assert_eq!(parse_time("20261301Z"), Err(BadTime("20261301Z".into())));
        assert!(parse_time("20260101").is_ok());
    }
}
