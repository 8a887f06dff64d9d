//! CLI tests of time windows, the lag simulation, replay and remaps in plans: per-window peaks and
//! lags recomputed independently from the rows (times + `Partitioner::partition_of`), replay against
//! its formula, and `check` on `limits.max_events_moved`.

use std::collections::BTreeMap;

use crate::common::Workdir;
use keyplan::model::PartitionCount;
use keyplan::partitioner::{Partitioner, Placement};
use keyplan::report::{AnalysisReport, CheckReport, PlanReport};
use predicates::prelude::*;

/// Rows `(key, epoch ms)`: 30 keys over about 10 minutes with a burst of `k3` in one minute.
fn rows() -> Vec<(String, i64)> {
    let base = 1_714_564_800_000i64; // 2024-05-01T12:00:00Z
    let mut out = Vec::new();
    for i in 0..30i64 {
        for j in 0..(1 + i % 6) {
            out.push((format!("k{i}"), base + (i * 7_919 + j * 104_729) % 600_000));
        }
    }
    for j in 0..40 {
        out.push(("k3".to_string(), base + 240_000 + j * 500));
    }
    out
}

fn csv(rows: &[(String, i64)]) -> String {
    let mut s = String::from("key,ts\n");
    for (k, t) in rows {
        s.push_str(&format!("{k},{t}\n"));
    }
    s
}

fn place(p: Partitioner, key: &str, n: u32) -> u32 {
    match p.partition_of(key.as_bytes(), PartitionCount::new(n.into()).unwrap()) {
        Placement::Partition(q) => q,
        other => unreachable!("non-empty keys are hashed, got {other:?}"),
    }
}

/// Events per (partition, window index) counted directly from the rows, and the window span.
fn direct(
    rows: &[(String, i64)],
    p: Partitioner,
    n: u32,
    window_ms: i64,
) -> (BTreeMap<(u32, i64), u64>, i64, u64) {
    let mut cells = BTreeMap::new();
    for (k, t) in rows {
        *cells
            .entry((place(p, k, n), t.div_euclid(window_ms)))
            .or_default() += 1;
    }
    let first = cells.keys().map(|c| c.1).min().unwrap();
    let last = cells.keys().map(|c| c.1).max().unwrap();
    (cells, first, (last - first + 1) as u64)
}

