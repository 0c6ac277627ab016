fetter_plugin_sdk::export_plugin! { name: "hostile", description: "placeholder", evaluate: e }
fn e(_: &fetter_plugin_sdk::Inventory) -> Vec<fetter_plugin_sdk::Verdict> {
    vec![]
}
