//! What to do about an import the sandbox does not grant: the toolchain
//! flag that removes it, so a refusal (at build or at load) tells the
//! plugin's author how to get a component fetter will run.

/// The advice for a forbidden `import`: which flag of which toolchain
/// removes it. Python and JavaScript toolchains link WASI by default;
/// their flags stub it out (the plugin then gets a clear error from the
/// SDK instead of a capability).
pub fn removal_advice(import: &str) -> String {
    let Some(wasi) = import.strip_prefix("wasi:") else {
        return "no flag removes it: the plugin's own code imports it; a plugin may import only `fetter:policy/host`".to_string();
    };
    let js = js_feature(wasi)
        .map(|f| format!("componentize-js `-d {f}` (fetter plugin build passes `-d stdio random clocks http fetch-event`)"))
        .unwrap_or_else(|| "componentize-js `-d stdio random clocks http fetch-event`".to_string());
    format!(
        "rebuild with `fetter plugin build`, which removes it: for Python componentize-py `componentize --stub-wasi`, for JavaScript {js}, for Rust the target wasm32-unknown-unknown (not wasm32-wasip*)"
    )
}

/// The componentize-js `--disable` feature that drops a WASI interface.
fn js_feature(wasi: &str) -> Option<&'static str> {
    let (package, rest) = wasi.split_once('/')?;
    let interface = rest.split('@').next().unwrap_or(rest);
    Some(match (package, interface) {
        ("http", "incoming-handler") => "fetch-event",
        ("http", _) => "http",
        ("clocks", _) => "clocks",
        ("random", _) => "random",
        ("cli", "stdin" | "stdout" | "stderr" | "terminal-input" | "terminal-output")
        | ("cli", "terminal-stdin" | "terminal-stdout" | "terminal-stderr") => "stdio",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_flag_for_each_kind_of_import() {
        let a = removal_advice("wasi:http/outgoing-handler@0.2.3");
        assert!(a.contains("`-d http`") && a.contains("--stub-wasi"), "{a}");
        assert!(removal_advice("wasi:http/incoming-handler@0.2.3").contains("`-d fetch-event`"));
        assert!(removal_advice("wasi:clocks/wall-clock@0.2.0").contains("`-d clocks`"));
        assert!(removal_advice("wasi:cli/stdout@0.2.0").contains("`-d stdio`"));
        assert!(removal_advice("wasi:filesystem/types@0.2.0").contains("--stub-wasi"));
        assert!(removal_advice("acme:evil/net").contains("no flag"));
    }
}
