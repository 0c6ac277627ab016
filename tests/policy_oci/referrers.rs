//! Artifacts attached to a bundle (what signatures will use): pushed with
//! a `subject`, found again through the fallback tag on a registry without
//! the OCI 1.1 referrers API (distribution 2.8 answers 404).

use std::collections::HashMap;
use std::fs;

use fetter::oci::client::{Client, ClientOptions};
use fetter::oci::referrers::{attach, attached, fallback_tag, Attachment};
use fetter::oci::Reference;

use super::{digest_in, policy_ok, write_policy};
use crate::common::registry::{Registry, Setup};
use crate::common::*;

#[test]
fn attachments_are_found_through_the_fallback_tag() {
    let s = scratch();
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let manifest = write_policy(&s.path.join("policy"), &["pip"]);
    let subject = digest_in(&policy_ok(
        &home,
        &["push", manifest.to_str().unwrap(), &reg.oci("sec/acme:v1")],
    ));
    let second = write_policy(&s.path.join("policy2"), &["pip", "tiny-pkg"]);
    let other = digest_in(&policy_ok(
        &home,
        &["push", second.to_str().unwrap(), &reg.oci("sec/acme:v2")],
    ));
    assert_ne!(subject, other);
    let client = Client::connect(
        &Reference::parse(&reg.oci("sec/acme")).unwrap(),
        &ClientOptions::default(),
    )
    .unwrap();
    assert!(
        client.referrers(&subject).unwrap().is_none(),
        "distribution 2.8 has no referrers API"
    );
    let size = client.get_manifest(&subject).unwrap().bytes.len() as u64;
    let kind = "application/vnd.fetter.test.attachment.v1+json";
    let layer = Attachment {
        media_type: "application/vnd.fetter.test.payload.v1+json".into(),
        bytes: br#"{"signed":"yes"}"#.to_vec(),
        annotations: HashMap::from([("k".to_string(), "v".to_string())]),
    };
    let digest = attach(&client, &subject, size, kind, std::slice::from_ref(&layer)).unwrap();
    let found = attached(&client, &subject, kind).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0.digest, digest);
    let d = &found[0].1.layers()[0];
    assert_eq!(
        client
            .get_blob("payload", d.digest().as_ref(), d.size(), 1024)
            .unwrap(),
        layer.bytes
    );
    assert!(client
        .get_manifest_opt(&fallback_tag(&subject))
        .unwrap()
        .is_some());
    // Another type, or another bundle of the same repository, finds nothing.
    assert!(attached(&client, &subject, "application/x-other")
        .unwrap()
        .is_empty());
    assert!(attached(&client, &other, kind).unwrap().is_empty());
}
