//! Drive each fetter parser with arbitrary bytes. Shared by the cargo-fuzz
//! targets (fuzz/fuzz_targets/*.rs) and the property tests
//! (tests/properties.rs), so both exercise exactly the same entry points.
//! A parser may return errors; it must not panic, hang or abort.
//! It builds against fetter without default features (no wasmtime, no
//! HTTP), as the fuzz crate does. The bound parsers' targets are in
//! packaging_harness.rs (fuzz/packaging/ builds fetter-packaging alone);
//! here they also run the engine's side of a bound.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

#[path = "packaging_harness.rs"]
mod packaging_harness;
pub use packaging_harness::{poetry_lock, pylock_toml, pyproject_toml, uv_lock};

use fetter::audit::osv::Record;
use fetter::audit::ranges::is_affected;
use fetter::bounds::markers::marker_environment;
use fetter::bounds::requirements::Parser;
use fetter::bounds::source::Location;
use fetter::diag::{Action, Severity};
use fetter::inventory::{
    Distribution, Environment, EnvironmentKind, Inventory, MetadataKind, SiteRef, SiteScope,
};
use fetter::plugins::diags::{self, MAX_TEXT};
use fetter::plugins::verdicts::{to_diagnostics, verdict_limit, RawVerdict};

/// A fuzz target: its name and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name (the fuzz binaries and `FETTER_FUZZ_TARGETS`).
pub const TARGETS: &[Target] = &[
    ("metadata", metadata),
    ("record", record),
    ("direct_url", direct_url),
    ("pyvenv", pyvenv),
    ("requirement", requirement),
    ("requirements_txt", requirements_txt),
    ("pyproject", pyproject_toml),
    ("uv_lock", uv_lock),
    ("poetry_lock", poetry_lock),
    ("pylock", pylock_toml),
    ("osv", osv),
    ("verdicts", verdicts),
    ("rpm_header", rpm_header),
    ("rpm_bdb", rpm_bdb),
];

use packaging_harness::text;

/// One package header of rpm's database (a `Packages.blob` of
/// `rpmdb.sqlite`), and the source package name of its `SOURCERPM`.
pub fn rpm_header(data: &[u8]) {
    use fetter::osowner::rpm::header;
    if let Ok(h) = header::parse(data) {
        let _ = h.evr();
        if let Some(s) = &h.source_rpm {
            let _ = header::source_name_version(s);
        }
    }
    let _ = header::source_name_version(&String::from_utf8_lossy(data));
    let _ = fetter::osowner::rpm::files::file_meta(data);
    // rpm's version ordering over two halves of the input.
    let (a, b) = data.split_at(data.len() / 2);
    if let (Ok(a), Ok(b)) = (
        String::from_utf8_lossy(a).parse::<fetter::audit::rpmver::Evr>(),
        String::from_utf8_lossy(b).parse::<fetter::audit::rpmver::Evr>(),
    ) {
        assert_eq!(
            a.cmp(&b),
            b.cmp(&a).reverse(),
            "rpm ordering is antisymmetric"
        );
    }
}

/// rpm's BerkeleyDB `Packages` hash, and each header it holds.
pub fn rpm_bdb(data: &[u8]) {
    use fetter::osowner::rpm::{bdb, files, header};
    let _ = bdb::each_header_in(data, |_, blob| {
        let _ = header::parse(blob);
        let _ = files::file_meta(blob);
    });
}

/// METADATA / PKG-INFO header block.
pub fn metadata(data: &[u8]) {
    let _ = fetter::inventory::metadata::parse_headers(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = fetter::inventory::metadata::parse_stem(s);
    }
}

/// RECORD (CSV), and resolving each entry against a site.
pub fn record(data: &[u8]) {
    if let Ok(entries) = fetter::inventory::record::parse_record(data) {
        for e in entries {
            let _ = e.resolve(Path::new("/site/lib/python3.12/site-packages"));
        }
    }
}

/// direct_url.json (PEP 610).
pub fn direct_url(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = fetter::inventory::direct_url::parse(s);
    }
}

/// pyvenv.cfg.
pub fn pyvenv(data: &[u8]) {
    let _ = fetter::discover::pyvenv::parse(&String::from_utf8_lossy(data));
}

