//! Case generators for the differential tests: versions, specifiers, markers
//! and names, random but reproducible (a fixed seed unless
//! `FETTER_DIFF_SEED` is set), biased towards the edges of each grammar.

/// A small, seedable PRNG (xorshift64*): the cases must be reproducible
/// from the seed printed by a failing test, and no dependency is needed.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is mapped to a fixed non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One element of `items`.
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

fn number(r: &mut Rng) -> String {
    match r.below(100) {
        0..=7 => "0".into(),
        8..=15 => format!("0{}", r.below(10)), // leading zero
        16..=31 => format!("{}", r.below(100_000)),
        32 => "18446744073709551616".into(), // 2**64: past u64
        33 => "99999999999999999999999999".into(),
        _ => format!("{}", r.below(12)),
    }
}

fn release(r: &mut Rng) -> String {
    let n = 1 + r.below(4);
    (0..n).map(|_| number(r)).collect::<Vec<_>>().join(".")
}

fn sep(r: &mut Rng) -> &'static str {
    r.pick(&["", "", ".", "-", "_"])
}

/// A version string: mostly valid PEP 440 in its many spellings, some not.
pub fn version(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.one_in(15) {
        v.push_str(r.pick(&["v", "V", " ", "\t"]));
    }
    if r.one_in(8) {
        v.push_str(&format!("{}!", r.below(3)));
    }
    v.push_str(&release(r));
    if r.one_in(3) {
        v.push_str(sep(r));
        v.push_str(r.pick(&[
            "a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "A", "RC",
        ]));
        if !r.one_in(5) {
            v.push_str(sep(r));
            v.push_str(&number(r));
        }
    }
    if r.one_in(4) {
        match r.below(3) {
            0 => v.push_str(&format!("-{}", r.below(5))),
            _ => {
                v.push_str(sep(r));
                v.push_str(r.pick(&["post", "rev", "r", "POST"]));
                if !r.one_in(5) {
                    v.push_str(sep(r));
                    v.push_str(&number(r));
                }
            }
        }
    }
    if r.one_in(4) {
        v.push_str(sep(r));
        v.push_str(r.pick(&["dev", "DEV"]));
        if !r.one_in(5) {
            v.push_str(&number(r));
        }
    }
    if r.one_in(5) {
        v.push('+');
        let n = 1 + r.below(3);
        let parts: Vec<String> = (0..n)
            .map(|_| {
                r.pick(&["ubuntu", "1", "abc", "Local", "007", "cpu", "cu121"])
                    .to_string()
            })
            .collect();
        v.push_str(&parts.join(r.pick(&[".", "-", "_"])));
    }
    if r.one_in(15) {
        v.push_str(r.pick(&[" ", "\n", "\t"]));
    }
    if r.one_in(12) {
        // Corrupt it: not every string is a version.
        let junk = r.pick(&["*", "..", "+", "!", "a!", "é", "^", "1.0.0-", "-"]);
        let at = r.below(v.len() + 1);
        if v.is_char_boundary(at) {
            v.insert_str(at, junk);
        }
    }
    v
}

/// A version near `base` (same release, with suffixes), so specifiers are
/// tested at their edges (`>1.0` vs `1.0.post1`, `<2` vs `2.0a1`, …).
pub fn near(r: &mut Rng, base: &str) -> String {
    let base = base.trim_end_matches(".*");
    let mut v = base.to_string();
    match r.below(9) {
        0 => v.push_str(".0"),
        1 => v.push_str(".post1"),
        2 => v.push_str("a1"),
        3 => v.push_str(".dev0"),
        4 => v.push_str("+local.1"),
        5 => v.push_str(".1"),
        6 => v = format!("1!{v}"),
        _ => {}
    }
    v
}

/// One specifier clause (`>=1.0`, `== 1.2.*`, `~=2.2`, …), sometimes invalid.
pub fn clause(r: &mut Rng) -> (String, String) {
    let op = r.pick(&["==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "=>"]);
    let v = version(r).trim().to_string();
    let v = if r.one_in(5) { format!("{v}.*") } else { v };
    let ws = r.pick(&["", "", " "]);
    (format!("{op}{ws}{v}"), v)
}

/// A specifier set and a version to test against it.
pub fn specifier_case(r: &mut Rng) -> (String, String) {
    let n = 1 + r.below(3);
    let mut clauses = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..n {
        let (c, v) = clause(r);
        clauses.push(c);
        bases.push(v);
    }
    let base = bases[r.below(bases.len())].clone();
    let v = if r.one_in(4) {
        version(r)
    } else {
        near(r, &base)
    };
    (clauses.join(r.pick(&[",", ", "])), v.trim().to_string())
}

fn marker_atom(r: &mut Rng) -> String {
    let (var, values): (&str, &[&str]) = match r.below(11) {
        0 | 1 => (
            "python_version",
            &[
                "2.7", "3", "3.8", "3.10", "3.12", "3.13", "3.12.1", "4", "3.*",
            ],
        ),
        2 => (
            "python_full_version",
            &["3.8.10", "3.12.1", "3.12.1rc1", "3.13.0", "3.12", "3.13.*"],
        ),
        3 => (
            "sys_platform",
            &["linux", "win32", "darwin", "cygwin", "linux2", "lin"],
        ),
        4 => (
            "platform_machine",
            &["x86_64", "aarch64", "AMD64", "arm64", "i686", "86"],
        ),
        5 => ("os_name", &["posix", "nt", "java"]),
        6 => (
            "platform_python_implementation",
            &["CPython", "PyPy", "Jython", "cpython"],
        ),
        7 => ("implementation_name", &["cpython", "pypy", "py"]),
        8 => ("platform_system", &["Linux", "Windows", "Darwin", "Lin"]),
        9 => ("implementation_version", &["3.12.1", "7.3", "3"]),
        _ => ("extra", &["test", "dev", "Test_Extra", "docs"]),
    };
    let op = r.pick(&[
        "==", "!=", "<", "<=", ">", ">=", "~=", "in", "not in", "===",
    ]);
    let value = r.pick(values);
    let q = r.pick(&["'", "\""]);
    if r.one_in(6) {
        format!("{q}{value}{q} {op} {var}")
    } else {
        format!("{var} {op} {q}{value}{q}")
    }
}

/// A marker expression of up to `depth` levels of `and`/`or`/parentheses.
pub fn marker(r: &mut Rng, depth: usize) -> String {
    if depth == 0 || r.one_in(3) {
        return marker_atom(r);
    }
    let a = marker(r, depth - 1);
    let b = marker(r, depth - 1);
    let op = r.pick(&["and", "or"]);
    if r.one_in(2) {
        format!("({a}) {op} {b}")
    } else {
        format!("{a} {op} {b}")
    }
}

/// A project name: mostly valid, in every case and separator spelling.
pub fn name(r: &mut Rng) -> String {
    let alphabet: &[&str] = &[
        "a", "b", "Z", "x", "0", "9", "-", "_", ".", "--", "_.", "Ab", "py", "É", "ß", "İ",
    ];
    let n = 1 + r.below(6);
    let mut s = r.pick(&["a", "Q", "7", "Py"]).to_string();
    for _ in 0..n {
        s.push_str(r.pick(alphabet));
    }
    if !r.one_in(6) {
        s.push_str(r.pick(&["a", "Z", "3"]));
    }
    s
}
