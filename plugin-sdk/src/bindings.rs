//! The bindings generated from `wit/policy.wit`, the contract shared with
//! the host. Most plugins only need the re-exports at the crate root.

wit_bindgen::generate!({
    path: "wit/policy.wit",
    world: "policy",
    // The export macro is invoked from plugin crates, through `export_plugin!`.
    pub_export_macro: true,
    export_macro_name: "__export_policy",
    default_bindings_module: "fetter_plugin_sdk::bindings",
    runtime_path: "fetter_plugin_sdk::__private::wit_bindgen::rt",
    additional_derives: [PartialEq],
});