/// `keyplan analyze ARGS --format json --trials 0`, parsed.
fn analyze_json(wd: &Workdir, args: &[&str]) -> AnalysisReport {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    all.extend(["--format", "json", "--trials", "0"]);
    let out = wd.run(&all).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("valid keyplan.analysis/v1 JSON")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn peak_windows_and_lag_match_the_rows() {
    let wd = Workdir::new();
    let rows = rows();
    wd.write("e.csv", csv(&rows));
    let (peak, consumer) = (500.0, 60.0);
    let report = analyze_json(
        &wd,
        &[
            "e.csv",
            "--key",
            "key",
            "--time-col",
            "ts",
            "--window",
            "30s",
            "-p",
            "3,5",
            "--partitioner",
            "java,librdkafka",
            "--peak-rate",
            "500",
            "--consumer-rate",
            "60",
        ],
    );
    assert_eq!(report.scenarios.len(), 4);
    for s in &report.scenarios {
        let p = Partitioner::from_id(&s.partitioner).unwrap();
        let n = s.partitions;
        let (cells, first, windows) = direct(&rows, p, n, 30_000);
        let t = s.time.as_ref().expect("a time profile with --time-col");
        assert_eq!(t.window_seconds, 30.0);
        assert_eq!(t.windows, windows);
        assert_eq!(t.first_window_start_ms, first * 30_000);
        assert_eq!(t.timed_events, rows.len() as u64);
        let peaks: Vec<u64> = (0..n)
            .map(|q| {
                cells
                    .iter()
                    .filter(|c| c.0 .0 == q)
                    .map(|c| *c.1)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        assert_eq!(t.peak_window_events, peaks, "{} at {n}", s.partitioner);
        let max = *peaks.iter().max().unwrap();
        assert_eq!(t.max_peak_window_events, max);
        let hot = peaks.iter().position(|&e| e == max).unwrap() as u32;
        assert_eq!(t.peak_partition, hot);
        let hot_total: u64 = cells.iter().filter(|c| c.0 .0 == hot).map(|c| c.1).sum();
        let burst = max as f64 / (hot_total as f64 / windows as f64);
        assert!(close(t.burst_factor.unwrap(), burst));
        assert_eq!(t.series.partition, hot);
        assert_eq!(t.series.windows_per_point, 1);
        assert_eq!(t.series.events.len() as u64, windows);
        for (w, &e) in t.series.events.iter().enumerate() {
            let want = cells.get(&(hot, first + w as i64)).copied().unwrap_or(0);
            assert_eq!(e, want);
        }
        // The lag, dense and from scratch: the topic's busiest window scaled to the peak rate.
        let mut topic = BTreeMap::<i64, u64>::new();
        for ((_, w), e) in &cells {
            *topic.entry(*w).or_default() += e;
        }
        let busiest = *topic.values().max().unwrap() as f64 / 30.0;
        let scale = peak / busiest;
        let lag = t.lag.as_ref().expect("lag with targets");
        assert!(close(lag.scale, scale));
        let mut worst = (0.0f64, None);
        for q in 0..n {
            let mut l = 0.0f64;
            for w in 0..windows as i64 {
                let a = cells.get(&(q, first + w)).copied().unwrap_or(0) as f64 * scale;
                l = (l + a - consumer * 30.0).max(0.0);
                if l > worst.0 {
                    worst = (l, Some(q));
                }
            }
        }
        assert!(
            close(lag.max_lag_events, worst.0),
            "{} vs {}",
            lag.max_lag_events,
            worst.0
        );
        assert_eq!(lag.partition, worst.1);
        assert!(close(lag.max_lag_seconds, worst.0 / consumer));
    }
}

#[test]
fn long_spans_are_bucketed_and_windows_validated() {
    let wd = Workdir::new();
    // 1,200 one-second windows: the series keeps 400 points of 3 windows each.
    let mut text = String::from("key,ts\n");
    for s in 0..1200 {
        text.push_str(&format!("a,{}\n", 1_714_564_800 + s));
    }
    text.push_str("a,1714564800\n");
    wd.write("e.csv", text);
    let report = analyze_json(
        &wd,
        &[
            "e.csv",
            "--key",
            "key",
            "--time-col",
            "ts",
            "--window",
            "1s",
            "-p",
            "1",
        ],
    );
    let t = report.scenarios[0].time.as_ref().unwrap();
    assert_eq!(t.windows, 1200);
    assert_eq!(t.series.windows_per_point, 3);
    assert_eq!(t.series.events.len(), 400);
    assert_eq!(t.series.events[0], 2);
    assert_eq!(t.peak_window_events, vec![2]);
    assert!(close(t.burst_factor.unwrap(), 2.0 / (1201.0 / 1200.0)));
    // The default window is one minute.
    let report = analyze_json(
        &wd,
        &["e.csv", "--key", "key", "--time-col", "ts", "-p", "1"],
    );
    assert_eq!(
        report.scenarios[0].time.as_ref().unwrap().window_seconds,
        60.0
    );
    for bad in ["0s", "1.5m", "10", "-1s"] {
        wd.run(&[
            "analyze",
            "e.csv",
            "--key",
            "key",
            "--time-col",
            "ts",
            &format!("--window={bad}"),
            "-p",
            "1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("window"));
    }
    // --window needs a time column.
    wd.run(&[
        "analyze", "e.csv", "--key", "key", "--window", "1m", "-p", "1",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--time-col"));
    // Without --time-col there is no time field.
    let out = wd
        .run(&[
            "analyze", "e.csv", "--key", "key", "-p", "1", "--format", "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!String::from_utf8(out).unwrap().contains("\"time\""));
}

#[test]
fn replay_follows_its_formula() {
    let wd = Workdir::new();
    wd.write("e.csv", csv(&rows()));
    let report = analyze_json(
        &wd,
        &[
            "e.csv",
            "--key",
            "key",
            "-p",
            "4,8",
            "--peak-rate",
            "1000",
            "--consumer-rate",
            "400",
            "--retention-hours",
            "48",
            "--growth",
            "0.1",
            "--horizon",
            "3",
        ],
    );
    for s in &report.scenarios {
        let c = s.capacity.as_ref().unwrap();
        let r = c.replay.as_ref().expect("replay with --retention-hours");
        let share = s.metrics.max_share;
        let u = share * 1000.0 / 400.0;
        assert!(close(r.backlog_events, share * 1000.0 * 48.0 * 3600.0));
        assert!(close(r.catch_up_events_per_sec, 400.0 - share * 1000.0));
        match r.replay_hours {
            Some(h) => {
                assert!(u < 1.0);
                assert!(close(h, 48.0 * u / (1.0 - u)));
                assert!(close(
                    h,
                    r.backlog_events / r.catch_up_events_per_sec / 3600.0
                ));
            }
            None => assert!(u >= 1.0),
        }
        let uh = u * 1.1f64.powi(3);
        assert_eq!(r.replay_hours_at_horizon.is_some(), uh < 1.0);
    }
    wd.run(&[
        "analyze",
        "e.csv",
        "--key",
        "key",
        "-p",
        "4",
        "--retention-hours",
        "4",
    ])
    .assert()
    .code(2);
    wd.run(&[
        "analyze",
        "e.csv",
        "--key",
        "key",
        "-p",
        "4",
        "--peak-rate",
        "1",
        "--consumer-rate",
        "1",
        "--retention-hours",
        "0",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--retention-hours"));
}

fn plan(limit: &str) -> String {
    format!(
        "[input]\npaths = [\"e.csv\"]\nkey = \"key\"\ntime_col = \"ts\"\nwindow = \"1m\"\n\n\
         [targets]\npeak_events_per_sec = 100\nconsumer_events_per_sec = 400\nretention_hours = 24\n\n\
         [candidates]\npartitions = [6, 12, 18]\ncurrent_partitions = 6\n\n\
         [design]\npartitions = 12\n\n[limits]\n{limit}\n"
    )
}

#[test]
fn plans_remap_from_current_and_check_max_events_moved() {
    let wd = Workdir::new();
    let rows = rows();
    wd.write("e.csv", csv(&rows));
    wd.write("plan.toml", plan(""));
    wd.run(&["plan", "plan.toml", "--out", "out"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Replay: reading back 24 h"));
    let report: PlanReport =
        serde_json::from_slice(&std::fs::read(wd.join("out/report.json")).unwrap()).unwrap();
    let mut weights = BTreeMap::<&str, u64>::new();
    for (k, _) in &rows {
        *weights.entry(k.as_str()).or_default() += 1;
    }
    let total: u64 = weights.values().sum();
    for s in &report.scenarios {
        let r = s
            .remap_from_current
            .as_ref()
            .expect("current_partitions given");
        assert_eq!(r.from, 6);
        let moved: Vec<(&str, u64)> = weights
            .iter()
            .filter(|(k, _)| {
                place(Partitioner::Java, k, 6) != place(Partitioner::Java, k, s.partitions)
            })
            .map(|(k, &w)| (*k, w))
            .collect();
        assert_eq!(r.keys_moved, moved.len() as u64);
        let events: u64 = moved.iter().map(|m| m.1).sum();
        assert_eq!(r.events_moved, events);
        assert!(close(r.events_moved_share, events as f64 / total as f64));
        assert_eq!(
            r.expected_keys_stay_share,
            (s.partitions % 6 == 0).then(|| 6.0 / s.partitions as f64)
        );
        let t = s.time.as_ref().expect("time_col given");
        assert_eq!(t.window_seconds, 60.0);
        let (cells, _, _) = direct(&rows, Partitioner::Java, s.partitions, 60_000);
        for q in 0..s.partitions {
            let peak = cells
                .iter()
                .filter(|c| c.0 .0 == q)
                .map(|c| *c.1)
                .max()
                .unwrap_or(0);
            assert_eq!(t.peak_window_events[q as usize], peak);
        }
        assert!(t.lag.is_some());
        assert!(s.capacity.replay.is_some());
    }
    let g = report.remap_guidance.as_ref().unwrap();
    assert_eq!(g.current_partitions, 6);
    assert!(g
        .keep_most
        .windows(2)
        .all(|w| w[0].events_moved_share <= w[1].events_moved_share));
    assert!(report
        .replay_checklist_line()
        .unwrap()
        .ends_with("(measured)"));
    let design = report.design.as_ref().unwrap();
    let moved = design
        .remap_from_current
        .as_ref()
        .unwrap()
        .events_moved_share;
    assert!(moved > 0.2 && moved < 0.8, "{moved}");

    // A limit below the measured share breaches (exit 1), one above holds (exit 0).
    wd.write(
        "tight.toml",
        plan(&format!("max_events_moved = {:.4}", moved - 0.01)),
    );
    wd.run(&["check", "tight.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "breach: max_events_moved: events_moved_share",
        ));
    let out = wd
        .run(&["check", "tight.toml", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let check: CheckReport = serde_json::from_slice(&out).unwrap();
    assert_eq!(check.design.breaches[0].limit, "max_events_moved");
    assert!(close(check.design.breaches[0].value, moved));
    wd.write(
        "loose.toml",
        plan(&format!("max_events_moved = {:.4}", moved + 0.01)),
    );
    wd.run(&["check", "loose.toml"]).assert().code(0).stdout("");
}

#[test]
fn plan_time_and_remap_settings_are_validated() {
    let wd = Workdir::new();
    wd.write("e.csv", csv(&rows()));
    let bad = |name: &str, text: String, needle: &str| {
        wd.write(name, text);
        wd.run(&["plan", name])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    };
    bad(
        "a.toml",
        plan("").replace("window = \"1m\"", "window = \"0s\""),
        "a.toml:5:",
    );
    bad(
        "b.toml",
        plan("").replace("time_col = \"ts\"\n", ""),
        "input.window needs input.time_col",
    );
    bad(
        "c.toml",
        plan("max_events_moved = 0.5").replace("current_partitions = 6\n", ""),
        "needs candidates.current_partitions",
    );
    bad(
        "d.toml",
        plan("max_events_moved = 1.5"),
        "max_events_moved must be",
    );
    bad(
        "e.toml",
        plan("").replace("retention_hours = 24", "retention_hours = -1"),
        "targets.retention_hours",
    );
}

#[test]
fn csv_carries_the_time_columns_of_the_json() {
    let wd = Workdir::new();
    wd.write("e.csv", csv(&rows()));
    let args = [
        "e.csv",
        "--key",
        "key",
        "--time-col",
        "ts",
        "--window",
        "30s",
        "-p",
        "3,5",
        "--peak-rate",
        "500",
        "--consumer-rate",
        "60",
    ];
    let report = analyze_json(&wd, &args);
    let mut all = vec!["analyze"];
    all.extend_from_slice(&args);
    all.extend(["--format", "csv", "--trials", "0"]);
    let out = wd.run(&all).assert().success().get_output().stdout.clone();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), report.scenarios.len());
    for (row, s) in rows.iter().zip(&report.scenarios) {
        let t = s.time.as_ref().unwrap();
        let lag = t.lag.as_ref().unwrap();
        let num = |name: &str| row[col(name)].parse::<f64>().unwrap();
        assert_eq!(num("window_seconds"), 30.0);
        assert_eq!(
            num("max_peak_window_events"),
            t.max_peak_window_events as f64
        );
        assert_eq!(num("peak_partition"), f64::from(t.peak_partition));
        assert!(close(num("burst_factor"), t.burst_factor.unwrap()));
        assert!(close(num("max_lag_events"), lag.max_lag_events));
        assert!(close(num("max_lag_seconds"), lag.max_lag_seconds));
    }
}
