//! Direct-URL requirements (`name @ url`, `git+https://…@rev`) and how they
//! compare with what PEP 610 `direct_url.json` recorded at install time.

use crate::bounds::wheel_name::{InvalidWheelFilename, WheelFilename};
use crate::inventory::DirectUrl;

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

/// Whether an installed distribution's `direct_url.json` satisfies the
/// requirement URL; `Err` says how it differs.
pub fn satisfies(req: &RequirementUrl, installed: Option<&DirectUrl>) -> Result<(), String> {
    let Some(du) = installed else {
        return Err(format!(
            "installed from an index, but the bound requires {}",
            display(req)
        ));
    };
    let du_url = normalize(&du.url);
    if du_url != req.url {
        return Err(format!(
            "installed from {}, but the bound requires {}",
            du.url, req.url
        ));
    }
    if let Some(vcs) = &req.vcs {
        if du.vcs.as_deref() != Some(vcs.as_str()) {
            return Err(format!(
                "the bound requires a {vcs} checkout, but it was installed from {}",
                du.vcs
                    .as_deref()
                    .map(|v| format!("a {v} checkout"))
                    .unwrap_or_else(|| "an archive or directory".into())
            ));
        }
    }
    if let Some(rev) = &req.rev {
        let commit = du.commit_id.as_deref().unwrap_or("");
        let is_commit = commit == rev
            || (rev.len() >= 7
                && rev.chars().all(|c| c.is_ascii_hexdigit())
                && commit.starts_with(rev.as_str()));
        if !is_commit && du.requested_revision.as_deref() != Some(rev.as_str()) {
            return Err(format!(
                "installed at commit {} (requested {}), but the bound requires {rev}",
                if commit.is_empty() { "unknown" } else { commit },
                du.requested_revision.as_deref().unwrap_or("none")
            ));
        }
    }
    if req.subdirectory != du.subdirectory {
        return Err(format!(
            "installed from subdirectory {:?}, but the bound requires {:?}",
            du.subdirectory, req.subdirectory
        ));
    }
    for (algo, hex) in &req.hashes {
        let recorded = du
            .archive_hashes
            .iter()
            .find_map(|h| h.split_once('=').filter(|(a, _)| a == algo).map(|(_, v)| v));
        if let Some(v) = recorded {
            if !v.eq_ignore_ascii_case(hex) {
                return Err(format!(
                    "installed archive has {algo} {v}, but the bound requires {hex}"
                ));
            }
        }
    }
    Ok(())
}

fn display(req: &RequirementUrl) -> String {
    match (&req.vcs, &req.rev) {
        (Some(v), Some(r)) => format!("{v}+{}@{r}", req.url),
        (Some(v), None) => format!("{v}+{}", req.url),
        _ => req.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn du(url: &str) -> DirectUrl {
        DirectUrl {
            url: url.into(),
            ..Default::default()
        }
    }

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

    #[test]
    fn compares_with_direct_url_json() {
        let mut d = du("https://github.com/o/r.git");
        d.vcs = Some("git".into());
        d.commit_id = Some("0123456789abcdef0123456789abcdef01234567".into());
        d.requested_revision = Some("main".into());
        assert!(satisfies(&parse("git+https://github.com/o/r.git@main"), Some(&d)).is_ok());
        assert!(satisfies(&parse("git+https://github.com/o/r.git@0123456"), Some(&d)).is_ok());
        assert!(satisfies(&parse("git+https://github.com/o/r.git"), Some(&d)).is_ok());
        let e = satisfies(&parse("git+https://github.com/o/r.git@v2"), Some(&d)).unwrap_err();
        assert!(e.contains("requires v2"), "{e}");
        assert!(satisfies(&parse("git+https://github.com/o/other.git"), Some(&d)).is_err());
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz"), None)
            .unwrap_err()
            .contains("index"));
        let mut a = du("https://h/x-1.0.tar.gz");
        a.archive_hashes = vec!["sha256=ab".into()];
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz#sha256=AB"), Some(&a)).is_ok());
        assert!(satisfies(&parse("https://h/x-1.0.tar.gz#sha256=cd"), Some(&a)).is_err());
        assert!(satisfies(&parse("file:///src/x/"), Some(&du("file:///src/x"))).is_ok());
    }
}
