//! CLI tests of the report bundle (`plan --out DIR`, `analyze --out DIR`, `analyze --format html`):
//! every file for a plan with two strategies and two partitioners, charts checked generically (SVG
//! well-formed, PNG valid and at least 1200 px wide, each linked and inlined), hostile keys inert in
//! every file, `--redact-keys` leaking no key anywhere, byte-identical second runs, and the output
//! directory replaced whole or not at all.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::Workdir;
use keyplan::report::PlanReport;
use predicates::prelude::*;

/// Keys built to break HTML, attributes, Markdown and spreadsheets.
/// Heaviest first: the plan lists each strategy's five heaviest keys.
const HOSTILE: [&str; 7] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://x\")",
    "[link](javascript:alert(1))",
    "-2+3",
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
];

/// Region keys (the second strategy): distinctive, so a leak is found by a plain search.
const REGIONS: [&str; 3] = ["region-alpha-7f3", "region-bravo-9c1", "region-charlie-2e8"];

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Events: hostile keys heaviest first, then 60 ordinary tenants; every row has a region.
fn events() -> String {
    let mut out = String::from("id,tenant,region\n");
    let mut id = 0;
    for (i, k) in HOSTILE.iter().enumerate() {
        for j in 0..(40 * (HOSTILE.len() - i)) {
            out.push_str(&format!(
                "{id},{},{}\n",
                csv_field(k),
                REGIONS[j % REGIONS.len()]
            ));
            id += 1;
        }
    }
    for t in 0..60 {
        for j in 0..3 {
            out.push_str(&format!(
                "{id},tenant-{t:03}-x,{}\n",
                REGIONS[(t + j) % REGIONS.len()]
            ));
            id += 1;
        }
    }
    out
}

const PLAN: &str = r#"[input]
paths = ["events.csv"]
key = "tenant"

[targets]
peak_events_per_sec = 1000
growth_per_month = 0.02
horizon_months = 6
consumer_events_per_sec = 400

[candidates]
partitions = [4, 6, 8]
partitioners = ["java", "librdkafka"]
consumers = [2]

[[strategy]]
name = "by-tenant"
key = "tenant"

[[strategy]]
name = "by-region"
key = "region"
"#;

fn setup() -> Workdir {
    let wd = Workdir::new();
    wd.write("events.csv", events());
    wd.write("plan.toml", PLAN);
    wd
}

