//! fetter as a library: scan → checks → report, as `fetter --root ROOT
//! validate --bound BOUND --audit --osv-db OSV` does (tests/audit/validate.rs
//! compares the two). `cargo run --example pipeline -- ROOT BOUND OSV`

use std::io::Write;
use std::path::{Path, PathBuf};

use fetter::audit::{AuditCheck, AuditConfig};
use fetter::bounds::{BoundSource, BoundsConfig};
use fetter::pipeline::Pipeline;

/// Validate what is under `root`; write the table to `out`; return the exit code.
pub fn validate(root: &Path, bound: &Path, osv: &Path, out: &mut dyn Write) -> std::io::Result<u8> {
    let scope = fetter::Scope {
        roots: vec![root.into()],
        ..Default::default()
    };
    let scanned = fetter::scan::scan_scope(&scope);
    let bounds = BoundsConfig {
        sources: vec![BoundSource::Path(bound.into())],
        ..Default::default()
    };
    let audit = AuditCheck::new(AuditConfig::local(osv));
    let verdicts = Pipeline::validate().run(&scanned, &[&bounds, &audit]);
    fetter::report::validate::write_table(&verdicts.report(&scanned.inventory), out)?;
    Ok(verdicts.exit_code())
}

#[allow(dead_code)] // the test includes this file for `validate` alone
fn main() -> std::process::ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [root, bound, osv] = args.as_slice() else {
        eprintln!("usage: pipeline ROOT BOUND OSV");
        return 2.into();
    };
    let code = validate(root, bound, osv, &mut std::io::stdout());
    code.unwrap_or(1).into()
}
