//! The options a requirements-file line may hold, read the way pip reads
//! them: pip builds an `optparse` parser from its `SUPPORTED_OPTIONS` and
//! `SUPPORTED_OPTIONS_REQ` tables (`pip/_internal/req/req_file.py`) and
//! parses each line's options with it. So, as there:
//!
//! - every option of the table is allowed on every line (those that do not
//!   apply, like `--index-url` after a requirement, are ignored);
//! - `--opt=value`, `--opt value`, `-xvalue` and `-x value` all give a value;
//!   a long option may be abbreviated to any unambiguous prefix (`--extra-index`);
//! - words that are not options are ignored (`--prefer-binary :all:`);
//! - `--` ends the options.
//!
//! The table is the union of what pip accepts from 23.1 (which dropped
//! `--install-option`) to its current development branch (which added
//! `--no-require-hashes`, `--all-releases`, `--only-final` and dropped
//! `--global-option`), so a file any of those versions reads is read.

use crate::hashes::{HashError, RequirementHash};

/// What an option does to the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// `-r FILE`: include a requirements file.
    Requirement,
    /// `-c FILE`: include a constraints file.
    Constraint,
    /// `-e PATH|URL`: an editable requirement.
    Editable,
    /// `--hash ALGO:DIGEST`: an allowed archive hash of the line's requirement.
    Hash,
    /// `-C KEY=VALUE`: a build-backend setting (pip checks the `=`).
    ConfigSettings,
    /// `--no-binary`/`--only-binary`/`--all-releases`/`--only-final`:
    /// `:all:`, `:none:` or names; pip refuses a value starting with `-`.
    PackageSet,
    /// Steers how an installer finds packages, not what is installed.
    Ignored,
}

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Flag,
    Value,
}

/// pip's per-file options: spellings (short first), shape, effect.
const OPTIONS: &[(&[&str], Shape, Effect)] = &[
    (
        &["-i", "--index-url", "--pypi-url"],
        Shape::Value,
        Effect::Ignored,
    ),
    (&["--extra-index-url"], Shape::Value, Effect::Ignored),
    (&["--no-index"], Shape::Flag, Effect::Ignored),
    (&["-c", "--constraint"], Shape::Value, Effect::Constraint),
    (&["-r", "--requirement"], Shape::Value, Effect::Requirement),
    (&["-e", "--editable"], Shape::Value, Effect::Editable),
    (&["-f", "--find-links"], Shape::Value, Effect::Ignored),
    (&["--no-binary"], Shape::Value, Effect::PackageSet),
    (&["--only-binary"], Shape::Value, Effect::PackageSet),
    (&["--prefer-binary"], Shape::Flag, Effect::Ignored),
    (&["--require-hashes"], Shape::Flag, Effect::Ignored),
    (&["--no-require-hashes"], Shape::Flag, Effect::Ignored),
    (&["--pre"], Shape::Flag, Effect::Ignored),
    (&["--all-releases"], Shape::Value, Effect::PackageSet),
    (&["--only-final"], Shape::Value, Effect::PackageSet),
    (&["--trusted-host"], Shape::Value, Effect::Ignored),
    // pip checks the feature against its own (version-dependent) list.
    (&["--use-feature"], Shape::Value, Effect::Ignored),
    (&["--global-option"], Shape::Value, Effect::Ignored),
    (&["--hash"], Shape::Value, Effect::Hash),
    (
        &["-C", "--config-settings"],
        Shape::Value,
        Effect::ConfigSettings,
    ),
];

/// Options pip no longer accepts in a file, with what to do instead.
const REMOVED: &[(&str, &str)] = &[(
    "--install-option",
    "pip 23.1 removed --install-option; delete it (or pass build settings with --config-settings)",
)];