fn environment(version: &str) -> Environment {
    serde_json::from_value(serde_json::json!({
        "prefix": "/e", "kind": "venv", "python_version": version,
        "interpreters": ["/e/bin/python3"], "sites": [], "externally_managed": false,
    }))
    .unwrap()
}

/// One PEP 508 requirement line (the fuzz target of fetter-packaging),
/// then its markers evaluated in an environment as the engine builds it
/// and the installed-version check the bounds check makes.
pub fn requirement(data: &[u8]) {
    if let Some(req) = packaging_harness::parse_requirement(data) {
        let env = marker_environment(&environment("3.12.1")).unwrap();
        let _ = req.requirement.evaluate_markers(&env, &[]);
        let _ = fetter::bounds::matching::version_satisfies(&req, "1.0");
        let _ = fetter::bounds::matching::version_satisfies(&req, "2.0rc1+local");
    }
}

/// A requirements file: its lines (the fuzz target of fetter-packaging),
/// then as the engine reads it, bare paths and `-e` values resolved.
/// Inputs naming http(s) are not given to the engine: an include would be
/// fetched from the network (fetch.rs has its own tests).
pub fn requirements_txt(data: &[u8]) {
    packaging_harness::requirements_txt(data);
    let t = text(data);
    if t.to_ascii_lowercase().contains("http") {
        return;
    }
    let env = |_: &str| None;
    let _ = Parser::new(&env).parse(&t, &Location::Path("/nonexistent/req.txt".into()), false);
}

/// One OSV record, then every range query the audit makes.
pub fn osv(data: &[u8]) {
    let Ok(rec) = serde_json::from_slice::<Record>(data) else {
        return;
    };
    let _ = rec.cvss_score();
    let _ = rec.fetter_severity();
    let _ = rec.is_malicious();
    for a in &rec.affected {
        for v in ["0", "1.0", "2.0rc1", "1!0.1.post2.dev3+x"] {
            let _ = is_affected(v, a);
        }
        if let Some(p) = &a.package {
            let _ = rec.fixed_versions(&fetter::names::normalize(&p.name));
        }
    }
}

/// Plugin verdicts as a plugin might return them, decoded from bytes (see
/// [`decode_verdicts`]), checked and turned into diagnostics as the host
/// does. Beyond not panicking: exactly the unusable answers are refused,
/// and every accepted one yields sanitized, bounded text, each verdict
/// reported once per environment that sees its distribution.
pub fn verdicts(data: &[u8]) {
    let (n, fail_on, raw) = decode_verdicts(data);
    let inv = verdict_inventory(n);
    // The expected refusal, worked out independently of the code under test.
    let refusal = if raw.len() > verdict_limit(n) {
        Some("too many")
    } else {
        raw.iter().find_map(|v| {
            if v.distribution as usize >= n {
                Some("distribution")
            } else if !rule_is_valid(&v.rule) {
                Some("rule")
            } else {
                None
            }
        })
    };
    let diagnostics = match to_diagnostics("fuzz", &raw, &inv, fail_on) {
        Err(e) => {
            let message = diags::failure("fuzz", "fuzz.wasm", &e).message;
            assert!(clean(&message), "unsanitized failure: {message:?}");
            let kind = match e {
                diags::PluginError::TooManyVerdicts { .. } => "too many",
                diags::PluginError::BadDistribution { .. } => "distribution",
                diags::PluginError::BadRule { .. } => "rule",
                other => panic!("unexpected error {other}"),
            };
            assert_eq!(Some(kind), refusal, "{message}");
            return;
        }
        Ok(d) => d,
    };
    assert_eq!(refusal, None, "accepted an answer to refuse");
    let mut out = diagnostics.iter();
    for v in &raw {
        let i = v.distribution as usize;
        for env in verdict_environments(i) {
            let d = out
                .next()
                .expect("a diagnostic per verdict and environment");
            assert_eq!(d.code.as_str(), v.rule);
            assert_eq!(d.check.to_string(), "plugin:fuzz");
            assert_eq!(d.environment, PathBuf::from(env));
            assert_eq!(d.severity, v.severity);
            let downgraded = fail_on.is_some_and(|t| v.severity < t);
            let action = if downgraded { Action::Warn } else { v.action };
            assert_eq!(d.action, action);
            let dist = d.distribution.as_ref().expect("names its distribution");
            assert_eq!(dist.name, inv.distributions[i].name);
            assert_sanitized(&d.message, &v.message);
            assert_eq!(d.suggestion.is_some(), v.suggestion.is_some());
            if let (Some(got), Some(given)) = (&d.suggestion, &v.suggestion) {
                assert_sanitized(got, given);
            }
        }
    }
    assert!(out.next().is_none(), "more diagnostics than verdicts");
}

