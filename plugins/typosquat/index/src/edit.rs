//! Classifying the single typing mistake (Damerau edit) that turns one
//! name into another.

/// One typing mistake that turns the protected name into the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A character of the protected name is missing (`sphnx`).
    Omitted,
    /// A character is typed twice (`reequests`).
    Repeated,
    /// An unrelated character is inserted (`colourama`).
    Added,
    /// Two adjacent characters are swapped (`reqeusts`).
    Swapped,
    /// One character replaced by another.
    Substituted(Substitution),
}

/// What kind of replacement a substitution is: the more plausible as a
/// mistake or deception, the stronger the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Substitution {
    /// Glyphs that read alike (`l`/`1`/`i`, `o`/`0`).
    LookAlike,
    /// Neighbouring keys on a QWERTY keyboard (`mumpy`).
    KeyboardNeighbour,
    /// Letters that spell the same sound (`numpi`, `requestz`).
    SoundAlike,
    /// One digit for another (`httplib3` for `httplib2`).
    Digit,
    /// Any other replacement (`djanga`).
    Other,
}

/// The single edit turning `protected` into `candidate`, or `None` when they
/// are equal or more than one edit apart.
pub fn single_edit(candidate: &[u8], protected: &[u8]) -> Option<Edit> {
    locate_edit(candidate, protected).map(|(edit, _)| edit)
}

/// True when a character was added or omitted at the very start or end of
/// the name (`aresponses`, `torchx`, `unicorn` for `gunicorn`), or the first
/// letter replaced: that is how legitimate forks and variants are named, so
/// it is weaker evidence than a slip inside the name.
pub fn is_at_edge(candidate: &[u8], protected: &[u8]) -> bool {
    match locate_edit(candidate, protected) {
        Some((Edit::Omitted, i)) => i == 0 || i == candidate.len(),
        Some((Edit::Added, i)) => i == 0 || i + 1 == candidate.len(),
        // A different first letter is how sibling projects are named
        // (`asgiref`/`wsgiref`, `xgboost`/`ngboost`), rarely a slip.
        Some((Edit::Substituted(_), i)) => i == 0,
        _ => false,
    }
}

/// [`single_edit`] with the index of the first differing character.
fn locate_edit(candidate: &[u8], protected: &[u8]) -> Option<(Edit, usize)> {
    let first_diff = candidate
        .iter()
        .zip(protected)
        .position(|(a, b)| a != b)
        .unwrap_or(candidate.len().min(protected.len()));
    let i = first_diff;
    match candidate.len() as isize - protected.len() as isize {
        0 => {
            if i == candidate.len() {
                return None;
            }
            if candidate[i + 1..] == protected[i + 1..] {
                return Some((
                    Edit::Substituted(substitution(candidate[i], protected[i])),
                    i,
                ));
            }
            let swapped = i + 1 < candidate.len()
                && candidate[i] == protected[i + 1]
                && candidate[i + 1] == protected[i]
                && candidate[i + 2..] == protected[i + 2..];
            swapped.then_some((Edit::Swapped, i))
        }
        -1 => (candidate[i..] == protected[i + 1..]).then_some((Edit::Omitted, i)),
        1 => {
            if candidate[i + 1..] != protected[i..] {
                return None;
            }
            let c = candidate[i];
            let doubled = (i > 0 && candidate[i - 1] == c) || candidate.get(i + 1) == Some(&c);
            Some((if doubled { Edit::Repeated } else { Edit::Added }, i))
        }
        _ => None,
    }
}

/// Classify replacing `from` (in the protected name) with `to`.
pub fn substitution(to: u8, from: u8) -> Substitution {
    if is_lookalike(to, from) {
        Substitution::LookAlike
    } else if to.is_ascii_digit() && from.is_ascii_digit() {
        Substitution::Digit
    } else if are_keyboard_neighbours(to, from) {
        Substitution::KeyboardNeighbour
    } else if SOUNDALIKE_PAIRS
        .iter()
        .any(|p| *p == [to, from] || *p == [from, to])
    {
        Substitution::SoundAlike
    } else {
        Substitution::Other
    }
}

/// Glyph groups that read alike in common fonts (after lowercasing, so the
/// capital `I` of `jeIlyfish` arrives here as `i`).
const LOOKALIKE_GROUPS: &[&[u8]] = &[b"il1", b"o0"];

/// Letters that often spell the same sound in names.
const SOUNDALIKE_PAIRS: &[[u8; 2]] = &[*b"iy", *b"ck", *b"sz", *b"kq", *b"uw"];

fn is_lookalike(a: u8, b: u8) -> bool {
    LOOKALIKE_GROUPS
        .iter()
        .any(|g| g.contains(&a) && g.contains(&b))
}

/// QWERTY rows, top to bottom. Each row sits about half a key to the right
/// of the one above, which decides the vertical neighbours.
const ROWS: [&[u8]; 4] = [b"1234567890", b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];

fn key_position(c: u8) -> Option<(usize, usize)> {
    ROWS.iter()
        .enumerate()
        .find_map(|(r, row)| row.iter().position(|k| *k == c).map(|col| (r, col)))
}

