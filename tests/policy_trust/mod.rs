//! `fetter policy sign|verify|payload` end to end, against the real
//! `ssh-keygen`: its signatures verify in fetter and fetter's verify with
//! `ssh-keygen -Y verify`, for ed25519, RSA and ECDSA keys; wrong keys,
//! namespaces, repositories and digests are refused with a clear message;
//! trust.toml decides through `--trust` and `$FETTER_TRUST`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::snap;
use crate::common::*;
use std::cell::RefCell;

const REPO: &str = "registry.acme.internal/security/base";
const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn reference() -> String {
    format!("{REPO}@{D1}")
}

/// `ssh-keygen` from PATH, else from Debian's openssh-client package.
pub(crate) fn ssh_keygen() -> Option<PathBuf> {
    let on_path = Command::new("ssh-keygen")
        .arg("-?")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if on_path {
        return Some(PathBuf::from("ssh-keygen"));
    }
    deb::deb_tool("openssh-client", &["openssh-client"], "usr/bin/ssh-keygen")
}

/// `SHA256:…` of `key.pub`, as `ssh-keygen -l` prints it.
pub(crate) fn fingerprint(keygen: &Path, key: &Path) -> String {
    let out = run_ok(
        Command::new(keygen)
            .arg("-lf")
            .arg(key.with_extension("pub")),
    );
    out.split_whitespace().nth(1).unwrap().to_owned()
}

struct Keys {
    s: Scratch,
    keygen: PathBuf,
    /// Every `fetter policy verify` and `policy` run, for a snapshot.
    log: RefCell<snap::Transcript>,
}

