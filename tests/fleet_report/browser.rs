//! Headless Chromium for the page tests: Debian's `chromium`, installed
//! with apt-get when missing (it cannot run from a `dpkg -x` tree: it
//! needs its shared libraries and sandbox helpers in place), each run with
//! a fresh profile and a time limit, so a page that hangs fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::*;

/// Debian's Chromium, or `None` (with the reason through `skip_or_fail`).
pub fn chromium() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = PathBuf::from("/usr/bin/chromium");
        if !bin.is_file() {
            install();
        }
        if bin.is_file() {
            Some(bin)
        } else {
            skip_or_fail(
                "no /usr/bin/chromium, and `apt-get install chromium` did not provide one",
            );
            None
        }
    })
    .clone()
}

/// `apt-get install -y --no-install-recommends chromium`, as root only
/// (the tests never ask for a password); `apt-get update` first if the
/// package is unknown.
fn install() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return;
    }
    let get = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !get() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        get();
    }
}

/// A headless Chromium command with a fresh profile under `scratch`.
fn headless(bin: &Path, scratch: &Path) -> Command {
    let profile = tempfile::Builder::new()
        .prefix("chromium-profile-")
        .tempdir_in(scratch)
        .unwrap()
        .keep();
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-extensions",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .env("HOME", scratch);
    c
}

/// Run `c` to completion within `limit`, returning stdout; panics (the
/// browser killed) if it takes longer or fails.
fn run_limited(mut c: Command, limit: Duration) -> String {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = reader.join().unwrap();
            assert!(status.success(), "chromium failed ({status})");
            return out;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The DOM of `page` opened at `#hash`, after its scripts ran.
pub fn dump_dom(bin: &Path, scratch: &Path, page: &Path, hash: &str) -> String {
    let mut c = headless(bin, scratch);
    c.arg("--dump-dom").arg(file_url(page, hash));
    run_limited(c, Duration::from_secs(90))
}

/// A PNG of `page` at `#hash`, `width`×`height`, written to `png`.
pub fn screenshot(
    bin: &Path,
    scratch: &Path,
    page: &Path,
    hash: &str,
    png: &Path,
    size: (u32, u32),
) {
    let mut c = headless(bin, scratch);
    c.arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(file_url(page, hash));
    run_limited(c, Duration::from_secs(90));
}

fn file_url(page: &Path, hash: &str) -> String {
    let path = page.to_str().expect("UTF-8 scratch path");
    format!("file://{path}#{hash}")
}

/// The `data-*` attribute `attr` of the element with `id` in a dumped DOM.
pub fn attr(dom: &str, id: &str, attr: &str) -> Option<String> {
    let start = dom.find(&format!("id=\"{id}\""))?;
    let tag_start = dom[..start].rfind('<')?;
    let tag_end = start + dom[start..].find('>')?;
    let tag = &dom[tag_start..tag_end];
    let key = format!("{attr}=\"");
    let v = tag.find(&key)? + key.len();
    Some(tag[v..v + tag[v..].find('"')?].to_string())
}

/// The text of each cell of each body row of the table, from a dumped DOM
/// (cells hold text only, or one badge span).
pub fn rows(dom: &str) -> Vec<Vec<String>> {
    let body = &dom[dom.find("<tbody>").expect("tbody")..];
    let body = &body[..body.find("</tbody>").expect("/tbody")];
    body.split("<tr")
        .skip(1)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|td| {
                    let inner = &td[td.find('>').unwrap() + 1..td.find("</td>").unwrap()];
                    strip_tags(inner)
                })
                .collect()
        })
        .collect()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}