/// True when `a` and `b` are adjacent keys (same row, or touching keys of
/// the rows above and below on a staggered QWERTY layout).
pub fn are_keyboard_neighbours(a: u8, b: u8) -> bool {
    let (Some((ra, ca)), Some((rb, cb))) = (key_position(a), key_position(b)) else {
        return false;
    };
    let (ca, cb) = (ca as isize, cb as isize);
    match rb as isize - ra as isize {
        0 => (ca - cb).abs() == 1,
        // The row below is shifted right: key c touches keys c-1 and c below.
        1 => cb == ca || cb == ca - 1,
        -1 => ca == cb || ca == cb - 1,
        _ => false,
    }
}

/// True when two typos look like a plausible misspelling rather than a
/// different name: the first letter is kept (people rarely mistype it) and
/// neither name merely extends the other (`tensorflowjs`, `pyinstaller`).
pub fn is_plausible_misspelling(candidate: &[u8], protected: &[u8]) -> bool {
    candidate.first() == protected.first()
        && !candidate.starts_with(protected)
        && !protected.starts_with(candidate)
        && !candidate.ends_with(protected)
        && !protected.ends_with(candidate)
}

/// The optimal-string-alignment distance between `a` and `b` (insertions,
/// deletions, substitutions and adjacent swaps, each substring edited
/// once), or `None` when it exceeds `max`.
pub fn distance_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    // Three rolling rows: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(c: &str, p: &str) -> Option<Edit> {
        single_edit(c.as_bytes(), p.as_bytes())
    }

    #[test]
    fn classifies_each_kind_of_mistake() {
        assert_eq!(edit("sphnx", "sphinx"), Some(Edit::Omitted));
        assert_eq!(edit("urlib3", "urllib3"), Some(Edit::Omitted));
        assert_eq!(edit("reequests", "requests"), Some(Edit::Repeated));
        assert_eq!(edit("nuumpy", "numpy"), Some(Edit::Repeated));
        assert_eq!(edit("colourama", "colorama"), Some(Edit::Added));
        assert_eq!(edit("reqeusts", "requests"), Some(Edit::Swapped));
        assert_eq!(edit("jinj2a", "jinja2"), Some(Edit::Swapped));
        assert_eq!(
            edit("mumpy", "numpy"),
            Some(Edit::Substituted(Substitution::KeyboardNeighbour))
        );
        assert_eq!(
            edit("jeilyfish", "jellyfish"),
            Some(Edit::Substituted(Substitution::LookAlike))
        );
        assert_eq!(
            edit("djanga", "django"),
            Some(Edit::Substituted(Substitution::Other))
        );
        assert_eq!(
            edit("httplib3", "httplib2"),
            Some(Edit::Substituted(Substitution::Digit))
        );
    }

    #[test]
    fn rejects_equal_and_distant_names() {
        assert_eq!(edit("requests", "requests"), None);
        assert_eq!(edit("rqeuests", "requests2"), None);
        assert_eq!(edit("abcd", "badc"), None);
        assert_eq!(edit("flask", "flasks2"), None);
        assert_eq!(edit("", "ab"), None);
    }

    #[test]
    fn edits_at_the_ends() {
        assert_eq!(edit("requestss", "requests"), Some(Edit::Repeated));
        assert_eq!(edit("requestsx", "requests"), Some(Edit::Added));
        assert_eq!(edit("xrequests", "requests"), Some(Edit::Added));
        assert_eq!(edit("equests", "requests"), Some(Edit::Omitted));
        assert_eq!(edit("request", "requests"), Some(Edit::Omitted));
        assert_eq!(edit("erquests", "requests"), Some(Edit::Swapped));
    }

    #[test]
    fn distance_counts_swaps_as_one() {
        let d = |a: &str, b: &str| distance_within(a.as_bytes(), b.as_bytes(), 2);
        assert_eq!(d("beaitifulsoop", "beautifulsoup"), Some(2));
        assert_eq!(d("matplootib", "matplotlib"), Some(2));
        assert_eq!(d("reqeusts", "requests"), Some(1));
        assert_eq!(d("requests", "requests"), Some(0));
        assert_eq!(d("requestsaa", "requests"), Some(2));
        assert_eq!(d("beautysoup", "beautifulsoup"), None);
        assert_eq!(d("abc", "abcdef"), None);
    }

    #[test]
    fn sound_alike_letters() {
        assert_eq!(
            edit("numpi", "numpy"),
            Some(Edit::Substituted(Substitution::SoundAlike))
        );
    }

    #[test]
    fn edge_edits_are_told_apart() {
        let edge = |c: &str, p: &str| is_at_edge(c.as_bytes(), p.as_bytes());
        assert!(edge("aresponses", "responses"));
        assert!(edge("torchx", "torch"));
        assert!(edge("unicorn", "gunicorn"));
        assert!(edge("request", "requests"));
        assert!(!edge("colourama", "colorama"));
        assert!(!edge("sphnx", "sphinx"));
        assert!(!edge("reqeusts", "requests"));
        assert!(edge("wsgiref", "asgiref"));
        assert!(!edge("djanga", "django"));
    }

    #[test]
    fn keyboard_neighbours_follow_qwerty() {
        assert!(are_keyboard_neighbours(b'n', b'm'));
        assert!(are_keyboard_neighbours(b'q', b'a'));
        assert!(are_keyboard_neighbours(b'w', b'a'));
        assert!(are_keyboard_neighbours(b'g', b'b'));
        assert!(are_keyboard_neighbours(b'1', b'q'));
        assert!(!are_keyboard_neighbours(b'q', b's'));
        assert!(!are_keyboard_neighbours(b'a', b'o'));
        assert!(!are_keyboard_neighbours(b'-', b'a'));
    }
}
