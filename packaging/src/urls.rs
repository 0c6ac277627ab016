//! Direct-URL requirements (`name @ url`, `git+https://…@rev`): what they
//! point at and the parts PEP 610 `direct_url.json` records. (The engine
//! compares them with what was recorded at install time.)

use std::path::Path;

use crate::wheel_name::{InvalidWheelFilename, WheelFilename};

/// Version-control prefixes pip understands (`git+https://…`).
const VCS: &[&str] = &["git", "hg", "svn", "bzr"];

/// The `vcs+transport` schemes pip's VCS backends accept (`vcs.all_schemes`):
/// only these make a URL a VCS URL to pip (`git+foo://` is not one).
const VCS_SCHEMES: &[(&str, &[&str])] = &[
    ("git", &["http", "https", "ssh", "git", "file"]),
    ("hg", &["file", "http", "https", "ssh", "static-http"]),
    ("svn", &["ssh", "http", "https", "svn", "file"]),
    (
        "bzr",
        &["http", "https", "ssh", "sftp", "ftp", "lp", "file"],
    ),
];

/// What a requirement URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// A version-control repository (`git+https://…`).
    Vcs,
    /// A built wheel (`….whl`).
    Wheel,
    /// A source archive (`….tar.gz`, `….zip`): built at install time.
    Sdist,
    /// Anything else: a local directory or an unknown resource.
    Other,
}

/// A requirement URL split into the parts `direct_url.json` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementUrl {
    /// `git`, `hg`, … for VCS URLs.
    pub vcs: Option<String>,
    /// The URL without `vcs+`, `@rev` and fragment.
    pub url: String,
    /// The revision after `@` (VCS only).
    pub rev: Option<String>,
    /// `#subdirectory=`.
    pub subdirectory: Option<String>,
    /// `#sha256=…` style hashes: (algorithm, hex digest).
    pub hashes: Vec<(String, String)>,
}

