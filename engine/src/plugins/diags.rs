//! What plugins report: every way a plugin can fail to run (each becomes a
//! [`CheckFailure`] naming the plugin and the reason, so validation fails
//! closed) and the conversion of verdicts into [`Diagnostic`]s.

use std::path::PathBuf;

use crate::diag::{Action, CheckFailure, CheckId, Code, Diagnostic, DistRef, Severity};

/// Why a plugin could not run. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not WebAssembly at all.
    #[error("not a WebAssembly file (no `\\0asm` header)")]
    NotWasm,
    /// A core module, not a component.
    #[error("a core WebAssembly module, not a component: build plugins with `cargo run -p fetter-plugin-build` (or `wasm-tools component new`)")]
    NotAComponent,
    /// Unparseable bytes.
    #[error("malformed component: {0}")]
    Malformed(String),
    /// No `fetter:policy/evaluator` export.
    #[error("exports no `fetter:policy/evaluator` interface: it is not a fetter policy plugin")]
    NoEvaluator,
    /// ABI major version differs from the host's.
    #[error("built for plugin ABI {plugin}, but this fetter runs ABI {host}: rebuild the plugin against fetter-plugin-sdk for ABI {host}, or use a fetter that supports ABI {plugin}")]
    AbiMismatch {
        /// The plugin's ABI.
        plugin: String,
        /// The host's ABI.
        host: String,
    },
    /// Imports something the sandbox does not grant (WASI, …).
    #[error("imports `{import}`, which the sandbox does not grant (plugins may import only `fetter:policy/host`, no WASI): {advice}")]
    ForbiddenImport {
        /// The import name.
        import: String,
        /// Which toolchain flag removes it.
        advice: String,
    },
    /// The manifest pinned another hash.
    #[error("sha256 mismatch: the manifest pins {expected} but the file is {actual}; refusing to run it (update the pin only if you trust the new file)")]
    HashMismatch {
        /// From the manifest.
        expected: String,
        /// Of the file.
        actual: String,
    },
    /// Compilation or instantiation failed.
    #[error("cannot load: {0}")]
    Load(String),
    /// The time limit was reached.
    #[error("timed out after {seconds} s during {during} (limit: --plugin-timeout)")]
    Timeout {
        /// The limit.
        seconds: f64,
        /// `evaluate`, `configure`, …
        during: &'static str,
    },
    /// The memory limit was reached.
    #[error("exceeded its memory limit of {limit_mib} MiB during {during} (asked for {requested_mib} MiB; limit: --plugin-memory)")]
    MemoryLimit {
        /// The limit.
        limit_mib: u64,
        /// What it asked for.
        requested_mib: u64,
        /// `evaluate`, `configure`, …
        during: &'static str,
    },
    /// Instantiating would create more instances, memories or tables than
    /// the sandbox allows.
    #[error("would create more than {limit} {what} during {during}, the sandbox's limit: refusing to run it (a plugin built with fetter-plugin-sdk needs {typical}; link fewer modules into the component)", limit = what.limit(), typical = what.typical())]
    CountLimit {
        /// What there were too many of.
        what: SandboxCount,
        /// `instantiation`, …
        during: &'static str,
    },
    /// A trap (panic, unreachable, out-of-bounds access, …).
    #[error("crashed during {during}: {trap}{}", panic.as_ref().map(|p| format!(" ({p})")).unwrap_or_default())]
    Trap {
        /// `evaluate`, `configure`, …
        during: &'static str,
        /// The trap.
        trap: String,
        /// The panic message the plugin logged, if any.
        panic: Option<String>,
    },
    /// `configure` returned an error.
    #[error("rejected its settings: {0}")]
    SettingsRejected(String),
    /// `evaluate` returned an error.
    #[error("could not evaluate: {0}")]
    EvaluateFailed(String),
    /// A verdict names a distribution that does not exist.
    #[error("returned a verdict for distribution #{index}, but the inventory has {count} distributions (a bug in the plugin)")]
    BadDistribution {
        /// The index given.
        index: u32,
        /// How many there are.
        count: usize,
    },
    /// A verdict with an unusable rule id.
    #[error("returned a verdict with an invalid rule id {rule:?} (expected `<plugin>/<rule>`, lowercase, no spaces)")]
    BadRule {
        /// The rule id given.
        rule: String,
    },
    /// Far more verdicts than distributions.
    #[error("returned {count} verdicts for {distributions} distributions (limit {limit}): refusing to report them")]
    TooManyVerdicts {
        /// Verdicts returned.
        count: usize,
        /// Distributions in the inventory.
        distributions: usize,
        /// The limit.
        limit: usize,
    },
}

