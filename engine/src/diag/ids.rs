//! Typed identities of diagnostics: which check spoke ([`CheckId`]) and
//! what it said ([`Code`]).
//!
//! Code that decides (what purge removes, which failures are about the
//! scope) matches on these enums; only reports turn them into the strings
//! users see (`bounds`, `plugin:typosquat`, `bounds/unrequired`), which are
//! exactly the strings of earlier versions. A plugin cannot pass itself off
//! as another check by naming its rule `bounds/unrequired`: its code is a
//! [`Code::Rule`] and its check a [`CheckId::Plugin`], whatever the text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::audit::diags::Code as AuditCode;
use crate::bounds::diags::Code as BoundsCode;
use crate::report::verify::Code as VerifyCode;

/// The check that produced a diagnostic or could not run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    /// The bounds check ([`crate::bounds`]): `bounds`.
    Bounds,
    /// The vulnerability audit ([`crate::audit`]): `audit`.
    Audit,
    /// Installed files against their RECORD ([`crate::verify`]): `verify`.
    Verify,
    /// One policy plugin, by name ([`crate::plugins`]): `plugin:<name>`.
    Plugin(String),
    /// Resolving `--policy` arguments, before any plugin is known: `policy`.
    Policy,
    /// The scope itself: a named `--exe`/`--root` that leads to no
    /// environment, or no environment at all: `scope`.
    Scope,
}

impl CheckId {
    /// The plugin's name, for a [`CheckId::Plugin`].
    pub fn plugin(&self) -> Option<&str> {
        match self {
            CheckId::Plugin(name) => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckId::Bounds => f.write_str("bounds"),
            CheckId::Audit => f.write_str("audit"),
            CheckId::Verify => f.write_str("verify"),
            CheckId::Plugin(name) => write!(f, "plugin:{name}"),
            CheckId::Policy => f.write_str("policy"),
            CheckId::Scope => f.write_str("scope"),
        }
    }
}

/// A check id that is none of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check {0:?}")]
pub struct UnknownCheck(pub String);

impl FromStr for CheckId {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<Self, UnknownCheck> {
        Ok(match s {
            "bounds" => CheckId::Bounds,
            "audit" => CheckId::Audit,
            "verify" => CheckId::Verify,
            "policy" => CheckId::Policy,
            "scope" => CheckId::Scope,
            _ => match s.strip_prefix("plugin:") {
                Some(name) => CheckId::Plugin(name.to_string()),
                None => return Err(UnknownCheck(s.to_string())),
            },
        })
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a diagnostic is about, per check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Code {
    /// A finding of the bounds check (`bounds/unrequired`, …).
    Bounds(BoundsCode),
    /// A finding of the audit (`audit/vulnerability`, `audit/malicious`).
    Audit(AuditCode),
    /// A finding of `fetter verify` (`verify/modified`, …).
    Verify(VerifyCode),
    /// A plugin's rule id as the plugin named it (`typosquat/omitted-char`);
    /// checked by [`crate::plugins::diags::valid_rule`] before it gets here.
    Rule(String),
}

impl Code {
    /// The stable text of the code, as reports show it.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Bounds(c) => c.as_str(),
            Code::Audit(c) => c.as_str(),
            Code::Verify(c) => c.as_str(),
            Code::Rule(r) => r,
        }
    }
}

impl From<BoundsCode> for Code {
    fn from(c: BoundsCode) -> Self {
        Code::Bounds(c)
    }
}

impl From<AuditCode> for Code {
    fn from(c: AuditCode) -> Self {
        Code::Audit(c)
    }
}

impl From<VerifyCode> for Code {
    fn from(c: VerifyCode) -> Self {
        Code::Verify(c)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Ordered by text, so reports sort codes as they always have.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Reading a report back: a known `bounds/…` or `audit/…` text is that
/// check's code, anything else a plugin rule. The `check` beside it says
/// which check really spoke.
impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(if let Some(c) = BoundsCode::from_text(&s) {
            Code::Bounds(c)
        } else if let Some(c) = AuditCode::from_text(&s) {
            Code::Audit(c)
        } else if let Some(c) = VerifyCode::from_text(&s) {
            Code::Verify(c)
        } else {
            Code::Rule(s)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_what_they_write() {
        for id in [
            CheckId::Bounds,
            CheckId::Audit,
            CheckId::Verify,
            CheckId::Plugin("typosquat".into()),
            CheckId::Policy,
            CheckId::Scope,
        ] {
            assert_eq!(id.to_string().parse::<CheckId>().unwrap(), id);
        }
        assert_eq!(CheckId::Plugin("t".into()).to_string(), "plugin:t");
        let e = "nonsense".parse::<CheckId>().unwrap_err();
        assert_eq!(e, UnknownCheck("nonsense".into()));
        assert_eq!(e.to_string(), "unknown check \"nonsense\"");
        for code in [
            Code::Bounds(BoundsCode::Unrequired),
            Code::Audit(AuditCode::Malicious),
            Code::Verify(VerifyCode::UnownedStartup),
            Code::Rule("typosquat/omitted-char".into()),
        ] {
            let text = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<Code>(&text).unwrap(), code);
        }
        assert_eq!(
            serde_json::to_string(&Code::Bounds(BoundsCode::Unrequired)).unwrap(),
            "\"bounds/unrequired\""
        );
    }
}
