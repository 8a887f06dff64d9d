//! The committed reports in reports/ are what the current code writes: the test runs
//! scripts/regen-reports.sh with the test binary into a temporary directory and compares every
//! byte, so a change to report output that was not regenerated fails here, naming the command.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::repo_root;

fn files(dir: &Path, rel: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir.join(rel)).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if e.file_type().unwrap().is_dir() {
            files(dir, &path, out);
        } else {
            out.insert(path.clone(), std::fs::read(dir.join(&path)).unwrap());
        }
    }
}

#[test]
fn reports_are_up_to_date() {
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("bash")
        .arg(root.join("scripts/regen-reports.sh"))
        .arg(env!("CARGO_BIN_EXE_keyplan"))
        .arg(tmp.path())
        .status()
        .expect("run scripts/regen-reports.sh");
    assert!(status.success(), "scripts/regen-reports.sh failed");
    let mut fresh = BTreeMap::new();
    files(tmp.path(), "", &mut fresh);
    let mut committed = BTreeMap::new();
    files(&root.join("reports"), "", &mut committed);
    committed.remove("README.md");
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    let stale: Vec<String> = fresh
        .iter()
        .filter(|(name, bytes)| committed.get(*name) != Some(*bytes))
        .map(|(name, _)| name.clone())
        .chain(
            committed
                .keys()
                .filter(|n| !fresh.contains_key(*n))
                .cloned(),
        )
        .collect();
    assert!(
        stale.is_empty(),
        "reports/ is out of date ({} of {:?} differ or are missing or extra: {stale:?}); \
         regenerate it with `scripts/regen-reports.sh` and commit the result",
        stale.len(),
        names(&fresh)
    );
}
