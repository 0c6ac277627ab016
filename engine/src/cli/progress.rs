//! A spinner on stderr while a slow step runs, for people only.
//!
//! Shown only when stderr is a terminal, `--quiet` is off and the step has
//! already taken [`DELAY`]: a fast scan prints nothing and pipes and CI logs
//! never see escape codes. Nothing sleeps on the work's path: the spinner
//! lives on its own thread, which waits for the step to finish or the delay
//! to pass, whichever comes first, and the step never waits for it.

use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// How long a step runs before the spinner appears.
pub(super) const DELAY: Duration = Duration::from_millis(300);

/// A running spinner; dropping it (or [`Spinner::finish`]) clears it.
pub(super) struct Spinner {
    done: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Start a spinner saying `message`, if stderr is a terminal and not `quiet`.
    pub(super) fn start(message: &str, quiet: bool) -> Spinner {
        if quiet
            || !std::io::stderr().is_terminal()
            || std::env::var_os("TERM").is_some_and(|t| t == "dumb")
        {
            return Spinner {
                done: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let message = message.to_string();
        let thread = std::thread::spawn(move || {
            // Finished (or dropped) before the delay: never drawn.
            if !matches!(rx.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
                return;
            }
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_message(message);
            bar.enable_steady_tick(Duration::from_millis(100));
            let _ = rx.recv();
            bar.finish_and_clear();
        });
        Spinner {
            done: Some(tx),
            thread: Some(thread),
        }
    }

    /// Stop and clear the spinner before output is written.
    pub(super) fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop();
    }
}
