//! trust.toml: parsing, errors with lines, scope precedence, layering, and
//! decisions over real signatures.

use std::fs;
use std::path::{Path, PathBuf};

use super::policy::{parse, Missing, Requirement, Subject, TrustFileError, TrustPolicy};
use super::{FoundSignature, Payload, SigningKey, Target};

use super::test_key::{PRIVATE, PUBLIC};
const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("key"), PRIVATE).unwrap();
        fs::write(dir.path().join("team"), format!("sec@acme.com {PUBLIC}\n")).unwrap();
        fs::write(dir.path().join("nobody"), "# no keys\n").unwrap();
        Fixture { dir }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::write(&p, text).unwrap();
        p
    }

    fn policy(&self, files: &[(&str, &str)]) -> TrustPolicy {
        let paths: Vec<PathBuf> = files.iter().map(|(n, t)| self.file(n, t)).collect();
        TrustPolicy::load(&paths).unwrap()
    }

    fn sign(&self, target: &str) -> FoundSignature {
        let key = SigningKey::load(&self.dir.path().join("key")).unwrap();
        let payload = Payload::new(Target::parse(target).unwrap()).to_bytes();
        let sig = key.sign(&payload).unwrap();
        FoundSignature {
            payload,
            signature: sig.to_armored().into_bytes(),
        }
    }
}

fn subject(r: &str, pinned: bool) -> Subject {
    Subject {
        target: Target::parse(r).unwrap(),
        pinned,
    }
}

const ACME: &str = r#"
[[rule]]
scope = "registry.acme.internal/security/*"
require = ["signature"]
allowed-signers = "team"

[[rule]]
scope = "*"
require = ["pin"]
"#;

#[test]
fn signed_scope_accepts_a_valid_signature_and_reports_the_signer() {
    let f = Fixture::new();
    let p = f.policy(&[("trust.toml", ACME)]);
    let r = format!("registry.acme.internal/security/base@{D1}");
    let ok = p.decide(&subject(&r, false), &[f.sign(&r)], 0).unwrap();
    assert_eq!(ok.rules.len(), 1);
    assert_eq!(ok.rules[0].scope, "registry.acme.internal/security/*");
    assert_eq!(ok.signers[0].identity(), "sec@acme.com");
    assert!(ok.signers[0].fingerprint.starts_with("SHA256:"));
}

#[test]
fn refusals_name_the_scope_and_what_was_missing() {
    let f = Fixture::new();
    let p = f.policy(&[("trust.toml", ACME)]);
    let r = format!("registry.acme.internal/security/base@{D1}");

    let e = p.decide(&subject(&r, true), &[], 0).unwrap_err();
    assert!(matches!(e.missing, Missing::Unsigned { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("scope \"registry.acme.internal/security/*\"") && msg.contains("trust.toml:3"),
        "{msg}"
    );
    assert!(msg.contains("unsigned") && msg.contains("team"), "{msg}");

    // A signature for another repository (same digest): a replay.
    let other = f.sign(&format!("registry.acme.internal/security/other@{D1}"));
    let msg = p
        .decide(&subject(&r, true), &[other], 0)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("is for repository registry.acme.internal/security/other, not registry.acme.internal/security/base"), "{msg}");

    // A signature for another digest.
    let old = f.sign(&format!("registry.acme.internal/security/base@{D2}"));
    let msg = p
        .decide(&subject(&r, true), &[old], 0)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&format!("is for digest {D2}, not {D1}")),
        "{msg}"
    );

    // Outside the signed scope, `*` wants a pin.
    let e = p
        .decide(&subject(&format!("docker.io/x/y@{D1}"), false), &[], 0)
        .unwrap_err();
    assert_eq!(e.missing, Missing::Unpinned);
    assert!(e.to_string().contains("scope \"*\""), "{e}");
    assert!(p
        .decide(&subject(&format!("docker.io/x/y@{D1}"), true), &[], 0)
        .is_ok());
}

