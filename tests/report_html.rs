//! `kubesim report`: the HTML audit report of a small cluster: its sections and rows, that it
//! is self-contained and escapes names from the manifests, that it is deterministic, and
//! (where Chromium is installed) that it renders in headless Chromium without script errors,
//! with its tables and graph nodes in the DOM after the scripts ran.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{kubesim, tool_available};

const FIXTURE: &str = "tests/data/report/cluster.yaml";

fn report(args: &[&str]) -> String {
    crate::util::success_stdout(&[&["report", "-f", FIXTURE, "-o", "-"][..], args].concat())
}

/// The text of the table row with this id.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<tr id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no row {id}"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

/// The rows of a table whose text holds every needle.
fn rows_with<'a>(html: &'a str, prefix: &str, needles: &[&str]) -> Vec<&'a str> {
    html.match_indices(&format!("<tr id=\"{prefix}"))
        .map(|(i, _)| &html[i..i + html[i..].find("</tr>").unwrap()])
        .filter(|r| needles.iter().all(|n| r.contains(n)))
        .collect()
}

#[test]
fn sections_and_the_summary() {
    let html = report(&[]);
    for id in ["summary", "access", "escalations", "graph", "pod-security"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(!html.contains("<section id=\"policies\">"));
    assert!(html.contains("19 objects, 7 subjects, 5 bindings, 5 roles, 2 workloads"));
    // Five subjects reach cluster-admin (critical); every one of them reaches a node too.
    assert!(
        html.contains("<td>5</td><td>5 escalation paths</td>"),
        "{html}"
    );
}

#[test]
fn dangerous_access_names_binding_role_rule_and_lines() {
    let html = report(&[]);
    let proxy = rows_with(&html, "row-access-", &["get nodes/proxy", "user:oncall"]);
    assert_eq!(proxy.len(), 1, "{proxy:?}");
    assert!(proxy[0].contains("cluster-wide"));
    assert!(
        proxy[0].contains("ClusterRoleBinding oncall-kubelet (tests/data/report/cluster.yaml:108)")
    );
    assert!(proxy[0].contains("ClusterRole kubelet-debugger (tests/data/report/cluster.yaml:100)"));
    assert!(proxy[0].contains("rule 0: verbs [create get]"));
    let exec = rows_with(&html, "row-access-", &["create pods/exec"]);
    assert_eq!(exec.len(), 1);
    assert!(
        exec[0].contains("<td>platform</td><td>sa:ci/builder</td>"),
        "{}",
        exec[0]
    );
    // user:dev may only read configmaps.
    assert!(rows_with(&html, "row-access-", &["user:dev"]).is_empty());
}

#[test]
fn escalation_rows_carry_the_path_and_the_cut() {
    let html = report(&[]);
    let oncall = rows_with(
        &html,
        "row-esc-",
        &["<td>user:oncall</td><td>cluster-admin</td>"],
    );
    assert_eq!(oncall.len(), 1);
    assert!(oncall[0].contains("can use nodes/proxy"), "{}", oncall[0]);
    // The cut links to the binding's row, which exists.
    assert!(oncall[0].contains("<a href=\"#row-bind-0\">ClusterRoleBinding oncall-kubelet"));
    assert!(row(&html, "row-bind-0").contains("<td>yes</td>"));
}

#[test]
fn pod_security_rows_name_the_failing_field_and_line() {
    let html = report(&[]);
    let agent = rows_with(&html, "row-pss-", &["daemonset/node-agent"]);
    assert_eq!(agent.len(), 1);
    assert!(agent[0].contains("<span class=\"lvl-privileged\">privileged</span>"));
    assert!(
        agent[0].contains("spec.template.spec.hostPID at line 63"),
        "{}",
        agent[0]
    );
    assert!(
        agent[0].contains("admitted (enforce privileged:latest)"),
        "{}",
        agent[0]
    );
}

#[test]
fn every_graph_node_links_to_a_row_of_the_report() {
    let html = report(&[]);
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    let links: Vec<&str> = svg
        .match_indices("<a href=\"#")
        .map(|(i, m)| {
            let rest = &svg[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    // 5 subjects, 4 bindings, 4 roles, 2 targets.
    assert_eq!(links.len(), 15, "{svg}");
    for id in links {
        assert!(html.contains(&format!("<tr id=\"{id}\">")), "no row {id}");
    }
    assert!(svg.contains(">sa:platform/ops</text>"));
    assert!(svg.contains(">CRB oncall-kubelet</text>"));
}

#[test]
fn names_from_manifests_are_escaped() {
    let html = report(&[]);
    // The only script element is the report's own.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("user:&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
}

#[test]
fn nothing_is_fetched() {
    let html = report(&["--defaults", "latest", "--policy", "policies"]);
    for external in ["http:", "https:", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn policy_results_when_asked() {
    let html = report(&["--policy", "policies"]);
    assert!(html.contains("<section id=\"policies\">"));
    assert!(!rows_with(&html, "row-policy-", &["sa:platform/ops"]).is_empty());
}

#[test]
fn the_same_at_any_thread_count() {
    assert_eq!(report(&["-j", "1"]), report(&["-j", "2"]));
}

#[test]
fn writes_the_file_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.html");
    let out = kubesim()
        .args(["report", "-f", FIXTURE, "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), report(&[]));
}

#[test]
fn bad_input_is_reported_and_the_rest_still_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(FIXTURE, dir.path().join("cluster.yaml")).unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "kind: [\n").unwrap();
    let path = dir.path().join("audit.html");
    let out = kubesim()
        .args(["report", "-f"])
        .arg(dir.path())
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml:"));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("user:oncall")
    );
}

/// Runs headless Chromium on `page` with `args`, killing it after a minute.
fn chromium(page: &Path, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes while Chromium runs: a large DOM would fill a pipe and stall it.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (stdout.join().unwrap(), stderr.join().unwrap())
}

/// The report of the real manifests of nine projects (broken files and all), with every
/// shipped policy, is one file under 5 MB that renders in Chromium without errors.
#[test]
fn the_real_corpus_report_is_under_5_mb_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let page: PathBuf = dir.path().join("corpus.html");
    let out = kubesim()
        .args([
            "report",
            "-f",
            "tests/data/corpus",
            "-f",
            "tests/data/escalate/corpus",
        ])
        .args([
            "--defaults",
            "latest",
            "--policy",
            "policies",
            "--invalid",
            "warn",
        ])
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size > 100_000 && size < 5_000_000, "{size} bytes");
    if !tool_available("chromium", "render the HTML report in a browser") {
        return;
    }
    let (dom, log) = chromium(&page, &["--dump-dom"]);
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("data-ready=\"1\""));
    assert!(!dom.contains("id=\"script-error\""));
    assert!(dom.contains("<svg"));
}

/// Console messages and uncaught errors in Chromium's log.
fn console_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect()
}

