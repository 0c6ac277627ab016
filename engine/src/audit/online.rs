//! Online mode: ask the OSV API (`/v1/querybatch`, then `/v1/vulns/{id}`)
//! instead of a local database.
//!
//! The answers are turned into an ordinary [`Database`] and matched locally
//! like offline data, so both modes judge versions the same way. Any
//! network or protocol failure is an error: an unreachable server is never
//! "no vulnerabilities".

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde_json::json;

use crate::audit::db::{Database, DbError};
use crate::audit::osv::{Record, PYPI};
use crate::inventory::Inventory;

/// The public OSV API.
pub const DEFAULT_URL: &str = "https://api.osv.dev";
/// OSV accepts at most this many queries per batch.
const BATCH: usize = 1000;
/// Largest answer accepted.
const ANSWER_CAP: u64 = 64 * 1024 * 1024;

fn failed(base: &str, message: String) -> DbError {
    DbError::Corrupt {
        path: format!("OSV API at {base}"),
        message: format!("{message}; the audit was not done (use --osv-db for offline data)"),
    }
}

/// Query OSV at `base` for every distinct (name, version) of the inventory.
pub fn query(base: &str, inv: &Inventory) -> Result<Database, DbError> {
    let base = base.trim_end_matches('/');
    let queries: BTreeSet<(&str, &str)> = inv
        .distributions
        .iter()
        .map(|d| (d.normalized_name.as_str(), d.version.as_str()))
        .collect();
    let queries: Vec<(&str, &str)> = queries.into_iter().collect();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for chunk in queries.chunks(BATCH) {
        let mut pending: Vec<((&str, &str), Option<String>)> =
            chunk.iter().map(|q| (*q, None)).collect();
        // Pages: OSV answers a `next_page_token` for queries with many hits.
        while !pending.is_empty() {
            let body = json!({"queries": pending.iter().map(|((n, v), token)| {
                let mut q = json!({"package": {"name": n, "ecosystem": PYPI}, "version": v});
                if let Some(t) = token { q["page_token"] = json!(t); }
                q
            }).collect::<Vec<_>>()});
            let answer =
                crate::http::post_json(&format!("{base}/v1/querybatch"), &body, ANSWER_CAP)
                    .map_err(|e| failed(base, e.to_string()))?;
            let results = answer["results"]
                .as_array()
                .filter(|r| r.len() == pending.len())
                .ok_or_else(|| {
                    failed(
                        base,
                        "querybatch answered without one result per query".into(),
                    )
                })?;
            let mut next = Vec::new();
            for (result, (q, _)) in results.iter().zip(&pending) {
                for v in result["vulns"].as_array().into_iter().flatten() {
                    let id = v["id"]
                        .as_str()
                        .ok_or_else(|| failed(base, "a result without an id".into()))?;
                    ids.insert(id.to_string());
                }
                if let Some(t) = result["next_page_token"].as_str() {
                    next.push((*q, Some(t.to_string())));
                }
            }
            pending = next;
        }
    }
    let records: Vec<Record> = ids
        .par_iter()
        .map(|id| {
            let bytes = crate::http::get(&format!("{base}/v1/vulns/{id}"), ANSWER_CAP)
                .map_err(|e| failed(base, format!("{id}: {e}")))?;
            serde_json::from_slice(&bytes)
                .map_err(|e| failed(base, format!("{id} is not an OSV record: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Database::new(
        records,
        format!("OSV API at {base}"),
        Some(std::time::Duration::ZERO),
    ))
}
