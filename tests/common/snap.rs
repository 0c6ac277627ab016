//! insta settings and transcripts for snapshots of CLI text (tables,
//! plans, messages): what changes from one machine or run to the next
//! (scratch directories, the Python version, durations, hashes, fetter's
//! own version) is redacted, so a snapshot holds only what fetter decided
//! to print. Snapshots live in `snapshots/` beside the test's file, named
//! by the test (no module prefix, so names carry their area: `cli_…`);
//! review a change by reading the `.snap.new` file (or `cargo insta
//! review`) and commit it. Under `CI=true` insta never writes one: a
//! missing or different snapshot fails the test.

use std::path::Path;
use std::process::{Command, Output};

/// Settings redacting `scratch` (as `[SCRATCH]`); more filters can be
/// added before `bind`.
pub fn settings(scratch: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&escape(&scratch.to_string_lossy()), "[SCRATCH]");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// [`settings`] plus every redaction a whole CLI output needs: any e2e
/// scratch directory, the binary's path, the repository's checkout, the
/// Python version in site paths and banners, durations and ages, SHA-256 digests,
/// quarantine ids, loopback ports and fetter's version. Filters apply in order, so the
/// more specific come first.
pub fn redacted(scratch: &Path) -> insta::Settings {
    let mut s = settings(scratch);
    let tmp = escape(env!("CARGO_TARGET_TMPDIR"));
    s.add_filter(&format!("{tmp}/e2e-[A-Za-z0-9]+"), "[SCRATCH]");
    s.add_filter(&escape(&super::fetter_bin().to_string_lossy()), "[FETTER]");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    s.add_filter(&escape(&repo.to_string_lossy()), "[REPO]");
    if let Ok(real) = repo.canonicalize() {
        s.add_filter(&escape(&real.to_string_lossy()), "[REPO]");
    }
    s.add_filter(r"python3\.\d+", "python3.X");
    s.add_filter(r"Python 3\.\d+\.\d+", "Python 3.X.Y");
    s.add_filter(r"cpython-3\d+", "cpython-3X");
    s.add_filter(r"\b[0-9a-f]{64}\b", "[SHA256]");
    // A compile cache entry: the plugin's sha256, then the engine's hash.
    s.add_filter(r"\[SHA256\]-[0-9a-f]{16}\.cwasm", "[SHA256]-[ENGINE].cwasm");
    s.add_filter(r"\b\d{8}T\d{6}Z-[0-9a-f]{8}\b", "[QUARANTINE-ID]");
    s.add_filter(r"\bpid \d+", "pid [PID]");
    s.add_filter(r"\b(127\.0\.0\.1|0\.0\.0\.0|localhost):\d+", "$1:[PORT]");
    s.add_filter(r"\b\d+(\.\d+)?\s?(ns|µs|us|ms)\b", "[DURATION]");
    // The age of a database or a pin: `age      3s`, `is 9218d 21h old`.
    s.add_filter(r"(?m)^(age +)\d+[smhd]\b.*$", "${1}[AGE]");
    s.add_filter(r"\bis \d+d \d+h old\b", "is [AGE] old");
    s.add_filter(
        &format!(r"fetter {}\b", escape(env!("CARGO_PKG_VERSION"))),
        "fetter [VERSION]",
    );
    s
}

/// The runs of one test, as a user would read them in a terminal: each
/// with what it shows, the command line, the exit code, stdout and stderr.
/// Snapshot [`Transcript::text`] under [`redacted`] settings.
#[derive(Default)]
pub struct Transcript {
    text: String,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Run `c` and record it under the heading `what`; returns the output.
    pub fn run(&mut self, what: &str, c: &mut Command) -> Output {
        let out = super::run(c);
        self.record(what, c, &out);
        out
    }

    /// Record `out`, the output of `c`, under the heading `what`.
    pub fn record(&mut self, what: &str, c: &Command, out: &Output) {
        let args: Vec<_> = c.get_args().map(|a| a.to_string_lossy()).collect();
        self.text.push_str(&entry(
            what,
            &args.join(" "),
            out.status.code().unwrap_or(-1),
            &String::from_utf8_lossy(&out.stdout),
            &String::from_utf8_lossy(&out.stderr),
        ));
    }

    /// Record a run already taken apart: the arguments after `fetter`, the
    /// exit code, stdout and stderr.
    pub fn push(&mut self, what: &str, args: &str, code: i32, out: &str, err: &str) {
        self.text.push_str(&entry(what, args, code, out, err));
    }

    /// The transcript so far.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// One run in the transcript format of [`Transcript`].
pub fn entry(what: &str, args: &str, code: i32, out: &str, err: &str) -> String {
    format!("# {what}\n$ fetter {args}\n[exit {code}]\n--- stdout\n{out}--- stderr\n{err}\n")
}

/// `text` as a regular expression matching only itself.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