#[test]
fn renders_in_chromium_with_tables_and_graph() {
    if !tool_available("chromium", "render the HTML report in a browser") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page: PathBuf = dir.path().join("report.html");
    std::fs::write(&page, report(&["--policy", "policies"])).unwrap();
    let (dom, log) = chromium(&page, &["--dump-dom"]);
    assert!(console_errors(&log).is_empty(), "{log}");
    // The script ran to its end and caught nothing.
    assert!(dom.contains("data-ready=\"1\""), "{dom}");
    assert!(!dom.contains("id=\"script-error\""), "{dom}");
    for table in [
        "t-access",
        "t-escalations",
        "t-bindings",
        "t-pss",
        "t-policies",
    ] {
        assert!(
            dom.contains(&format!("<table class=\"data\" id=\"{table}\">")),
            "{table}"
        );
        // The row counter is filled in by the script.
        assert!(
            dom.contains(&format!("data-count=\"{table}\">"))
                && !dom.contains(&format!("data-count=\"{table}\"></span>")),
            "{table}"
        );
    }
    assert!(dom.contains("data-count=\"t-escalations\">10 of 10 rows</span>"));
    assert_eq!(dom.matches("<a href=\"#row-").count() - cut_links(&dom), 15);
    assert!(dom.contains(">sa:platform/ops</text>"));

    // The search box and the sortable headers work: a page with a script that searches, then
    // sorts by hops, and writes what it saw into the DOM.
    let exercised = dir.path().join("exercised.html");
    let html = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&exercised, html.replace("</body>", EXERCISE)).unwrap();
    let (dom, log) = chromium(&exercised, &["--dump-dom"]);
    assert!(console_errors(&log).is_empty(), "{log}");
    assert!(dom.contains("data-test-shown=\"2\""), "{dom}");
    // Numbers sort as numbers (10 last), not as text.
    assert!(
        dom.contains("data-test-hops=\"3,5,5,5,6,7,9,9,9,10\""),
        "{dom}"
    );
    assert!(!dom.contains("id=\"script-error\""), "{dom}");

    let shot = dir.path().join("shot.png");
    let (_, log) = chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
    );
    assert!(console_errors(&log).is_empty(), "{log}");
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "a blank page? {} bytes", png.len());
}

/// Searches every table for `oncall`, counts the escalation rows left, clears the search and
/// sorts the escalation table by its hops column.
const EXERCISE: &str = r#"<script>
(function(){
var search=document.getElementById('search');
search.value='oncall';search.dispatchEvent(new Event('input'));
var rows=document.querySelectorAll('#t-escalations tbody tr');
document.body.setAttribute('data-test-shown',[].filter.call(rows,function(r){return r.style.display!=='none';}).length);
search.value='';search.dispatchEvent(new Event('input'));
document.querySelectorAll('#t-escalations th')[3].click();
var hops=[].map.call(document.querySelectorAll('#t-escalations tbody tr'),function(r){return r.cells[3].textContent;});
document.body.setAttribute('data-test-hops',hops.join(','));
})();
</script></body>"#;

/// Links from cut cells, outside the graph.
fn cut_links(dom: &str) -> usize {
    let svg_start = dom.find("<svg").unwrap();
    let svg_end = dom.find("</svg>").unwrap();
    dom.match_indices("<a href=\"#row-")
        .filter(|(i, _)| *i < svg_start || *i > svg_end)
        .count()
}
