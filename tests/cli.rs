//! The CLI around the commands: config file precedence and refusal,
//! completions, man page, `--version`, colour only on a terminal; and the
//! Ansible collection driving the binary over a fleet (`ansible/`).

mod ansible;
use crate::common;
mod fail_closed;
mod fleet_report;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::snap;
use common::*;

struct World {
    _s: Scratch,
    home: PathBuf,
    dir: PathBuf,
    venv: PathBuf,
}

fn world() -> Option<World> {
    let py = python()?;
    let s = scratch();
    let home = s.path.join("home");
    let dir = s.path.join("project");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&dir).unwrap();
    let venv = Venv::create(&py, &dir.join(".venv")).prefix;
    Some(World {
        _s: s,
        home,
        dir,
        venv,
    })
}

/// fetter in the world's project directory, config lookup left on.
fn fetter_in(w: &World) -> Command {
    let mut c = fetter(&w.home);
    c.current_dir(&w.dir).env_remove("FETTER_CONFIG");
    c
}

fn stdout_of(c: &mut Command) -> (i32, String, String) {
    let out = run(c);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_file_precedence_and_overrides() {
    let Some(w) = world() else { return };
    // No file: table.
    let (code, out, _) = stdout_of(fetter_in(&w).args(["--exe", ".venv", "scan"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("Package"), "{out}");

    // ~/.config/fetter/config.toml applies when there is no ./fetter.toml.
    let user = w.home.join(".config/fetter");
    fs::create_dir_all(&user).unwrap();
    fs::write(user.join("config.toml"), "format = \"csv\"\n").unwrap();
    let (_, out, _) = stdout_of(fetter_in(&w).args(["--exe", ".venv", "scan"]));
    assert!(out.starts_with("name,normalized_name"), "{out}");
    // A top-level format a command lacks is not applied to it (validate has no csv).
    // ./fetter.toml wins over the user file; the [scan] section over the top level.
    fs::write(
        w.dir.join("fetter.toml"),
        "format = \"csv\"\n[scan]\nformat = \"json\"\n[validate]\nbounds = [\"req.txt\"]\n",
    )
    .unwrap();
    let (_, out, _) = stdout_of(fetter_in(&w).args(["--exe", ".venv", "scan"]));
    assert!(out.starts_with('{'), "{out}");
    let (_, out, _) = stdout_of(fetter_in(&w).args(["--exe", ".venv", "count"]));
    assert!(out.starts_with("what,count\nenvironments,"), "{out}");
    // The flag wins over the file.
    let (_, out, _) =
        stdout_of(fetter_in(&w).args(["--exe", ".venv", "scan", "--format", "table"]));
    assert!(out.starts_with("Package"), "{out}");

    // Bounds from the file, relative to it; a passing bound exits 0.
    let derived = run_ok(fetter_in(&w).args(["--exe", ".venv", "derive"]));
    fs::write(w.dir.join("req.txt"), &derived).unwrap();
    let (code, out, err) = stdout_of(fetter_in(&w).args(["--exe", ".venv", "validate"]));
    assert_eq!(code, 0, "{out}{err}");
    // From another directory the same file (named by FETTER_CONFIG) still finds req.txt.
    let (code, _, err) = stdout_of(
        fetter_in(&w)
            .current_dir(&w.home)
            .env("FETTER_CONFIG", w.dir.join("fetter.toml"))
            .arg("--exe")
            .arg(&w.venv)
            .arg("validate"),
    );
    assert_eq!(code, 0, "{err}");
    // --bound on the command line replaces the file's bounds.
    fs::write(w.dir.join("other.txt"), "not-installed==1\n").unwrap();
    let (code, _, _) =
        stdout_of(fetter_in(&w).args(["--exe", ".venv", "validate", "-b", "other.txt"]));
    assert_eq!(code, 3);

    // Policies from the file run too (the example plugin, by path).
    fs::write(
        w.dir.join("fetter.toml"),
        format!(
            "[validate]\nbounds = [\"req.txt\"]\npolicies = [{:?}]\n",
            example_plugin().display().to_string()
        ),
    )
    .unwrap();
    let (code, out, err) =
        stdout_of(fetter_in(&w).args(["--exe", ".venv", "validate", "--format", "json"]));
    assert_eq!(code, 0, "{out}{err}");
    let checks: Vec<String> = json(out.as_bytes())["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(checks, ["bounds", "plugin:example-custom"]);
    // A policy the file names but fetter cannot load fails closed (exit 1).
    fs::write(
        w.dir.join("fetter.toml"),
        "[validate]\nbounds = [\"req.txt\"]\npolicies = [\"no-such-plugin\"]\n",
    )
    .unwrap();
    let (code, _, _) = stdout_of(fetter_in(&w).args(["--exe", ".venv", "validate"]));
    assert_eq!(code, 1);
    fs::write(
        w.dir.join("fetter.toml"),
        "format = \"csv\"\n[scan]\nformat = \"json\"\n[validate]\nbounds = [\"req.txt\"]\n",
    )
    .unwrap();

    // `config show` says which file and prints the resolved values.
    let mut t = snap::Transcript::new();
    let out = t.run(
        "config show: the file, then the resolved values",
        fetter_in(&w).args(["config", "show"]),
    );
    assert_eq!(out.status.code(), Some(0));
    snap::redacted(&w.dir).bind(|| insta::assert_snapshot!("cli_config_show", t.text()));

    // FETTER_CONFIG= uses no file at all.
    let (_, out, _) = stdout_of(
        fetter_in(&w)
            .env("FETTER_CONFIG", "")
            .args(["--exe", ".venv", "scan"]),
    );
    assert!(out.starts_with("Package"), "{out}");
}

#[test]
fn bad_config_files_are_errors_naming_the_file() {
    let Some(w) = world() else { return };
    let file = w.dir.join("fetter.toml");
    let mut t = snap::Transcript::new();
    for (what, text) in [
        ("an unknown field", "[validate]\nbound = [\"x\"]\n"),
        ("a format scan lacks", "[scan]\nformat = \"xml\"\n"),
        ("not TOML", "format = ["),
    ] {
        fs::write(&file, text).unwrap();
        let out = t.run(what, fetter_in(&w).args(["--exe", ".venv", "scan"]));
        assert_eq!(out.status.code(), Some(1), "{text}");
    }
    // Writable by others: refused (fetter runs as root in shared directories).
    fs::write(&file, "format = \"json\"\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
    let out = t.run(
        "a config file writable by others",
        fetter_in(&w).args(["--exe", ".venv", "scan"]),
    );
    assert_eq!(out.status.code(), Some(1));
    // A missing file named by FETTER_CONFIG is an error too, not silently none.
    let out = t.run(
        "FETTER_CONFIG naming a missing file",
        fetter_in(&w)
            .env("FETTER_CONFIG", w.dir.join("nope.toml"))
            .args(["--exe", ".venv", "scan"]),
    );
    assert_eq!(out.status.code(), Some(1));
    // No bound anywhere: validate says what to do.
    fs::remove_file(&file).unwrap();
    let out = t.run(
        "validate with no bound anywhere",
        fetter_in(&w).args(["--exe", ".venv", "validate"]),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a usage error, as without config support"
    );
    // Each message names the file and the problem (the whole stderr).
    snap::redacted(&w.dir).bind(|| insta::assert_snapshot!("cli_bad_config_files", t.text()));
}

#[test]
fn completions_man_and_version() {
    let home = scratch();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef fetter"),
        ("fish", "complete -c fetter"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run_ok(fetter(&home.path).args(["completions", shell]));
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("validate"), "{shell}");
        // Value completion (formats) where the shell's generator has it.
        if shell != "powershell" {
            assert!(out.contains("cyclonedx"), "{shell}");
        }
    }
    let bash = Path::new("/bin/bash");
    if bash.is_file() {
        // The bash script is valid bash.
        let script = run_ok(fetter(&home.path).args(["completions", "bash"]));
        let f = home.path.join("fetter.bash");
        fs::write(&f, script).unwrap();
        run_ok(Command::new(bash).arg("-n").arg(&f));
    }
    let man = run_ok(fetter(&home.path).arg("man"));
    assert!(man.contains(".TH fetter 1"), "{man}");
    assert!(man.contains("validate"));
    let dir = home.path.join("man1");
    run_ok(fetter(&home.path).arg("man").arg("--dir").arg(&dir));
    assert!(dir.join("fetter.1").is_file() && dir.join("fetter-scan.1").is_file());

    let v = run_ok(fetter(&home.path).arg("--version"));
    assert_eq!(
        v.trim(),
        format!("fetter {} (plugin ABI 1.0.0)", env!("CARGO_PKG_VERSION"))
    );
}

/// Run `fetter ARGS` on a pseudo-terminal (util-linux `script`): returns
/// what the terminal showed (stdout and stderr together).
fn on_tty(w: &World, args: &str, no_color: bool) -> Option<String> {
    let script = Path::new("/usr/bin/script");
    if !script.is_file() {
        skip_or_fail("no /usr/bin/script (util-linux) to provide a terminal");
        return None;
    }
    let mut cmd = Command::new(script);
    cmd.env("HOME", &w.home)
        .env("FETTER_CONFIG", "")
        .env("TERM", "xterm")
        .current_dir(&w.dir);
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let line = format!("{} {args}", fetter_bin().display());
    let out = cmd
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let Some(w) = world() else { return };
    let Some(tty) = on_tty(&w, "--exe .venv scan", false) else {
        return;
    };
    assert!(
        tty.contains("\x1b[1mPackage"),
        "bold header on a terminal: {tty:?}"
    );
    // A fast scan on a terminal shows no spinner: nothing but the table.
    assert!(!tty.contains("scanning"), "{tty:?}");
    let tty = on_tty(&w, "--exe .venv scan", true).unwrap();
    assert!(!tty.contains('\x1b'), "NO_COLOR: {tty:?}");
    // -o FILE on a terminal: the file is plain.
    let file = w.dir.join("out.txt");
    on_tty(
        &w,
        &format!("--exe .venv scan -o {}", file.display()),
        false,
    )
    .unwrap();
    assert!(!fs::read_to_string(&file).unwrap().contains('\x1b'));
    // Piped (the test harness): plain, and nothing on stderr.
    let (_, out, err) = stdout_of(
        fetter_in(&w)
            .env_remove("NO_COLOR")
            .args(["--exe", ".venv", "scan"]),
    );
    assert!(!out.contains('\x1b') && err.is_empty(), "{out:?} {err:?}");
}
