//! insta settings for snapshots of CLI text (tables, plans, messages):
//! the scratch directory a test ran in is redacted, so a snapshot holds
//! only what fetter decided to print. Snapshots live in `snapshots/` beside
//! the test's file, named by the test (no module prefix); review a change
//! with `cargo insta review` and commit it. Under `CI=true` insta never
//! writes one: a missing or different snapshot fails the test.

use std::path::Path;

/// Settings redacting `scratch` (as `[SCRATCH]`); more filters can be
/// added before `bind`.
pub fn settings(scratch: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&escape(&scratch.to_string_lossy()), "[SCRATCH]");
    s.set_prepend_module_to_snapshot(false);
    s
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
