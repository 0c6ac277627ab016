//! `fetter plugin push`: one plugin alone in the CNCF WebAssembly artifact
//! layout, read back from the registry with plain HTTP GETs (not through
//! fetter's client): the media types, the config's CNCF fields, the layer
//! digest equal to `fetter plugin info`'s sha256, the bytes unchanged; a
//! plugin fetter would not run is refused before anything is uploaded, and
//! `fetter policy pull` refuses the artifact as not a policy bundle.

use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use super::{plugin_sha256, policy, repo_path, store_is_empty, text};
use crate::common::registry::{Registry, Setup};
use crate::common::*;

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// `fetter plugin push ARGS…` with `home` as its home and `env` set.
fn plugin_push(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = super::fetter_at(home);
    c.env_remove("DOCKER_CONFIG")
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .args(["plugin", "push"])
        .args(args);
    run(&mut c)
}

/// A plain HTTP GET to the registry: (status, content type, body).
pub(super) fn get(reg: &Registry, path: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("http://{}{path}", reg.host());
    let mut req = agent.get(&url);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    let mut r = req.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(128 << 20)
        .read_to_vec()
        .unwrap();
    (status, content_type, body)
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", super::sha256_hex(bytes))
}

/// Read the artifact `repo:tag` back: its manifest (checked against the
/// digest push printed), config and only layer.
fn read_back(reg: &Registry, repo: &str, tag: &str, pinned: &str) -> (Value, Value, Vec<u8>) {
    let (status, ct, body) = get(reg, &format!("/v2/{repo}/manifests/{tag}"), Some(MANIFEST));
    assert_eq!(status, 200, "{}", reg.log());
    assert_eq!(ct, MANIFEST);
    assert_eq!(
        pinned.trim(),
        format!("{}/{repo}@{}", reg.host(), sha256(&body))
    );
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(manifest["mediaType"], MANIFEST);
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest:#}");
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    let blob = |d: &Value| {
        let (status, _, bytes) = get(
            reg,
            &format!("/v2/{repo}/blobs/{}", d.as_str().unwrap()),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(sha256(&bytes), d.as_str().unwrap());
        bytes
    };
    let config: Value = serde_json::from_slice(&blob(&manifest["config"]["digest"])).unwrap();
    let layer = blob(&layers[0]["digest"]);
    assert_eq!(layers[0]["size"], layer.len());
    (manifest, config, layer)
}

#[test]
fn a_plugin_pushed_alone_is_a_cncf_wasm_artifact_and_not_a_policy_bundle() {
    let s = scratch();
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();

    // A first-party plugin, by name.
    let out = plugin_push(
        &home,
        &[],
        &["deprecated-names", &reg.oci("plugins/deprecated-names:v1")],
    );
    let (pinned, err) = text(&out);
    assert!(out.status.success(), "{pinned}\n{err}\n{}", reg.log());
    let (manifest, config, layer) = read_back(&reg, "plugins/deprecated-names", "v1", &pinned);
    let info_sha = plugin_sha256(&home, "deprecated-names");
    assert_eq!(
        manifest["layers"][0]["digest"],
        format!("sha256:{info_sha}")
    );
    assert!(err.contains(&info_sha), "{err}");
    assert_eq!(sha256(&layer), format!("sha256:{info_sha}"));
    assert_eq!(
        manifest["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "deprecated-names.wasm"
    );
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.title"],
        "deprecated-names"
    );
    // The config, as the CNCF layout spells it.
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    assert_eq!(
        config["layerDigests"],
        serde_json::json!([format!("sha256:{info_sha}")])
    );
    let created = config["created"].as_str().unwrap();
    assert!(created.len() == 20 && created.ends_with('Z'), "{created}");
    assert!(config.get("author").is_none(), "{config:#}");
    let exports: Vec<&str> = config["component"]["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        exports
            .iter()
            .any(|e| e.starts_with("fetter:policy/evaluator@")),
        "{config:#}"
    );
    for import in config["component"]["imports"].as_array().unwrap() {
        assert!(
            import.as_str().unwrap().starts_with("fetter:policy/host@"),
            "{config:#}"
        );
    }
    assert!(
        config["component"]["target"]
            .as_str()
            .unwrap()
            .starts_with("fetter:policy/policy@"),
        "{config:#}"
    );

    // A plugin file, with an author; SOURCE_DATE_EPOCH makes it reproducible.
    let file = repo_path("plugins/allow-list.wasm");
    let file = file.to_str().unwrap();
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let push_file = || {
        let out = plugin_push(
            &home,
            &epoch,
            &[
                file,
                &reg.oci("plugins/allow-list:1"),
                "--author",
                "sec@acme.com",
            ],
        );
        let (o, e) = text(&out);
        assert!(out.status.success(), "{o}\n{e}");
        o
    };
    let pinned = push_file();
    assert_eq!(
        push_file(),
        pinned,
        "the same plugin and time give the same digest"
    );
    let (manifest, config, layer) = read_back(&reg, "plugins/allow-list", "1", &pinned);
    assert_eq!(layer, fs::read(file).unwrap());
    assert_eq!(
        manifest["layers"][0]["digest"],
        format!("sha256:{}", plugin_sha256(&home, file))
    );
    assert_eq!(config["created"], "2023-11-14T22:13:20Z");
    assert_eq!(config["author"], "sec@acme.com");
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.authors"],
        "sec@acme.com"
    );

    // It is not a policy bundle: pull refuses it, storing and locking nothing.
    let lock = s.path.join("fetter.lock");
    let out = policy(
        &home,
        &[
            "pull",
            &reg.oci("plugins/allow-list:1"),
            "--lock",
            lock.to_str().unwrap(),
        ],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not a fetter policy bundle")
            && err.contains("CNCF wasm layout")
            && err.contains("fetter policy push"),
        "{err}"
    );
    assert!(store_is_empty(&home));
    assert!(!lock.exists());
}

