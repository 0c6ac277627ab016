//! Where and how command output is written.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use fetter::report::display_path;
use fetter::report::render::{self, Format, Render};
use fetter::Inventory;

/// How many warnings are printed before the rest is summarised.
const MAX_WARNINGS_SHOWN: usize = 20;

/// True when output to stdout may be styled: a terminal, and `NO_COLOR`
/// (no-color.org) unset or empty.
pub fn color_stdout() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Bytes written per `write`: a scan of a big site prints megabytes of
/// JSON, and the default 8 KiB (split again at newlines by stdout's line
/// buffering) made thousands of system calls of it.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Print `report` in `format` to `-o FILE` or stdout: what every command
/// that reports does last. A closed pipe is not an error ([`finish`]).
pub fn print(
    report: &dyn Render,
    format: impl Into<Format>,
    path: Option<&PathBuf>,
) -> anyhow::Result<()> {
    print_to(report, format.into(), path, true)
}

/// [`print`] to stdout, never styled: for the commands (purges, `plugin
/// info`, `policy list|inspect`) whose tables have always been plain text.
pub fn print_plain(report: &dyn Render, format: impl Into<Format>) -> anyhow::Result<()> {
    print_to(report, format.into(), None, false)
}

fn print_to(
    report: &dyn Render,
    format: Format,
    path: Option<&PathBuf>,
    styled: bool,
) -> anyhow::Result<()> {
    let mut out = open_styled(path, styled)?;
    let result = render::write(report, format, &mut out).and_then(|_| out.flush());
    finish(result, path.map(PathBuf::as_path))
}

/// Open `-o FILE`, or stdout; tables are styled only on a terminal.
pub fn open(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    open_styled(path, true)
}

/// [`open`], styling tables only when `styled` (and on a terminal).
fn open_styled(path: Option<&PathBuf>, styled: bool) -> anyhow::Result<Box<dyn Write>> {
    if styled {
        fetter::report::table::set_color(path.is_none() && color_stdout());
    }
    Ok(match path {
        Some(p) => Box::new(BufWriter::with_capacity(
            OUTPUT_BUFFER,
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(OUTPUT_BUFFER, stdout())),
    })
}

/// Standard output that treats a closed pipe as the end of the output
/// rather than an error: `fetter scan | head -1` must not fail, and a
/// purge whose plan is piped into a closed reader must carry on exactly as
/// it would have (its exit code says what happened, not the pipe).
pub fn stdout() -> ClosedPipeOk<io::StdoutLock<'static>> {
    ClosedPipeOk::new(io::stdout().lock())
}

/// A writer that, once its reader has gone (`EPIPE`), accepts and drops
/// everything written after, as ripgrep does.
#[derive(Debug)]
pub struct ClosedPipeOk<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> ClosedPipeOk<W> {
    /// Wrap `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            closed: false,
        }
    }

    fn absorb<T>(&mut self, r: io::Result<T>, ok: T) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(ok)
            }
            r => r,
        }
    }
}

impl<W: Write> Write for ClosedPipeOk<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.absorb(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.absorb(r, ())
    }
}

/// True when `e` (or what caused it) is a write into a closed pipe.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `println!` and `eprintln!` panic when their pipe is closed; the work
/// they report on is done by then (they are the last thing a command
/// does), so such a panic ends the process quietly with success. Every
/// other panic goes to the default hook.
pub fn exit_quietly_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        let epipe = io::Error::from_raw_os_error(libc::EPIPE).to_string();
        let printing = message.starts_with("failed printing to stdout")
            || message.starts_with("failed printing to stderr");
        if printing && message.ends_with(&epipe) {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Longest warning message printed, in display columns (the JSON
/// inventory has it in full).
const MAX_WARNING_WIDTH: usize = 400;

/// Print the scan's warnings on stderr, the first few, escaped and capped
/// (a warning quotes file contents: [`fetter::escape`]).
pub fn print_warnings(inv: &Inventory) {
    let mut err = io::stderr().lock();
    for w in inv.warnings.iter().take(MAX_WARNINGS_SHOWN) {
        let message = fetter::report::table::cell(&w.message, MAX_WARNING_WIDTH);
        let _ = writeln!(err, "warning: {}: {message}", display_path(&w.path));
    }
    if inv.warnings.len() > MAX_WARNINGS_SHOWN {
        let _ = writeln!(
            err,
            "warning: {} more warnings; `fetter scan --format json` lists them all",
            inv.warnings.len() - MAX_WARNINGS_SHOWN
        );
    }
}

/// Finish writing: a closed pipe (`fetter scan | head`) is not an error.
pub fn finish(result: io::Result<()>, out: Option<&Path>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).with_context(|| match out {
            Some(p) => format!("cannot write {}", p.display()),
            None => "cannot write to stdout".to_string(),
        }),
        Ok(()) => Ok(()),
    }
}

/// `impl From<$command_format> for Format`: each `--format` value of a
/// command is the [`Format`] variant of the same name.
macro_rules! format_values {
    ($ty:ident { $($v:ident),+ $(,)? }) => {
        impl From<$ty> for fetter::report::render::Format {
            fn from(f: $ty) -> Self {
                match f {
                    $($ty::$v => fetter::report::render::Format::$v,)+
                }
            }
        }
    };
}
pub(crate) use format_values;
