#!/usr/bin/env bash
# Ingest benchmark: `keyplan analyze` against DuckDB GROUP BY, `sort | uniq -c` and a Python
# Counter + kafka-python murmur2 script, on the same 20M-event single-column zipf CSV, in one run on
# one machine. Prints medians, the ratio to DuckDB and peak RSS as a Markdown table.
# A second, distinct-key-heavy sample (DISTINCT_EVENTS rows, nearly every key distinct) times
# keyplan on one worker and on all, against DuckDB: merging the workers' key tables dominates there
# (it was quadratic once: 2.5M distinct keys took 12x longer on two threads than on one).
#
# Usage: benches/ingest.sh            (from anywhere; works in ./bench-work, which git ignores)
# Knobs (environment): EVENTS=20000000 KEYS=1000000 EXPONENT=1.1 SEED=42 RUNS=5 SLOW_RUNS=3
#   THREADS=2 (DuckDB threads; keyplan uses one worker per core), DATA=path (use an existing CSV
#   with a `key` header instead of generating one), DISTINCT_EVENTS=3000000 (0 skips that sample).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-bench-work}
EVENTS=${EVENTS:-20000000}
KEYS=${KEYS:-1000000}
EXPONENT=${EXPONENT:-1.1}
SEED=${SEED:-42}
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
THREADS=${THREADS:-$(nproc)}
PARTITIONS=6,12,24,48,96
DISTINCT_EVENTS=${DISTINCT_EVENTS:-3000000}
mkdir -p "$WORK"

echo "== build (release)" >&2
cargo build --release --quiet
KEYPLAN=$PWD/target/release/keyplan

DATA=${DATA:-$WORK/zipf-$EVENTS.csv}
if [[ ! -s "$DATA" ]]; then
  echo "== generating $DATA" >&2
  "$KEYPLAN" synth zipf --events "$EVENTS" --keys "$KEYS" --exponent "$EXPONENT" --seed "$SEED" \
    --output "$DATA"
fi
DISTINCT_DATA=$WORK/distinct-$DISTINCT_EVENTS.csv
if [[ "$DISTINCT_EVENTS" -gt 0 && ! -s "$DISTINCT_DATA" ]]; then
  echo "== generating $DISTINCT_DATA" >&2
  # Uniform over 10^12 keys: collisions are negligible, so about DISTINCT_EVENTS distinct 16-byte keys.
  "$KEYPLAN" synth uniform --events "$DISTINCT_EVENTS" --keys 1000000000000 --seed "$SEED" \
    --output "$DISTINCT_DATA"
fi

echo "== baselines: DuckDB and kafka-python in $WORK/venv" >&2
if [[ ! -x "$WORK/venv/bin/python" ]]; then
  python3 -m venv "$WORK/venv"
fi
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check duckdb kafka-python
if [[ ! -x /usr/bin/time ]]; then
  apt-get install -y -qq time >/dev/null
fi

cat >"$WORK/duckdb_groupby.py" <<'PY'
import sys, duckdb
path, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"SET threads TO {threads}")
# Every group is built; counting the groups forces the whole aggregation.
groups = con.execute(
    "SELECT count(*) FROM (SELECT key, count(*) AS events "
    f"FROM read_csv('{path}', header = true, columns = {{'key': 'VARCHAR'}}) GROUP BY key)"
).fetchone()[0]
print(groups)
PY

cat >"$WORK/python_counter.py" <<'PY'
import sys, collections
from kafka.partitioner.default import murmur2
path, counts = sys.argv[1], [int(n) for n in sys.argv[2].split(",")]
with open(path, "rb") as f:
    next(f)  # header
    keys = collections.Counter(line.rstrip(b"\r\n") for line in f)
hashes = [(murmur2(k) & 0x7FFFFFFF, w) for k, w in keys.items()]  # each key hashed once
for n in counts:
    loads = [0] * n
    for h, w in hashes:
        loads[h % n] += w
    print(n, max(loads))
PY

cat >"$WORK/measure.py" <<'PY'
# Runs each command RUNS times under /usr/bin/time; prints a Markdown table of medians.
import os, statistics, subprocess, sys, tempfile
runs, slow_runs = int(os.environ["RUNS"]), int(os.environ["SLOW_RUNS"])
# (name, command, runs, the DuckDB row it is compared with)
main, distinct = "DuckDB GROUP BY", "DuckDB GROUP BY, distinct keys"
cases = [
    ("keyplan analyze", os.environ["KEYPLAN_CMD"], runs, main),
    (main, os.environ["DUCKDB_CMD"], runs, main),
    ("sort \\| uniq -c", os.environ["SORT_CMD"], slow_runs, main),
    ("Python Counter + murmur2", os.environ["PYTHON_CMD"], slow_runs, main),
]
if os.environ.get("DISTINCT_KEYPLAN_CMD"):
    cases += [
        ("keyplan analyze, distinct keys", os.environ["DISTINCT_KEYPLAN_CMD"], runs, distinct),
        ("keyplan analyze --threads 1, distinct keys", os.environ["DISTINCT_KEYPLAN1_CMD"], runs, distinct),
        (distinct, os.environ["DISTINCT_DUCKDB_CMD"], runs, distinct),
    ]
results = {}
for name, cmd, n, base in cases:
    times, rss = [], []
    for i in range(n):
        with tempfile.NamedTemporaryFile("r") as out:
            subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, "sh", "-c", cmd],
                           check=True, stdout=subprocess.DEVNULL)
            wall, kb = out.read().split()[-2:]
        times.append(float(wall)); rss.append(int(kb))
        print(f"  {name} run {i + 1}/{n}: {float(wall):.2f} s, {int(kb) / 1024:.0f} MB", file=sys.stderr)
    results[name] = (statistics.median(times), max(rss), n, base)
print("| tool | runs | median wall time (s) | ratio to DuckDB | peak RSS (MB) |")
print("|---|---:|---:|---:|---:|")
for name, (t, kb, n, base) in results.items():
    print(f"| {name} | {n} | {t:.2f} | {t / results[base][0]:.2f}x | {kb / 1024:.0f} |")
PY

SIZE_MB=$(( $(stat -c %s "$DATA") / 1000000 ))
echo "== $DATA: $SIZE_MB MB; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Warm the page cache so that every tool reads from memory.
cat "$DATA" >/dev/null

export RUNS SLOW_RUNS
export KEYPLAN_CMD="$KEYPLAN analyze '$DATA' --key key --partitions $PARTITIONS > /dev/null"
export DUCKDB_CMD="'$WORK/venv/bin/python' '$WORK/duckdb_groupby.py' '$DATA' $THREADS"
export SORT_CMD="LC_ALL=C sort '$DATA' | LC_ALL=C uniq -c > /dev/null"
export PYTHON_CMD="'$WORK/venv/bin/python' '$WORK/python_counter.py' '$DATA' $PARTITIONS"
if [[ "$DISTINCT_EVENTS" -gt 0 ]]; then
  cat "$DISTINCT_DATA" >/dev/null
  export DISTINCT_KEYPLAN_CMD="$KEYPLAN analyze '$DISTINCT_DATA' --key key --partitions $PARTITIONS > /dev/null"
  export DISTINCT_KEYPLAN1_CMD="$KEYPLAN analyze '$DISTINCT_DATA' --key key --partitions $PARTITIONS --threads 1 > /dev/null"
  export DISTINCT_DUCKDB_CMD="'$WORK/venv/bin/python' '$WORK/duckdb_groupby.py' '$DISTINCT_DATA' $THREADS"
fi
echo "command: $KEYPLAN_CMD" >&2
python3 "$WORK/measure.py"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
