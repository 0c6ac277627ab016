//! `ansible-doc` renders every module and role of the collection.

use std::collections::BTreeSet;
use std::fs;

use super::{collection_src, Controller};
use crate::common::*;

#[test]
fn ansible_doc_renders_every_module_and_role() {
    let s = scratch();
    let Some(ctl) = Controller::new(&s.path) else {
        return;
    };
    let modules: BTreeSet<String> = fs::read_dir(collection_src().join("plugins/modules"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".py")
                .map(|m| format!("fetter.fetter.{m}"))
        })
        .collect();
    assert!(modules.len() >= 4, "{modules:?}");

    // The collection's module list is exactly the files.
    let listed = run_ok(
        ctl.command("ansible-doc")
            .args(["--list", "fetter.fetter", "--json"]),
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let listed: BTreeSet<String> = listed.as_object().unwrap().keys().cloned().collect();
    assert_eq!(listed, modules);

    // Text rendering (what a person reads) of every module, in one call...
    let text = run_ok(ctl.command("ansible-doc").args(&modules));
    for m in &modules {
        assert!(
            text.contains(&format!("> MODULE {m}")),
            "{m} not rendered:\n{text}"
        );
    }
    assert_eq!(text.matches("EXAMPLES").count(), modules.len(), "{text}");
    // ...and the structured doc: every section, the shared options, check
    // mode declared, and a description for every option.
    let docs = run_ok(ctl.command("ansible-doc").arg("--json").args(&modules));
    let docs: serde_json::Value = serde_json::from_str(&docs).unwrap();
    for m in &modules {
        let d = &docs[m];
        let options = d["doc"]["options"].as_object().unwrap();
        for shared in ["executable", "data_dir"] {
            assert!(options.contains_key(shared), "{m}: no option {shared}");
        }
        for (name, o) in options {
            let described = match &o["description"] {
                serde_json::Value::String(d) => !d.trim().is_empty(),
                serde_json::Value::Array(d) => !d.is_empty(),
                _ => false,
            };
            assert!(described, "{m}: option {name} has no description");
        }
        assert_eq!(
            d["doc"]["attributes"]["check_mode"]["support"], "full",
            "{m}"
        );
        assert!(
            d["examples"]
                .as_str()
                .is_some_and(|e| e.contains(m.as_str())),
            "{m}"
        );
        assert!(
            d["return"].as_object().is_some_and(|r| !r.is_empty()),
            "{m}"
        );
    }

    for role in ["fetter.fetter.install", "fetter.fetter.audit"] {
        let text = run_ok(ctl.command("ansible-doc").args(["-t", "role", role]));
        assert!(text.contains("fetter_install_path"), "{role}:\n{text}");
    }

    // galaxy.yml is valid: the collection builds into an installable artifact.
    let built = run_ok(
        ctl.command("ansible-galaxy")
            .args(["collection", "build", "--output-path"])
            .arg(s.path.join("dist"))
            .arg(collection_src()),
    );
    assert!(
        s.path.join("dist/fetter-fetter-0.1.0.tar.gz").is_file(),
        "{built}"
    );
}
