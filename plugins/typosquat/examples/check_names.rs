//! Judges names read from stdin, one a line, as the plugin would (with the
//! embedded known-name list), and prints the flagged ones:
//! `name<TAB>rule<TAB>target<TAB>rank`.
//!
//! ```text
//! zcat pypi-names.txt.gz | cargo run -p fetter-plugin-typosquat --example check_names
//! ```

use std::io::{BufRead, Write};

use fetter_plugin_typosquat::corpus::top_pypi;
use fetter_plugin_typosquat::detect::Scratch;
use fetter_plugin_typosquat::Detector;

fn main() {
    let detector = Detector::new(top_pypi(), &[]);
    let mut scratch = Scratch::default();
    let mut out = std::io::stdout().lock();
    let (mut total, mut flagged) = (0usize, 0usize);
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("names on stdin, UTF-8, one a line");
        let name = line.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        total += 1;
        if let Some(f) = detector.check_with(name, &mut scratch) {
            flagged += 1;
            let rank = f.rank.map_or("-".to_string(), |r| r.to_string());
            writeln!(out, "{name}\t{}\t{}\t{rank}", f.rule.id(), f.target).expect("stdout");
        }
    }
    eprintln!("{flagged}/{total} flagged");
}