/// The things the sandbox counts, each with a fixed limit per plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxCount {
    /// Core WebAssembly instances.
    Instances,
    /// Linear memories defined (not imported).
    Memories,
    /// Tables defined (not imported).
    Tables,
}

impl SandboxCount {
    /// The limit per plugin.
    pub fn limit(self) -> usize {
        match self {
            SandboxCount::Instances => MAX_INSTANCES,
            SandboxCount::Memories => MAX_MEMORIES,
            SandboxCount::Tables => MAX_TABLES,
        }
    }

    /// What a plugin built with the SDK uses, for the error message.
    fn typical(self) -> usize {
        match self {
            SandboxCount::Instances => 3,
            SandboxCount::Memories => 1,
            SandboxCount::Tables => 2,
        }
    }
}

impl std::fmt::Display for SandboxCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SandboxCount::Instances => "core WebAssembly instances",
            SandboxCount::Memories => "linear memories",
            SandboxCount::Tables => "tables",
        })
    }
}

/// Most core WebAssembly instances one plugin may create. A Rust plugin
/// needs 3; a Python component built with componentize-py is linked from
/// a dozen shared libraries, each an instance, plus the shims between
/// them (11 to 20 measured with componentize-py 0.25; 38 reported for
/// other builds), so this leaves room for such toolchains while staying
/// far below wasmtime's default of 10,000.
pub const MAX_INSTANCES: usize = 128;
/// Most linear memories one plugin may define (`--plugin-memory` limits
/// them together). Rust and componentize-py plugins define 1.
pub const MAX_MEMORIES: usize = 4;
/// Most tables one plugin may define (Rust and componentize-py plugins
/// define 2: the function table and wit-component's shim table).
pub const MAX_TABLES: usize = 16;

/// The `check` of everything a plugin reports: `plugin:<name>`.
pub fn check_name(plugin: &str) -> CheckId {
    CheckId::Plugin(plugin.to_string())
}

/// A plugin failure as the sink's [`CheckFailure`].
pub fn failure(plugin: &str, source: &str, error: &PluginError) -> CheckFailure {
    CheckFailure {
        check: check_name(plugin),
        source: source.to_string(),
        message: format!("plugin `{plugin}` {error}"),
        environment: None,
    }
}

/// A verdict about `dist`, seen from the environment at `environment`, as
/// the sink's [`Diagnostic`].
#[allow(clippy::too_many_arguments)]
pub fn diagnostic(
    plugin: &str,
    rule: &str,
    severity: Severity,
    action: Action,
    message: &str,
    suggestion: Option<&str>,
    environment: PathBuf,
    dist: DistRef,
) -> Diagnostic {
    Diagnostic {
        code: Code::Rule(sanitize(rule, 200)),
        check: check_name(plugin),
        severity,
        action,
        environment,
        distribution: Some(dist),
        requirement: None,
        message: sanitize(message, MAX_TEXT),
        suggestion: suggestion.map(|s| sanitize(s, MAX_TEXT)),
    }
}

/// Longest message or suggestion kept from a plugin, in characters.
pub const MAX_TEXT: usize = 2000;

/// Plugin text goes to terminals and reports: control characters are shown
/// as escapes (no forged lines or ANSI escapes; [`crate::escape`]) and the
/// length is capped at `max_chars` characters of the escaped text.
pub fn sanitize(text: &str, max_chars: usize) -> String {
    let escaped = crate::escape::escape(text);
    let mut out: String = escaped.chars().take(max_chars).collect();
    if escaped.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

pub use crate::escape::is_unsafe_for_terminal;

/// A rule id fit to be a diagnostic code: non-empty, at most 200 bytes of
/// lowercase ASCII letters, digits and `-_./`.
pub fn valid_rule(rule: &str) -> bool {
    !rule.is_empty()
        && rule.len() <= 200
        && rule
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_terminal_escapes() {
        assert_eq!(sanitize("a\x1b[31mb\nc", 100), "a\\x1b[31mb\\x0ac");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(
            sanitize("ok\u{202e}txt.exe\u{2066}", 100),
            "ok\\u202etxt.exe\\u2066"
        );
    }

    #[test]
    fn rule_ids() {
        assert!(valid_rule("typosquat/omitted-char"));
        assert!(!valid_rule(""));
        assert!(!valid_rule("Has Space"));
    }

    #[test]
    fn failures_name_the_plugin_and_both_versions() {
        let e = PluginError::AbiMismatch {
            plugin: "2.0.0".into(),
            host: "1.0.0".into(),
        };
        let f = failure("t", "t.wasm", &e);
        assert_eq!(f.check, CheckId::Plugin("t".into()));
        assert_eq!(f.check.to_string(), "plugin:t");
        assert!(
            f.message.contains("2.0.0") && f.message.contains("1.0.0"),
            "{}",
            f.message
        );
    }
}