impl Keys {
    fn new() -> Option<Self> {
        let Some(keygen) = ssh_keygen() else {
            skip_or_fail("ssh-keygen (openssh-client) is not available");
            return None;
        };
        Some(Keys {
            s: scratch(),
            keygen,
            log: RefCell::default(),
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.s.path.join(name)
    }

    /// A new unencrypted key pair `name` / `name.pub` of `kind` (`ed25519`, `rsa`, `ecdsa`).
    fn generate(&self, name: &str, kind: &str, passphrase: &str) -> PathBuf {
        let key = self.path(name);
        let mut c = Command::new(&self.keygen);
        c.args(["-q", "-t", kind, "-N", passphrase, "-C", name, "-f"])
            .arg(&key);
        if kind == "rsa" {
            c.args(["-b", "2048"]);
        }
        run_ok(&mut c);
        key
    }

    /// An allowed_signers file: `principal` for each key's public half.
    fn allowed(&self, name: &str, entries: &[(&str, &str, &Path)]) -> PathBuf {
        let text: String = entries
            .iter()
            .map(|(principal, options, key)| {
                let public = fs::read_to_string(key.with_extension("pub")).unwrap();
                format!("{principal} {options} {public}")
            })
            .collect();
        let p = self.path(name);
        fs::write(&p, text).unwrap();
        p
    }

    fn fingerprint(&self, key: &Path) -> String {
        fingerprint(&self.keygen, key)
    }

    fn keygen_sign(&self, key: &Path, namespace: &str, file: &Path) -> PathBuf {
        run_ok(
            Command::new(&self.keygen)
                .args(["-Y", "sign", "-n", namespace, "-f"])
                .arg(key)
                .arg(file),
        );
        PathBuf::from(format!("{}.sig", file.display()))
    }

    fn keygen_verify(
        &self,
        allowed: &Path,
        principal: &str,
        namespace: &str,
        sig: &Path,
        payload: &Path,
    ) -> Output {
        run(Command::new(&self.keygen)
            .args(["-Y", "verify", "-f"])
            .arg(allowed)
            .args(["-I", principal, "-n", namespace, "-s"])
            .arg(sig)
            .stdin(fs::File::open(payload).unwrap()))
    }

    fn fetter(&self) -> Command {
        let mut c = fetter(&self.s.path);
        c.env_remove("FETTER_TRUST");
        c
    }

    fn policy(&self, args: &[&str]) -> Output {
        self.logged(self.fetter().arg("policy").args(args))
    }

    /// Run `c`, recorded in the log under its subcommand.
    fn logged(&self, c: &mut Command) -> Output {
        let what: Vec<_> = c
            .get_args()
            .take(2)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        self.log.borrow_mut().run(&what.join(" "), c)
    }

    /// Assert the log as snapshot `name`, each key's fingerprint (new each
    /// run) shown as `SHA256:[KEY name]`.
    fn assert_log(&self, name: &str, keys: &[(&str, &Path)]) {
        // The two digests are constants: named, not redacted as hashes.
        let mut text = self
            .log
            .borrow()
            .text()
            .replace(D1, "sha256:[D1]")
            .replace(D2, "sha256:[D2]");
        for (label, key) in keys {
            text = text.replace(&self.fingerprint(key), &format!("SHA256:[KEY {label}]"));
        }
        snap::redacted(&self.s.path).bind(|| insta::assert_snapshot!(name, text));
    }

    fn sign(&self, key: &Path, reference: &str, sig: &str) -> (PathBuf, PathBuf) {
        let (sig, payload) = (self.path(sig), self.path(&format!("{sig}.payload")));
        run_ok(
            self.fetter()
                .args(["policy", "sign", reference, "--key"])
                .arg(key)
                .arg("-o")
                .arg(&sig)
                .arg("--payload-out")
                .arg(&payload),
        );
        (sig, payload)
    }

    fn verify(&self, reference: &str, sig: &Path, extra: &[&str]) -> Output {
        self.logged(
            self.fetter()
                .args(["policy", "verify", reference, "--signature"])
                .arg(sig)
                .args(extra),
        )
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[test]
fn fetter_signatures_verify_with_ssh_keygen_for_every_key_type() {
    let Some(k) = Keys::new() else { return };
    for kind in ["ed25519", "rsa", "ecdsa"] {
        let key = k.generate(kind, kind, "");
        let allowed = k.allowed(
            &format!("{kind}.allowed"),
            &[("sec@acme.com", "namespaces=\"fetter-policy\"", &key)],
        );
        let (sig, payload) = k.sign(&key, &reference(), &format!("{kind}.sig"));
        assert!(fs::read_to_string(&sig)
            .unwrap()
            .starts_with("-----BEGIN SSH SIGNATURE-----"));
        let out = k.keygen_verify(&allowed, "sec@acme.com", "fetter-policy", &sig, &payload);
        let (o, e) = text(&out);
        assert!(
            out.status.success(),
            "{kind}: ssh-keygen refused fetter's signature:\n{o}\n{e}"
        );
        assert!(
            o.contains("Good \"fetter-policy\" signature for sec@acme.com"),
            "{kind}: {o}"
        );
        // ssh-keygen holds fetter to the namespace too.
        assert!(
            !k.keygen_verify(&allowed, "sec@acme.com", "git", &sig, &payload)
                .status
                .success(),
            "{kind}"
        );
        // The payload names the repository and the digest, canonically.
        assert_eq!(
            fs::read_to_string(&payload).unwrap(),
            format!(
                r#"{{"digest":"{D1}","repository":"{REPO}","type":"fetter-policy-signature/v1"}}"#
            )
        );
    }
}

#[test]
fn ssh_keygen_signatures_verify_in_fetter_with_signer_and_fingerprint() {
    let Some(k) = Keys::new() else { return };
    let mut keys = Vec::new();
    for kind in ["ed25519", "rsa", "ecdsa"] {
        let key = k.generate(kind, kind, "");
        keys.push((kind, key.clone()));
        let allowed = k.allowed(
            &format!("{kind}.allowed"),
            &[("sec@acme.com,ops@acme.com", "", &key)],
        );
        let payload = k.path(&format!("{kind}.payload"));
        run_ok(
            k.fetter()
                .args(["policy", "payload", &reference(), "-o"])
                .arg(&payload),
        );
        let sig = k.keygen_sign(&key, "fetter-policy", &payload);
        let out = k.verify(
            &reference(),
            &sig,
            &["--allowed-signers", allowed.to_str().unwrap()],
        );
        let (o, e) = text(&out);
        assert_eq!(code(&out), 0, "{kind}: {o}\n{e}");
        // The fingerprint by value (the snapshot shows which key).
        assert!(o.contains(&k.fingerprint(&key)), "{kind}: {o}");
        // `payload` on stdout is the same bytes, with no newline.
        let printed = run_ok(k.fetter().args(["policy", "payload", &reference()]));
        assert_eq!(printed.as_bytes(), fs::read(&payload).unwrap());
    }
    // What verify prints: the reference, the signer, the key.
    let keys: Vec<(&str, &Path)> = keys.iter().map(|(n, k)| (*n, k.as_path())).collect();
    k.assert_log("policy_trust_verified", &keys);
}

#[test]
fn wrong_key_namespace_repository_and_digest_are_refused() {
    let Some(k) = Keys::new() else { return };
    let key = k.generate("team", "ed25519", "");
    let stranger = k.generate("stranger", "ed25519", "");
    let allowed = k.allowed("allowed", &[("sec@acme.com", "", &key)]);
    let allowed_arg = ["--allowed-signers", allowed.to_str().unwrap()];
    // Each refusal exits 3 and says why (the messages: a snapshot below).
    let refused = |out: Output, what: &str| {
        let (o, e) = text(&out);
        assert_eq!(code(&out), 3, "want refusal: {what}:\n{o}\n{e}");
    };

    let (bad, _) = k.sign(&stranger, &reference(), "stranger.sig");
    refused(
        k.verify(&reference(), &bad, &allowed_arg),
        "a stranger's key",
    );

    let payload = k.path("p");
    run_ok(
        k.fetter()
            .args(["policy", "payload", &reference(), "-o"])
            .arg(&payload),
    );
    let git = k.keygen_sign(&key, "git", &payload);
    refused(
        k.verify(&reference(), &git, &allowed_arg),
        "the git namespace",
    );

    let (good, good_payload) = k.sign(&key, &reference(), "good.sig");
    assert_eq!(code(&k.verify(&reference(), &good, &allowed_arg)), 0);
    // Onto another repository or digest: the rebuilt payload does not match…
    let other_repo = format!("registry.acme.internal/security/other@{D1}");
    refused(
        k.verify(&other_repo, &good, &allowed_arg),
        "another repository",
    );
    refused(
        k.verify(&format!("{REPO}@{D2}"), &good, &allowed_arg),
        "another digest",
    );
    // … and with the authentic payload alongside, fetter says what it is for.
    let with_payload = |r: &str| {
        let mut a = allowed_arg.to_vec();
        a.extend(["--payload", good_payload.to_str().unwrap()]);
        k.verify(r, &good, &a)
    };
    refused(
        with_payload(&other_repo),
        "another repository, with the payload",
    );
    refused(
        with_payload(&format!("{REPO}@{D2}")),
        "another digest, with the payload",
    );
    // An altered payload.
    fs::write(
        &good_payload,
        fs::read_to_string(&good_payload)
            .unwrap()
            .replace("base", "bass"),
    )
    .unwrap();
    refused(with_payload(&reference()), "an altered payload");
    // A key listed only for git signatures.
    let git_only = k.allowed("git-only", &[("sec@acme.com", "namespaces=\"git\"", &key)]);
    refused(
        k.verify(
            &reference(),
            &good,
            &["--allowed-signers", git_only.to_str().unwrap()],
        ),
        "a key listed only for git",
    );
    k.assert_log(
        "policy_trust_refusals",
        &[("team", key.as_path()), ("stranger", stranger.as_path())],
    );
}

#[test]
fn trust_rules_decide_through_trust_and_fetter_trust() {
    let Some(k) = Keys::new() else { return };
    let key = k.generate("team", "ed25519", "");
    let stranger = k.generate("stranger", "ed25519", "");
    k.allowed("allowed_signers", &[("sec@acme.com", "", &key)]);
    let trust = k.path("trust.toml");
    fs::write(
        &trust,
        "[[rule]]\nscope = \"registry.acme.internal/security/*\"\nrequire = [\"signature\"]\nallowed-signers = \"allowed_signers\"\n\n[[rule]]\nscope = \"*\"\nrequire = [\"pin\"]\n",
    )
    .unwrap();
    let (good, _) = k.sign(&key, &reference(), "good.sig");
    let (bad, _) = k.sign(&stranger, &reference(), "bad.sig");

    let out = k.verify(&reference(), &good, &["--trust", trust.to_str().unwrap()]);
    let (o, e) = text(&out);
    assert_eq!(code(&out), 0, "{o}\n{e}");

    // $FETTER_TRUST is the same file, without the flag.
    let out = k.logged(
        k.fetter()
            .env("FETTER_TRUST", &trust)
            .args(["policy", "verify", &reference(), "--signature"])
            .arg(&bad),
    );
    let (_, e) = text(&out);
    assert_eq!(code(&out), 3, "{e}");

    // A repository whose rule asks only for a pin: nobody to check the signature against.
    let elsewhere = format!("docker.io/acme/base@{D1}");
    let (sig, _) = k.sign(&key, &elsewhere, "elsewhere.sig");
    let out = k.verify(&elsewhere, &sig, &["--trust", trust.to_str().unwrap()]);
    let (o, e) = text(&out);
    assert_eq!(code(&out), 1, "{o}\n{e}");

    // No trust file at all.
    let out = k.logged(
        k.fetter()
            .env("FETTER_TRUST", "")
            .args(["policy", "verify", &elsewhere, "--signature"])
            .arg(&sig),
    );
    assert_eq!(code(&out), 1);
    // Signer and scope when trusted; the scope, its line and the reason
    // when refused; the way out when nothing is required or no file exists.
    k.assert_log(
        "policy_trust_rules",
        &[("team", key.as_path()), ("stranger", stranger.as_path())],
    );
}

#[test]
fn bad_inputs_are_clear_errors() {
    let Some(k) = Keys::new() else { return };
    let locked = k.generate("locked", "ed25519", "a passphrase");
    let out = k.policy(&[
        "sign",
        &reference(),
        "--key",
        locked.to_str().unwrap(),
        "-o",
        "x.sig",
    ]);
    let (_, e) = text(&out);
    assert_eq!(code(&out), 1, "{e}");
    assert!(!k.path("x.sig").exists());

    let key = k.generate("team", "ed25519", "");
    let out = k.policy(&[
        "sign",
        &format!("{REPO}:v1"),
        "--key",
        key.to_str().unwrap(),
        "-o",
        "x.sig",
    ]);
    assert_eq!(code(&out), 1);

    let pubkey = key.with_extension("pub");
    let out = k.policy(&[
        "sign",
        &reference(),
        "--key",
        pubkey.to_str().unwrap(),
        "-o",
        "x.sig",
    ]);
    assert_eq!(code(&out), 1);

    // No -o: the signature goes to the registry; one that cannot be reached
    // is an error naming it and the way out (the resolver's words are the
    // host's: not in the snapshot).
    let out = run(k.fetter().args([
        "policy",
        "sign",
        &reference(),
        "--key",
        key.to_str().unwrap(),
    ]));
    assert_eq!(code(&out), 1);
    let e = text(&out).1;
    assert!(
        e.contains(&format!("cannot push the signature of {}", reference()))
            && e.contains("registry.acme.internal")
            && e.contains("-o FILE"),
        "{e}"
    );

    let trust = k.path("trust.toml");
    fs::write(&trust, "[[rule]]\nscope = \"*\"\nrequire = [\"signed\"]\n").unwrap();
    let (sig, _) = k.sign(&key, &reference(), "s.sig");
    let out = k.verify(&reference(), &sig, &["--trust", trust.to_str().unwrap()]);
    let (_, e) = text(&out);
    assert_eq!(code(&out), 1, "{e}");

    let junk = k.path("junk.sig");
    fs::write(&junk, "not a signature\x1b[31m").unwrap();
    let allowed = k.allowed("allowed", &[("sec@acme.com", "", &key)]);
    let out = k.verify(
        &reference(),
        &junk,
        &["--allowed-signers", allowed.to_str().unwrap()],
    );
    assert_eq!(code(&out), 3);
    // Each error names the file or reference and the way out.
    k.assert_log("policy_trust_bad_inputs", &[("team", key.as_path())]);
}