/// True when `s` starts with `scheme://`.
pub fn has_scheme(s: &str) -> bool {
    match s.find("://") {
        Some(i) if i > 0 => {
            let scheme = &s[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// `text` with the password of any `scheme://user:password@host` masked,
/// for messages (a requirements file may carry index credentials).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) if authority[..at].contains(':') => {
                let user = authority[..at].split(':').next().unwrap_or_default();
                out.push_str(user);
                out.push_str(":****");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// The value of `key` in the URL fragment (`#egg=name&subdirectory=x`).
pub fn fragment_param(url: &str, key: &str) -> Option<String> {
    let (_, frag) = url.split_once('#')?;
    frag.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
}

/// The file name a URL or path ends with (query and fragment removed).
pub fn last_segment(url: &str) -> String {
    let no_frag = url.split('#').next().unwrap_or(url);
    let no_query = no_frag.split('?').next().unwrap_or(no_frag);
    no_query
        .trim_end_matches('/')
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_string()
}

/// The file name a URL ends with, percent-decoded as pip reads it
/// (`pkg-1.0-py3-none-..%2Ftarget.whl` is `pkg-1.0-py3-none-../target.whl`).
pub fn file_name(url: &str) -> String {
    percent_decode(&last_segment(url))
}

/// `%XX` escapes decoded; invalid UTF-8 replaced, as Python's `unquote`.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The wheel a URL names: `None` when it does not name a `.whl` file,
/// `Err` when its file name is not a valid wheel file name.
pub fn wheel(url: &str) -> Option<Result<WheelFilename, InvalidWheelFilename>> {
    (kind(url) == UrlKind::Wheel).then(|| file_name(url).parse())
}

/// True for a URL pip treats as a VCS URL: `vcs+transport://` with a
/// transport that VCS supports (`git+https://`, `hg+ssh://`, …).
pub fn is_vcs_url(url: &str) -> bool {
    let Some(i) = url.find("://") else {
        return false;
    };
    let scheme = url[..i].to_ascii_lowercase();
    let Some((vcs, transport)) = scheme.split_once('+') else {
        return false;
    };
    VCS_SCHEMES
        .iter()
        .any(|(v, ts)| *v == vcs && ts.contains(&transport))
}

/// Classify a requirement URL.
pub fn kind(url: &str) -> UrlKind {
    if split_vcs(url).is_some() {
        return UrlKind::Vcs;
    }
    let file = file_name(url).to_ascii_lowercase();
    if file.ends_with(".whl") {
        UrlKind::Wheel
    } else if [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar"]
        .iter()
        .any(|s| file.ends_with(s))
    {
        UrlKind::Sdist
    } else {
        UrlKind::Other
    }
}

fn split_vcs(url: &str) -> Option<(&str, &str)> {
    let (prefix, rest) = url.split_once('+')?;
    VCS.iter()
        .find(|v| prefix.eq_ignore_ascii_case(v))
        .map(|v| (*v, rest))
}

/// Split a requirement URL into its parts.
pub fn parse(url: &str) -> RequirementUrl {
    let (body, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let subdirectory = fragment_param(url, "subdirectory");
    let hashes = fragment
        .map(|f| {
            f.split('&')
                .filter_map(|kv| kv.split_once('='))
                .filter(|(k, _)| matches!(*k, "sha256" | "sha384" | "sha512" | "sha1" | "md5"))
                .map(|(k, v)| (k.to_string(), v.to_ascii_lowercase()))
                .collect()
        })
        .unwrap_or_default();
    let (vcs, body, rev) = match split_vcs(body) {
        Some((vcs, rest)) => {
            // The revision is an `@` in the path, not in `user@host`.
            let path_start = rest
                .find("://")
                .map(|i| {
                    rest[i + 3..]
                        .find('/')
                        .map(|j| i + 3 + j)
                        .unwrap_or(rest.len())
                })
                .unwrap_or(0);
            match rest[path_start..].rfind('@') {
                Some(at) => {
                    let at = path_start + at;
                    (
                        Some(vcs.to_string()),
                        &rest[..at],
                        Some(rest[at + 1..].to_string()),
                    )
                }
                None => (Some(vcs.to_string()), rest, None),
            }
        }
        None => (None, body, None),
    };
    RequirementUrl {
        vcs,
        url: normalize(body),
        rev,
        subdirectory,
        hashes,
    }
}

/// Normalize a URL for comparison: scheme and host case, no password, no
/// fragment, no trailing `/`.
pub fn normalize(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            u.set_fragment(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => url.trim_end_matches('/').to_string(),
    }
}

/// A `file://` URL for an absolute path.
pub fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdist_url_is_not_a_wheel() {
        // Reference bug: fetter 4.0.1 read `name @ https://…/x.tar.gz` as a wheel.
        assert_eq!(kind("https://h/pkgs/x-1.0.tar.gz"), UrlKind::Sdist);
        assert_eq!(
            kind("https://h/pkgs/x-1.0-py3-none-any.whl"),
            UrlKind::Wheel
        );
        assert_eq!(kind("git+https://h/x.git@v1"), UrlKind::Vcs);
        assert_eq!(kind("file:///src/x"), UrlKind::Other);
    }

    #[test]
    fn passwords_are_masked_in_messages() {
        assert_eq!(
            redact("-e http://user:pw@example.com/x.whl and https://tok@h/ y"),
            "-e http://user:****@example.com/x.whl and https://tok@h/ y"
        );
    }

    #[test]
    fn wheel_file_names_are_percent_decoded() {
        assert_eq!(
            file_name("https://h/a%20b-1.0-py3-none-any.whl"),
            "a b-1.0-py3-none-any.whl"
        );
        assert!(wheel("https://h/pkg-1.0-py3-none-any.whl").unwrap().is_ok());
        let e = wheel("https://example.com/packages/pkg-1.0-py3-none-..%2F..%2F..%2Ftarget.whl")
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().contains("decodes to a path"), "{e}");
        assert!(wheel("https://h/x-1.0.tar.gz").is_none());
        assert!(is_vcs_url("GIT+https://h/r.git") && is_vcs_url("hg+static-http://h/r"));
        assert!(!is_vcs_url("git+foo://h/r") && !is_vcs_url("https://h/r"));
    }

    #[test]
    fn vcs_revision_is_not_the_user() {
        let r = parse("git+ssh://git@github.com/o/r.git@abc1234#egg=r&subdirectory=py");
        assert_eq!(r.vcs.as_deref(), Some("git"));
        assert_eq!(r.url, "ssh://git@github.com/o/r.git");
        assert_eq!(r.rev.as_deref(), Some("abc1234"));
        assert_eq!(r.subdirectory.as_deref(), Some("py"));
        let r = parse("git+ssh://git@github.com/o/r.git");
        assert_eq!(r.rev, None);
    }
}
