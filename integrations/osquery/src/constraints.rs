//! The `WHERE` constraints osqueryd passes with `generate`, read from the
//! request's `context` JSON, so tables build only the rows a query can
//! keep.
//!
//! osqueryd sends `{"constraints":[{"name":COL,"affinity":T,"list":[{"op":N,
//! "expr":V}]}], …}` and re-applies every constraint to what a table
//! returns. Only equality (op 2) is used here, and several values for one
//! column (`IN (…)`, or repeated `=`) are taken as alternatives, so the
//! rows built are always a superset of the answer: a pre-filter can save
//! work but never drop a row SQLite would keep. osqueryd writes a column
//! without constraints as `"list":""`, and before 3.0 wrote `op` as a
//! string; both are read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;

/// osquery's `EQUALS` operator.
const OP_EQUALS: u8 = 2;

/// Equality constraints per column.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Constraints {
    equals: HashMap<String, BTreeSet<String>>,
}

/// A `context` that is not what osqueryd sends.
#[derive(Debug, thiserror::Error)]
#[error("malformed query context: {0}")]
pub struct MalformedContext(String);

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    constraints: Vec<ColumnConstraints>,
}

#[derive(Deserialize)]
struct ColumnConstraints {
    name: String,
    #[serde(default)]
    list: List,
}

/// A column's constraints: a list, or anything else (`""`) for none.
/// Entries that cannot be read only make the pre-filter looser.
#[derive(Deserialize)]
#[serde(untagged)]
enum List {
    Constraints(Vec<Constraint>),
    None(serde::de::IgnoredAny),
}

impl Default for List {
    fn default() -> Self {
        List::None(serde::de::IgnoredAny)
    }
}

#[derive(Deserialize)]
struct Constraint {
    op: Op,
    expr: String,
}

/// An operator: a number, or (osquery < 3.0) a number in a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Op {
    Number(u8),
    Text(String),
}

impl Op {
    fn is_equals(&self) -> bool {
        match self {
            Op::Number(n) => *n == OP_EQUALS,
            Op::Text(s) => s.trim().parse::<u8>() == Ok(OP_EQUALS),
        }
    }
}

impl Constraints {
    /// The constraints of a `generate` request (none when it has no `context`).
    pub fn from_request(request: &BTreeMap<String, String>) -> Result<Self, MalformedContext> {
        match request.get("context").map(|s| s.trim()) {
            None | Some("") => Ok(Constraints::default()),
            Some(json) => Constraints::parse(json),
        }
    }

    /// Parse a `context` document.
    pub fn parse(json: &str) -> Result<Self, MalformedContext> {
        let ctx: Context =
            serde_json::from_str(json).map_err(|e| MalformedContext(e.to_string()))?;
        let mut equals: HashMap<String, BTreeSet<String>> = HashMap::new();
        for c in ctx.constraints {
            let List::Constraints(list) = c.list else {
                continue;
            };
            for k in list.into_iter().filter(|k| k.op.is_equals()) {
                equals.entry(c.name.clone()).or_default().insert(k.expr);
            }
        }
        Ok(Constraints { equals })
    }

    /// Whether a row whose `column` is `value` can satisfy the query.
    pub fn allows(&self, column: &str, value: &str) -> bool {
        self.equals
            .get(column)
            .is_none_or(|values| values.contains(value))
    }

    /// The values `column` is constrained to equal, if any.
    pub fn equal_to(&self, column: &str) -> Option<&BTreeSet<String>> {
        self.equals.get(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_values_are_alternatives_and_other_ops_are_ignored() {
        let c = Constraints::parse(
            r#"{"constraints":[{"name":"name","affinity":"TEXT","list":[{"op":2,"expr":"a"},{"op":2,"expr":"b"}]},
               {"name":"version","affinity":"TEXT","list":[{"op":65,"expr":"1.%"}]}],"colsUsed":["name"]}"#,
        )
        .unwrap();
        assert!(c.allows("name", "a") && c.allows("name", "b") && !c.allows("name", "c"));
        assert!(c.allows("version", "anything"), "LIKE is left to SQLite");
        assert!(c.allows("environment", "/x"));
    }

    #[test]
    fn empty_lists_and_string_operators_are_read() {
        let c = Constraints::parse(
            r#"{"constraints":[{"name":"name","affinity":"TEXT","list":""},
               {"name":"severity","affinity":"TEXT","list":[{"op":"2","expr":"high"}]}]}"#,
        )
        .unwrap();
        assert!(c.allows("name", "x"));
        assert!(c.allows("severity", "high") && !c.allows("severity", "low"));
    }

    #[test]
    fn no_context_means_no_constraints_and_garbage_is_an_error() {
        assert_eq!(
            Constraints::from_request(&BTreeMap::new()).unwrap(),
            Constraints::default()
        );
        let req = BTreeMap::from([("context".to_string(), "{not json".to_string())]);
        assert!(Constraints::from_request(&req)
            .unwrap_err()
            .to_string()
            .starts_with("malformed query context"));
    }
}
