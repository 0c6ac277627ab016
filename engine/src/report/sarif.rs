//! SARIF 2.1.0 output, shared by every command that reports diagnostics
//! (validate, audit), so results land in GitHub code scanning and other
//! SARIF consumers.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use crate::diag::{Action, CheckFailure, Diagnostic, Severity};

/// GitHub's `security-severity` property: a CVSS-like number per level.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

fn level(d: &Diagnostic) -> &'static str {
    match (d.action, d.severity) {
        (Action::Deny, Severity::Info) => "note",
        (Action::Deny, _) => "error",
        (Action::Warn, Severity::Info) => "note",
        (Action::Warn, _) => "warning",
    }
}

fn file_uri(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::from("file://");
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Build the SARIF document for `diags`; failures become tool execution
/// notifications and mark the run unsuccessful.
pub fn document(diags: &[Diagnostic], failures: &[CheckFailure]) -> Value {
    // One rule per code, with the highest severity seen for it.
    let mut rules: BTreeMap<&str, (Severity, String)> = BTreeMap::new();
    for d in diags {
        let e = rules
            .entry(d.code.as_str())
            .or_insert_with(|| (d.severity, d.check.to_string()));
        e.0 = e.0.max(d.severity);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|(code, (sev, check))| {
            json!({
                "id": code,
                "name": code.replace(['/', '-'], "_"),
                "shortDescription": {"text": format!("{code} ({check})")},
                "properties": {"security-severity": security_severity(*sev), "tags": ["security", check]},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let location = d
                .distribution
                .as_ref()
                .map(|x| x.metadata_path.clone())
                .unwrap_or_else(|| d.environment.clone());
            let mut text = d.message.clone();
            if let Some(s) = &d.suggestion {
                text.push_str(&format!(" — {s}"));
            }
            json!({
                "ruleId": d.code,
                "ruleIndex": index[d.code.as_str()],
                "level": level(d),
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": file_uri(&location)}}}],
                "partialFingerprints": {
                    "fetter/v1": format!("{}|{}|{}", d.code, d.environment.display(),
                        d.distribution.as_ref().map(|x| format!("{}=={}", x.name, x.version)).or_else(|| d.requirement.clone()).unwrap_or_default()),
                },
                "properties": {"environment": d.environment, "check": d.check, "severity": d.severity.as_str()},
            })
        })
        .collect();
    let notifications: Vec<Value> = failures
        .iter()
        .map(|f| json!({"level": "error", "message": {"text": format!("{} ({}): {}", f.check, f.source, f.message)}}))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fetter",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://pypi.org/project/fetter/",
                "rules": rules_json,
            }},
            "invocations": [{"executionSuccessful": failures.is_empty(), "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    })
}

/// Write the SARIF document.
pub fn write(
    diags: &[Diagnostic],
    failures: &[CheckFailure],
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(diags, failures))?;
    writeln!(out)
}