#[test]
fn a_key_outside_the_allowed_signers_is_a_wrong_signer() {
    let f = Fixture::new();
    let p = f.policy(&[(
        "trust.toml",
        "[[rule]]\nscope = \"h/*\"\nrequire = [\"signature\"]\nallowed-signers = \"nobody\"\n",
    )]);
    let r = format!("h/a@{D1}");
    let msg = p
        .decide(&subject(&r, true), &[f.sign(&r)], 0)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("is not in the allowed signers file") && msg.contains("nobody"),
        "{msg}"
    );
}

#[test]
fn the_most_specific_scope_wins_within_a_file() {
    let f = Fixture::new();
    let p = f.policy(&[(
        "trust.toml",
        r#"
[[rule]]
scope = "h/*"
require = ["signature"]
allowed-signers = "team"

[[rule]]
scope = "h/team/*"
require = ["pin"]

[[rule]]
scope = "h/team/exact"
require = []
"#,
    )]);
    let sub = |r: &str, pinned| subject(&format!("{r}@{D1}"), pinned);
    assert!(matches!(
        p.decide(&sub("h/x", true), &[], 0).unwrap_err().missing,
        Missing::Unsigned { .. }
    ));
    assert_eq!(
        p.decide(&sub("h/team/x", false), &[], 0)
            .unwrap_err()
            .missing,
        Missing::Unpinned
    );
    assert!(p.decide(&sub("h/team/x", true), &[], 0).is_ok());
    let exact = p.decide(&sub("h/team/exact", false), &[], 0).unwrap();
    assert_eq!(exact.rules[0].scope, "h/team/exact");
    // No rule at all: nothing required, and the caller can tell.
    assert!(p
        .decide(&sub("other/x", false), &[], 0)
        .unwrap()
        .rules
        .is_empty());
}

#[test]
fn equally_specific_scopes_all_apply() {
    let f = Fixture::new();
    let p = f.policy(&[(
        "trust.toml",
        "[[rule]]\nscope = \"h/a*\"\nrequire = [\"pin\"]\n[[rule]]\nscope = \"h/*b\"\nrequire = [\"signature\"]\nallowed-signers = \"team\"\n",
    )]);
    let r = format!("h/ab@{D1}");
    let e = p.decide(&subject(&r, true), &[], 0).unwrap_err();
    assert!(matches!(e.missing, Missing::Unsigned { .. }), "{e}");
    assert!(p.decide(&subject(&r, false), &[f.sign(&r)], 0).is_err());
    assert_eq!(
        p.decide(&subject(&r, true), &[f.sign(&r)], 0)
            .unwrap()
            .rules
            .len(),
        2
    );
}

#[test]
fn a_user_file_cannot_lift_a_system_requirement() {
    let f = Fixture::new();
    let p = f.policy(&[
        ("system.toml", "[[rule]]\nscope = \"h/*\"\nrequire = [\"signature\"]\nallowed-signers = \"team\"\n"),
        ("user.toml", "[[rule]]\nscope = \"h/mine\"\nrequire = []\n[[rule]]\nscope = \"*\"\nrequire = [\"pin\"]\n"),
    ]);
    let r = format!("h/mine@{D1}");
    let e = p.decide(&subject(&r, true), &[], 0).unwrap_err();
    assert!(e.rule.contains("system.toml"), "{e}");
    let ok = p.decide(&subject(&r, false), &[f.sign(&r)], 0).unwrap();
    assert_eq!(ok.rules.len(), 2);
    // … but it can add one.
    let e = p
        .decide(&subject(&format!("q/z@{D1}"), false), &[], 0)
        .unwrap_err();
    assert!(e.rule.contains("user.toml"), "{e}");
}

#[test]
fn origins_let_a_mirror_carry_the_origin_signature() {
    let f = Fixture::new();
    let p = f.policy(&[(
        "trust.toml",
        "[[rule]]\nscope = \"mirror.local/*\"\nrequire = [\"signature\"]\nallowed-signers = \"team\"\norigins = [\"registry.acme.internal/security/*\"]\n",
    )]);
    let sig = f.sign(&format!("registry.acme.internal/security/base@{D1}"));
    assert!(p
        .decide(
            &subject(&format!("mirror.local/base@{D1}"), true),
            std::slice::from_ref(&sig),
            0
        )
        .is_ok());
    let stray = f.sign(&format!("registry.acme.internal/other/base@{D1}"));
    assert!(p
        .decide(
            &subject(&format!("mirror.local/base@{D1}"), true),
            &[stray],
            0
        )
        .is_err());
}

