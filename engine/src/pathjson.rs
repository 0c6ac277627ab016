//! Paths in JSON, losslessly, including file names that are not UTF-8.
//!
//! A Unix file name is any bytes; JSON text is Unicode. serde writes a
//! `PathBuf` only when it is valid UTF-8 (and fails the whole document
//! otherwise), and a lossy conversion would let two names look alike. The
//! convention, documented in the README and in `schemas/`:
//!
//! - a path that is valid UTF-8 and does not start with `file:` is written
//!   as is (every absolute path, in practice);
//! - any other path is written as a `file:` URL: `file://` followed by the
//!   path's bytes, percent-encoded except for ASCII letters, digits,
//!   `-._~/` (`/site/caf\xe9-1.0.dist-info` is
//!   `file:///site/caf%E9-1.0.dist-info`). Python reads it back with
//!   `urllib.parse.unquote_to_bytes(value[len("file://"):])`.
//!
//! Use with `#[serde(with = "crate::pathjson")]` (and [`opt`], [`vec`]).

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Deserializer, Serializer};

/// Bytes written as `%XX`: all but ASCII letters, digits and `-._~/`.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// The prefix of a path written as a URL.
const URL_PREFIX: &str = "file://";

/// The JSON text of `path` (see the module documentation).
pub fn to_json_text(path: &Path) -> std::borrow::Cow<'_, str> {
    match path.to_str() {
        Some(s) if !s.starts_with("file:") => s.into(),
        _ => format!(
            "{URL_PREFIX}{}",
            percent_encode(path.as_os_str().as_bytes(), ENCODED)
        )
        .into(),
    }
}

/// The path a JSON text of [`to_json_text`] stands for.
pub fn from_json_text(text: &str) -> PathBuf {
    let Some(encoded) = text.strip_prefix(URL_PREFIX) else {
        return PathBuf::from(text);
    };
    PathBuf::from(OsString::from_vec(percent_decode_str(encoded).collect()))
}

/// Serialize a path by the convention.
pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_json_text(path))
}

/// Deserialize a path written by [`serialize`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    Ok(from_json_text(&String::deserialize(d)?))
}

/// The convention for `Option<PathBuf>` (`null` for `None`).
pub mod opt {
    use super::*;

    /// Serialize.
    pub fn serialize<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match path {
            Some(p) => s.serialize_some(&*to_json_text(p)),
            None => s.serialize_none(),
        }
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(|t| from_json_text(&t)))
    }
}

/// The convention for `Vec<PathBuf>`.
pub mod vec {
    use super::*;
    use serde::ser::SerializeSeq;

    /// Serialize.
    pub fn serialize<S: Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(paths.len()))?;
        for p in paths {
            seq.serialize_element(&*to_json_text(p))?;
        }
        seq.end()
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
        Ok(Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| from_json_text(t))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn round_trips_any_bytes() {
        for raw in [
            &b"/site/requests-2.0.dist-info"[..],
            b"/site/caf\xe9-1.0.dist-info",
            b"/a b/%41/\xff\xfe",
            b"file:relative",
            b"file:///looks/like/a/url",
            b"//double",
        ] {
            let p = PathBuf::from(OsStr::from_bytes(raw));
            let text = to_json_text(&p);
            assert_eq!(from_json_text(&text), p, "{text}");
        }
        assert_eq!(
            to_json_text(Path::new(OsStr::from_bytes(b"/s/caf\xe9 x"))),
            "file:///s/caf%E9%20x"
        );
        assert_eq!(to_json_text(Path::new("/s/ünï")), "/s/ünï");
    }
}
