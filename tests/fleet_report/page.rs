//! The HTML page in a real browser: headless Chromium opens the file, the
//! page's filters are driven by the URL hash, and the DOM after its script
//! ran is read back (`--dump-dom`). Hostile package and host names must
//! show as text and run nothing.

use std::fs;
use std::path::{Path, PathBuf};

use super::browser::{attr, chromium, dump_dom, rows, screenshot};
use super::{fleet, report_cmd};
use crate::common::*;

/// (shown, matching, total) rows of the current view.
fn count(dom: &str) -> (usize, usize, usize) {
    let n = |a: &str| {
        attr(dom, "count", a)
            .unwrap_or_else(|| panic!("no count {a}"))
            .parse()
            .unwrap()
    };
    (n("data-shown"), n("data-matching"), n("data-total"))
}

fn card(dom: &str, name: &str) -> usize {
    attr(dom, &format!("card-{name}"), "data-value")
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn page_counts_filters_and_changes_in_chromium() {
    let Some(f) = fleet() else { return };
    let Some(chrome) = chromium() else { return };
    let s = scratch();
    let old = s.path.join("old.json");
    let page = s.path.join("fleet.html");
    let (code, _, err) = report_cmd(
        &f.home,
        &[f.old.as_os_str(), "-o".as_ref(), old.as_os_str()],
    );
    assert_eq!(code, 0, "{err}");
    let args = [
        f.new.as_os_str(),
        "--previous".as_ref(),
        old.as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
        "-o".as_ref(),
        page.as_os_str(),
    ];
    let (code, _, err) = report_cmd(&f.home, &args);
    assert_eq!(code, 0, "{err}");
    let html = fs::read_to_string(&page).unwrap();
    // Self-contained: no URL to load anything from.
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import")
    );

    let dom = dump_dom(&chrome, &s.path, &page, "tab=hosts");
    assert_eq!(count(&dom), (4, 4, 4));
    assert_eq!(
        (
            card(&dom, "hosts"),
            card(&dom, "fail"),
            card(&dom, "pass"),
            card(&dom, "not-checked")
        ),
        (4, 2, 1, 1)
    );
    assert_eq!(card(&dom, "packages"), 3);
    let hosts: Vec<String> = rows(&dom).iter().map(|r| r[0].clone()).collect();
    assert_eq!(hosts, ["db1", "web1", "web2", "web3"]);

    // Which hosts have package X (and version).
    let dom = dump_dom(&chrome, &s.path, &page, "tab=hosts&q=pkg%3Dalpha%3D%3D1.0");
    assert_eq!(count(&dom), (2, 2, 4));
    let hosts: Vec<String> = rows(&dom).iter().map(|r| r[0].clone()).collect();
    assert_eq!(hosts, ["db1", "web1"]);
    // Which versions of it.
    let dom = dump_dom(&chrome, &s.path, &page, "tab=packages&q=pkg%3Dalpha");
    let versions: Vec<(String, String)> = rows(&dom)
        .iter()
        .map(|r| (r[1].clone(), r[4].clone()))
        .collect();
    assert_eq!(
        versions,
        [
            ("1.0".into(), "db1, web1".into()),
            ("1.2".into(), "web2, web3".into())
        ]
    );
    // Which hosts fail: the status filter, sorted by host descending.
    let dom = dump_dom(
        &chrome,
        &s.path,
        &page,
        "tab=hosts&status=fail&sort=host&desc=1",
    );
    let hosts: Vec<String> = rows(&dom).iter().map(|r| r[0].clone()).collect();
    assert_eq!(hosts, ["web2", "web1"]);
    // Which hosts fail which policy.
    let dom = dump_dom(&chrome, &s.path, &page, "tab=policies");
    let policies: Vec<(String, String)> = rows(&dom)
        .iter()
        .map(|r| (r[0].clone(), r[6].clone()))
        .collect();
    assert!(
        policies.contains(&("audit/vulnerability".into(), "web1".into())),
        "{policies:?}"
    );
    assert!(
        policies.contains(&("bounds/unrequired".into(), "web2".into())),
        "{policies:?}"
    );
    // Severity filter on findings: a free-text search that matches nothing.
    let dom = dump_dom(&chrome, &s.path, &page, "tab=findings&q=no-such-thing");
    assert_eq!(count(&dom).1, 0);
    // What changed since the previous report.
    let dom = dump_dom(&chrome, &s.path, &page, "tab=changes");
    let changes: Vec<(String, String, String)> = rows(&dom)
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    for want in [
        ("old1", "host removed", ""),
        ("web2", "status", ""),
        ("web2", "package installed", "gamma"),
        ("web3", "package changed", "alpha"),
        ("web2", "new finding", "bounds/unrequired"),
        ("web3", "resolved finding", "audit/vulnerability"),
    ] {
        let want = (want.0.to_string(), want.1.to_string(), want.2.to_string());
        assert!(changes.contains(&want), "{want:?} not in {changes:?}");
    }

    // The README's picture: the hosts view.
    let png = s.path.join("fleet-report.png");
    screenshot(&chrome, &s.path, &page, "tab=hosts", &png, (1200, 560));
    let bytes = fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000);
    if std::env::var_os("FETTER_UPDATE_SCREENSHOT").is_some() {
        let dest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/img/fleet-report.png");
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(&png, dest).unwrap();
    }
}

