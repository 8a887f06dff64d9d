#!/usr/bin/env bash
# Ingest benchmark: `keyplan analyze` against DuckDB GROUP BY, `sort | uniq -c` and a Python
# Counter + kafka-python murmur2 script, on the same 20M-event single-column zipf CSV, in one run on
# one machine. Prints medians, the ratio to DuckDB and peak RSS as a Markdown table.
#
# Usage: benches/ingest.sh            (from anywhere; works in ./bench-work, which git ignores)
# Knobs (environment): EVENTS=20000000 KEYS=1000000 EXPONENT=1.1 SEED=42 RUNS=5 SLOW_RUNS=3
#   THREADS=2 (DuckDB threads; keyplan uses one worker per core), DATA=path (use an existing CSV
#   with a `key` header instead of generating one).
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
cases = [
    ("keyplan analyze", os.environ["KEYPLAN_CMD"], runs),
    ("DuckDB GROUP BY", os.environ["DUCKDB_CMD"], runs),
    ("sort \\| uniq -c", os.environ["SORT_CMD"], slow_runs),
    ("Python Counter + murmur2", os.environ["PYTHON_CMD"], slow_runs),
]
results = {}
for name, cmd, n in cases:
    times, rss = [], []
    for i in range(n):
        with tempfile.NamedTemporaryFile("r") as out:
            subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, "sh", "-c", cmd],
                           check=True, stdout=subprocess.DEVNULL)
            wall, kb = out.read().split()[-2:]
        times.append(float(wall)); rss.append(int(kb))
        print(f"  {name} run {i + 1}/{n}: {float(wall):.2f} s, {int(kb) / 1024:.0f} MB", file=sys.stderr)
    results[name] = (statistics.median(times), max(rss), n)
duck = results["DuckDB GROUP BY"][0]
print("| tool | runs | median wall time (s) | ratio to DuckDB | peak RSS (MB) |")
print("|---|---:|---:|---:|---:|")
for name, (t, kb, n) in results.items():
    print(f"| {name} | {n} | {t:.2f} | {t / duck:.2f}x | {kb / 1024:.0f} |")
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
echo "command: $KEYPLAN_CMD" >&2
python3 "$WORK/measure.py"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
