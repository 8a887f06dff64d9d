//! CLI tests of `--order-by` and the salt/split-hot key strategies: the ordering figures recomputed
//! independently with `Partitioner::partition_of` over the rows of a small sample, the acceptance
//! case (salting by the ordering entity splits none of its entities and lowers skew), the worked
//! example of docs/strategies.md, plans with `[ordering]`, and the errors.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::Workdir;
use keyplan::model::PartitionCount;
use keyplan::partitioner::{Partitioner, Placement};
use keyplan::report::{AnalysisReport, PlanReport};

/// One row of the small sample.
struct Row {
    customer: String,
    order: String,
    region: String,
}

/// 600 rows: customers `c0..c24` with `c0`, `c1` heavy; orders mostly belong to one customer, but
/// every 7th row carries an order of another customer (an entity over several keys), every 13th
/// row has no order and every 17th no region.
fn sample(wd: &Workdir) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut state = 12345u64;
    let mut csv = String::from("customer,order,region\n");
    for i in 0..600u64 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = state >> 33;
        let c = match r % 10 {
            0..=3 => 0,
            4..=5 => 1,
            _ => 2 + (r / 10) % 23,
        };
        let mut o = c * 4 + (r / 7) % 4;
        if i % 7 == 0 {
            o = (o + 9) % 100;
        }
        let order = if i % 13 == 0 {
            String::new()
        } else {
            format!("o{o}")
        };
        let region = if i % 17 == 0 {
            String::new()
        } else {
            format!("r{}", o % 3)
        };
        let row = Row {
            customer: format!("c{c}"),
            order,
            region,
        };
        csv.push_str(&format!("{},{},{}\n", row.customer, row.order, row.region));
        rows.push(row);
    }
    wd.write("orders.csv", csv);
    rows
}

fn count(n: u64) -> PartitionCount {
    PartitionCount::new(n).unwrap()
}

fn json<T: serde::de::DeserializeOwned>(wd: &Workdir, args: &[&str]) -> T {
    let out = wd
        .keyplan()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON report")
}

/// The salt bucket as docs/strategies.md defines it: Kafka's murmur2 of the bytes, positive, mod N,
/// which is where the Java partitioner puts those bytes at N partitions.
fn bucket(by: &str, n: u64) -> u32 {
    match Partitioner::Java.partition_of(by.as_bytes(), count(n)) {
        Placement::Partition(p) => p,
        other => panic!("java hashes every key: {other:?}"),
    }
}

/// The key each row gets under a strategy, computed from its definition.
fn keys_of(rows: &[Row], strategy: &str) -> Vec<String> {
    match strategy {
        "customer" => rows.iter().map(|r| r.customer.clone()).collect(),
        "salt(customer, 4, by=order)" => rows
            .iter()
            .map(|r| format!("{}#{}", r.customer, bucket(&r.order, 4)))
            .collect(),
        "salt(customer, 4, by=region)" => rows
            .iter()
            .map(|r| format!("{}#{}", r.customer, bucket(&r.region, 4)))
            .collect(),
        "split-hot(customer, top=2, ways=3, by=order)" => {
            let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
            for r in rows {
                *totals.entry(&r.customer).or_default() += 1;
            }
            let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let hot: BTreeSet<&str> = ranked.iter().take(2).map(|(k, _)| *k).collect();
            rows.iter()
                .map(|r| match hot.contains(r.customer.as_str()) {
                    true => format!("{}#{}", r.customer, bucket(&r.order, 3)),
                    false => r.customer.clone(),
                })
                .collect()
        }
        other => panic!("no definition for {other}"),
    }
}

/// The ordering figures of one scenario, from the rows alone.
#[derive(Debug, PartialEq)]
struct Expected {
    entities: u64,
    entities_split: u64,
    events_at_risk: u64,
    events_without_entity: u64,
    key_vs_entity: &'static str,
}

