//! rpm's version ordering, as `rpm.vercmp` and `rpmdev-vercmp` order
//! `[epoch:]version[-release]` strings: epochs compare as numbers (none is
//! 0), then version and release each with rpm's `rpmvercmp` (segments of
//! digits or ASCII letters; digits newer than letters; `~` sorts before
//! everything, even the end; `^` after the end but before anything else).
//! A port of rpm's `rpmio/rpmvercmp.cc` and `rpmverCmp`; the cases of rpm's
//! own `tests/rpmvercmp.at` are a unit test.

use std::cmp::Ordering;

/// An rpm `[epoch:]version[-release]`, ordered as rpm orders it.
#[derive(Debug, Clone)]
pub struct Evr {
    epoch: u64,
    version: String,
    release: String,
}

/// Why a string is not an rpm EVR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an rpm version: {0}")]
pub struct EvrError(String);

impl std::str::FromStr for Evr {
    type Err = EvrError;

    /// Split as rpm's `rpmverParse` does: digits before a `:` are the
    /// epoch, what follows the last `-` the release.
    fn from_str(s: &str) -> Result<Evr, EvrError> {
        let bad = |why: &str| EvrError(format!("{s:?} ({why})"));
        if s.is_empty() {
            return Err(bad("empty"));
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => (
                e.parse::<u64>().map_err(|_| bad("epoch out of range"))?,
                rest,
            ),
            Some(_) => return Err(bad("epoch is not a number")),
            None => (0, s),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, r),
            None => (rest, ""),
        };
        if version.is_empty() {
            return Err(bad("no version"));
        }
        Ok(Evr {
            epoch,
            version: version.to_string(),
            release: release.to_string(),
        })
    }
}

impl Ord for Evr {
    fn cmp(&self, other: &Evr) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| rpmvercmp(&self.release, &other.release))
    }
}

impl PartialOrd for Evr {
    fn partial_cmp(&self, other: &Evr) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Evr {
    fn eq(&self, other: &Evr) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Evr {}

/// rpm's `rpmvercmp` of two version (or release) strings.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    // rpm's strings end at the first NUL.
    let (a, b) = (c_str(a), c_str(b));
    let (mut i, mut j) = (0, 0);
    let at = |s: &[u8], k: usize| s.get(k).copied().unwrap_or(0);
    let sep = |c: u8| c != 0 && !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while sep(at(a, i)) {
            i += 1;
        }
        while sep(at(b, j)) {
            j += 1;
        }
        let (x, y) = (at(a, i), at(b, j));
        // The tilde sorts before everything else, even the end.
        if x == b'~' || y == b'~' {
            if x != b'~' {
                return Ordering::Greater;
            }
            if y != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // The caret too, except that the end sorts before it.
        if x == b'^' || y == b'^' {
            if x == 0 {
                return Ordering::Less;
            }
            if y == 0 {
                return Ordering::Greater;
            }
            if x != b'^' {
                return Ordering::Greater;
            }
            if y != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if x == 0 || y == 0 {
            break;
        }
        let numeric = x.is_ascii_digit();
        let class = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let end_a = i + a[i..].iter().take_while(|&&c| class(c)).count();
        let end_b = j + b[j..].iter().take_while(|&&c| class(c)).count();
        // Segments of different kinds: numbers are newer than letters.
        if end_b == j {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sa, mut sb) = (&a[i..end_a], &b[j..end_b]);
        if numeric {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            o => return o,
        }
        i = end_a;
        j = end_b;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// `s` up to its first NUL, where rpm's C string ends.
fn c_str(s: &str) -> &[u8] {
    let b = s.as_bytes();
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpms_own_cases_and_evrs_rpm_answered() {
        // tests/fixtures/rpm/vercmp.txt: rpm's tests/rpmvercmp.at, then
        // EVR pairs Debian's rpm 4.18 answered.
        let table = include_str!("../../../tests/fixtures/rpm/vercmp.txt");
        let mut n = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split(' ').collect();
            let want = match f[2] {
                "-1" => Ordering::Less,
                "0" => Ordering::Equal,
                _ => Ordering::Greater,
            };
            let (a, b): (Evr, Evr) = (f[0].parse().unwrap(), f[1].parse().unwrap());
            assert_eq!(a.cmp(&b), want, "{line}");
            assert_eq!(b.cmp(&a), want.reverse(), "{line} reversed");
            n += 1;
        }
        assert!(n > 100, "{n} cases");
    }

    #[test]
    fn bad_evrs_are_errors() {
        for s in ["", "x:1.0", ":1.0", "1:", "-1", "99999999999999999999999:1"] {
            assert!(s.parse::<Evr>().is_err(), "{s:?}");
        }
        // Anything else rpm orders, and so does this, without panicking.
        for s in ["~", "^", "~~^^..", "1:~-~", "é-1", "\0", "1\0x", "1.0\0-1"] {
            let e: Evr = s.parse().unwrap();
            for o in ["1.0-1", "1\0y", "\0", "1"] {
                let o: Evr = o.parse().unwrap();
                assert_eq!(e.cmp(&o), o.cmp(&e).reverse(), "{s:?} vs {o:?}");
            }
        }
    }
}
