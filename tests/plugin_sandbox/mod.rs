//! The sandbox's count limits (issue 14 item 12): a plugin that
//! instantiates more core instances, memories or tables than the sandbox
//! allows is refused at instantiation with an error naming the plugin and
//! the limit; one as large as a componentize-py component still loads.
//!
//! The components are example-custom (a working plugin) with extra core
//! instances appended: a core module section and a core instance section
//! instantiating it N times. Component sections may come in any order, so
//! the plugin's own exports and behaviour are unchanged.

use std::fs;
use std::path::Path;

use super::*;

/// Limits the host promises (engine/src/plugins/diags.rs), restated so
/// the test does not trust the code under test.
const MAX_INSTANCES: usize = 128;
const MAX_MEMORIES: usize = 4;
const MAX_TABLES: usize = 16;

/// A core module defining nothing.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

/// A core module defining one memory of 0 pages (section 5: one entry,
/// no maximum, minimum 0).
fn memory_module() -> Vec<u8> {
    [EMPTY_MODULE, &[5, 3, 1, 0, 0]].concat()
}

/// A core module defining one memory of 100 MiB (1600 pages).
fn big_memory_module() -> Vec<u8> {
    [EMPTY_MODULE, &[5, 4, 1, 0, 0xc0, 0x0c]].concat()
}

/// A core module defining one funcref table of 0 elements (section 4).
fn table_module() -> Vec<u8> {
    [EMPTY_MODULE, &[4, 4, 1, 0x70, 0, 0]].concat()
}

fn leb(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(id: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(content.len(), out);
    out.extend_from_slice(content);
}

/// The top-level component's core modules: its own module sections (the
/// index the appended module gets). Nested modules and components are
/// skipped by depth.
fn top_level_modules(component: &[u8]) -> usize {
    let (mut depth, mut modules) = (0usize, 0);
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload.unwrap() {
            wasmparser::Payload::ModuleSection { .. } => {
                if depth == 0 {
                    modules += 1;
                }
                depth += 1;
            }
            wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentAliasSection(aliases) if depth == 0 => {
                for alias in aliases {
                    if let wasmparser::ComponentAlias::Outer {
                        kind: wasmparser::ComponentOuterAliasKind::CoreModule,
                        ..
                    } = alias.unwrap()
                    {
                        modules += 1;
                    }
                }
            }
            _ => {}
        }
    }
    modules
}

/// Every core instantiation in the component, nested ones included.
fn core_instantiations(component: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(component)
        .map(|p| match p.unwrap() {
            wasmparser::Payload::InstanceSection(s) => s
                .into_iter()
                .filter(|i| matches!(i, Ok(wasmparser::Instance::Instantiate { .. })))
                .count(),
            _ => 0,
        })
        .sum()
}

/// `component` with `module` appended and instantiated `times` times.
fn with_extra_instances(component: &[u8], module: &[u8], times: usize) -> Vec<u8> {
    let index = top_level_modules(component);
    let mut out = component.to_vec();
    section(1, module, &mut out);
    let mut instances = Vec::new();
    leb(times, &mut instances);
    for _ in 0..times {
        instances.push(0x00); // instantiate
        leb(index, &mut instances);
        instances.push(0); // no arguments
    }
    section(2, &instances, &mut out);
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .expect("the test's component is valid");
    out
}

fn plugin_check(home: &Path, plugin: &Path) -> (Option<i32>, String) {
    let out = run(fetter_at(home).args(["plugin", "check"]).arg(plugin));
    let (stdout, stderr) = text(&out);
    (out.status.code(), format!("{stdout}{stderr}"))
}

/// 40 extra core instances (as many as a componentize-py component has)
/// load and run; more instances, memories or tables than the limits are
/// refused at instantiation, naming the plugin and the limit.
#[test]
fn count_limits_refuse_large_plugins_and_admit_python_sized_ones() {
    let s = scratch();
    let base = fs::read(repo().join("examples/example-custom.wasm")).unwrap();

    let python_sized = s.path.join("python-sized.wasm");
    let bytes = with_extra_instances(&base, EMPTY_MODULE, 40);
    assert!(core_instantiations(&bytes) >= 38 + 3);
    fs::write(&python_sized, bytes).unwrap();
    let (code, out) = plugin_check(&s.path, &python_sized);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("ok  example-custom"), "{out}");

    let cases = [
        (
            "instances",
            EMPTY_MODULE.to_vec(),
            MAX_INSTANCES,
            "core WebAssembly instances",
        ),
        ("memories", memory_module(), MAX_MEMORIES, "linear memories"),
        ("tables", table_module(), MAX_TABLES, "tables"),
    ];
    for (name, module, limit, what) in cases {
        let path = s.path.join(format!("too-many-{name}.wasm"));
        fs::write(&path, with_extra_instances(&base, &module, limit + 1)).unwrap();
        let (code, out) = plugin_check(&s.path, &path);
        assert_eq!(code, Some(1), "{name}: {out}");
        let expected =
            format!("plugin `example-custom` would create more than {limit} {what} during instantiation, the sandbox's limit");
        assert!(
            out.contains(&expected),
            "{name}: expected {expected:?} in {out}"
        );
    }

    // --plugin-memory limits all memories together: three of 100 MiB,
    // each under the default 256 MiB, are 300 MiB in all.
    let path = s.path.join("three-memories.wasm");
    fs::write(&path, with_extra_instances(&base, &big_memory_module(), 3)).unwrap();
    let (code, out) = plugin_check(&s.path, &path);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "plugin `example-custom` exceeded its memory limit of 256 MiB during instantiation"
        ),
        "{out}"
    );
    let out = run(fetter_at(&s.path)
        .args(["plugin", "check", "--plugin-memory", "400"])
        .arg(&path));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    // validate fails closed on it too (exit 1), with the same reason.
    let Some(env) = venv_with_tiny(&s) else {
        return;
    };
    let path = s.path.join("too-many-instances.wasm");
    let (out, report) = validate(&s.path, &env, &[&path], &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let failures = failure_messages(&report);
    assert!(
        failures[0].contains("more than 128 core WebAssembly instances"),
        "{failures:?}"
    );
}