fn expected(keys: &[String], entities: &[Option<String>], p: Partitioner, n: u64) -> Expected {
    let mut parts: BTreeMap<&str, (BTreeSet<u32>, u64)> = BTreeMap::new();
    let mut keys_of_entity: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut entities_of_key: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut without = 0;
    for (key, entity) in keys.iter().zip(entities) {
        let Some(e) = entity else {
            without += 1;
            continue;
        };
        let Placement::Partition(q) = p.partition_of(key.as_bytes(), count(n)) else {
            panic!("the sample has no empty key");
        };
        let cell = parts.entry(e).or_default();
        cell.0.insert(q);
        cell.1 += 1;
        keys_of_entity.entry(e).or_default().insert(key);
        entities_of_key.entry(key).or_default().insert(e);
    }
    let split: Vec<&(BTreeSet<u32>, u64)> = parts.values().filter(|c| c.0.len() > 1).collect();
    let key_vs_entity = if keys_of_entity.values().any(|k| k.len() > 1) {
        "finer"
    } else if entities_of_key.values().any(|e| e.len() > 1) {
        "coarser"
    } else {
        "same"
    };
    Expected {
        entities: parts.len() as u64,
        entities_split: split.len() as u64,
        events_at_risk: split.iter().map(|c| c.1).sum(),
        events_without_entity: without,
        key_vs_entity,
    }
}

fn check(wd: &Workdir, rows: &[Row], strategy: &str, order_by: &str) {
    let entities: Vec<Option<String>> = rows
        .iter()
        .map(|r| match order_by {
            "order" => Some(r.order.clone()).filter(|o| !o.is_empty()),
            "region,order" => (!r.order.is_empty() && !r.region.is_empty())
                .then(|| format!("{}|{}", r.region, r.order)),
            other => panic!("no entity {other}"),
        })
        .collect();
    let keys = keys_of(rows, strategy);
    let r: AnalysisReport = json(
        wd,
        &[
            "analyze",
            "orders.csv",
            "--key",
            strategy,
            "--order-by",
            order_by,
            "-p",
            "3,5,8,16",
            "--partitioner",
            "java,librdkafka,sarama",
            "--trials",
            "0",
        ],
    );
    assert_eq!(r.scenarios.len(), 12);
    for s in &r.scenarios {
        let p = Partitioner::from_id(&s.partitioner).unwrap();
        let want = expected(&keys, &entities, p, u64::from(s.partitions));
        let [o] = s.ordering.as_slice() else {
            panic!("one ordering entry")
        };
        let got = Expected {
            entities: o.entities,
            entities_split: o.entities_split,
            events_at_risk: o.events_at_risk,
            events_without_entity: o.events_without_entity,
            key_vs_entity: o.key_vs_entity.name(),
        };
        assert_eq!(
            got, want,
            "{strategy} --order-by {order_by}: {} at {}",
            s.partitioner, s.partitions
        );
        assert_eq!(o.entity, order_by);
    }
}

