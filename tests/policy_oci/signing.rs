//! Signed bundles through the real registry: `fetter policy sign` pushes
//! the signature beside the bundle (distribution 2.8 has no referrers API,
//! so through the fallback tag `sha256-<hex>.sig`), `pull` and
//! `validate --policy oci://…` run only what trust.toml accepts, and
//! refuse a wrong key, a missing signature and a signature for another
//! repository, naming the scope and what was missing; `ssh-keygen -Y sign`
//! signatures are pushed and accepted, fetter's verify with
//! `ssh-keygen -Y verify`; signatures travel through `save`/`load` and
//! `verify` works offline from the store.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fetter::oci::client::{Client, ClientOptions};
use fetter::oci::{signatures, Reference};
use fetter::trust::FoundSignature;

use super::{
    codes, digest_in, failure_messages, policy, policy_ok, store_is_empty, text, validate_with,
    write_policy,
};
use crate::common::registry::{Registry, Setup};
use crate::common::*;

/// ssh-keygen and the keys of one test.
struct Keys {
    keygen: PathBuf,
    dir: PathBuf,
}

impl Keys {
    fn new(dir: &Path) -> Option<Keys> {
        let Some(keygen) = crate::plugins::policy_trust::ssh_keygen() else {
            skip_or_fail("ssh-keygen (openssh-client) is not available");
            return None;
        };
        fs::create_dir_all(dir).unwrap();
        Some(Keys {
            keygen,
            dir: dir.to_path_buf(),
        })
    }

    /// A new ed25519 key `name` (and `name.pub`).
    fn generate(&self, name: &str) -> PathBuf {
        let key = self.dir.join(name);
        run_ok(
            Command::new(&self.keygen)
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(&key),
        );
        key
    }

    /// `principal KEY` lines, one per key.
    fn allowed_line(&self, principal: &str, key: &Path) -> String {
        format!(
            "{principal} {}",
            fs::read_to_string(key.with_extension("pub")).unwrap()
        )
    }

    fn fingerprint(&self, key: &Path) -> String {
        crate::plugins::policy_trust::fingerprint(&self.keygen, key)
    }
}

/// `home`'s user trust file (`~/.config/fetter/trust.toml`) with `rules`,
/// and its allowed_signers beside it.
fn trust_at(home: &Path, rules: &str, allowed: &str) {
    let dir = home.join(".config/fetter");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("allowed_signers"), allowed).unwrap();
    fs::write(dir.join("trust.toml"), rules).unwrap();
}

/// A rule requiring a signature by `allowed_signers` for `scope`.
fn signature_rule(scope: &str) -> String {
    format!(
        "[[rule]]\nscope = \"{scope}\"\nrequire = [\"signature\"]\nallowed-signers = \"allowed_signers\"\n"
    )
}

fn sign(home: &Path, reference: &str, key: &Path) -> String {
    policy_ok(home, &["sign", reference, "--key", key.to_str().unwrap()])
}

fn refused(out: &Output, needles: &[&str]) {
    let (o, e) = text(out);
    assert_ne!(out.status.code(), Some(0), "must be refused:\n{o}\n{e}");
    for n in needles {
        assert!(e.contains(n), "want {n:?} in:\n{e}");
    }
}

fn client(reg: &Registry, repo: &str) -> Client {
    Client::connect(
        &Reference::parse(&reg.oci(repo)).unwrap(),
        &ClientOptions::default(),
    )
    .unwrap()
}