/// No control character (so no ANSI escape, no forged line), no
/// bidirectional control and no invisible character reaches a terminal or
/// report.
fn clean(text: &str) -> bool {
    !text.chars().any(unsafe_char)
}

/// Written out here rather than calling fetter's own predicate, so the
/// oracle does not share a bug with what it checks: C0/C1 controls and
/// DEL, the bidirectional controls (ALM, LRM, RLM, embeddings, overrides,
/// isolates), the line and paragraph separators, and the invisible ones
/// that hide a difference between names (soft hyphen, Mongolian vowel
/// separator, zero-width space/joiners, word joiner and invisible
/// operators, BOM, interlinear annotation).
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c as u32,
            0x00ad
                | 0x061c
                | 0x180e
                | 0x200b..=0x200f
                | 0x2028..=0x202e
                | 0x2060..=0x2069
                | 0xfeff
                | 0xfff9..=0xfffb
        )
}

/// `got` is `given` with control and bidirectional characters shown as
/// escapes (`\x1b`, `\u202e`), cut at [`MAX_TEXT`] characters plus an
/// ellipsis.
fn assert_sanitized(got: &str, given: &str) {
    assert!(clean(got), "control character kept: {got:?}");
    let want: String = given
        .chars()
        .map(|c| match c as u32 {
            n if unsafe_char(c) && n < 0x80 => format!("\\x{n:02x}"),
            n if unsafe_char(c) => format!("\\u{n:04x}"),
            _ => c.to_string(),
        })
        .collect();
    let n = want.chars().count();
    let kept = n.min(MAX_TEXT);
    assert_eq!(got.chars().count(), kept + usize::from(n > MAX_TEXT));
    assert!(
        got.chars().take(kept).eq(want.chars().take(kept)),
        "{got:?} for {given:?}"
    );
    if n > MAX_TEXT {
        assert!(got.ends_with('…'), "cut without saying so");
    }
}

/// The rule-id grammar, restated: 1-200 bytes of `[a-z0-9._/-]`.
fn rule_is_valid(rule: &str) -> bool {
    (1..=200).contains(&rule.len())
        && rule
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/'))
}

/// Distribution `i` of [`verdict_inventory`] lives in site `/s{i % 3}`:
/// `/s0` is seen by environments `/e0` and `/e1`, `/s1` by `/e1`, `/s2` by
/// none (reported under the site itself).
fn verdict_environments(i: usize) -> &'static [&'static str] {
    match i % 3 {
        0 => &["/e0", "/e1"],
        1 => &["/e1"],
        _ => &["/s2"],
    }
}

/// `n` distributions over the sites of [`verdict_environments`].
fn verdict_inventory(n: usize) -> Inventory {
    let site = |path: &str, scope| SiteRef {
        path: path.into(),
        scope,
    };
    let env = |prefix: &str, sites| Environment {
        prefix: prefix.into(),
        kind: EnvironmentKind::Venv,
        python_version: None,
        interpreters: Vec::new(),
        sites,
        externally_managed: false,
        base_prefix: None,
        base_missing: false,
    };
    let e0 = env("/e0", vec![site("/s0", SiteScope::Own)]);
    let e1 = env(
        "/e1",
        vec![
            site("/s1", SiteScope::Own),
            site("/s0", SiteScope::Inherited),
        ],
    );
    let distributions = (0..n)
        .map(|i| Distribution {
            name: format!("Dist{i}"),
            normalized_name: fetter::names::PackageName::new(&format!("dist{i}")),
            version: "1.0".into(),
            version_valid: true,
            parsed_version: "1.0".parse().ok(),
            site: format!("/s{}", i % 3).into(),
            metadata_path: format!("/s{}/dist{i}-1.0.dist-info", i % 3).into(),
            metadata_kind: MetadataKind::DistInfo,
            installer: None,
            requested: false,
            direct_url: None,
            os_package: None,
        })
        .collect();
    Inventory {
        environments: vec![e0, e1],
        distributions,
        ..Inventory::default()
    }
}

