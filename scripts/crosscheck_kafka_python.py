#!/usr/bin/env python3
"""Cross-check `keyplan analyze` against the real kafka-python partitioner on a real sample.

kafka-python's DefaultPartitioner is `(murmur2(key) & 0x7fffffff) % n`, the Java client's formula
(tests/vectors/README.md). This script reads every event of a CSV (plain or gzip) with Python's
csv module, places each key's UTF-8/raw bytes with kafka-python's own murmur2, and compares the
per-partition event counts with keyplan's JSON output for the same file. Exit 1 on any difference.

usage: crosscheck_kafka_python.py KEYPLAN_BIN CSV KEY_COLUMN PARTITIONS[,PARTITIONS...]
"""
import collections
import csv
import gzip
import io
import json
import subprocess
import sys

from kafka.partitioner.default import murmur2


def main():
    keyplan, path, column, counts = sys.argv[1:5]
    counts = [int(c) for c in counts.split(",")]
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
    header = next(reader)
    idx = header.index(column)
    keys = collections.Counter(row[idx] for row in reader)
    expected = {}
    for n in counts:
        loads = [0] * n
        for key, weight in keys.items():
            loads[(murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % n] += weight
        expected[n] = loads
    out = subprocess.run(
        [keyplan, "analyze", path, "--key", column, "--partitions", ",".join(map(str, counts)),
         "--format", "json"],
        check=True, capture_output=True,
    )
    report = json.loads(out.stdout)
    assert report["events"] == sum(keys.values()), "event totals differ"
    assert report["distinct_keys"] == len(keys), "distinct key counts differ"
    bad = 0
    for s in report["scenarios"]:
        if s["partition_events"] != expected[s["partitions"]]:
            print(f"MISMATCH at {s['partitions']} partitions", file=sys.stderr)
            bad += 1
    events = sum(keys.values())
    print(f"kafka-python cross-check: {events} events, {len(keys)} distinct keys, "
          f"{len(counts)} partition counts: {len(counts) - bad} matched, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
