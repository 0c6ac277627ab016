//! pip grammar tests, on inline text and on the fixtures in `tests/fixtures/bounds/`.

use std::path::{Path, PathBuf};

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bounds")
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse_text(text: &str) -> Parsed {
    Parser::new(&no_env).parse(
        text,
        &Location::Path("/nonexistent/requirements.txt".into()),
        false,
    )
}

fn parse_file(rel: &str, env: &dyn Fn(&str) -> Option<String>) -> Parsed {
    let p = std::fs::canonicalize(fixtures().join(rel)).unwrap();
    let loc = Location::Path(p);
    let text = loc.read().unwrap();
    Parser::new(env).parse(&text, &loc, false)
}

fn names(p: &Parsed) -> Vec<&str> {
    p.requirements.iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn continuations_hashes_and_comments_pip_compile() {
    // Reference bugs: `--hash`, `\` continuations and `--index-url` were parse errors.
    let p = parse_file("pip-compile.txt", &no_env);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        names(&p),
        [
            "certifi",
            "charset-normalizer",
            "idna",
            "jaraco-classes",
            "requests",
            "urllib3"
        ]
    );
    let certifi = &p.requirements[0];
    assert_eq!(
        certifi.origin.line,
        Some(11),
        "numbered by the first physical line"
    );
    assert!(!p.requirements[3].requirement.marker.is_true());
    assert_eq!(p.requirements[4].requirement.extras.len(), 1);
}

#[test]
fn pip_freeze_with_editable_vcs_and_urls() {
    // Reference bug: `-e` lines were parse errors.
    let p = parse_file("pip-freeze.txt", &no_env);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        names(&p),
        ["requests", "attrs", "colorama", "mypkg", "pyyaml", "tomli", "six", "zipp"]
    );
    assert!(p.requirements[0].editable);
    let tomli = p.requirements[5].url().unwrap().raw().as_str().to_string();
    assert_eq!(
        crate::bounds::urls::kind(&tomli),
        crate::bounds::urls::UrlKind::Sdist
    );
    let zipp = p.requirements[7].url().unwrap().raw().as_str().to_string();
    assert!(
        zipp.starts_with("file:///") && zipp.ends_with("vendor/zipp-3.17.0.tar.gz"),
        "{zipp}"
    );
}

#[test]
fn option_lines_are_accepted_and_ignored() {
    let env = |k: &str| (k == "FETTER_TEST_VERSION_SUFFIX").then(|| "tools".to_string());
    let p = parse_file("options.txt", &env);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(names(&p), ["numpy", "pkg-tools", "flask"]);
}

#[test]
fn includes_work_in_files_of_any_name() {
    // Reference bug: `-r` worked only in files named `*requirements.txt`.
    let p = parse_file("includes/base.in", &no_env);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(names(&p), ["idna", "six", "urllib3", "attrs"]);
    let urllib3 = &p.requirements[2];
    assert!(
        !urllib3.required,
        "a -c entry constrains but does not require"
    );
    assert!(p.requirements[0]
        .origin
        .source
        .ends_with("includes/leaf.txt"));
}

#[test]
fn include_cycles_are_errors() {
    let p = parse_file("cycle/a.txt", &no_env);
    assert_eq!(names(&p), ["attrs", "six"]);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    let e = p.errors[0].to_string();
    assert!(
        e.contains("include cycle") && e.contains("a.txt -> ") && e.contains("b.txt -> "),
        "{e}"
    );
}

#[test]
fn missing_include_names_the_including_line() {
    let p = parse_text("attrs\n-r does-not-exist.txt\n");
    assert_eq!(names(&p), ["attrs"]);
    let e = p.errors[0].to_string();
    assert!(
        e.starts_with("/nonexistent/requirements.txt:2: cannot read included file"),
        "{e}"
    );
}

#[test]
fn bad_lines_are_reported_and_parsing_goes_on() {
    let p = parse_text("good==1\nbad >=\n--frobnicate\nok2\nx==1 --unknown-opt=1\n");
    assert_eq!(names(&p), ["good", "ok2"]);
    let lines: Vec<Option<usize>> = p.errors.iter().map(|e| e.origin.line).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(5)]);
    assert!(p.errors[1]
        .message
        .contains("unknown option \"--frobnicate\""));
}

#[test]
fn comment_ends_a_continuation_and_fragment_is_not_a_comment() {
    let lines = logical_lines("a==1 \\\n# comment\nb\n");
    assert_eq!(
        lines,
        vec![(1, "a==1  # comment".to_string()), (3, "b".to_string())]
    );
    assert_eq!(
        strip_comment("x @ https://h/x.zip#egg=x # c"),
        "x @ https://h/x.zip#egg=x "
    );
    assert_eq!(strip_comment("#all"), "");
}

#[test]
fn env_expansion_only_for_braced_uppercase_names() {
    let env = |k: &str| (k == "TOKEN").then(|| "s3cr3t".to_string());
    assert_eq!(
        expand_env("https://${TOKEN}@h/${lower}/$TOKEN/${UNSET}", &env),
        "https://s3cr3t@h/${lower}/$TOKEN/${UNSET}"
    );
}

#[test]
fn option_spellings() {
    assert_eq!(
        split_option("-rfile.txt"),
        ("-r".into(), Some("file.txt".into()))
    );
    assert_eq!(
        split_option("--requirement=f"),
        ("--requirement".into(), Some("f".into()))
    );
    assert_eq!(split_option("-e"), ("-e".into(), None));
    assert_eq!(
        shlex_split("--config-settings='a b' \"c\\\"d\"").unwrap(),
        ["--config-settings=a b", "c\"d"]
    );
    assert!(shlex_split("'open").is_err());
}

#[test]
fn per_requirement_options_must_be_known() {
    let p = parse_text(
        "a==1 --hash=sha256:00 --hash sha256:11\nb==1 --hash=nocolon\n--hash=sha256:00\n",
    );
    assert_eq!(names(&p), ["a"]);
    assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
    let p = parse_text("-e git+https://h/r.git@v1#egg=r --config-settings editable_mode=compat\n");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(names(&p), ["r"]);
}