/// Round-robin splitting, by its documented worst case: an entity with two or more events on a hot
/// key is on every sub-key that key reaches (`min(events of the key, D)` of them), an entity with
/// one event on sub-key 0.
#[test]
fn round_robin_ordering_follows_the_worst_case_rule() {
    let wd = Workdir::new();
    let rows = sample(&wd);
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    let mut per_pair: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for r in &rows {
        *totals.entry(&r.customer).or_default() += 1;
        if !r.order.is_empty() {
            *per_pair.entry((&r.customer, &r.order)).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, u64)> = totals.iter().map(|(k, w)| (*k, *w)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let hot: BTreeMap<&str, u64> = ranked.into_iter().take(2).collect();
    let r: AnalysisReport = json(
        &wd,
        &[
            "analyze",
            "orders.csv",
            "--key",
            "split-hot(customer, top=2, ways=3)",
            "--order-by",
            "order",
            "-p",
            "2,5,8",
            "--trials",
            "0",
        ],
    );
    for s in &r.scenarios {
        let n = count(u64::from(s.partitions));
        let place = |k: &str| match Partitioner::Java.partition_of(k.as_bytes(), n) {
            Placement::Partition(p) => p,
            other => panic!("java hashes every key: {other:?}"),
        };
        let mut parts: BTreeMap<&str, (BTreeSet<u32>, u64)> = BTreeMap::new();
        for (&(customer, order), &events) in &per_pair {
            let cell = parts.entry(order).or_default();
            cell.1 += events;
            match hot.get(customer) {
                None => {
                    cell.0.insert(place(customer));
                }
                Some(_) if events == 1 => {
                    cell.0.insert(place(&format!("{customer}#0")));
                }
                Some(&w) => {
                    for b in 0..w.min(3) {
                        cell.0.insert(place(&format!("{customer}#{b}")));
                    }
                }
            }
        }
        let split: Vec<_> = parts.values().filter(|c| c.0.len() > 1).collect();
        let o = &s.ordering[0];
        assert_eq!(o.entities, parts.len() as u64);
        assert_eq!(o.entities_split, split.len() as u64, "at {}", s.partitions);
        assert_eq!(o.events_at_risk, split.iter().map(|c| c.1).sum::<u64>());
        assert_eq!(o.key_vs_entity.name(), "finer");
    }
}

#[test]
fn ordering_figures_match_an_independent_count() {
    let wd = Workdir::new();
    let rows = sample(&wd);
    for strategy in [
        "customer",
        "salt(customer, 4, by=order)",
        "salt(customer, 4, by=region)",
        "split-hot(customer, top=2, ways=3, by=order)",
    ] {
        check(&wd, &rows, strategy, "order");
    }
    check(&wd, &rows, "customer", "region,order");
    check(&wd, &rows, "salt(customer, 4, by=region)", "region,order");
}

/// Acceptance: salting by the ordering entity splits none of its entities and lowers the skew of
/// the unsalted key, on a generated sample with a hot key.
#[test]
fn salting_by_the_entity_splits_none_and_lowers_skew() {
    let wd = Workdir::new();
    wd.run(&[
        "synth",
        "hot-tenant",
        "--events",
        "60000",
        "--keys",
        "400",
        "--hot-keys",
        "1",
        "--hot-share",
        "0.4",
        "--key-name",
        "customer",
        "--columns",
        "key,entity",
        "--entities-per-key",
        "40",
        "-o",
        "hot.csv",
    ])
    .assert()
    .success();
    let counts = "6,12,24";
    let run = |key: &str| -> AnalysisReport {
        json(
            &wd,
            &[
                "analyze",
                "hot.csv",
                "--key",
                key,
                "--order-by",
                "entity",
                "-p",
                counts,
            ],
        )
    };
    let plain = run("customer");
    let salted = run("salt(customer, 8, by=entity)");
    for (p, s) in plain.scenarios.iter().zip(&salted.scenarios) {
        assert_eq!(p.partitions, s.partitions);
        let o = &s.ordering[0];
        assert_eq!((o.entities_split, o.events_at_risk), (0, 0));
        assert_eq!(o.entities, plain.scenarios[0].ordering[0].entities);
        assert!(
            s.metrics.skew < p.metrics.skew,
            "at {} partitions: salted skew {} vs {}",
            p.partitions,
            s.metrics.skew,
            p.metrics.skew
        );
    }
    // The hot key is the one keyed by customer that salting spreads.
    assert!(plain.top_key_share > 0.39);
    assert!(salted.top_key_share < 0.2);
    let st = salted.strategy.as_ref().expect("strategy reported");
    assert_eq!((st.kind.as_str(), st.ways), ("salt", 8));
    // Salting by an unrelated spread (round-robin) does split the entities.
    let spread = run("salt(customer, 8)");
    assert!(spread
        .scenarios
        .iter()
        .all(|s| s.ordering[0].entities_split > 0));
}

/// The worked example of docs/strategies.md: its numbers, and `keyplan which` agreeing with them.
#[test]
fn the_documented_example_holds() {
    let wd = Workdir::new();
    wd.write(
        "ex.csv",
        "customer,order_id\nacme,order-17\nacme,order-18\nacme,order-19\nacme,order-17\nglobex,order-20\n",
    );
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/strategies.md"),
    )
    .unwrap();
    for line in [
        "| `order-17` | 1 | `acme#1` |",
        "| `order-18` | 3 | `acme#3` |",
        "| `order-19` | 3 | `acme#3` |",
        "| `order-20` | 3 | `globex#3` |",
    ] {
        assert!(doc.contains(line), "docs/strategies.md lacks {line}");
    }
    assert_eq!(bucket("order-17", 8), 1);
    assert_eq!(bucket("order-18", 8), 3);
    assert_eq!(bucket("order-19", 8), 3);
    assert_eq!(bucket("order-20", 8), 3);
    let r: AnalysisReport = json(
        &wd,
        &[
            "analyze",
            "ex.csv",
            "--key",
            "salt(customer, 8, by=order_id)",
            "--order-by",
            "order_id",
            "-p",
            "4",
        ],
    );
    let keys: Vec<(&str, u64)> = r
        .top_keys
        .iter()
        .map(|k| (k.key.as_str(), k.events))
        .collect();
    assert_eq!(keys, [("acme#1", 2), ("acme#3", 2), ("globex#3", 1)]);
    // Round-robin: acme's 4 events go to acme#0, #1, #2, #3 in turn, one each.
    let r: AnalysisReport = json(
        &wd,
        &[
            "analyze",
            "ex.csv",
            "--key",
            "split-hot(customer, top=1, ways=3)",
            "-p",
            "4",
        ],
    );
    let keys: Vec<(&str, u64)> = r
        .top_keys
        .iter()
        .map(|k| (k.key.as_str(), k.events))
        .collect();
    assert_eq!(
        keys,
        [("acme#0", 2), ("acme#1", 1), ("acme#2", 1), ("globex", 1)]
    );
}

#[test]
fn plans_compare_strategies_with_their_ordering_cost() {
    let wd = Workdir::new();
    sample(&wd);
    wd.write(
        "plan.toml",
        r#"
[input]
paths = ["orders.csv"]

[targets]
peak_events_per_sec = 1000
consumer_events_per_sec = 500

[candidates]
partitions = [4, 8, 16]

[[strategy]]
name = "by-customer"
key = "customer"

[[strategy]]
name = "salted"
key = "salt(customer, 4, by=order)"

[ordering]
require = ["order"]

[design]
partitions = 8
"#,
    );
    wd.run(&["plan", "plan.toml", "--out", "rev"])
        .assert()
        .success();
    let r: PlanReport =
        serde_json::from_slice(&std::fs::read(wd.join("rev/report.json")).unwrap()).unwrap();
    let rows = {
        let wd2 = Workdir::new();
        sample(&wd2)
    };
    let entities: Vec<Option<String>> = rows
        .iter()
        .map(|r| Some(r.order.clone()).filter(|o| !o.is_empty()))
        .collect();
    for s in &r.scenarios {
        let strategy = match s.strategy.as_str() {
            "by-customer" => "customer",
            _ => "salt(customer, 4, by=order)",
        };
        let want = expected(
            &keys_of(&rows, strategy),
            &entities,
            Partitioner::Java,
            u64::from(s.partitions),
        );
        assert_eq!(s.ordering[0].entities_split, want.entities_split);
        assert_eq!(s.ordering[0].events_at_risk, want.events_at_risk);
    }
    assert_eq!(r.strategy_comparison.len(), 2);
    assert_eq!(r.strategy_comparison[0].skew_vs_first, 1.0);
    assert!(r.strategies[1].key_strategy.is_some());
    let md = std::fs::read_to_string(wd.join("rev/report.md")).unwrap();
    assert!(md.contains("skew gain and ordering cost"), "{md}");
}

#[test]
fn bad_ordering_flags_exit_2_with_the_place() {
    let wd = Workdir::new();
    sample(&wd);
    let out = wd
        .run(&[
            "analyze",
            "orders.csv",
            "--key",
            "customer",
            "--order-by",
            "ordr",
            "-p",
            "4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column 'ordr' not found in orders.csv")
            && err.contains("customer, order, region"),
        "{err}"
    );
    for (key, needle) in [
        ("salt(customer, 0, by=order)", "N must be"),
        ("salt(customer, 4, by=nope)", "column 'nope' not found"),
        ("split-hot(customer, ways=2)", "missing top="),
        ("hash(customer)", "unknown strategy 'hash'"),
    ] {
        let out = wd
            .run(&["analyze", "orders.csv", "--key", key, "-p", "4"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{key}: {err}");
    }
    wd.write("keys.txt", "a\nb\n");
    let out = wd
        .run(&["analyze", "keys.txt", "--order-by", "x", "-p", "4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--order-by"));
}
