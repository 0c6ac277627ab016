//! `fetter derive`: a requirements file from what is installed, such that
//! validating the scanned environments against it passes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use pep440_rs::Version;

use crate::inventory::{Distribution, Inventory};

/// How versions are pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinStyle {
    /// `==V` (the default).
    #[default]
    Exact,
    /// `>=V`.
    Lower,
    /// `<=V`.
    Upper,
    /// `~=V` (compatible release).
    Compatible,
}

impl PinStyle {
    /// Lowercase name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PinStyle::Exact => "exact",
            PinStyle::Lower => "lower",
            PinStyle::Upper => "upper",
            PinStyle::Compatible => "compatible",
        }
    }
}

/// One name installed at several versions (or sources) in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Normalized name.
    pub name: String,
    /// The line written to the file.
    pub chosen: String,
    /// Every line seen, with the environments that would need it.
    pub variants: Vec<(String, Vec<PathBuf>)>,
}

/// The result of a derivation.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    /// Requirement lines, sorted by normalized name, one per name.
    pub lines: Vec<String>,
    /// Names seen at several versions.
    pub conflicts: Vec<Conflict>,
    /// Environments derived from.
    pub environments: Vec<(PathBuf, Option<String>)>,
}

/// The requirement line for one installed distribution.
pub fn requirement_line(d: &Distribution, pin: PinStyle) -> String {
    if let Some(du) = &d.direct_url {
        let mut url = match &du.vcs {
            Some(vcs) => match &du.commit_id {
                Some(c) => format!("{vcs}+{}@{c}", du.url),
                None => format!("{vcs}+{}", du.url),
            },
            None => du.url.clone(),
        };
        let mut fragment = Vec::new();
        if let Some(h) = du
            .archive_hashes
            .iter()
            .find_map(|h| h.strip_prefix("sha256="))
        {
            fragment.push(format!("sha256={h}"));
        }
        if let Some(s) = &du.subdirectory {
            fragment.push(format!("subdirectory={s}"));
        }
        // An editable install is written the way pip installs one
        // (`-e file:///src/proj`), so validating it finds an editable
        // requirement; `#egg=` names the project even when its tree has
        // only a setup.py.
        let as_editable = du.editable && du.vcs.is_none() && du.url.starts_with("file:");
        if as_editable && crate::names::is_valid(&d.name) {
            fragment.insert(0, format!("egg={}", d.name));
        }
        if !fragment.is_empty() {
            url.push('#');
            url.push_str(&fragment.join("&"));
        }
        if as_editable {
            return format!("-e {url}");
        }
        return format!("{} @ {url}", d.name);
    }
    let Some(v) = &d.parsed_version else {
        // Not PEP 440: only arbitrary equality can name it.
        return format!("{}==={}", d.name, d.version);
    };
    let public = v.clone().without_local();
    match pin {
        PinStyle::Exact => format!("{}=={v}", d.name),
        PinStyle::Lower => format!("{}>={public}", d.name),
        PinStyle::Upper => format!("{}<={public}", d.name),
        PinStyle::Compatible => {
            // `~=` needs two release segments: `~=5` is invalid, `~=5.0` is not.
            let text = public.to_string();
            if public.release().len() < 2
                && public.pre().is_none()
                && public.post().is_none()
                && public.dev().is_none()
            {
                format!("{}~={text}.0", d.name)
            } else if public.release().len() < 2 {
                format!("{}>={text}", d.name)
            } else {
                format!("{}~={text}", d.name)
            }
        }
    }
}

/// Per name: each distinct requirement line, with its version (for
/// choosing among conflicts) and the environments that have it.
type Seen = BTreeMap<String, BTreeMap<String, (Option<Version>, BTreeSet<PathBuf>)>>;

/// Derive from every environment of `inv`, skipping `ignored` (normalized) names.
pub fn derive(inv: &Inventory, pin: PinStyle, ignored: &[String]) -> Derived {
    // name -> line -> (version, environments)
    let mut seen: Seen = BTreeMap::new();
    for env in &inv.environments {
        for (_, d) in inv.distributions_of(env) {
            if ignored.iter().any(|n| *n == d.normalized_name) {
                continue;
            }
            let line = requirement_line(d, pin);
            seen.entry(d.normalized_name.to_string())
                .or_default()
                .entry(line)
                .or_insert_with(|| (d.parsed_version.clone(), BTreeSet::new()))
                .1
                .insert(env.prefix.clone());
        }
    }
    let mut out = Derived {
        environments: inv
            .environments
            .iter()
            .map(|e| (e.prefix.clone(), e.python_version.clone()))
            .collect(),
        ..Default::default()
    };
    for (name, variants) in seen {
        // Lower bounds keep the lowest version so every environment passes;
        // the other styles keep the highest.
        let pick = variants.iter().max_by(|a, b| {
            let ord = a.1 .0.cmp(&b.1 .0);
            if pin == PinStyle::Lower {
                ord.reverse()
            } else {
                ord
            }
        });
        let chosen = pick.map(|(l, _)| l.clone()).unwrap_or_default();
        if variants.len() > 1 {
            out.conflicts.push(Conflict {
                name: name.clone(),
                chosen: chosen.clone(),
                variants: variants
                    .iter()
                    .map(|(l, (_, envs))| (l.clone(), envs.iter().cloned().collect()))
                    .collect(),
            });
        }
        out.lines.push(chosen);
    }
    out
}

/// The requirements file: a provenance comment, conflicts as comments, then
/// one requirement per line.
pub fn render(d: &Derived, pin: PinStyle, generated_at: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Derived by fetter {} at {generated_at} (--pin {}) from {} environment(s):",
        env!("CARGO_PKG_VERSION"),
        pin.as_str(),
        d.environments.len()
    );
    for (prefix, v) in &d.environments {
        let _ = writeln!(
            s,
            "#   {} (Python {})",
            prefix.display(),
            v.as_deref().unwrap_or("unknown")
        );
    }
    let _ = writeln!(s, "# Check with: fetter validate --bound <this file>");
    for c in &d.conflicts {
        let _ = writeln!(
            s,
            "# conflict: {} is installed in several versions; kept `{}`:",
            c.name, c.chosen
        );
        for (line, envs) in &c.variants {
            let names: Vec<String> = envs.iter().map(|e| e.display().to_string()).collect();
            let _ = writeln!(s, "#   {line}  <- {}", names.join(", "));
        }
    }
    for l in &d.lines {
        let _ = writeln!(s, "{l}");
    }
    s
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub use crate::timefmt::utc_now;

#[cfg(test)]
#[path = "derive_tests.rs"]
mod tests;