#[test]
fn pull_and_validate_run_only_what_trust_accepts() {
    let s = scratch();
    let Some(env) = super::venv_with_tiny(&s) else {
        return;
    };
    let Some(keys) = Keys::new(&s.path.join("keys")) else {
        return;
    };
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let host = reg.host();
    let team = keys.generate("team");
    let stranger = keys.generate("stranger");
    let home = s.path.join("home");
    trust_at(
        &home,
        &format!(
            "{}\n[[rule]]\nscope = \"*\"\nrequire = [\"pin\"]\n",
            signature_rule(&format!("{host}/sec/*"))
        ),
        &keys.allowed_line("sec@acme.com", &team),
    );
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let push = |repo: &str| {
        digest_in(&policy_ok(
            &home,
            &["push", manifest.to_str().unwrap(), &reg.oci(repo)],
        ))
    };
    // The same bytes in five repositories: one digest.
    let digest = push("sec/acme:v1");
    for r in [
        "sec/other:v1",
        "sec/replay:v1",
        "sec/keygen:v1",
        "open/acme:v1",
    ] {
        assert_eq!(push(r), digest);
    }
    let lock = s.path.join("fetter.lock");
    let pull = |reference: &str| {
        policy(
            &home,
            &["pull", reference, "--lock", lock.to_str().unwrap()],
        )
    };

    // Unsigned in a scope that requires a signature: refused, nothing kept.
    let scope = format!("scope \"{host}/sec/*\"");
    refused(
        &pull(&reg.oci("sec/acme:v1")),
        &[&scope, "unsigned", "allowed_signers"],
    );
    assert!(store_is_empty(&home) && !lock.exists());
    // `validate --policy oci://…` fails closed (exit 1), naming the scope.
    let (out, report) = validate_with(&home, &env, &reg.oci("sec/acme:v1"), &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let msgs = failure_messages(&report).join("\n");
    assert!(msgs.contains(&scope) && msgs.contains("unsigned"), "{msgs}");
    assert!(store_is_empty(&home));

    // Signed by a key nobody allowed: refused, naming the key.
    let acme_ref = format!("{host}/sec/acme@{digest}");
    sign(&home, &acme_ref, &stranger);
    refused(
        &pull(&reg.oci("sec/acme:v1")),
        &[
            &scope,
            "no valid signature",
            &format!("the signing key {} is not in", keys.fingerprint(&stranger)),
        ],
    );
    assert!(store_is_empty(&home));

    // A good signature for sec/other, replayed onto sec/replay (same bytes,
    // same digest): refused as a signature for another repository.
    let other_ref = format!("{host}/sec/other@{digest}");
    let sig_file = s.path.join("other.sig");
    let payload_file = s.path.join("other.payload");
    policy_ok(
        &home,
        &[
            "sign",
            &other_ref,
            "--key",
            team.to_str().unwrap(),
            "-o",
            sig_file.to_str().unwrap(),
            "--payload-out",
            payload_file.to_str().unwrap(),
        ],
    );
    let replayed = FoundSignature {
        payload: fs::read(&payload_file).unwrap(),
        signature: fs::read(&sig_file).unwrap(),
    };
    signatures::push(&client(&reg, "sec/replay"), &digest, &[replayed]).unwrap();
    refused(
        &pull(&reg.oci("sec/replay:v1")),
        &[
            &scope,
            &format!("is for repository {host}/sec/other, not {host}/sec/replay"),
        ],
    );
    // `fetter policy sign --signature` refuses to publish it there at all.
    refused(
        &policy(
            &home,
            &[
                "sign",
                &format!("{host}/sec/replay@{digest}"),
                "--signature",
                sig_file.to_str().unwrap(),
            ],
        ),
        &["not a signature of `fetter policy payload"],
    );

    // The team's signature, pushed beside the stranger's (the fallback tag
    // keeps both): pulled, locked with signer and key fingerprint.
    let signed = sign(&home, &acme_ref, &team);
    assert!(signed.contains(&keys.fingerprint(&team)), "{signed}");
    let c = client(&reg, "sec/acme");
    assert!(c.referrers(&digest).unwrap().is_none(), "distribution 2.8");
    let tag = format!("sha256-{}.sig", &digest[7..]);
    assert!(c.get_manifest_opt(&tag).unwrap().is_some(), "fallback tag");
    let found = signatures::fetch(&c, &digest).unwrap();
    assert_eq!(found.len(), 2);
    let out = pull(&reg.oci("sec/acme:v1"));
    let (o, e) = text(&out);
    assert!(out.status.success(), "{o}\n{e}");
    let locked: toml::Table = toml::from_str(&fs::read_to_string(&lock).unwrap()).unwrap();
    let b = &locked["bundle"].as_array().unwrap()[0];
    assert_eq!(b["signer"].as_str(), Some("sec@acme.com"));
    assert_eq!(
        b["key-fingerprint"].as_str(),
        Some(keys.fingerprint(&team).as_str())
    );
    // ssh-keygen verifies the signature fetter pushed, as the registry holds it.
    let allowed = home.join(".config/fetter/allowed_signers");
    let good: Vec<bool> = found
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (sig, payload) = (
                s.path.join(format!("f{i}.sig")),
                s.path.join(format!("f{i}")),
            );
            fs::write(&sig, &f.signature).unwrap();
            fs::write(&payload, &f.payload).unwrap();
            run(Command::new(&keys.keygen)
                .args(["-Y", "verify", "-f"])
                .arg(&allowed)
                .args(["-I", "sec@acme.com", "-n", "fetter-policy", "-s"])
                .arg(&sig)
                .stdin(fs::File::open(&payload).unwrap()))
            .status
            .success()
        })
        .collect();
    assert_eq!(good, vec![false, true], "the stranger's, then the team's");

    // Verified from the store, offline, by name and by lock.
    let v = policy_ok(&home, &["verify", &reg.oci("sec/acme:v1")]);
    assert!(v.contains("signer: sec@acme.com"), "{v}");
    policy_ok(&home, &["verify", "--lock", lock.to_str().unwrap()]);
    let inspect = policy_ok(&home, &["inspect", &reg.oci("sec/acme:v1"), "--json"]);
    let inspect = json(inspect.as_bytes());
    assert_eq!(inspect["signatures"], 2);
    assert!(inspect["signers"][0]
        .as_str()
        .unwrap()
        .starts_with("sec@acme.com ("));
    // And it runs.
    let (out, report) = validate_with(&home, &env, &reg.oci("sec/acme:v1"), &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert!(codes(&report).iter().any(|(_, d)| d == "tiny-pkg"));

    // ssh-keygen -Y sign over `fetter policy payload`, pushed with --signature.
    let keygen_ref = format!("{host}/sec/keygen@{digest}");
    let payload = s.path.join("keygen.payload");
    policy_ok(
        &home,
        &["payload", &keygen_ref, "-o", payload.to_str().unwrap()],
    );
    run_ok(
        Command::new(&keys.keygen)
            .args(["-Y", "sign", "-n", "fetter-policy", "-f"])
            .arg(&team)
            .arg(&payload),
    );
    let keygen_sig = format!("{}.sig", payload.display());
    policy_ok(&home, &["sign", &keygen_ref, "--signature", &keygen_sig]);
    let out = pull(&reg.oci("sec/keygen:v1"));
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(policy_ok(&home, &["verify", &reg.oci("sec/keygen:v1")]).contains("sec@acme.com"));

    // Outside sec/*, the `*` rule wants a digest pin: a tag is refused…
    refused(
        &pull(&reg.oci("open/acme:v1")),
        &["scope \"*\"", "not pinned by digest"],
    );
    // … the digest is accepted, unsigned.
    let out = pull(&format!("oci://{host}/open/acme@{digest}"));
    assert!(out.status.success(), "{:?}", text(&out));
}

