//! The line grammar; includes and whole files are tested in the engine.

use super::*;

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
fn shell_splitting_of_options() {
    assert_eq!(
        shlex_split("--config-settings='a b' \"c\\\"d\"").unwrap(),
        ["--config-settings=a b", "c\"d"]
    );
    assert!(shlex_split("'open").is_err());
}

#[test]
fn lines_become_entries() {
    let text = "a==1 --hash=sha256:00\n./x-1.0.tar.gz\n-e ./src\n-r more.txt\n-c c.txt\n--hash=sha256:00\nb>=\n--pre\n";
    let got: Vec<String> = parse(text, "r.txt", &|_| None)
        .into_iter()
        .map(|(o, e)| match e {
            Ok(Entry::Requirement(r)) => format!("{o} req {} {}", r.name, r.hashes.len()),
            Ok(Entry::Unnamed { text, .. }) => format!("{o} unnamed {text}"),
            Ok(Entry::Editable(v)) => format!("{o} editable {v}"),
            Ok(Entry::Include { target, constraint }) => {
                format!("{o} include {target} {constraint}")
            }
            Err(e) => format!("error {e}"),
        })
        .collect();
    assert_eq!(
        got[..5],
        [
            "r.txt:1 req a 1",
            "r.txt:2 unnamed ./x-1.0.tar.gz",
            "r.txt:3 editable ./src",
            "r.txt:4 include more.txt false",
            "r.txt:5 include c.txt true",
        ]
    );
    assert!(
        got[5].starts_with("error r.txt:6: --hash must follow"),
        "{got:?}"
    );
    assert!(
        got[6].starts_with("error r.txt:7: invalid requirement"),
        "{got:?}"
    );
    assert_eq!(got.len(), 7);
}
