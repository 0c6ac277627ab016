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

fn errors_by_line(p: &Parsed) -> Vec<(usize, String)> {
    p.errors
        .iter()
        .map(|e| (e.origin.line.unwrap_or(0), e.message.clone()))
        .collect()
}

/// issue 22, cause 1: pip splits the marker at the first `;`, so a URL
/// followed directly by `;` and a marker is a URL and a marker.
#[test]
fn marker_right_after_a_url() {
    let p = parse_text(
        "iniconfig @ https://host/iniconfig-2.0.0-py3-none-any.whl; python_version > '3.10'\n\
         ./dist/tiny-1.0-py3-none-any.whl;python_version>'3'\n\
         six==1.16;\n",
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(names(&p), ["iniconfig", "tiny", "six"]);
    let url = p.requirements[0].url().unwrap().raw().as_str().to_string();
    assert_eq!(url, "https://host/iniconfig-2.0.0-py3-none-any.whl");
    assert!(!p.requirements[0].requirement.marker.is_true());
    assert!(p.requirements[0].text.ends_with("> '3.10'"));
    assert!(!p.requirements[1].requirement.marker.is_true());
    assert!(p.requirements[2].requirement.marker.is_true());
}

/// issue 22, cause 2: `-e` takes a local directory or a VCS URL, nothing else.
#[test]
fn editable_must_be_a_directory_or_a_vcs_url() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("parent")).unwrap();
    std::fs::write(
        d.path().join("parent/setup.cfg"),
        "[metadata]\nname = parent-proj\n",
    )
    .unwrap();
    let dir_url = url::Url::from_directory_path(d.path().join("parent")).unwrap();
    let text = format!(
        "-e black==0.1.0\n\
         -e foo/anyio-3.7.0.tar.gz\n\
         -e http://user:pw@example.com/black-1.0.0-py3-none-any.whl\n\
         -e missing\n\
         -e 'black @ https://h/black-1.0-py3-none-any.whl'\n\
         -e parent\n\
         -e git://github.com/o/r#egg=r\n\
         -e 'r2 @ git+https://github.com/o/r2'\n\
         --editable={dir_url}#egg=parent-proj\n"
    );
    let loc = Location::Path(d.path().join("requirements.txt"));
    let p = Parser::new(&no_env).parse(&text, &loc, false);
    let errors = errors_by_line(&p);
    assert_eq!(
        errors.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5],
        "{errors:?}"
    );
    for (_, m) in &errors {
        assert!(m.contains("is not a valid editable requirement"), "{m}");
        assert!(!m.contains("pw@"), "the password is masked: {m}");
    }
    assert!(
        errors[3].1.contains("there is no directory"),
        "{}",
        errors[3].1
    );
    assert_eq!(names(&p), ["parent-proj", "r", "r2", "parent-proj"]);
    assert!(p.requirements.iter().all(|r| r.editable));
    let git = p.requirements[1].url().unwrap().raw().as_str().to_string();
    assert!(git.starts_with("git+git://github.com/o/r"), "{git}");
}

/// issue 22, cause 3: pip's `--hash` algorithms only.
#[test]
fn hash_algorithms_are_pips() {
    let p = parse_text(
        "a==1 --hash=sha256:aa --hash=sha384:bb --hash=sha512:CC\n\
         b==1 --hash=foo:abc\n\
         c==1 --hash=md5:d41d8cd98f00b204e9800998ecf8427e\n",
    );
    assert_eq!(names(&p), ["a"]);
    assert_eq!(p.requirements[0].hashes.len(), 3);
    assert_eq!(p.requirements[0].hashes[2].digest, "cc");
    let errors = errors_by_line(&p);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!((errors[0].0, errors[1].0), (2, 3));
    assert!(
        errors[0].1.contains("unknown hash algorithm \"foo\""),
        "{errors:?}"
    );
    assert!(
        errors[1].1.contains("sha256, sha384 and sha512"),
        "{errors:?}"
    );
}

/// issue 22, cause 4: every option pip's table holds, with its shape; words
/// after a flag are ignored as pip ignores them.
#[test]
fn every_pip_option_is_accepted() {
    let p = parse_text(
        "--prefer-binary :all:\n\
         --pypi-url https://i/simple\n\
         --no-require-hashes\n\
         --all-releases pkg --only-final=:none:\n\
         --extra-index https://mirror/simple\n\
         -C key=value\n\
         --global-option=--quiet\n\
         six==1.16 --index-url https://i/simple --no-binary :all: -C k=v\n\
         --no-index extra-words ignored\n\
         --install-option=--prefix=/x\n\
         --pre=yes\n",
    );
    assert_eq!(names(&p), ["six"]);
    let errors = errors_by_line(&p);
    assert_eq!(
        errors.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [10, 11],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("pip 23.1 removed --install-option"));
    assert!(errors[1].1.contains("does not take a value"));
}

/// issue 22, cause 5: wheel file names by the wheel spec, after percent-decoding.
#[test]
fn invalid_wheel_file_names_are_errors() {
    let p = parse_text(
        "https://example.com/packages/pkg-1.0-py3-none-..%2F..%2F..%2Ftarget.whl\n\
         https://example.com/packages/pkg-1.0-py3-any.whl\n\
         pkg @ https://example.com/pkg-one-py3-none-any.whl\n\
         ./dist/pkg__x-1.0-py3-none-any.whl\n\
         https://example.com/p/tiny_pkg-1.0-1-py2.py3-none-any.whl\n\
         https://example.com/p/my%2Epkg-2.0-py3-none-any.whl\n",
    );
    assert_eq!(names(&p), ["tiny-pkg", "my-pkg"]);
    let errors = errors_by_line(&p);
    assert_eq!(
        errors.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [1, 2, 3, 4],
        "{errors:?}"
    );
    for (_, m) in &errors {
        assert!(m.starts_with("invalid wheel filename"), "{m}");
    }
}
