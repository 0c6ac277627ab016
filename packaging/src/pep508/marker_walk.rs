//! pep508_rs 0.9.2's one remaining char-boundary panic in marker parsing.
//!
//! After each marker expression its parser looks ahead for `and` / `or`:
//! it counts the *characters* up to the next whitespace and slices that
//! many *bytes* (`marker/parse.rs:525`), which panics when a multi-byte
//! character makes the count end inside one. `check_ascii` in
//! [`super::marker_guard`] refuses non-ASCII outside quoted strings, but
//! where a string starts is decided by the grammar: in
//! `python_full_version < 'x == ' test'é` the `'` after `test` is not a
//! string opening for the parser, and `é` is in its look-ahead (found by
//! the `requirements_txt` fuzz target). So this module walks a marker as
//! pep508_rs's parser moves its cursor (same steps, same character
//! classes) and refuses a look-ahead run holding a non-ASCII character.
//!
//! It only has to agree with pep508_rs on inputs pep508_rs parses up to a
//! look-ahead; where pep508_rs stops with an error first, walking on (and
//! perhaps refusing) changes nothing but which error is reported.

use super::Pep508Error;

/// Refuse `marker` if pep508_rs's look-ahead would slice a non-ASCII run.
pub fn check_lookahead(marker: &str) -> Result<(), Pep508Error> {
    let mut w = Walk(marker);
    w.or().map(drop)
}

/// The unparsed rest of the marker (pep508_rs's cursor).
struct Walk<'a>(&'a str);

/// Parsing went on (`true`) or stopped where pep508_rs returns an error.
type Step = Result<bool, Pep508Error>;

impl<'a> Walk<'a> {
    /// `marker_or = marker_and ('or' marker_and)*`
    fn or(&mut self) -> Step {
        self.op("or", Self::and)
    }

    /// `marker_and = marker_expr ('and' marker_expr)*`
    fn and(&mut self) -> Step {
        self.op("and", Self::expr)
    }

    /// pep508_rs's `parse_marker_op`: after each operand, the run up to
    /// the next whitespace is the look-ahead.
    fn op(&mut self, op: &str, operand: fn(&mut Self) -> Step) -> Step {
        if !operand(self)? {
            return Ok(false);
        }
        loop {
            self.whitespace();
            let run = &self.0[..self.0.find(char::is_whitespace).unwrap_or(self.0.len())];
            if !run.is_ascii() {
                return Err(Pep508Error::Lookahead(run.to_string()));
            }
            if run != op {
                return Ok(true);
            }
            self.0 = &self.0[run.len()..];
            if !operand(self)? {
                return Ok(false);
            }
        }
    }

    /// `marker_expr = '(' marker ')' | value operator value`
    fn expr(&mut self) -> Step {
        self.whitespace();
        if let Some(rest) = self.0.strip_prefix('(') {
            self.0 = rest;
            if !self.or()? {
                return Ok(false);
            }
            return Ok(match self.0.strip_prefix(')') {
                Some(rest) => {
                    self.0 = rest;
                    true
                }
                None => false,
            });
        }
        if !self.value() {
            return Ok(false);
        }
        self.whitespace();
        if !self.operator() {
            return Ok(false);
        }
        self.whitespace();
        Ok(self.value())
    }

    /// A quoted string (to the same quote, no escapes) or a variable name.
    fn value(&mut self) -> bool {
        match self.0.chars().next() {
            None => false,
            Some(q @ ('"' | '\'')) => {
                let inner = &self.0[1..];
                match inner.find(q) {
                    Some(end) => {
                        self.0 = &inner[end + 1..];
                        true
                    }
                    None => false,
                }
            }
            Some(_) => {
                let key = self.take_while(|c| {
                    !c.is_whitespace() && !matches!(c, '>' | '=' | '<' | '!' | '~' | ')')
                });
                !key.is_empty()
            }
        }
    }

    /// `in`, `not in`, or a run of `<=>~!`.
    fn operator(&mut self) -> bool {
        if !self.0.starts_with(char::is_alphabetic) {
            return !self
                .take_while(|c| matches!(c, '<' | '=' | '>' | '~' | '!'))
                .is_empty();
        }
        let word = self.take_while(|c| !c.is_whitespace() && c != '\'' && c != '"');
        if word != "not" {
            return true;
        }
        match self.0.chars().next() {
            Some(c) if c.is_whitespace() => {
                self.0 = &self.0[c.len_utf8()..];
                self.whitespace();
                match self.0.strip_prefix("in") {
                    Some(rest) => {
                        self.0 = rest;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    fn whitespace(&mut self) {
        self.0 = self.0.trim_start_matches(char::is_whitespace);
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let end = self.0.find(|c| !keep(c)).unwrap_or(self.0.len());
        let (taken, rest) = self.0.split_at(end);
        self.0 = rest;
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::check_lookahead;

    #[test]
    fn refuses_non_ascii_where_pep508_rs_looks_ahead() {
        for bad in [
            // requirements_txt crash-a72ed664…, reduced.
            "python_full_version < '3.11.0a7a == 'test'\u{fffd}",
            "os_name == 'a' 'éé'",
            "os_name == 'a' =='éé'",
            "os_name == 'a' ('éé')",
            "os_name == 'a' and'éé'",
            "(os_name == 'a' and sys_platform == 'b') é",
        ] {
            assert!(check_lookahead(bad).is_err(), "{bad}");
        }
        for good in [
            "os_name == 'é'",
            "os_name=='é' and 'é é' != sys_platform",
            "('é' == os_name) or (sys_platform not in 'ü x')",
            "python_version >= '3.8' and (extra == 'ä' or extra == 'b')",
            "",
        ] {
            assert_eq!(check_lookahead(good), Ok(()), "{good}");
        }
    }
}
