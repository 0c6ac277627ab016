//! Example policy plugin: deny anything installed from a git URL.
//!
//! The whole plugin is this file; see `docs/plugins.md` ("Write your own
//! policy plugin") for how to build and run it.

use fetter_plugin_sdk::{Inventory, Verdict};

/// One verdict per distribution whose PEP 610 `direct_url.json` says git.
pub fn evaluate(inventory: &Inventory) -> Vec<Verdict> {
    inventory
        .iter()
        .filter(|(_, dist)| dist.vcs() == Some("git"))
        .map(|(index, dist)| {
            Verdict::deny(
                index,
                "example-custom/git-url",
                format!(
                    "{} {} was installed from a git URL, not a package index",
                    dist.name, dist.version
                ),
            )
            .with_suggestion("install a released version from the index")
        })
        .collect()
}

fetter_plugin_sdk::export_plugin! {
    name: "example-custom",
    description: "Deny anything installed from a git URL",
    evaluate: evaluate,
}

#[cfg(test)]
mod tests {
    use fetter_plugin_sdk::{Action, DirectUrl, Distribution, Inventory};

    fn dist(name: &str, vcs: Option<&str>) -> Distribution {
        Distribution {
            name: name.into(),
            normalized_name: name.into(),
            version: "1.0".into(),
            environments: vec![],
            site: "/site".into(),
            installer: Some("pip".into()),
            requested: true,
            direct_url: vcs.map(|v| DirectUrl {
                url: "https://example.invalid/x".into(),
                vcs: Some(v.into()),
                commit_id: None,
                editable: false,
            }),
        }
    }

    #[test]
    fn denies_only_git_installs() {
        let inv = Inventory {
            environments: vec![],
            distributions: vec![
                dist("a", None),
                dist("b", Some("git")),
                dist("c", Some("hg")),
            ],
        };
        let verdicts = super::evaluate(&inv);
        assert_eq!(verdicts.len(), 1);
        assert_eq!(
            (verdicts[0].distribution, verdicts[0].action),
            (1, Action::Deny)
        );
        assert_eq!(verdicts[0].rule, "example-custom/git-url");
    }
}
