//! {{name}}: deny anything installed from a git URL.

use fetter_plugin_sdk::{Inventory, Verdict};

/// One verdict per distribution whose PEP 610 `direct_url.json` says git.
pub fn evaluate(inventory: &Inventory) -> Vec<Verdict> {
    inventory
        .iter()
        .filter(|(_, dist)| dist.vcs() == Some("git"))
        .map(|(index, dist)| {
            Verdict::deny(index, "{{name}}/git-url",
                format!("{} {} was installed from a git URL, not a package index", dist.name, dist.version))
            .with_suggestion("install a released version from the index")
        })
        .collect()
}

fetter_plugin_sdk::export_plugin! {
    name: "{{name}}",
    description: "Deny anything installed from a git URL",
    evaluate: evaluate,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetter_plugin_sdk::{DirectUrl, Distribution, Environment, EnvironmentKind};

    fn dist(name: &str, vcs: Option<&str>) -> Distribution {
        Distribution {
            name: name.into(),
            normalized_name: fetter_plugin_sdk::normalize(name),
            version: "1.0".into(),
            environments: vec![0],
            site: "/venv/site-packages".into(),
            installer: Some("pip".into()),
            requested: true,
            direct_url: vcs.map(|v| DirectUrl {
                url: "git+https://example.com/x".into(),
                vcs: Some(v.into()),
                commit_id: None,
                editable: false,
            }),
        }
    }

    #[test]
    fn denies_only_the_git_install() {
        let inv = Inventory {
            environments: vec![Environment {
                prefix: "/venv".into(),
                kind: EnvironmentKind::Venv,
                python_version: None,
                externally_managed: false,
            }],
            distributions: vec![dist("requests", None), dist("acme-tool", Some("git"))],
        };
        let verdicts = evaluate(&inv);
        assert_eq!(verdicts.len(), 1);
        assert_eq!(verdicts[0].distribution, 1);
    }
}