/// A scratch "host" whose only site holds distributions named to break
/// out of the page, in a report file whose name is markup too.
fn hostile_reports(s: &Path, home: &Path) -> PathBuf {
    let (prefix, site) = crate::cli::fail_closed::fake_venv(s, "evil");
    for (dir, name, version) in [
        (
            "img-1.0.dist-info",
            "<img src=x onerror=\"document.title='PWNED'\">",
            "1.0",
        ),
        (
            "script-1.0.dist-info",
            "</script><script>document.title='PWNED2'</script>",
            "1.0",
        ),
        (
            "ver-1.0.dist-info",
            "ver",
            "<svg onload=\"document.title='PWNED3'\">",
        ),
        ("sep-1.0.dist-info", "line\u{2028}sep\u{2029}&amp;", "1.0"),
    ] {
        write_dist(
            &site,
            dir,
            &format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        );
    }
    let reports = s.join("reports");
    fs::create_dir_all(&reports).unwrap();
    let file = reports.join("<b>host.json");
    run_ok(
        fetter(home)
            .arg("--exe")
            .arg(&prefix)
            .args(["scan", "--format", "json", "-o"])
            .arg(&file),
    );
    reports
}

#[test]
fn hostile_names_show_as_text_and_run_nothing() {
    let Some(chrome) = chromium() else { return };
    let s = scratch();
    let home = s.path.join("home");
    fs::create_dir_all(&home).unwrap();
    let reports = hostile_reports(&s.path, &home);
    let page = s.path.join("fleet.html");
    let (code, _, err) = report_cmd(
        &home,
        &[
            reports.as_os_str(),
            "--format".as_ref(),
            "html".as_ref(),
            "-o".as_ref(),
            page.as_os_str(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let html = fs::read_to_string(&page).unwrap();
    // The data element holds no markup character of the host's.
    let data = &html[html.find("id=\"fleet-data\">").unwrap()..];
    let data = &data[..data.find("</script>").unwrap()];
    assert!(
        !data.contains("<img") && !data.contains("<svg") && !data.contains("\u{2028}"),
        "{data}"
    );

    let dom = dump_dom(&chrome, &s.path, &page, "tab=packages");
    assert!(
        dom.contains("<title>fetter fleet report</title>"),
        "a host string ran script"
    );
    for tag in ["<img", "<svg", "<b>"] {
        assert!(!dom.contains(tag), "{tag} became an element:\n{dom}");
    }
    let cells: Vec<String> = rows(&dom).into_iter().flatten().collect();
    for text in [
        "<img src=x onerror=\"document.title='PWNED'\">",
        "</script><script>document.title='PWNED2'</script>",
        "<svg onload=\"document.title='PWNED3'\">",
    ] {
        assert!(
            cells.iter().any(|c| c == text),
            "{text} not shown as text in {cells:?}"
        );
    }
    let dom = dump_dom(&chrome, &s.path, &page, "tab=hosts");
    assert!(
        rows(&dom).iter().any(|r| r[0] == "<b>host"),
        "the host name is shown as text"
    );

    // The control: the same page rendering with innerHTML and without its
    // Content-Security-Policy does run the host's script, so the checks
    // above would catch a page that did.
    let csp_start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = csp_start + html[csp_start..].find('>').unwrap() + 1;
    let unsafe_html = format!("{}{}", &html[..csp_start], &html[csp_end..])
        .replace("td.textContent = String(v);", "td.innerHTML = String(v);");
    assert_ne!(unsafe_html, html);
    let control = s.path.join("control.html");
    fs::write(&control, unsafe_html).unwrap();
    let dom = dump_dom(&chrome, &s.path, &control, "tab=packages");
    assert!(
        dom.contains("<title>PWNED"),
        "the control page did not run the hostile name:\n{dom}"
    );
}
