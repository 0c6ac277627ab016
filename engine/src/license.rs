//! A distribution's licence as an SPDX expression, where its metadata
//! says so unambiguously: `License-Expression` (PEP 639) first, then
//! `License ::` classifiers, then a `License` field that is a known SPDX
//! identifier or an unambiguous alias. Anything else stays free text
//! (SBOMs then say NOASSERTION and carry the text), never a guess:
//! "BSD License" does not say which BSD, "Apache Software License" not
//! which version.

use serde::Serialize;

use crate::inventory::details::Details;

/// Where a licence was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseSource {
    /// `License-Expression`.
    Expression,
    /// `Classifier: License :: …`.
    Classifier,
    /// `License`.
    LicenseField,
}

/// A declared licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct License {
    /// The SPDX expression, when the metadata maps to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spdx: Option<String>,
    /// What the metadata says, as written (first line of `License`, or the
    /// classifiers joined by `; `).
    pub declared: String,
    /// Which field it came from.
    pub source: LicenseSource,
}

/// Classifier suffixes (after `License :: OSI Approved :: ` or `License :: `)
/// that name exactly one SPDX licence.
const CLASSIFIERS: &[(&str, &str)] = &[
    ("MIT License", "MIT"),
    ("MIT No Attribution License (MIT-0)", "MIT-0"),
    ("ISC License (ISCL)", "ISC"),
    ("Python Software Foundation License", "PSF-2.0"),
    ("The Unlicense (Unlicense)", "Unlicense"),
    ("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1"),
    ("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2"),
    ("Universal Permissive License (UPL)", "UPL-1.0"),
    ("Zero-Clause BSD (0BSD)", "0BSD"),
    ("GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
    (
        "GNU General Public License v2 or later (GPLv2+)",
        "GPL-2.0-or-later",
    ),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    (
        "GNU General Public License v3 or later (GPLv3+)",
        "GPL-3.0-or-later",
    ),
    (
        "GNU Lesser General Public License v2 (LGPLv2)",
        "LGPL-2.0-only",
    ),
    (
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "LGPL-2.0-or-later",
    ),
    (
        "GNU Lesser General Public License v3 (LGPLv3)",
        "LGPL-3.0-only",
    ),
    (
        "GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    ("GNU Affero General Public License v3", "AGPL-3.0-only"),
    (
        "GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    (
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
        "CC0-1.0",
    ),
];

/// SPDX identifiers accepted as a whole `License` field (case-insensitive).
const IDS: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-2.0",
    "Artistic-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "CNRI-Python",
    "EPL-2.0",
    "EUPL-1.2",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ISC",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "PSF-2.0",
    "Python-2.0",
    "Unlicense",
    "UPL-1.0",
    "Zlib",
    "ZPL-2.1",
];

/// Unambiguous spellings of a licence in `License` fields.
const ALIASES: &[(&str, &str)] = &[
    ("mit license", "MIT"),
    ("the mit license", "MIT"),
    ("the mit license (mit)", "MIT"),
    ("mit-license", "MIT"),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("asl 2", "Apache-2.0"),
    ("bsd-3", "BSD-3-Clause"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("3-clause bsd", "BSD-3-Clause"),
    ("new bsd", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("modified bsd", "BSD-3-Clause"),
    ("bsd 2-clause", "BSD-2-Clause"),
    ("2-clause bsd", "BSD-2-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("psf", "PSF-2.0"),
    ("psfl", "PSF-2.0"),
    ("psf license", "PSF-2.0"),
    ("mpl 2.0", "MPL-2.0"),
    ("mpl-2", "MPL-2.0"),
    ("isc license", "ISC"),
    ("unlicense", "Unlicense"),
];

/// The licence `d` declares, or `None` when it declares none.
pub fn of(d: &Details) -> Option<License> {
    if let Some(e) = &d.license_expression {
        let spdx = is_expression(e).then(|| e.clone());
        return Some(License {
            spdx,
            declared: e.clone(),
            source: LicenseSource::Expression,
        });
    }
    if !d.license_classifiers.is_empty() {
        let ids: Option<Vec<&str>> = d
            .license_classifiers
            .iter()
            .map(|c| classifier(c))
            .collect();
        // Several licence classifiers declare a choice (dual licensing).
        let mut ids = ids.unwrap_or_default();
        ids.dedup();
        let spdx = (!ids.is_empty()).then(|| ids.join(" OR "));
        if spdx.is_some() || d.license.is_none() {
            return Some(License {
                spdx,
                declared: d.license_classifiers.join("; "),
                source: LicenseSource::Classifier,
            });
        }
    }
    let text = d.license.as_ref()?;
    Some(License {
        spdx: field(text),
        declared: text.clone(),
        source: LicenseSource::LicenseField,
    })
}

fn classifier(c: &str) -> Option<&'static str> {
    let rest = c
        .strip_prefix("License :: OSI Approved :: ")
        .or_else(|| c.strip_prefix("License :: "))?;
    CLASSIFIERS
        .iter()
        .find(|(k, _)| *k == rest)
        .map(|(_, v)| *v)
}

fn field(text: &str) -> Option<String> {
    let t = text.trim();
    if let Some(id) = IDS.iter().find(|id| id.eq_ignore_ascii_case(t)) {
        return Some((*id).to_string());
    }
    let lower = t.to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(k, _)| *k == lower)
        .map(|(_, v)| (*v).to_string())
}

/// Loose check that `e` is an SPDX expression (identifiers, `AND`, `OR`,
/// `WITH`, parentheses), not free text in the wrong field.
fn is_expression(e: &str) -> bool {
    if e.is_empty()
        || e.len() > 512
        || !e
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " .-+():".contains(c))
    {
        return false;
    }
    // Identifiers alternate with operators: `see LICENSE file` is three
    // identifiers in a row, so text, not an expression.
    let mut expect_id = true;
    for w in e.split([' ', '(', ')']).filter(|w| !w.is_empty()) {
        let op = matches!(w, "AND" | "OR" | "WITH");
        if op == expect_id {
            return false;
        }
        expect_id = op;
    }
    !expect_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(expr: Option<&str>, classifiers: &[&str], license: Option<&str>) -> Details {
        Details {
            license_expression: expr.map(String::from),
            license_classifiers: classifiers.iter().map(|s| s.to_string()).collect(),
            license: license.map(String::from),
            ..Details::default()
        }
    }

    #[test]
    fn expression_then_classifiers_then_field() {
        let l = of(&details(
            Some("MIT OR Apache-2.0"),
            &["License :: OSI Approved :: BSD License"],
            None,
        ))
        .unwrap();
        assert_eq!(
            (l.spdx.as_deref(), l.source),
            (Some("MIT OR Apache-2.0"), LicenseSource::Expression)
        );
        let l = of(&details(
            None,
            &["License :: OSI Approved :: MIT License"],
            Some("whatever"),
        ))
        .unwrap();
        assert_eq!(
            (l.spdx.as_deref(), l.source),
            (Some("MIT"), LicenseSource::Classifier)
        );
        let l = of(&details(
            None,
            &["License :: OSI Approved :: BSD License"],
            Some("BSD-3-Clause"),
        ))
        .unwrap();
        assert_eq!(
            (l.spdx.as_deref(), l.source),
            (Some("BSD-3-Clause"), LicenseSource::LicenseField)
        );
        let l = of(&details(None, &[], Some("Apache License, Version 2.0"))).unwrap();
        assert_eq!(l.spdx.as_deref(), Some("Apache-2.0"));
    }

    #[test]
    fn ambiguous_text_is_kept_not_guessed() {
        let l = of(&details(
            None,
            &["License :: OSI Approved :: BSD License"],
            None,
        ))
        .unwrap();
        assert_eq!(l.spdx, None);
        assert_eq!(l.declared, "License :: OSI Approved :: BSD License");
        assert_eq!(of(&details(None, &[], Some("BSD"))).unwrap().spdx, None);
        assert_eq!(
            of(&details(Some("see LICENSE file"), &[], None))
                .unwrap()
                .spdx,
            None
        );
        assert!(of(&details(None, &[], None)).is_none());
    }
}
