//! The Python and JavaScript SDKs and the WIT contract, built into fetter
//! so `fetter plugin build` always builds against the SDK of the fetter
//! that will run the plugin, and `fetter plugin new` can scaffold without
//! a checkout of the repository.

/// The WIT contract (`plugin-sdk/wit/policy.wit`).
pub const WIT: &str = include_str!("../../../../plugin-sdk/wit/policy.wit");

/// The Python SDK package `fetter_policy`: (file name, contents).
pub const PYTHON: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../../../../plugin-sdk/python/fetter_policy/__init__.py"),
    ),
    (
        "_host.py",
        include_str!("../../../../plugin-sdk/python/fetter_policy/_host.py"),
    ),
    (
        "_sandbox.py",
        include_str!("../../../../plugin-sdk/python/fetter_policy/_sandbox.py"),
    ),
    (
        "_columns.py",
        include_str!("../../../../plugin-sdk/python/fetter_policy/_columns.py"),
    ),
    (
        "_export.py",
        include_str!("../../../../plugin-sdk/python/fetter_policy/_export.py"),
    ),
];

/// The JavaScript SDK module's file name.
pub const JS_NAME: &str = "fetter-policy.js";

/// The JavaScript SDK module.
pub const JS: &str = include_str!("../../../../plugin-sdk/js/fetter-policy.js");

/// The componentize-py app module `fetter plugin build` writes: the SDK's
/// `Evaluator` over the plugin's module, with the metadata.
pub fn python_entry(module: &str, meta_json: &str) -> String {
    format!(
        "# Written by `fetter plugin build`: the component's entry point.\nimport fetter_policy._export\nimport {module}  # noqa: F401  (registers the @rule)\n\nEvaluator = fetter_policy._export.make({meta_json})\nColumns = Evaluator.Columns\n"
    )
}

/// The componentize-js entry module: the SDK's `evaluator` over the
/// plugin's module, with the metadata and the host's `log`.
pub fn js_entry(module: &str, meta_json: &str) -> String {
    format!(
        "// Written by `fetter plugin build`: the component's entry point.\nimport {{ log }} from '{host}';\nimport {{ makeEvaluator }} from './{JS_NAME}';\nimport './{module}';\n\nexport const evaluator = makeEvaluator({meta_json}, log);\nexport const columns = evaluator.columns;\n",
        host = fetter_plugin_abi::HOST_IMPORT,
    )
}