fn err(text: &str) -> String {
    let f = Fixture::new();
    let path = f.file("trust.toml", text);
    match TrustPolicy::load(&[path]) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted:\n{text}"),
    }
}

#[test]
fn bad_trust_files_name_file_line_and_problem() {
    for (text, line, needle) in [
        (
            "[[rule]]\nscope = \"h/*\"\nrequire = [\"signed\"]\n",
            3,
            "unknown variant `signed`",
        ),
        ("[[rule]]\nscope = \"h/*\"\n", 1, "missing field `require`"),
        (
            "[[rule]]\nscope = \"h/*\"\nrequire = []\ncolour = 1\n",
            4,
            "unknown field `colour`",
        ),
        ("[[rule]]\nscope = \"H/*\"\nrequire = []\n", 2, "lower-case"),
        ("[[rule]]\nscope = \"\"\nrequire = []\n", 2, "empty"),
        (
            "[[rule]]\nscope = \"h/x\"\nrequire = []\n[[rule]]\nscope = \"h/x\"\nrequire = []\n",
            5,
            "already given at line 2",
        ),
        (
            "[[rule]]\nscope = \"h/*\"\nrequire = [\"signature\"]\n",
            3,
            "names no allowed-signers",
        ),
        (
            "[[rule]]\nscope = \"h/*\"\nrequire = [\"pin\"]\nallowed-signers = \"team\"\n",
            4,
            "add it, or drop",
        ),
        (
            "[[rule]]\nscope = \"h/*\"\nrequire = [\"signature\"]\nallowed-signers = \"missing\"\n",
            4,
            "cannot read the allowed signers file",
        ),
        (
            "[[rule]]\nscope = \"h/*\"\nrequire = [\"pin\"]\norigins = [\"x/*\"]\n",
            4,
            "origins apply only",
        ),
        ("[[rule]\n", 1, "invalid"),
    ] {
        let e = err(text);
        assert!(
            e.contains(&format!("trust.toml:{line}: ")),
            "want line {line}: {e}"
        );
        assert!(e.contains(needle), "want {needle:?}: {e}");
    }
}

#[test]
fn a_bad_allowed_signers_line_is_named_through_the_trust_file() {
    let f = Fixture::new();
    f.file("bad", "x cert-authority ssh-ed25519 AAAA\n");
    let path = f.file(
        "trust.toml",
        "[[rule]]\nscope = \"*\"\nrequire = [\"signature\"]\nallowed-signers = \"bad\"\n",
    );
    let e = TrustPolicy::load(&[path]).unwrap_err().to_string();
    assert!(
        e.contains("trust.toml:4: ") && e.contains("bad:1: cert-authority"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn a_trust_file_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    let path = f.file("trust.toml", "");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    let e = TrustPolicy::load(&[path]).unwrap_err();
    assert!(matches!(e, TrustFileError::Unsafe { .. }), "{e}");
    assert!(e.to_string().contains("chmod go-w"), "{e}");
}

#[test]
fn requirements_are_sorted_and_deduplicated() {
    let rules = parse(
        Path::new("t.toml"),
        "[[rule]]\nscope = \"*\"\nrequire = [\"pin\", \"pin\"]\n",
    )
    .unwrap();
    assert_eq!(rules[0].require, [Requirement::Pin]);
    assert_eq!(rules[0].line, 2);
}

#[test]
fn bad_scopes_are_told_by_variant() {
    use super::policy::{check_scope, ScopeError};
    assert_eq!(check_scope(""), Err(ScopeError::Empty));
    assert!(check_scope("reg.example/*").is_ok());
    assert_eq!(
        check_scope("Reg/*"),
        Err(ScopeError::Character {
            scope: "Reg/*".into(),
            c: 'R'
        })
    );
    assert!(matches!(
        check_scope("noslash"),
        Err(ScopeError::Repository(_))
    ));
}
