//! Chart tests: every chart of a plan and of an analysis is a well-formed SVG and a valid PNG at least
//! 1200 px wide, hostile keys come out as inert text, and rendering is byte-for-byte repeatable.

use super::*;
use crate::analysis::capacity::Targets;
use crate::engine::{self, RunSettings};
use crate::model::{FacetsSpec, KeyDistribution, KeyStrategy, PartitionCount};
use crate::partitioner::Partitioner;
use crate::report::analysis::HotPartitionKey;
use crate::report::Provenance;
use crate::settings::plan::Plan;

/// Keys that try to break out of SVG/HTML text or attributes, run as spreadsheet formulas, carry
/// bytes that are not UTF-8 or characters XML cannot hold, or are too long for a label.
const HOSTILE: [&[u8]; 7] = [
    b"<script>alert(1)</script>",
    b"\"><img src=x onerror=alert(1)>",
    b"=HYPERLINK(\"http://x\")",
    b"bad\xff\xfebytes",
    b"ctl\x01\x02\x1b[31m",
    b"amp&amp;&lt;'quote'",
    b"a-very-long-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// `(key, events)`: the hostile keys heaviest (so they are labelled), then 400 ordinary keys.
fn sample() -> Vec<(Vec<u8>, u64)> {
    let mut keys: Vec<(Vec<u8>, u64)> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, k)| (k.to_vec(), 400 - 40 * i as u64))
        .collect();
    for i in 0..400u64 {
        keys.push((format!("k{i}").into_bytes(), 1 + (i * 7919) % 13));
    }
    keys
}

/// A CSV of the sample (one row per event; keys quoted, quotes doubled) and a second column.
fn csv() -> Vec<u8> {
    let mut out = b"key,region\n".to_vec();
    for (i, (key, events)) in sample().iter().enumerate() {
        for e in 0..*events {
            out.push(b'"');
            for &b in key {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.extend_from_slice(format!("\",r{}\n", (i as u64 + e) % 9).as_bytes());
        }
    }
    out
}

const PLAN: &str = r#"
[input]
paths = ["keys.csv"]
key = "key"

[targets]
peak_events_per_sec = 5000
growth_per_month = 0.03
horizon_months = 12
consumer_events_per_sec = 1500
max_utilization = 0.7

[candidates]
partitions = [6, 12, 24]
partitioners = ["java", "librdkafka"]
consumers = [2, 3, 6]

[[strategy]]
name = "<b>by-key</b>"
key = "key"

[[strategy]]
name = "by-region"
key = "region"
"#;

/// A plan review with two strategies and two partitioners over the hostile sample.
fn plan_report() -> PlanReport {
    plan_report_with(false)
}

/// As [`plan_report`], with keys redacted when `redact`.
fn plan_report_with(redact: bool) -> PlanReport {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keys.csv"), csv()).unwrap();
    let plan = Plan::parse(PLAN, "plan.toml", dir.path()).unwrap();
    let outcomes: Vec<_> = (0..plan.strategies.len())
        .map(|i| {
            let settings = plan.run_settings(i, plan.partitioners.clone(), plan.counts.clone());
            engine::run(&settings).unwrap()
        })
        .collect();
    PlanReport::new(&plan, &outcomes, redact)
}

/// An analysis of the hostile sample with capacity targets.
fn analysis_report() -> AnalysisReport {
    let sample = sample();
    let dist = KeyDistribution::from_pairs(sample.iter().map(|(k, w)| (k.as_slice(), *w)));
    let settings = RunSettings {
        inputs: vec!["keys.csv".to_string()],
        ingest: Default::default(),
        strategies: vec![KeyStrategy::as_read("key")],
        partitioners: vec![Partitioner::Java, Partitioner::Librdkafka],
        counts: [4, 8, 16]
            .into_iter()
            .map(|n| PartitionCount::new(n).unwrap())
            .collect(),
        stats: Default::default(),
        max_keys: 100_000,
        top: 10,
        facets: FacetsSpec::default(),
    };
    let outcome = engine::from_distribution(dist, &settings, Default::default());
    let mut report = AnalysisReport::new(&outcome, false, Provenance::new(vec![], 0));
    report.add_capacity(&Targets {
        peak_events_per_sec: 2000.0,
        growth_per_month: 0.02,
        horizon_months: 12.0,
        consumer_events_per_sec: 500.0,
        max_utilization: 0.7,
        partition_bytes_per_sec: None,
        mean_event_bytes: None,
        retention_hours: None,
    });
    report
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

/// Decodes the whole PNG (every chunk and CRC, the image data) and returns its size.
fn decode_png(png: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("PNG header decodes");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG image decodes");
    (info.width, info.height)
}

/// Every text node of an SVG, after XML parsing (so entities are decoded).
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// Checks what every chart must be: a unique file-stem name, a title and alt text, a well-formed SVG
/// of drawing elements only (no script, no event handler), and a valid PNG at least 1200 px wide.
fn check_chart(chart: &Chart) {
    assert!(
        !chart.name.is_empty()
            && chart
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "bad name {:?}",
        chart.name
    );
    assert!(!chart.title.is_empty() && !chart.alt.is_empty());
    let doc = roxmltree::Document::parse(&chart.svg)
        .unwrap_or_else(|e| panic!("{}: SVG is not well-formed: {e}", chart.name));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let width: u32 = root.attribute("width").unwrap().parse().unwrap();
    assert!(width >= 1200);
    let allowed = [
        "svg", "rect", "text", "line", "polyline", "polygon", "circle", "path",
    ];
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        assert!(allowed.contains(&tag), "{}: element <{tag}>", chart.name);
        for a in node.attributes() {
            assert!(
                !a.name().to_ascii_lowercase().starts_with("on") && a.name() != "href",
                "{}: attribute {}",
                chart.name,
                a.name()
            );
        }
    }
    let font = doc
        .descendants()
        .find_map(|n| n.attribute("font-family"))
        .expect("text has a font-family");
    assert!(font.starts_with("DejaVu Sans") && font.ends_with("sans-serif"));
    let (w, h) = png_size(&chart.png);
    assert!(w >= 1200, "{}: PNG is {w} px wide", chart.name);
    assert_eq!(decode_png(&chart.png), (w, h));
}

#[test]
fn plan_charts_are_valid_svg_and_png() {
    let report = plan_report();
    let charts = plan_charts(&report).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "partition-load",
            "skew-vs-partitions-b-by-key-b",
            "skew-vs-partitions-by-region",
            "key-concentration",
            "utilization-runway",
            "consumer-load",
        ]
    );
    for c in &charts {
        check_chart(c);
    }
}