#[test]
fn signatures_travel_through_save_and_load_and_verify_offline() {
    let s = scratch();
    let Some(env) = super::venv_with_tiny(&s) else {
        return;
    };
    let Some(keys) = Keys::new(&s.path.join("keys")) else {
        return;
    };
    let Some(mut reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let host = reg.host();
    let team = keys.generate("team");
    let allowed = keys.allowed_line("sec@acme.com", &team);
    let rules = signature_rule(&format!("{host}/sec/*"));
    let online = s.path.join("online");
    trust_at(&online, &rules, &allowed);
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let digest = digest_in(&policy_ok(
        &online,
        &["push", manifest.to_str().unwrap(), &reg.oci("sec/acme:v1")],
    ));
    sign(&online, &format!("{host}/sec/acme@{digest}"), &team);
    let lock = s.path.join("fetter.lock");
    let lock = lock.to_str().unwrap();
    policy_ok(&online, &["pull", &reg.oci("sec/acme:v1"), "--lock", lock]);
    let tar = s.path.join("policies.tar");
    policy_ok(&online, &["save", "-o", tar.to_str().unwrap()]);

    // A mirror: the signature goes along; it names the origin, which the
    // mirror's rule must list under `origins`.
    let mirror_home = s.path.join("mirror");
    trust_at(&mirror_home, "", &allowed);
    policy_ok(
        &mirror_home,
        &[
            "load",
            tar.to_str().unwrap(),
            "--push",
            &reg.oci("mirror/acme"),
        ],
    );
    let mirror_rule = signature_rule(&format!("{host}/mirror/*"));
    let strict = s.path.join("strict");
    trust_at(&strict, &mirror_rule, &allowed);
    refused(
        &policy(
            &strict,
            &["pull", &reg.oci("mirror/acme:v1"), "--lock", "m.lock"],
        ),
        &[&format!(
            "is for repository {host}/sec/acme, not {host}/mirror/acme"
        )],
    );
    let with_origins = s.path.join("with-origins");
    trust_at(
        &with_origins,
        &format!("{mirror_rule}origins = [\"{host}/sec/*\"]\n"),
        &allowed,
    );
    let m_lock = s.path.join("m.lock");
    policy_ok(
        &with_origins,
        &[
            "pull",
            &reg.oci("mirror/acme:v1"),
            "--lock",
            m_lock.to_str().unwrap(),
        ],
    );

    // The air gap: no registry; load, verify and run offline.
    reg.stop();
    let offline = s.path.join("offline");
    trust_at(&offline, &rules, &allowed);
    policy_ok(&offline, &["load", tar.to_str().unwrap()]);
    let v = policy_ok(&offline, &["verify", &reg.oci("sec/acme:v1")]);
    assert!(v.contains("signer: sec@acme.com"), "{v}");
    policy_ok(&offline, &["verify", "--lock", lock]);
    let (out, report) = validate_with(&offline, &env, lock, &[]);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert!(codes(&report).iter().any(|(_, d)| d == "tiny-pkg"));

    // Where another key is the only one allowed, the same store is refused
    // offline: verify exits 3, validate fails closed.
    let other = keys.generate("other");
    let elsewhere = s.path.join("elsewhere");
    trust_at(
        &elsewhere,
        &rules,
        &keys.allowed_line("ops@acme.com", &other),
    );
    policy_ok(&elsewhere, &["load", tar.to_str().unwrap()]);
    let out = policy(&elsewhere, &["verify", &reg.oci("sec/acme:v1")]);
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    refused(&out, &["no valid signature"]);
    let (out, report) = validate_with(&elsewhere, &env, lock, &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert!(failure_messages(&report)
        .join("\n")
        .contains("no valid signature"));
}