const SEVERITIES: [Severity; 5] = [
    Severity::Info,
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

/// Bytes -> (distributions in the inventory, `fail-on`, verdicts).
///
/// Byte 0: distributions = bits 0-2 (0-7); bits 3-5 pick `fail-on` (0-4 a
/// severity, else none). Byte 1: pad, the verdicts are repeated cyclically
/// until `4 * pad` more are added (so the 1,000-verdict limit is reachable
/// from a short input). Then per verdict: an index byte (high bit set: a
/// little-endian u32 follows; else the low 7 bits), a flags byte (severity
/// = bits 0-2 modulo 5, bit 3 deny, bit 4 a suggestion follows), then the rule,
/// message and suggestion as strings: a length byte (255: a little-endian
/// u16 follows) and that many bytes, lossy UTF-8. Short input just ends
/// the list: every byte string decodes to something.
pub fn decode_verdicts(data: &[u8]) -> (usize, Option<Severity>, Vec<RawVerdict>) {
    let mut r = Reader(data);
    let header = r.byte().unwrap_or(0);
    let n = usize::from(header & 7);
    let fail_on = SEVERITIES.get(usize::from((header >> 3) & 7)).copied();
    let pad = usize::from(r.byte().unwrap_or(0)) * 4;
    let mut raw = Vec::new();
    while let Some(index) = r.byte() {
        let distribution = if index & 0x80 != 0 {
            u32::from_le_bytes([r.byte_or0(), r.byte_or0(), r.byte_or0(), r.byte_or0()])
        } else {
            u32::from(index)
        };
        let Some(flags) = r.byte() else { break };
        let rule = r.string();
        let message = r.string();
        let suggestion = (flags & 0x10 != 0).then(|| r.string());
        raw.push(RawVerdict {
            distribution,
            rule,
            severity: SEVERITIES[usize::from(flags & 7) % 5],
            action: if flags & 8 != 0 {
                Action::Deny
            } else {
                Action::Warn
            },
            message,
            suggestion,
        });
    }
    if !raw.is_empty() {
        let given = raw.len();
        for i in 0..pad {
            raw.push(raw[i % given].clone());
        }
    }
    (n, fail_on, raw)
}

/// The inverse of [`decode_verdicts`], for property tests: `n`
/// distributions (0-7), `fail_on` 0-4 a severity index, else none.
pub fn encode_verdicts(n: u8, fail_on: u8, pad: u8, verdicts: &[RawVerdict]) -> Vec<u8> {
    let mut out = vec![(n & 7) | ((fail_on & 7) << 3), pad];
    let string = |out: &mut Vec<u8>, s: &str| {
        let b = &s.as_bytes()[..s.len().min(usize::from(u16::MAX))];
        if b.len() < 255 {
            out.push(b.len() as u8);
        } else {
            out.push(255);
            out.extend_from_slice(&(b.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(b);
    };
    for v in verdicts {
        if v.distribution < 0x80 {
            out.push(v.distribution as u8);
        } else {
            out.push(0x80);
            out.extend_from_slice(&v.distribution.to_le_bytes());
        }
        let severity = SEVERITIES.iter().position(|s| *s == v.severity).unwrap() as u8;
        let deny = if v.action == Action::Deny { 8 } else { 0 };
        out.push(severity | deny | if v.suggestion.is_some() { 0x10 } else { 0 });
        string(&mut out, &v.rule);
        string(&mut out, &v.message);
        if let Some(s) = &v.suggestion {
            string(&mut out, s);
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn byte_or0(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }

    fn string(&mut self) -> String {
        let mut len = usize::from(self.byte_or0());
        if len == 255 {
            len = usize::from(u16::from_le_bytes([self.byte_or0(), self.byte_or0()]));
        }
        let (s, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        String::from_utf8_lossy(s).into_owned()
    }
}