#[test]
fn a_plugin_fetter_would_not_run_is_refused_before_any_upload() {
    let s = scratch();
    let Some(reg) = Registry::start(&s.path.join("reg"), &Setup::default()) else {
        return;
    };
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let module = s.path.join("module.wasm");
    fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
    let wasi = s.path.join("wasi.wasm");
    fs::write(
        &wasi,
        super::super::component_from_wit(super::super::WASI_WORLD),
    )
    .unwrap();
    let text_file = s.path.join("notes.wasm");
    fs::write(&text_file, "hello").unwrap();
    let cases: [(&Path, &str, &[&str]); 3] = [
        (&module, "bad/module", &["not a component"]),
        (
            &wasi,
            "bad/wasi",
            &["wasi:filesystem/types@0.2.0", "fetter:policy/host"],
        ),
        (&text_file, "bad/text", &["notes.wasm"]),
    ];
    for (file, repo, expect) in cases {
        let out = plugin_push(
            &home,
            &[],
            &[file.to_str().unwrap(), &reg.oci(&format!("{repo}:v1"))],
        );
        let (o, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{repo}: {o}\n{err}");
        assert!(o.is_empty(), "{repo}: {o}");
        assert!(err.contains(file.to_str().unwrap()), "{repo}: {err}");
        for e in expect {
            assert!(err.contains(e), "{repo}: expected {e:?} in: {err}");
        }
        // Nothing reached the registry: it does not know the repository.
        let (status, _, _) = get(&reg, &format!("/v2/{repo}/tags/list"), None);
        assert_eq!(status, 404, "{repo}: something was uploaded");
    }
    // Refused before connecting: the same with no registry there.
    let out = plugin_push(
        &home,
        &[],
        &[module.to_str().unwrap(), "oci://127.0.0.1:1/bad/module:v1"],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not a component") && !err.contains("connect"),
        "{err}"
    );
    // A digest is what push prints, not where it pushes.
    let out = plugin_push(
        &home,
        &[],
        &[
            "deprecated-names",
            &format!("{}@sha256:{}", reg.oci("plugins/x"), "0".repeat(64)),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("push to a tag"), "{:?}", text(&out));
}
