//! The comparison of each environment with the bound.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use pep508_rs::MarkerEnvironment;
use rayon::prelude::*;

use crate::bounds::cfg::BoundsConfig;
use crate::bounds::diags;
use crate::bounds::markers::{marker_environment, MarkerEnvError};
use crate::bounds::matching;
use crate::bounds::spec::BoundRequirement;
use crate::bounds::Bound;
use crate::diag::Sink;
use crate::inventory::{Distribution, Environment, Inventory};

/// Compare every environment of `inv` with `bound`, reporting to `sink`.
/// `--hash` values no installed distribution recorded a hash for are
/// reported once for the whole run (one `bounds/hash-unchecked` warning),
/// not once per package and environment.
pub fn check(inv: &Inventory, bound: &Bound, cfg: &BoundsConfig, sink: &Sink) {
    let ignored: HashSet<String> = cfg.ignored_names().into_iter().collect();
    let mut unchecked: Vec<(&Environment, Vec<&Distribution>)> = inv
        .environments
        .par_iter()
        .map(|env| (env, check_environment(inv, env, bound, cfg, &ignored, sink)))
        .filter(|(_, dists)| !dists.is_empty())
        .collect();
    unchecked.sort_by(|a, b| a.0.prefix.cmp(&b.0.prefix));
    if let Some((first, _)) = unchecked.first() {
        let names: BTreeSet<&str> = unchecked
            .iter()
            .flat_map(|(_, d)| d.iter().map(|d| d.name.as_str()))
            .collect();
        sink.push(diags::hash_unchecked(first, &names, unchecked.len()));
    }
}

/// The requirements of `bound` whose markers hold in `env`, by normalized
/// name. `Err` when markers cannot be evaluated there.
pub fn applicable<'a>(
    env: &Environment,
    bound: &'a [BoundRequirement],
) -> Result<BTreeMap<&'a str, Vec<&'a BoundRequirement>>, MarkerEnvError> {
    let mut menv: Option<Result<MarkerEnvironment, MarkerEnvError>> = None;
    let mut by_name: BTreeMap<&str, Vec<&BoundRequirement>> = BTreeMap::new();
    for req in bound {
        let marker = &req.requirement.marker;
        let applies = if marker.is_true() {
            true
        } else if marker.is_false() {
            false
        } else {
            let m = menv.get_or_insert_with(|| marker_environment(env));
            match m {
                Ok(m) => req.requirement.evaluate_markers(m, &[]),
                Err(why) => return Err(why.clone()),
            }
        };
        if applies {
            by_name.entry(req.name.as_str()).or_default().push(req);
        }
    }
    Ok(by_name)
}

/// The lock-wide conditions on `env`: each `requires-python` holds (else
/// a finding per lock), and no PEP 751 ambiguity applies (else a failure).
/// False when the packages of `env` must not be compared: the lock does
/// not describe it, and purging on its strength would remove what another
/// lock installed.
fn lock_conditions_hold(env: &Environment, bound: &Bound, sink: &Sink) -> bool {
    if bound.requires_python.is_empty() && bound.ambiguities.is_empty() {
        return true;
    }
    let Some(full) = env.python_version.as_deref() else {
        sink.fail(diags::marker_failure(
            env,
            &format!(
                "the Python version of {} is unknown, so the lock's requires-python cannot be checked",
                env.prefix.display()
            ),
        ));
        return false;
    };
    let mut holds = true;
    for rp in &bound.requires_python {
        match rp.contains(full) {
            Ok(true) => {}
            Ok(false) => {
                sink.push(diags::outside_requires_python(env, full, rp));
                holds = false;
            }
            Err(why) => {
                sink.fail(diags::marker_failure(env, &why.to_string()));
                return false;
            }
        }
    }
    if !bound.ambiguities.is_empty() {
        let menv = match marker_environment(env) {
            Ok(m) => m,
            Err(why) => {
                sink.fail(diags::marker_failure(env, &why.to_string()));
                return false;
            }
        };
        for a in &bound.ambiguities {
            if a.marker.evaluate(&menv, &[]) {
                sink.fail(diags::ambiguity_failure(env, &a.message));
                holds = false;
            }
        }
    }
    holds
}

/// Check one environment; returns the distributions whose requirement's
/// `--hash` values could not be checked.
fn check_environment<'i>(
    inv: &'i Inventory,
    env: &'i Environment,
    bound: &Bound,
    cfg: &BoundsConfig,
    ignored: &HashSet<String>,
    sink: &Sink,
) -> Vec<&'i Distribution> {
    let mut unchecked = Vec::new();
    if !lock_conditions_hold(env, bound, sink) {
        return unchecked;
    }
    let by_name = match applicable(env, &bound.requirements) {
        Ok(m) => m,
        Err(why) => {
            sink.fail(diags::marker_failure(env, &why.to_string()));
            return unchecked;
        }
    };
    let mut installed = HashSet::new();
    let mut unlisted = Vec::new();
    for (id, dist) in inv.dist_ids_of(env) {
        if ignored.contains(dist.normalized_name.as_str()) {
            continue;
        }
        installed.insert(dist.normalized_name.as_str());
        match by_name.get(dist.normalized_name.as_str()) {
            None if !cfg.superset => unlisted.push((id, dist)),
            None => {}
            // Every applicable entry must hold, as pip combines them.
            Some(reqs) => {
                if let Some((req, why)) = reqs
                    .iter()
                    .find_map(|r| matching::satisfies(r, dist).err().map(|w| (r, w)))
                {
                    sink.push(diags::misdefined(env, id, dist, req, &why.to_string()));
                } else if reqs.iter().any(|r| matching::hash_unchecked(r, dist)) {
                    unchecked.push(dist);
                }
            }
        }
    }
    if !unlisted.is_empty() && bound.accepts_dependencies(cfg) {
        let pulled_in = crate::depgraph::dependencies_of(inv, env, &roots(&by_name));
        unlisted.retain(|(_, d)| !pulled_in.contains(d.normalized_name.as_str()));
    }
    for (id, dist) in unlisted {
        sink.push(diags::unrequired(env, id, dist));
    }
    if cfg.subset {
        return unchecked;
    }
    for (name, reqs) in &by_name {
        if installed.contains(name) || ignored.contains(*name) {
            continue;
        }
        if let Some(req) = reqs.iter().find(|r| r.required) {
            sink.push(diags::missing(env, req));
        }
    }
    unchecked
}

/// The bound's applicable requirements as dependency-graph roots: each
/// name with the extras requested of it.
fn roots(by_name: &BTreeMap<&str, Vec<&BoundRequirement>>) -> Vec<(String, Vec<String>)> {
    by_name
        .iter()
        .map(|(name, reqs)| {
            let extras: BTreeSet<String> = reqs
                .iter()
                .flat_map(|r| r.requirement.extras.iter().map(ToString::to_string))
                .collect();
            (name.to_string(), extras.into_iter().collect())
        })
        .collect()
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
