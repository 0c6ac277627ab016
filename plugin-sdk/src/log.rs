//! The plugin's one window on the world: log lines, shown by the host on
//! stderr prefixed with the plugin's name.

pub use crate::bindings::fetter::policy::host::LogLevel;

/// Send a log line to the host. Natively (in a plugin's unit tests) it goes
/// to stderr.
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::bindings::fetter::policy::host::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[{level:?}] {message}");
}

/// Log at debug level (shown by the host only when asked to be verbose).
pub fn debug(message: &str) {
    log(LogLevel::Debug, message)
}

/// Log at info level.
pub fn info(message: &str) {
    log(LogLevel::Info, message)
}

/// Log at warning level.
pub fn warn(message: &str) {
    log(LogLevel::Warn, message)
}

/// Log at error level.
pub fn error(message: &str) {
    log(LogLevel::Error, message)
}