/// Why a line's options are refused, as pip would refuse them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// An option pip does not know.
    #[error(
        "unknown option {0:?}: pip would reject this file (see `pip install --help` for the \
         options a requirements file may hold)"
    )]
    Unknown(String),
    /// An option pip no longer accepts, with what to do instead.
    #[error("{0}")]
    Removed(&'static str),
    /// A prefix of several long options.
    #[error("ambiguous option: {name} (could be {})", .candidates.join(", "))]
    Ambiguous {
        /// The prefix as written.
        name: String,
        /// The options it could be.
        candidates: Vec<&'static str>,
    },
    /// `--flag=value` for a flag.
    #[error("{0} option does not take a value")]
    TakesNoValue(&'static str),
    /// An option without its value.
    #[error("{0} option requires a value")]
    NeedsValue(&'static str),
    /// A bad `--hash` value.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// `-C` without `KEY=VALUE`.
    #[error("{name} {value:?}: arguments to {name} must be of the form KEY=VALUE")]
    ConfigSettings {
        /// The option as spelled.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// A package-set option whose value is another option.
    #[error("{name} needs a value (:all:, :none: or package names), not {value:?}")]
    PackageSet {
        /// The option as spelled.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

/// The options of one line that matter to the bound, in pip's terms.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LineOptions {
    /// `-r` values, in order (pip follows only the first).
    pub requirements: Vec<String>,
    /// `-c` values, in order (pip follows only the first, and only without `-r`).
    pub constraints: Vec<String>,
    /// `-e` values, in order (pip takes only the first).
    pub editables: Vec<String>,
    /// `--hash` values.
    pub hashes: Vec<RequirementHash>,
}

/// Parse a line's option words (already split like a shell would).
pub fn parse(words: &[String]) -> Result<LineOptions, OptionError> {
    let mut out = LineOptions::default();
    let mut rest = words.iter().map(String::as_str).peekable();
    while let Some(word) = rest.next() {
        if word == "--" {
            break;
        }
        let (name, spec, inline) = if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let (name, spec) = long_option(&format!("--{name}"))?;
            (name, spec, inline)
        } else if word.len() > 1 && word.starts_with('-') {
            let mut chars = word.chars();
            chars.next();
            let flag = chars.next().map(|c| format!("-{c}")).unwrap_or_default();
            let (name, spec) = OPTIONS
                .iter()
                .find_map(|s| s.0.iter().find(|n| **n == flag).map(|n| (*n, s)))
                .ok_or_else(|| OptionError::Unknown(flag.clone()))?;
            // Every short option takes a value: the rest of the word is it.
            let attached = chars.as_str();
            (
                name,
                spec,
                (!attached.is_empty()).then(|| attached.to_string()),
            )
        } else {
            // Not an option: pip's optparse collects it and pip ignores it.
            continue;
        };
        let (_, shape, effect) = *spec;
        let value = match (shape, inline) {
            (Shape::Flag, Some(_)) => return Err(OptionError::TakesNoValue(name)),
            (Shape::Flag, None) => continue,
            (Shape::Value, Some(v)) => v,
            (Shape::Value, None) => rest
                .next()
                .map(str::to_string)
                .ok_or(OptionError::NeedsValue(name))?,
        };
        match effect {
            Effect::Requirement => out.requirements.push(value),
            Effect::Constraint => out.constraints.push(value),
            Effect::Editable => out.editables.push(value),
            Effect::Hash => out.hashes.push(value.parse()?),
            Effect::ConfigSettings if !value.contains('=') => {
                return Err(OptionError::ConfigSettings { name, value })
            }
            Effect::PackageSet if value.starts_with('-') => {
                return Err(OptionError::PackageSet { name, value })
            }
            Effect::ConfigSettings | Effect::PackageSet | Effect::Ignored => {}
        }
    }
    Ok(out)
}

type Spec = (&'static [&'static str], Shape, Effect);

/// A long option by its name or an unambiguous prefix of one, as optparse
/// matches them (an exact name wins: `--pre` is not `--prefer-binary`).
/// Returns the full name and the option.
fn long_option(name: &str) -> Result<(&'static str, &'static Spec), OptionError> {
    let spellings = || {
        OPTIONS
            .iter()
            .flat_map(|spec| spec.0.iter().map(move |n| (*n, spec)))
            .filter(|(n, _)| n.starts_with("--"))
    };
    if let Some(found) = spellings().find(|(n, _)| *n == name) {
        return Ok(found);
    }
    let matches: Vec<(&str, &Spec)> = spellings().filter(|(n, _)| n.starts_with(name)).collect();
    match matches.as_slice() {
        [found] => Ok(*found),
        [] => Err(match REMOVED.iter().find(|(n, _)| *n == name) {
            Some((_, why)) => OptionError::Removed(why),
            None => OptionError::Unknown(name.to_string()),
        }),
        many => Err(OptionError::Ambiguous {
            name: name.to_string(),
            candidates: many.iter().map(|(n, _)| *n).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn every_spelling_and_shape() {
        let o = parse(&words(
            "-rreq.txt --requirement=b.txt -c c.txt --constraint=d -e ./x --editable=./y",
        ))
        .unwrap();
        assert_eq!(o.requirements, ["req.txt", "b.txt"]);
        assert_eq!(o.constraints, ["c.txt", "d"]);
        assert_eq!(o.editables, ["./x", "./y"]);
        // Short options keep a leading `=` in the value, as optparse does.
        assert_eq!(parse(&words("-r=x")).unwrap().requirements, ["=x"]);
        for line in [
            "-i https://i --index-url=https://i --pypi-url https://i -ihttps://i",
            "--extra-index-url https://e --no-index -f ./links --find-links=./l",
            "--no-binary :all: --only-binary=:none: --prefer-binary --require-hashes",
            "--no-require-hashes --pre --all-releases a,b --only-final :all:",
            "--trusted-host h --use-feature=fast-deps --global-option=x -C k=v --config-settings k=v",
            "--prefer-binary :all:",
            "--extra-index https://e --prefer",
            "--no-index -- --not-an-option",
        ] {
            assert_eq!(parse(&words(line)), Ok(LineOptions::default()), "{line}");
        }
    }

    #[test]
    fn what_pip_refuses() {
        for (line, why) in [
            ("--frobnicate", "unknown option \"--frobnicate\""),
            ("-x y", "unknown option \"-x\""),
            ("--no", "ambiguous option: --no"),
            ("--pre=1", "--pre option does not take a value"),
            ("--index-url", "--index-url option requires a value"),
            ("-e", "-e option requires a value"),
            ("--hash=md5:00", "unknown hash algorithm \"md5\""),
            ("--hash nocolon", "ALGORITHM:DIGEST"),
            ("-C novalue", "KEY=VALUE"),
            ("--no-binary --pre", "needs a value"),
            ("--install-option=--x", "pip 23.1 removed --install-option"),
            ("--progress-bar off", "unknown option"),
        ] {
            let e = parse(&words(line)).unwrap_err().to_string();
            assert!(e.contains(why), "{line}: {e}");
        }
        let o = parse(&words("--hash=sha256:AB --hash sha512:cd")).unwrap();
        assert_eq!(o.hashes.len(), 2);
    }
}
