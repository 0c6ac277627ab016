//! A misbehaving policy plugin for the sandbox tests. Its settings pick the
//! misbehaviour: `{"mode": "loop"}`, …; the host must contain each one
//! with a clear error and fail closed.

use fetter_plugin_sdk::{parse_settings, Inventory, Policy, Verdict};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    mode: Mode,
}

/// Each way to misbehave.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Behave: one warning per distribution.
    Behave,
    /// Return no verdicts (the benchmark's baseline: the cost of the sandbox
    /// and of passing the inventory in).
    Nothing,
    /// Never return.
    Loop,
    /// Allocate 4 GiB.
    Alloc,
    /// Panic.
    Panic,
    /// A verdict about distribution 10^9.
    BadIndex,
    /// 10^6 verdicts.
    Flood,
    /// Return an error from evaluate.
    Fail,
    /// A verdict with a rule id full of terminal escapes.
    BadRule,
    /// Log a million lines, then behave.
    LogFlood,
}

/// The hostile policy.
pub struct Hostile(Mode);

impl Policy for Hostile {
    fn configure(settings: &str) -> Result<Self, String> {
        let s: Settings = parse_settings(settings)?;
        Ok(Hostile(s.mode))
    }

    fn evaluate(&self, inventory: &Inventory) -> Result<Vec<Verdict>, String> {
        Ok(match self.0 {
            Mode::Behave => behave(inventory),
            Mode::Nothing => Vec::new(),
            Mode::Loop => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Mode::Alloc => {
                // 4 GiB in 64 MiB pieces (wasm32 cannot name 4 GiB in one usize).
                let mut kept: Vec<Vec<u8>> = Vec::new();
                for _ in 0..64 {
                    kept.push(std::hint::black_box(vec![1u8; 64 << 20]));
                }
                return Err(format!("allocated {} pieces", kept.len()));
            }
            Mode::Panic => panic!("hostile plugin panicked on purpose"),
            Mode::BadIndex => vec![Verdict::deny(
                1_000_000_000,
                "hostile/bad-index",
                "no such distribution",
            )],
            Mode::Flood => (0..1_000_000)
                .map(|_| Verdict::deny(0, "hostile/flood", "again"))
                .collect(),
            Mode::Fail => return Err("could not decide".into()),
            Mode::BadRule => vec![Verdict::deny(0, "\x1b[2J evil rule", "x")],
            Mode::LogFlood => {
                for i in 0..1_000_000 {
                    fetter_plugin_sdk::info(&format!("line {i}"));
                }
                behave(inventory)
            }
        })
    }
}

fn behave(inventory: &Inventory) -> Vec<Verdict> {
    inventory
        .iter()
        .map(|(i, d)| Verdict::warn(i, "hostile/seen", format!("saw {}", d.name)))
        .collect()
}

fetter_plugin_sdk::export_plugin! {
    name: "hostile",
    description: "Misbehaves on purpose, as its settings say (sandbox tests)",
    settings_help: "{\"mode\": \"behave\" | \"nothing\" | \"loop\" | \"alloc\" | \"panic\" | \"bad-index\" | \"flood\" | \"fail\" | \"bad-rule\" | \"log-flood\"}",
    policy: Hostile,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_pick_the_mode() {
        assert_eq!(
            Hostile::configure(r#"{"mode":"flood"}"#).unwrap().0,
            Mode::Flood
        );
        assert!(Hostile::configure(r#"{"mode":"nice"}"#).is_err());
        assert!(Hostile::configure("{}").is_err());
    }
}