/// Every file under `dir`, by relative path (with `/`), with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The chart stems of a bundle, checked: each has an SVG that parses as XML with an `<svg>` root
/// and a PNG that decodes and is at least 1200 px wide.
fn check_charts(all: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let svgs: Vec<String> = all
        .keys()
        .filter_map(|k| k.strip_prefix("charts/")?.strip_suffix(".svg"))
        .map(str::to_string)
        .collect();
    let pngs: Vec<String> = all
        .keys()
        .filter_map(|k| k.strip_prefix("charts/")?.strip_suffix(".png"))
        .map(str::to_string)
        .collect();
    assert_eq!(svgs, pngs, "every chart as SVG and PNG");
    for name in &svgs {
        let svg = std::str::from_utf8(&all[&format!("charts/{name}.svg")]).expect("UTF-8 SVG");
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("charts/{name}.svg is not well-formed: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let png = &all[&format!("charts/{name}.png")];
        let decoder = png::Decoder::new(std::io::Cursor::new(png.as_slice()));
        let mut reader = decoder.read_info().expect("a valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("PNG image data decodes");
        assert!(
            info.width >= 1200,
            "charts/{name}.png is {} px wide",
            info.width
        );
    }
    svgs
}

#[test]
fn plan_bundle_has_every_file_for_two_strategies_and_two_partitioners() {
    let wd = setup();
    wd.run(&["plan", "plan.toml", "--out", "out"])
        .assert()
        .success();
    let all = files(&wd.join("out"));
    for name in [
        "report.md",
        "report.html",
        "report.json",
        "scenarios.csv",
        "partitions.csv",
        "top-keys.csv",
        "consumers.csv",
    ] {
        assert!(all.contains_key(name), "{name} missing: {:?}", all.keys());
    }
    let report: PlanReport = serde_json::from_slice(&all["report.json"]).unwrap();
    assert_eq!(report.schema, "keyplan.report/v1");
    assert_eq!(report.strategies.len(), 2);
    assert_eq!(report.scenarios.len(), 2 * 2 * 3);
    let charts = check_charts(&all);
    let md = String::from_utf8(all["report.md"].clone()).unwrap();
    let html = String::from_utf8(all["report.html"].clone()).unwrap();
    for name in &charts {
        assert!(
            md.contains(&format!("](charts/{name}.svg)")),
            "{name} linked"
        );
        assert!(
            html.contains(&format!("id=\"chart-{name}\"")),
            "{name} inlined"
        );
    }
    assert_eq!(html.matches("<img ").count(), charts.len());
    // The review's sections, in the issue's order.
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} missing"));
    let order = [
        at("## Recommendation"),
        at("## Risks"),
        at("## Candidates compared"),
        at("## Evidence"),
        at("## Review checklist"),
        at("## Method and assumptions"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(md.contains("naive max(t/p, t/c)"));
    assert!(md.contains("not measurable from a sample"));
    // The CSV tables hold one row per scenario / partition / consumer, numbers as numbers.
    let rows = |name: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(all[name].as_slice())
            .records()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(rows("scenarios.csv").len(), report.scenarios.len());
    let partitions: usize = report.scenarios.iter().map(|s| s.partitions as usize).sum();
    assert_eq!(rows("partitions.csv").len(), partitions);
    for row in rows("partitions.csv") {
        row[4].parse::<u64>().expect("events is a number");
    }
    let consumer_rows: usize = report
        .scenarios
        .iter()
        .flat_map(|s| &s.consumers)
        .map(|c| c.consumer_events.len())
        .sum();
    assert_eq!(rows("consumers.csv").len(), consumer_rows);
    // The headroom column keeps its minus sign: numbers are never neutralised.
    let headroom: Vec<f64> = rows("scenarios.csv")
        .iter()
        .map(|r| r[27].parse().unwrap())
        .collect();
    assert!(headroom.iter().any(|&h| h < 0.0), "{headroom:?}");
}

#[test]
fn hostile_keys_are_inert_in_every_file() {
    let wd = setup();
    wd.run(&["plan", "plan.toml", "--out", "out"])
        .assert()
        .success();
    let all = files(&wd.join("out"));
    let html = String::from_utf8(all["report.html"].clone()).unwrap();
    let md = String::from_utf8(all["report.md"].clone()).unwrap();
    // Shown, escaped.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.contains("\\[link\\](javascript:alert(1))"));
    for (name, bytes) in &all {
        if !(name.ends_with(".html") || name.ends_with(".md") || name.ends_with(".svg")) {
            continue; // pixels, JSON strings and CSV cells are data, not markup (CSV: below)
        }
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("<script"), "{name} has a <script");
        assert!(!text.contains("<img src=x"), "{name} has the injected <img");
        assert!(
            !text.contains("\"><img"),
            "{name} breaks out of an attribute"
        );
    }
    // Markdown would make a link of it; HTML shows it as text (and has no href but data: URIs).
    assert!(
        !md.contains("[link](javascript"),
        "report.md has a live link"
    );
    // No script and no network in the page: only the chart images, all data: URIs.
    assert!(html.contains("Content-Security-Policy"));
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            assert!(
                html[i + attr.len()..].starts_with("data:"),
                "{attr} not a data: URI"
            );
        }
    }
    // CSV: text cells that start a formula carry a leading quote.
    for name in [
        "top-keys.csv",
        "scenarios.csv",
        "partitions.csv",
        "consumers.csv",
    ] {
        for row in csv::Reader::from_reader(all[name].as_slice()).records() {
            for cell in row.unwrap().iter() {
                let number = cell.parse::<f64>().is_ok();
                assert!(
                    number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: {cell:?}"
                );
            }
        }
    }
    let top = String::from_utf8(all["top-keys.csv"].clone()).unwrap();
    assert!(top.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{top}");
    assert!(top.contains("'-2+3"));
}

#[test]
fn redacted_bundle_leaks_no_key() {
    let wd = setup();
    let out = wd
        .run(&["plan", "plan.toml", "--out", "out", "--redact-keys"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut all = files(&wd.join("out"));
    all.insert("<stdout>".into(), out);
    let mut keys: Vec<String> = HOSTILE.iter().map(|k| k.to_string()).collect();
    keys.extend(REGIONS.iter().map(|k| k.to_string()));
    keys.extend((0..60).map(|t| format!("tenant-{t:03}-x")));
    for (name, bytes) in &all {
        let hay = String::from_utf8_lossy(bytes);
        for key in &keys {
            // The key as text, escaped for HTML or Markdown, and its bytes in hex.
            let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
            let escaped = key
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            for form in [key.as_str(), escaped.as_str(), hex.as_str()] {
                assert!(!hay.contains(form), "{name} leaks {key:?} as {form:?}");
            }
        }
    }
    let report: PlanReport = serde_json::from_slice(&all["report.json"]).unwrap();
    assert_eq!(report.strategies[0].top_keys[0].key, "<key #1>");
    assert!(report.strategies[0].top_keys[0].key_hex.is_none());
    // The recommendation names the region keys that alone exceed a partition: by pseudonym.
    assert!(report
        .recommendation
        .reasons
        .iter()
        .any(|r| r.contains("'<key #1>'")));
}

#[test]
fn a_second_run_is_byte_identical() {
    let wd = setup();
    wd.run(&["plan", "plan.toml", "--out", "a"])
        .assert()
        .success();
    wd.run(&["plan", "plan.toml", "--out", "b"])
        .assert()
        .success();
    let first = files(&wd.join("a"));
    assert_eq!(first, files(&wd.join("b")));
    // Replacing a previous report gives the same bytes, and leaves nothing beside it.
    wd.run(&["plan", "plan.toml", "--out", "a"])
        .assert()
        .success();
    assert_eq!(first, files(&wd.join("a")));
    let html = String::from_utf8(first["report.html"].clone()).unwrap();
    assert!(
        !html.contains(&wd.path().to_string_lossy().to_string()),
        "no absolute path"
    );
    assert_eq!(wd.files(), vec!["a", "b", "events.csv", "plan.toml"]);
}

#[test]
fn only_a_report_directory_is_replaced_and_a_failed_run_keeps_the_previous_one() {
    let wd = setup();
    std::fs::create_dir(wd.join("docs")).unwrap();
    wd.write("docs/design.md", "mine");
    wd.run(&["plan", "plan.toml", "--out", "docs"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("design.md"));
    assert_eq!(
        std::fs::read_to_string(wd.join("docs/design.md")).unwrap(),
        "mine"
    );
    // A previous report survives a run that fails.
    wd.run(&["plan", "plan.toml", "--out", "out"])
        .assert()
        .success();
    let before = files(&wd.join("out"));
    wd.write("events.csv", "id,tenant,region\n1,\"unterminated\n");
    wd.run(&["plan", "plan.toml", "--out", "out"])
        .assert()
        .code(2);
    assert_eq!(before, files(&wd.join("out")));
    assert_eq!(
        wd.files(),
        vec!["docs", "events.csv", "out", "plan.toml"],
        "no temporary directory left"
    );
}

#[test]
fn analyze_writes_the_same_bundle_and_a_single_page() {
    let wd = setup();
    let args = [
        "analyze",
        "events.csv",
        "--key",
        "tenant",
        "-p",
        "4,8",
        "--partitioner",
        "java,librdkafka",
    ];
    wd.run(&[&args[..], &["--format", "html", "--out", "out"]].concat())
        .assert()
        .success()
        .stdout("");
    let all = files(&wd.join("out"));
    for name in [
        "report.md",
        "report.html",
        "report.json",
        "scenarios.csv",
        "partitions.csv",
        "top-keys.csv",
    ] {
        assert!(all.contains_key(name), "{name} missing");
    }
    check_charts(&all);
    let page = wd
        .run(&[&args[..], &["--format", "html"]].concat())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        page, all["report.html"],
        "--format html is the bundle's page"
    );
    let html = String::from_utf8(page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
    wd.run(&[&args[..], &["--format", "markdown", "--out", "md"]].concat())
        .assert()
        .success();
    assert_eq!(files(&wd.join("md")), all);
    wd.run(&[&args[..], &["--format", "json", "--out", "x"]].concat())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--format html or markdown"));
}

#[test]
fn other_commands_render_their_document_as_html() {
    let wd = setup();
    for args in [
        &[
            "remap",
            "events.csv",
            "--key",
            "tenant",
            "--from",
            "4",
            "--to",
            "6",
        ][..],
        &[
            "detect",
            "events.csv",
            "--key",
            "tenant",
            "--partition-col",
            "id",
            "-p",
            "100000",
        ][..],
    ] {
        let out = wd
            .run(&[args, &["--format", "html"]].concat())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let html = String::from_utf8(out).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{args:?}");
        assert!(!html.contains("<script"), "{args:?}: keys are escaped");
    }
}

#[test]
fn split_ordering_entities_are_a_risk_and_answer_the_checklist() {
    let wd = setup();
    // Tenants are finer than regions: a region's events carry many tenant keys, so it splits.
    wd.write(
        "plan.toml",
        format!("{PLAN}\n[ordering]\nrequire = [\"region\"]\n"),
    );
    wd.run(&["plan", "plan.toml", "--out", "out"])
        .assert()
        .success();
    let md = std::fs::read_to_string(wd.join("out/report.md")).unwrap();
    let risks = &md[md.find("## Risks").unwrap()..md.find("## Candidates compared").unwrap()];
    assert!(risks.contains("Ordering break: at "), "{risks}");
    assert!(risks.contains("entities by region land on more than one partition"));
    let checklist = &md[md.find("## Review checklist").unwrap()..];
    let key_row = checklist
        .lines()
        .find(|l| l.starts_with("| The key is a business entity"))
        .unwrap();
    assert!(key_row.contains("| measured "), "{key_row}");
    assert!(
        key_row.contains("finer than the ordering entity"),
        "{key_row}"
    );
    let scenarios = std::fs::read_to_string(wd.join("out/scenarios.csv")).unwrap();
    assert!(scenarios
        .lines()
        .next()
        .unwrap()
        .ends_with(",ordering_entity,entities_split,events_at_risk"));
}
