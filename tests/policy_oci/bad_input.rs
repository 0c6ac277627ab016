//! Bundles and registries that must be refused with a clear error, with
//! nothing written to the store or the lock: a manifest whose layers lack
//! a plugin it names, a 2 GiB layer, a manifest of another media type (an index), a
//! config that is not a fetter policy, and a server that answers HTML.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;

use fetter::oci::client::{Client, ClientOptions};
use fetter::oci::{digest_of, Reference};
use serde_json::json;

use super::{policy, store_is_empty, text};
use crate::common::registry::{Registry, Setup};
use crate::common::*;

fn descriptor(
    media_type: &str,
    bytes_or_size: (&str, u64),
    title: Option<&str>,
) -> serde_json::Value {
    let mut d =
        json!({"mediaType": media_type, "digest": bytes_or_size.0, "size": bytes_or_size.1});
    if let Some(t) = title {
        d["annotations"] = json!({"org.opencontainers.image.title": t});
    }
    d
}

#[test]
fn bad_bundles_are_refused_and_nothing_is_stored() {
    let s = scratch();
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let client = Client::connect(
        &Reference::parse(&reg.oci("bad/b")).unwrap(),
        &ClientOptions::default(),
    )
    .unwrap();
    let config = br#"{"name":"bad","abi":"1.0.0"}"#.to_vec();
    let toml = b"name = \"bad\"\n[[plugin]]\npath = \"plugins/gone.wasm\"\n".to_vec();
    let tiny = b"\0asm-not-really".to_vec();
    for blob in [&config, &toml, &tiny] {
        client.push_blob(blob).unwrap();
    }
    let cfg = descriptor(
        "application/vnd.fetter.policy.config.v1+json",
        (&digest_of(&config), config.len() as u64),
        None,
    );
    let toml_layer = descriptor(
        "application/vnd.fetter.policy.v1+toml",
        (&digest_of(&toml), toml.len() as u64),
        Some("policy.toml"),
    );
    let oci = "application/vnd.oci.image.manifest.v1+json";
    let cases: Vec<(&str, &str, serde_json::Value, Vec<&str>)> = vec![
        (
            "missing",
            oci,
            json!({"schemaVersion": 2, "mediaType": oci, "config": cfg, "layers": [toml_layer]}),
            vec!["plugins/gone.wasm", "no layer for it"],
        ),
        (
            "huge",
            oci,
            json!({"schemaVersion": 2, "mediaType": oci, "config": cfg, "layers": [
                toml_layer,
                descriptor("application/wasm", (&digest_of(&tiny), 2u64 << 30), Some("plugins/gone.wasm")),
            ]}),
            vec!["2147483648 bytes", "limit", "refused before downloading"],
        ),
        (
            "index",
            "application/vnd.oci.image.index.v1+json",
            json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}),
            vec![
                "application/vnd.oci.image.index.v1+json",
                "expected application/vnd.oci.image.manifest.v1+json",
            ],
        ),
        (
            "wasm-artifact",
            oci,
            json!({"schemaVersion": 2, "mediaType": oci,
                   "config": descriptor("application/vnd.wasm.config.v0+json", (&digest_of(&config), config.len() as u64), None),
                   "layers": [descriptor("application/wasm", (&digest_of(&tiny), tiny.len() as u64), Some("x.wasm"))]}),
            vec![
                "not a fetter policy bundle",
                "application/vnd.wasm.config.v0+json",
            ],
        ),
    ];
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let lock = s.path.join("fetter.lock");
    for (tag, media_type, manifest, expect) in cases {
        let bytes = serde_json::to_vec(&manifest).unwrap();
        client
            .push_manifest(tag, &bytes, media_type)
            .unwrap_or_else(|e| {
                panic!(
                    "{tag}: the registry did not take the manifest: {e}\n{}",
                    reg.log()
                )
            });
        let out = policy(
            &home,
            &[
                "pull",
                &reg.oci(&format!("bad/b:{tag}")),
                "--lock",
                lock.to_str().unwrap(),
            ],
        );
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{tag}: {err}");
        for e in expect {
            assert!(err.contains(e), "{tag}: expected {e:?} in: {err}");
        }
        assert!(store_is_empty(&home), "{tag}: nothing may be stored");
        assert!(!lock.exists(), "{tag}: nothing may be locked");
    }
}

/// A web server that answers every request with an HTML page (a proxy's
/// login page where a registry should be).
fn html_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<html><body><h1>Sign in</h1></body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn a_server_answering_html_is_named_and_never_replaced_by_a_stored_copy() {
    let s = scratch();
    let port = html_server();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let reference = format!("oci://127.0.0.1:{port}/sec/acme:v1");
    let out = policy(
        &home,
        &[
            "pull",
            &reference,
            "--lock",
            s.path.join("l").to_str().unwrap(),
        ],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("HTML page") && err.contains("is this a registry"),
        "{err}"
    );
    assert!(!err.contains("<html>"), "{err}");
    assert!(store_is_empty(&home));
    let out = policy(
        &home,
        &[
            "push",
            s.path.join("none.toml").to_str().unwrap(),
            &reference,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}
