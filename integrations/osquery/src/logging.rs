//! Log lines on stderr (osqueryd passes an extension's stderr through to
//! its own), from this crate, the osquery SDK and Thrift.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record) {
        if self.enabled(r.metadata()) {
            // Messages can carry text from package metadata or a peer:
            // escape control characters so a log line stays one line.
            let msg = r.args().to_string().escape_debug().to_string();
            let tag = if r.level() <= Level::Warn {
                format!("{} ", r.level())
            } else {
                String::new()
            };
            eprintln!("fetter-osquery: {tag}{msg}");
        }
    }

    fn flush(&self) {}
}

/// Send `log` records at `Info` (`Debug` when `verbose`) and above to stderr.
pub fn init(verbose: bool) {
    static LOGGER: Stderr = Stderr;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(if verbose {
            LevelFilter::Debug
        } else {
            LevelFilter::Info
        });
    }
}
