//! The allow list: entries of a name glob with optional PEP 440 version
//! specifiers, and the judgement of one installed distribution.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use crate::glob::NameGlob;

/// Rule id: the name matches no entry.
pub const RULE_NOT_ALLOWED: &str = "allow-list/not-allowed";
/// Rule id: the name is allowed, but not at the installed version.
pub const RULE_VERSION: &str = "allow-list/version-not-allowed";

/// What `python -m venv` installs: allowed unless the settings say otherwise,
/// so an allow list never flags a fresh environment's own tooling.
pub const INSTALLER_TOOLING: [&str; 3] = ["pip", "setuptools", "wheel"];

/// One allowed name glob, optionally restricted to some versions.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The entry as written in the settings.
    pub text: String,
    glob: NameGlob,
    specifiers: Option<VersionSpecifiers>,
}

impl Entry {
    /// Parse `requests`, `azure-*`, `django>=4,<6`, `numpy == 1.26.*`.
    pub fn parse(text: &str) -> Result<Entry, String> {
        let split = text.find(['<', '>', '=', '!', '~']).unwrap_or(text.len());
        let (name, spec) = text.split_at(split);
        let glob = NameGlob::new(name).ok_or_else(|| {
            format!(
                "allow entry {text:?}: {:?} is not a name or name glob (letters, digits, -_. * ?)",
                name.trim()
            )
        })?;
        let specifiers = if spec.trim().is_empty() {
            None
        } else {
            Some(
                VersionSpecifiers::from_str(spec.trim())
                    .map_err(|e| format!("allow entry {text:?}: bad version specifiers: {e}"))?,
            )
        };
        Ok(Entry {
            text: text.trim().to_string(),
            glob,
            specifiers,
        })
    }
}

/// The verdict on one distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// On the list (at an allowed version).
    Allowed,
    /// No entry names it.
    NotAllowed,
    /// Entries name it, but none allows the installed version; carries
    /// those entries as written.
    VersionNotAllowed(Vec<String>),
}

/// The configured allow list.
#[derive(Debug, Clone)]
pub struct AllowList {
    entries: Vec<Entry>,
    allow_tooling: bool,
}

impl AllowList {
    /// Parse every entry (the first bad one is the error). With
    /// `allow_tooling`, pip, setuptools and wheel are always allowed.
    pub fn new(entries: &[String], allow_tooling: bool) -> Result<AllowList, String> {
        Ok(AllowList {
            entries: entries
                .iter()
                .map(|e| Entry::parse(e))
                .collect::<Result<_, _>>()?,
            allow_tooling,
        })
    }

    /// Judge distribution `normalized_name` at `version` (as its metadata
    /// writes it; a version that is not PEP 440 satisfies no specifier).
    pub fn judge(&self, normalized_name: &str, version: &str) -> Judgement {
        if self.allow_tooling && INSTALLER_TOOLING.contains(&normalized_name) {
            return Judgement::Allowed;
        }
        let naming: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.glob.matches(normalized_name))
            .collect();
        if naming.is_empty() {
            return Judgement::NotAllowed;
        }
        let parsed = Version::from_str(version).ok();
        let allows = |e: &&Entry| match (&e.specifiers, &parsed) {
            (None, _) => true,
            (Some(spec), Some(v)) => spec.contains(v),
            (Some(_), None) => false,
        };
        if naming.iter().any(allows) {
            Judgement::Allowed
        } else {
            Judgement::VersionNotAllowed(naming.iter().map(|e| e.text.clone()).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::new(
            &entries.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            true,
        )
        .unwrap()
    }

    #[test]
    fn names_and_globs() {
        let l = list(&["requests", "azure-*", "jaraco.*"]);
        assert_eq!(l.judge("requests", "2.32.3"), Judgement::Allowed);
        assert_eq!(l.judge("azure-core", "1.0"), Judgement::Allowed);
        assert_eq!(l.judge("jaraco-classes", "3.4"), Judgement::Allowed);
        assert_eq!(l.judge("reqeusts", "1.0"), Judgement::NotAllowed);
        assert_eq!(l.judge("azure", "5.0"), Judgement::NotAllowed);
    }

    #[test]
    fn version_specifiers_follow_pep_440() {
        let l = list(&[
            "django>=4.2,<6",
            "numpy == 1.26.*",
            "urllib3~=2.0",
            "attrs!=23.1.0",
        ]);
        assert_eq!(l.judge("django", "4.2.11"), Judgement::Allowed);
        assert_eq!(
            l.judge("django", "5.1rc1"),
            Judgement::Allowed,
            "pre-release inside the range"
        );
        assert_eq!(
            l.judge("django", "3.2.25"),
            Judgement::VersionNotAllowed(vec!["django>=4.2,<6".into()])
        );
        assert!(matches!(
            l.judge("django", "6.0"),
            Judgement::VersionNotAllowed(_)
        ));
        assert_eq!(l.judge("numpy", "1.26.4"), Judgement::Allowed);
        assert!(matches!(
            l.judge("numpy", "2.0.0"),
            Judgement::VersionNotAllowed(_)
        ));
        assert_eq!(l.judge("urllib3", "2.2.1"), Judgement::Allowed);
        assert!(matches!(
            l.judge("urllib3", "3.0"),
            Judgement::VersionNotAllowed(_)
        ));
        assert!(matches!(
            l.judge("attrs", "23.1.0"),
            Judgement::VersionNotAllowed(_)
        ));
        assert_eq!(l.judge("attrs", "23.2.0"), Judgement::Allowed);
        assert_eq!(l.judge("django", "4.2.0.post1"), Judgement::Allowed);
    }

    #[test]
    fn any_matching_entry_allows() {
        let l = list(&["django<4", "django>=5"]);
        assert_eq!(l.judge("django", "3.2"), Judgement::Allowed);
        assert_eq!(l.judge("django", "5.0"), Judgement::Allowed);
        assert_eq!(
            l.judge("django", "4.2"),
            Judgement::VersionNotAllowed(vec!["django<4".into(), "django>=5".into()])
        );
    }

    #[test]
    fn invalid_installed_versions_satisfy_no_specifier() {
        let l = list(&["legacy>=1", "anyversion"]);
        assert!(matches!(
            l.judge("legacy", "not-a-version"),
            Judgement::VersionNotAllowed(_)
        ));
        assert_eq!(l.judge("anyversion", "not-a-version"), Judgement::Allowed);
    }

    #[test]
    fn fresh_venv_tooling_is_allowed_unless_turned_off() {
        let l = list(&[]);
        for name in INSTALLER_TOOLING {
            assert_eq!(l.judge(name, "24.0"), Judgement::Allowed);
        }
        let strict = AllowList::new(&[], false).unwrap();
        assert_eq!(strict.judge("pip", "24.0"), Judgement::NotAllowed);
    }

    #[test]
    fn bad_entries_name_the_problem() {
        let err = |e: &str| AllowList::new(&[e.to_string()], true).unwrap_err();
        assert!(err("django>=four").contains("bad version specifiers"));
        assert!(err("dj ango").contains("not a name or name glob"));
        assert!(err(">=1.0").contains("not a name"));
    }
}