#[test]
fn analysis_charts_are_valid_svg_and_png() {
    let report = analysis_report();
    let charts = analysis_charts(&report).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "partition-load-java",
            "partition-load-librdkafka",
            "skew-vs-partitions",
            "key-concentration",
            "utilization-runway",
        ]
    );
    for c in &charts {
        check_chart(c);
    }
}

#[test]
fn hostile_keys_are_inert_text() {
    // Labelled as the reports carry them: `key_text` (non-UTF-8 bytes as `\xNN`).
    let keys: Vec<HotPartitionKey> = HOSTILE
        .iter()
        .map(|k| HotPartitionKey {
            key: crate::keytext::key_text(k),
            key_hex: None,
            events: 10,
            share_of_partition: 0.1,
            placeholder: false,
        })
        .collect();
    let chart = load::partition_load(
        "partition-load",
        &load::PartitionLoad {
            subject: "<i>hostile</i> & co".to_string(),
            loads: &[70, 10, 20],
            hottest: 0,
            keys: &keys[..5],
            scale: load::LoadScale::Share,
        },
    )
    .unwrap();
    check_chart(&chart);
    let texts = svg_texts(&chart.svg);
    // The parser reads the labels back verbatim: text, not markup.
    for expected in [
        "Load per partition: <i>hostile</i> & co",
        "1. <script>alert(1)</script>",
        "2. \"><img src=x onerror=alert(1)>",
        "3. =HYPERLINK(\"http://x\")",
        "4. bad\\xff\\xfebytes",
        "5. ctl\\u{1}\\u{2}\\u{1b}[31m",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not among {texts:?}"
        );
    }
    // Every chart of reports built from the hostile sample: no markup, no raw control character.
    let analysis = analysis_charts(&analysis_report()).unwrap();
    let plan = plan_charts(&plan_report()).unwrap();
    for c in analysis.iter().chain(&plan).chain([&chart]) {
        for needle in ["<script", "<img", "<i>", "<b>"] {
            assert!(!c.svg.contains(needle), "{}: {needle}", c.name);
        }
        assert!(!c.svg.chars().any(|ch| ch.is_control() && ch != '\n'));
        assert!(!c.alt.chars().any(char::is_control) && !c.title.chars().any(char::is_control));
    }
}

