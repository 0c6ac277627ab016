use super::*;
use crate::diag::{Code, DistRef, Outcome};
use crate::inventory::{Environment, EnvironmentKind};

/// A distribution id per test path (`/s/a` and `/s/b` are ids 97 and 98).
fn id(meta: &str) -> DistId {
    DistId::new(usize::from(*meta.as_bytes().last().unwrap()))
}

fn diag(check: CheckId, code: Code, action: Action, severity: Severity, meta: &str) -> Diagnostic {
    Diagnostic {
        code,
        check,
        severity,
        action,
        environment: "/e".into(),
        distribution: (!meta.is_empty()).then(|| DistRef {
            name: "n".into(),
            version: "1".into(),
            site: "/s".into(),
            metadata_path: meta.into(),
            id: Some(id(meta)),
        }),
        requirement: None,
        message: String::new(),
        suggestion: None,
    }
}

/// A check that reports what it is given.
struct Fixed(Vec<Diagnostic>, Vec<CheckFailure>);

impl Check for Fixed {
    fn planned_inputs(&self) -> Vec<Input> {
        vec![Input {
            check: CheckId::Audit,
            source: "planned".into(),
        }]
    }
    fn run(&self, _inv: &Inventory, sink: &Sink) -> Vec<Input> {
        self.0.iter().cloned().for_each(|d| sink.push(d));
        self.1.iter().cloned().for_each(|f| sink.fail(f));
        vec![Input {
            check: CheckId::Audit,
            source: "ran".into(),
        }]
    }
}

fn inventory() -> Inventory {
    Inventory {
        environments: vec![Environment {
            prefix: "/e".into(),
            kind: EnvironmentKind::Venv,
            python_version: None,
            interpreters: vec![],
            sites: vec![],
            externally_managed: false,
            base_prefix: None,
            base_missing: false,
        }],
        ..Default::default()
    }
}

#[test]
fn one_rule_selects_denials_of_every_check() {
    let bounds = Code::from(crate::bounds::diags::Code::Unrequired);
    let audit = Code::from(crate::audit::diags::Code::Vulnerability);
    let d = [
        diag(
            CheckId::Bounds,
            bounds.clone(),
            Action::Deny,
            Severity::High,
            "/s/b",
        ),
        diag(CheckId::Audit, audit, Action::Deny, Severity::Low, "/s/a"),
        diag(
            CheckId::Plugin("p".into()),
            Code::Rule("p/r".into()),
            Action::Deny,
            Severity::Medium,
            "/s/p",
        ),
        diag(
            CheckId::Plugin("p".into()),
            Code::Rule("p/r".into()),
            Action::Warn,
            Severity::Critical,
            "/s/w",
        ),
        // A missing requirement: nothing installed to remove.
        diag(CheckId::Bounds, bounds, Action::Deny, Severity::High, ""),
    ];
    let all: Vec<DistId> = ["/s/a", "/s/b", "/s/p"].map(id).to_vec();
    assert_eq!(deny_targets(&d, Severity::Info), all);
    assert_eq!(
        deny_targets(&d, Severity::Medium),
        vec![id("/s/b"), id("/s/p")]
    );
}

#[test]
fn a_plugin_cannot_pose_as_the_bounds_check() {
    let d = [diag(
        CheckId::Plugin("p".into()),
        Code::Rule("bounds/unrequired".into()),
        Action::Deny,
        Severity::High,
        "/s/p",
    )];
    let bounds: Vec<Diagnostic> = d
        .iter()
        .filter(|x| x.check == CheckId::Bounds)
        .cloned()
        .collect();
    assert!(deny_targets(&bounds, Severity::Info).is_empty());
    assert_eq!(deny_targets(&d, Severity::Info), vec![id("/s/p")]);
}

#[test]
fn any_failure_is_an_error_and_selects_nothing() {
    let inv = inventory();
    let deny = diag(
        CheckId::Audit,
        crate::audit::diags::Code::Malicious.into(),
        Action::Deny,
        Severity::Critical,
        "/s/m",
    );
    let fail = CheckFailure {
        check: CheckId::Bounds,
        source: "r.txt".into(),
        message: "unreadable".into(),
        environment: None,
    };
    let good = Fixed(vec![deny.clone()], vec![]);
    let bad = Fixed(vec![], vec![fail.clone()]);
    let v = Pipeline::validate().run_on(&inv, &[], &[&good]);
    assert_eq!((v.outcome(), v.exit_code()), (Outcome::Violations, 3));
    assert_eq!(v.deny_targets().unwrap(), vec![id("/s/m")]);
    let v = Pipeline::validate().run_on(&inv, &[], &[&good, &bad]);
    assert_eq!((v.outcome(), v.exit_code()), (Outcome::Error, 1));
    assert_eq!(v.deny_targets().unwrap_err(), &[fail][..]);
    assert_eq!(v.report(&inv).exit_code, 1);
    let v = Pipeline::validate().run_on(&inv, &[], &[]);
    assert_eq!((v.outcome(), v.exit_code()), (Outcome::Pass, 0));
}

#[test]
fn an_empty_scope_fails_validation_without_running_checks() {
    let empty = Inventory::default();
    let check = Fixed(vec![], vec![]);
    let v = Pipeline::validate().run_on(&empty, &[], &[&check]);
    assert_eq!(v.exit_code(), 1);
    assert_eq!(v.failures[0].check, CheckId::Scope);
    assert_eq!(v.inputs[0].source, "planned");
    // Audit and purge run their checks over whatever was found.
    let v = Pipeline::over_scope(Severity::Info).run_on(&empty, &[], &[&check]);
    assert_eq!((v.exit_code(), v.inputs[0].source.as_str()), (0, "ran"));
}
