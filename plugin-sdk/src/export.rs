//! The export glue behind [`export_plugin!`](crate::export_plugin): keeps
//! the configured policy between `configure` and `evaluate`, and reports
//! panics through the host log so the host can say what went wrong.

use std::cell::RefCell;

use crate::{Inventory, PluginInfo, Policy, Verdict};

/// The configured policy of a running plugin instance.
pub struct State<P>(RefCell<Option<P>>);

// SAFETY: plugins are built for wasm32-unknown-unknown without the threads
// proposal, so there is exactly one thread and the cell is never shared.
#[cfg(target_arch = "wasm32")]
unsafe impl<P> Sync for State<P> {}

impl<P> State<P> {
    /// An unconfigured state.
    pub const fn new() -> Self {
        State(RefCell::new(None))
    }
}

impl<P> Default for State<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a plugin's evaluate function may return.
pub trait IntoVerdicts {
    /// Convert to the `evaluate` result.
    fn into_verdicts(self) -> Result<Vec<Verdict>, String>;
}

impl IntoVerdicts for Vec<Verdict> {
    fn into_verdicts(self) -> Result<Vec<Verdict>, String> {
        Ok(self)
    }
}

impl IntoVerdicts for Result<Vec<Verdict>, String> {
    fn into_verdicts(self) -> Result<Vec<Verdict>, String> {
        self
    }
}

/// `info()`: the same facts as the metadata section.
pub fn info(fields: &[&str; 5]) -> PluginInfo {
    PluginInfo {
        name: fields[0].into(),
        version: fields[1].into(),
        description: fields[3].into(),
        settings_help: fields[4].into(),
    }
}

/// `configure()`: build the policy from its settings.
pub fn configure<P: Policy>(state: &State<P>, settings: String) -> Result<(), String> {
    install_panic_hook();
    *state.0.borrow_mut() = Some(P::configure(&settings)?);
    Ok(())
}

/// `evaluate()`: judge the inventory (configuring with `{}` first if the
/// host did not configure).
pub fn evaluate<P: Policy>(state: &State<P>, inventory: Inventory) -> Result<Vec<Verdict>, String> {
    install_panic_hook();
    if state.0.borrow().is_none() {
        configure(state, String::from("{}"))?;
    }
    let guard = state.0.borrow();
    let policy = guard.as_ref().expect("configured above");
    let verdicts = policy.evaluate(&inventory);
    // fetter runs one evaluate per instance and then drops the whole
    // sandbox, memory and all: freeing the inventory's strings one by one
    // first (six per distribution) is wasted work. At worst, a host that
    // called evaluate twice would hold two inventories in linear memory.
    std::mem::forget(inventory);
    verdicts
}

/// Send panic messages to the host's log before the module traps, so the
/// host's error says *why* the plugin died, not only that it did.
fn install_panic_hook() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            crate::log::error(&format!("panicked: {info}"));
        }))
    });
}

/// Export a policy plugin: the component's `fetter:policy/evaluator`
/// functions and its metadata custom section.
///
/// From a function (the plugin takes no settings and rejects any):
///
/// ```ignore
/// fetter_plugin_sdk::export_plugin! {
///     name: "no-git",
///     description: "Deny anything installed from a git URL",
///     evaluate: evaluate,   // fn(&Inventory) -> Vec<Verdict> or Result<Vec<Verdict>, String>
/// }
/// ```
///
/// From a type implementing [`Policy`](crate::Policy) (the plugin takes settings):
///
/// ```ignore
/// fetter_plugin_sdk::export_plugin! {
///     name: "allow-list",
///     description: "Deny every distribution not on the allow list",
///     settings_help: "allow: list of name globs, e.g. {\"allow\": [\"requests\", \"django*\"]}",
///     policy: AllowList,
/// }
/// ```
///
/// The plugin's version is its crate's `CARGO_PKG_VERSION`. Outside
/// `wasm32` the macro only checks that its arguments type-check, so the
/// plugin crate's unit tests run natively.
#[macro_export]
macro_rules! export_plugin {
    (
        name: $name:expr,
        description: $description:expr,
        $(settings_help: $help:expr,)?
        evaluate: $evaluate:path $(,)?
    ) => {
        const _: () = {
            struct __FetterFnPolicy;
            impl $crate::Policy for __FetterFnPolicy {
                fn configure(settings: &str) -> ::std::result::Result<Self, ::std::string::String> {
                    $crate::reject_settings(settings)?;
                    ::std::result::Result::Ok(__FetterFnPolicy)
                }
                fn evaluate(
                    &self,
                    inventory: &$crate::Inventory,
                ) -> ::std::result::Result<::std::vec::Vec<$crate::Verdict>, ::std::string::String> {
                    $crate::__private::IntoVerdicts::into_verdicts($evaluate(inventory))
                }
            }
            $crate::export_plugin!(@emit $name, $description, ($($help)?), __FetterFnPolicy);
        };
    };
    (
        name: $name:expr,
        description: $description:expr,
        $(settings_help: $help:expr,)?
        policy: $policy:ty $(,)?
    ) => {
        const _: () = {
            $crate::export_plugin!(@emit $name, $description, ($($help)?), $policy);
        };
    };
    (@help ()) => { "" };
    (@help ($help:expr)) => { $help };
    (@emit $name:expr, $description:expr, ($($help:expr)?), $policy:ty) => {
        const __FETTER_META: [&str; 5] = [
            $name,
            ::std::env!("CARGO_PKG_VERSION"),
            $crate::ABI_VERSION,
            $description,
            $crate::export_plugin!(@help ($($help)?)),
        ];

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            const __LEN: usize = $crate::__private::encoded_len(&__FETTER_META);
            #[unsafe(link_section = $crate::__private::meta_section!())]
            #[used]
            static __FETTER_PLUGIN_META: [u8; __LEN] = $crate::__private::encode::<__LEN>(&__FETTER_META);

            static __FETTER_STATE: $crate::__private::State<$policy> = $crate::__private::State::new();

            struct __FetterPlugin;
            impl $crate::bindings::exports::fetter::policy::evaluator::Guest for __FetterPlugin {
                fn info() -> $crate::PluginInfo {
                    $crate::__private::info(&__FETTER_META)
                }
                fn configure(settings: ::std::string::String) -> ::std::result::Result<(), ::std::string::String> {
                    $crate::__private::configure(&__FETTER_STATE, settings)
                }
                fn evaluate(
                    inventory: $crate::Inventory,
                ) -> ::std::result::Result<::std::vec::Vec<$crate::Verdict>, ::std::string::String> {
                    $crate::__private::evaluate(&__FETTER_STATE, inventory)
                }
            }
            $crate::bindings::__export_policy!(__FetterPlugin with_types_in $crate::bindings);
        };

        // Natively: make sure the policy and metadata type-check and count as used.
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            let _ = <$policy as $crate::Policy>::configure;
            let _ = <$policy as $crate::Policy>::evaluate;
            let _ = __FETTER_META;
        };
    };
}
