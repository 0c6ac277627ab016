//! The dependency graph of a `uv.lock`, walked from its roots the way
//! `uv sync` does: a node is a package, one of its extras, or one of its
//! dependency groups; each edge has a marker. The walk computes, per
//! package, the marker under which some path from a root reaches it (the
//! OR over paths of the AND of the edge markers and the target's fork).
//!
//! uv writes conflicting extras and groups (`[tool.uv] conflicts`) as
//! markers on a synthetic extra: `extra == 'extra-4-proj-a'` is true when
//! extra `a` of `proj` is part of the sync, `extra == 'group-4-proj-dev'`
//! for group `dev`. Each walk decides those from its own selection, so a
//! fork reached only through an unselected extra is not reached.

use std::collections::{HashMap, HashSet, VecDeque};

use pep508_rs::MarkerTree;

/// Node updates before the walk gives up. Markers only grow, so a real lock
/// reaches its fixpoint long before; this stops a pathological one (an
/// error, never a partial answer).
const MAX_STEPS: usize = 1_000_000;

/// The walk did not settle: a pathological lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the dependency graph did not settle after {MAX_STEPS} steps")]
pub struct Unsettled;

/// What part of a package a node stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// The package and its main dependencies.
    Base,
    /// One of its optional-dependency extras.
    Extra(String),
    /// One of its dependency groups (only followed from a root).
    Group(String),
}

/// A dependency edge: the locked packages it may resolve to (one name can
/// be locked several times, for disjoint forks), its marker, the extras it
/// requests.
pub(super) struct Edge {
    pub targets: Vec<usize>,
    pub marker: MarkerTree,
    pub extras: Vec<String>,
}

/// Edges per node, and each package's fork (the OR of its
/// `resolution-markers`). Package indices are those of the lock; one more
/// index stands for the manifest (a script's requirements, a non-project
/// workspace root's groups), which is never a target.
pub(super) struct Graph {
    pub edges: HashMap<(usize, Key), Vec<Edge>>,
    pub forks: Vec<MarkerTree>,
}

/// Which synthetic conflict extras a walk treats as part of the sync.
pub(super) enum Active<'a> {
    /// Exactly these (`extra-4-proj-a`, `group-4-proj-dev`).
    Only(&'a HashSet<String>),
    /// Every one: the walk over everything a lock could install.
    All,
}

impl Active<'_> {
    fn decide(&self, m: &MarkerTree) -> MarkerTree {
        match self {
            Active::Only(set) => m
                .clone()
                .simplify_extras_with(|e| set.contains(e.as_ref() as &str)),
            Active::All => m.clone().simplify_extras_with(|_| true),
        }
    }
}

impl Graph {
    /// The marker under which each package is reached from `start` (nodes
    /// reached unconditionally). `Err` when the walk does not settle.
    pub fn reach(
        &self,
        start: &[(usize, Key)],
        active: &Active,
    ) -> Result<Vec<MarkerTree>, Unsettled> {
        let forks: Vec<MarkerTree> = self.forks.iter().map(|f| active.decide(f)).collect();
        let mut node: HashMap<(usize, Key), MarkerTree> = HashMap::new();
        let mut queue: VecDeque<(usize, Key)> = VecDeque::new();
        for n in start {
            if !forks[n.0].is_false() {
                node.insert(n.clone(), forks[n.0].clone());
                queue.push_back(n.clone());
            }
        }
        let mut decided: HashMap<(usize, Key), Vec<MarkerTree>> = HashMap::new();
        let mut steps = 0usize;
        while let Some(n) = queue.pop_front() {
            steps += 1;
            if steps > MAX_STEPS {
                return Err(Unsettled);
            }
            let Some(edges) = self.edges.get(&n) else {
                continue;
            };
            let markers = decided
                .entry(n.clone())
                .or_insert_with(|| edges.iter().map(|e| active.decide(&e.marker)).collect());
            let from = node[&n].clone();
            for (e, edge_marker) in edges.iter().zip(markers.iter()) {
                for &t in &e.targets {
                    let mut via = from.clone();
                    via.and(edge_marker.clone());
                    via.and(forks[t].clone());
                    if via.is_false() {
                        continue;
                    }
                    let keys =
                        std::iter::once(Key::Base).chain(e.extras.iter().cloned().map(Key::Extra));
                    for k in keys {
                        let slot = node.entry((t, k.clone())).or_insert(MarkerTree::FALSE);
                        let mut next = slot.clone();
                        next.or(via.clone());
                        if next != *slot {
                            *slot = next;
                            queue.push_back((t, k));
                        }
                    }
                }
            }
        }
        let mut out = vec![MarkerTree::FALSE; self.forks.len()];
        for ((i, _), m) in node {
            out[i].or(m);
        }
        Ok(out)
    }
}
