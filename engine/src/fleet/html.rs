//! The fleet report as one self-contained HTML page: no server, no
//! network, no CDN, opened from a file.
//!
//! Host text never becomes markup: the fleet is embedded as JSON in a
//! `<script type="application/json">` element with `<`, `>`, `&`, U+2028
//! and U+2029 written as `\uXXXX` escapes (so no host string can close the
//! element or start a comment), and the page's script renders it with
//! `textContent` only. A Content-Security-Policy allows no network access
//! and only the page's own script (by its hash), so even markup that did
//! slip through could neither run nor load anything.

use std::io::{self, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::fleet::Fleet;

/// The page around the data (`{{CSP}}`, `{{STYLE}}`, `{{DATA}}`, `{{SCRIPT}}`).
const TEMPLATE: &str = include_str!("page.html");
/// The page's style sheet.
const STYLE: &str = include_str!("page.css");
/// The page's script: reads the data, renders, sorts and filters.
const SCRIPT: &str = include_str!("page.js");

/// Write the page for `fleet`.
pub fn write(fleet: &Fleet, out: &mut dyn Write) -> io::Result<()> {
    let data = embeddable_json(fleet)?;
    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'"
    );
    // The template is split on its own markers, so nothing in the data is
    // ever taken for a marker.
    let mut rest = TEMPLATE;
    for (marker, value) in [
        ("{{CSP}}", csp.as_str()),
        ("{{STYLE}}", STYLE),
        ("{{DATA}}", data.as_str()),
        ("{{SCRIPT}}", SCRIPT),
    ] {
        let (before, after) = rest
            .split_once(marker)
            .expect("page.html holds every marker once, in order");
        out.write_all(before.as_bytes())?;
        out.write_all(value.as_bytes())?;
        rest = after;
    }
    out.write_all(rest.as_bytes())
}

/// The fleet as JSON that cannot end or break out of a `<script>`
/// element, nor terminate a JavaScript string in old engines: each of
/// `<`, `>`, `&`, U+2028, U+2029 written as a `\uXXXX` escape. These only
/// ever occur inside JSON strings, where the escape means the same
/// character, so `JSON.parse` gives back exactly the data.
pub fn embeddable_json(fleet: &Fleet) -> io::Result<String> {
    let json = serde_json::to_string(fleet).map_err(io::Error::from)?;
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assets_fit_the_template() {
        for marker in ["{{CSP}}", "{{STYLE}}", "{{DATA}}", "{{SCRIPT}}"] {
            assert_eq!(TEMPLATE.matches(marker).count(), 1, "{marker}");
        }
        // The script and style are inlined as is: they must not end their element.
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        // No network: nothing in the page names a remote resource.
        for asset in [TEMPLATE, STYLE, SCRIPT] {
            assert!(!asset.contains("http://") && !asset.contains("https://"));
        }
        // Rendering is by textContent only.
        assert!(!SCRIPT.contains("innerHTML") && !SCRIPT.contains("outerHTML"));
        assert!(!SCRIPT.contains("insertAdjacentHTML") && !SCRIPT.contains("document.write"));
    }

    #[test]
    fn embedded_json_has_no_markup_characters_and_parses_back() {
        let hostile = "</script><img src=x onerror=alert(1)> & \u{2028}\u{2029}";
        let mut fleet = crate::fleet::merge::merge(Vec::new());
        fleet.generator = hostile.to_string();
        let text = embeddable_json(&fleet).unwrap();
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!text.contains(bad), "{bad:?} in {text}");
        }
        let back: Fleet = serde_json::from_str(&text).unwrap();
        assert_eq!(back.generator, hostile);
    }
}
