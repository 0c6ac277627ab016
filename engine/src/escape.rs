//! Showing untrusted text on a terminal: the one escaping function every
//! table, CSV row, warning and plugin message goes through.
//!
//! Names, versions, paths and RECORD lines come from files anyone may have
//! written. A control character in them could clear the screen, move the
//! cursor over a line already printed (`ESC[2K\r` makes a planned deletion
//! display as `innocent.py`) or reorder what a line shows (the Unicode
//! bidirectional controls, "Trojan Source"). Here every such character is
//! shown as text instead: `\x1b` for C0 controls and DEL, `\u202e` for the
//! C1 controls and the invisible format characters, and `\xe9` for each byte
//! of a file name that is not UTF-8. JSON output carries the exact value and
//! is never escaped here.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

/// Characters never written raw to a terminal: C0 and C1 controls and DEL
/// (ANSI escapes, forged newlines), the Unicode bidirectional controls
/// (a line that displays in another order than it reads), the line and
/// paragraph separators, and the zero-width characters that hide a
/// difference between two names that look alike.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `text` with every character of [`is_unsafe_for_terminal`] shown as an
/// escape (`\x1b`, `\u202e`); borrowed when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if !is_unsafe_for_terminal(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
}

/// A file name or path (any bytes on Unix) shown like [`escape`], each byte
/// that is not part of valid UTF-8 as `\xHH`: a distinct name is never
/// displayed as another, as the replacement character would make it.
pub fn escape_os(text: &OsStr) -> Cow<'_, str> {
    match text.to_str() {
        Some(s) => escape(s),
        None => {
            let bytes = text.as_encoded_bytes();
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                push_escaped(&mut out, chunk.valid());
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

/// `text` cut to at most `max` display columns, the middle replaced by `…`
/// (the start and the end of a path or version are what tell it apart).
/// A zero-width character counts as one column, so a run of combining marks
/// is capped too. Call on escaped text.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    let width = |c: char| c.width().unwrap_or(0).max(1);
    if text.len() <= max || text.chars().map(width).sum::<usize>() <= max {
        return Cow::Borrowed(text);
    }
    let budget = max.saturating_sub(1);
    let head_budget = budget.div_ceil(2);
    let tail_budget = budget - head_budget;
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + width(c) > head_budget {
            break;
        }
        used += width(c);
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        if used + width(c) > tail_budget {
            break;
        }
        used += width(c);
        tail.push(c);
    }
    head.push('…');
    head.extend(tail.into_iter().rev());
    Cow::Owned(head)
}

/// Longest value quoted in a warning, in display columns.
pub const MAX_QUOTED: usize = 80;

/// A value from a file quoted in a warning: escaped, in double quotes, and
/// shortened to [`MAX_QUOTED`] columns (a 200,000-character version must not
/// make a 200,000-character warning; the JSON inventory keeps the value).
pub fn quote(value: &str) -> String {
    format!("\"{}\"", shorten(&escape(value), MAX_QUOTED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn escapes_controls_bidi_and_invalid_bytes() {
        assert_eq!(escape("plain é 日本"), "plain é 日本");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\x1b[2K\rb\x7f"), "a\\x1b[2K\\x0db\\x7f");
        assert_eq!(escape("ok\u{202e}txt\u{85}"), "ok\\u202etxt\\u0085");
        assert_eq!(
            escape_os(OsStr::from_bytes(b"caf\xe9-1.0\x1b.dist-info")),
            "caf\\xe9-1.0\\x1b.dist-info"
        );
    }

    #[test]
    fn shortens_in_the_middle() {
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefgh", 5), "ab…gh");
        assert_eq!(shorten("日本日本日本", 5), "日…本");
        let long = "1".repeat(200_000);
        assert_eq!(quote(&long).chars().count(), MAX_QUOTED + 2);
    }
}