#[test]
fn long_keys_are_cut_with_an_ellipsis() {
    let keys = [HotPartitionKey {
        key: "x".repeat(500),
        key_hex: None,
        events: 5,
        share_of_partition: 1.0,
        placeholder: false,
    }];
    let chart = load::partition_load(
        "partition-load",
        &load::PartitionLoad {
            subject: "test".to_string(),
            loads: &[5, 1, 1],
            hottest: 0,
            keys: &keys,
            scale: load::LoadScale::Share,
        },
    )
    .unwrap();
    let label = svg_texts(&chart.svg)
        .into_iter()
        .find(|t| t.starts_with("1. x"))
        .unwrap();
    // "1. ", then at most 30 characters of the key, the last of them the ellipsis.
    assert!(
        label.ends_with('…') && label.chars().count() <= 33,
        "{label}"
    );
}

#[test]
fn a_thousand_partitions_keep_tick_labels_apart() {
    let loads: Vec<u64> = (0..1000u64).map(|i| 100 + (i * 37) % 50).collect();
    let chart = load::partition_load(
        "partition-load",
        &load::PartitionLoad {
            subject: "1000 partitions".to_string(),
            loads: &loads,
            hottest: 0,
            keys: &[],
            scale: load::LoadScale::Share,
        },
    )
    .unwrap();
    check_chart(&chart);
    // x tick labels are the bare integers below the plot; a dozen at most, evenly spaced.
    let doc = roxmltree::Document::parse(&chart.svg).unwrap();
    let mut ticks: Vec<(f64, i64)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| {
            let value: i64 = n.text()?.trim().parse().ok()?;
            let x: f64 = n.attribute("x")?.parse().ok()?;
            (n.attribute("text-anchor")? == "middle").then_some((x, value))
        })
        .collect();
    ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        (4..=13).contains(&ticks.len()),
        "{} x tick labels",
        ticks.len()
    );
    // At most 4 digits at ~12 px each: 60 px apart is clear of overlap.
    for w in ticks.windows(2) {
        assert!(w[1].0 - w[0].0 >= 60.0, "ticks too close: {w:?}");
    }
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let report = analysis_report();
    let a = analysis_charts(&report).unwrap();
    let b = analysis_charts(&report).unwrap();
    assert_eq!(a, b);
    let plan = plan_report();
    assert_eq!(plan_charts(&plan).unwrap(), plan_charts(&plan).unwrap());
}

#[test]
fn charts_without_their_data_are_left_out() {
    let mut report = analysis_report();
    report.key_concentration.clear();
    report.targets = None;
    for s in &mut report.scenarios {
        s.capacity = None;
    }
    let names: Vec<String> = analysis_charts(&report)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        [
            "partition-load-java",
            "partition-load-librdkafka",
            "skew-vs-partitions"
        ]
    );
}

#[test]
fn hottest_partition_over_time_is_valid() {
    let events: Vec<u64> = (0..300u64).map(|i| 20 + (i * 37) % 90).collect();
    let input = timeline::HottestOverTime {
        subject: "<i>s</i>, java, 12 partitions".to_string(),
        partition: 3,
        first_window_start_ms: 1_357_016_400_000,
        window_seconds: 3600.0,
        windows_per_point: 2,
        events: &events,
        scaled: Some((3.5, 60.0)),
    };
    let chart = timeline::hottest_over_time("hottest-over-time", &input)
        .unwrap()
        .unwrap();
    check_chart(&chart);
    assert!(svg_texts(&chart.svg)
        .iter()
        .any(|t| t == "days since 2013-01-01 05:00 UTC"));
    assert!(!chart.svg.contains("<i>"));
    let again = timeline::hottest_over_time("hottest-over-time", &input)
        .unwrap()
        .unwrap();
    assert_eq!(chart, again);
    let empty = timeline::HottestOverTime {
        events: &[],
        ..input
    };
    assert!(timeline::hottest_over_time("x", &empty).unwrap().is_none());
}

#[test]
fn redacted_plans_give_charts_without_keys() {
    let charts = plan_charts(&plan_report_with(true)).unwrap();
    for c in &charts {
        for key in [
            "script",
            "HYPERLINK",
            "img src",
            "bad\\x",
            "a-very-long-key",
        ] {
            assert!(!c.svg.contains(key), "{}: {key}", c.name);
            assert!(!c.alt.contains(key), "{}: {key}", c.name);
        }
    }
    assert!(charts[0].svg.contains("&lt;key #1&gt;"));
}
