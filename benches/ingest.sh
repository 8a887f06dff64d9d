#!/usr/bin/env bash
# Ingest benchmark: `keyplan analyze` against DuckDB GROUP BY, `sort | uniq -c` and a Python
# Counter + kafka-python murmur2 script, on the same 20M-event single-column zipf CSV, in one run on
# one machine. Prints medians, the ratio to DuckDB and peak RSS as a Markdown table.
# A second, distinct-key-heavy sample (DISTINCT_EVENTS rows, nearly every key distinct) times
# keyplan on one worker and on all, against DuckDB: merging the workers' key tables dominates there
# (it was quadratic once: 2.5M distinct keys took 12x longer on two threads than on one).
#
# Further rows: the same file gzipped (`gzip -6`), against DuckDB reading the .gz; a wide sweep
# (`-p 1..1000` with the random-placement comparison on a 1,000,000-key key,count file), against the
# same run at `-p 12` and a DuckDB GROUP BY of that file; a 10-million-distinct-key input; and the
# file in BGZF (`bgzip`: 64 KiB members whose sizes are in their headers, which keyplan inflates in
# parallel), against DuckDB reading the same file. Both gzip groups carry inflate-only reference rows
# (`zcat`, `pigz -d`, `bgzip -d`, output discarded), the floor any reader of that file pays. Each row
# gives the median wall time, the median CPU time (user + sys) and the peak RSS; runs of the tools of
# one group alternate, so that load from elsewhere on the machine hits them alike.
#
# A last group times the file the speed issue (#12) was measured on, as its text describes it: 20M
# events, ~250 MB, 351,253 distinct keys. The generator has changed since, so that file cannot be
# remade to the byte; `synth zipf --keys 465000 --exponent 1.2` (seed 42) gives 20M events, 260 MB
# and 350,808 distinct keys (37 MB with `gzip -6`, against the issue's 38 MB; timed gzipped too when
# GZIP=1). The main file above (1M keys, exponent 1.1) has 748K distinct keys: twice the tables,
# merge and sort.
#
# Usage: benches/ingest.sh            (from anywhere; works in ./bench-work, which git ignores)
# Knobs (environment): EVENTS=20000000 KEYS=1000000 EXPONENT=1.1 SEED=42 RUNS=5 SLOW_RUNS=3
#   THREADS=2 (DuckDB threads; keyplan uses one worker per core), DATA=path (use an existing CSV
#   with a `key` header instead of generating one), DISTINCT_EVENTS=3000000 (0 skips that sample),
#   GZIP=1 (0 skips the gzip row), BGZF=1 (0 skips the BGZF row; needs `bgzip`, Debian package
#   tabix, installed here when missing), SWEEP_KEYS=1000000 (0 skips the sweep), MANY_EVENTS=10000000
#   (0 skips the 10-million-distinct-key input), ISSUE_KEYS=465000 ISSUE_EXPONENT=1.2 (the issue's
#   file; ISSUE_KEYS=0 skips it), BASELINES=1 (0 skips sort and Python),
#   KEYPLAN=path (time that binary instead of building this tree's).
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
GZIP=${GZIP:-1}
BGZF=${BGZF:-1}
SWEEP_KEYS=${SWEEP_KEYS:-1000000}
MANY_EVENTS=${MANY_EVENTS:-10000000}
ISSUE_KEYS=${ISSUE_KEYS:-465000}
ISSUE_EXPONENT=${ISSUE_EXPONENT:-1.2}
BASELINES=${BASELINES:-1}
mkdir -p "$WORK"

if [[ -z "${KEYPLAN:-}" ]]; then
  echo "== build (release)" >&2
  cargo build --release --quiet
  KEYPLAN=$PWD/target/release/keyplan
fi

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
if [[ "$GZIP" -gt 0 && ! -s "$DATA.gz" ]]; then
  echo "== compressing $DATA.gz" >&2
  gzip -6 -c "$DATA" >"$DATA.gz"
fi
# DuckDB picks its decompressor by the name, so the BGZF file ends in .csv.gz too.
BGZF_DATA=${DATA%.csv}.bgzf.csv.gz
if [[ "$BGZF" -gt 0 && ! -s "$BGZF_DATA" ]]; then
  if ! command -v bgzip >/dev/null; then
    apt-get install -y -qq tabix >/dev/null
  fi
  echo "== compressing $BGZF_DATA (bgzip)" >&2
  bgzip -@1 -c "$DATA" >"$BGZF_DATA"
fi
SWEEP_DATA=$WORK/counts-$SWEEP_KEYS.csv
if [[ "$SWEEP_KEYS" -gt 0 && ! -s "$SWEEP_DATA" ]]; then
  echo "== generating $SWEEP_DATA" >&2
  # A key,count aggregate with Zipf-like counts (1.1), every key present: key-00000000 has 10^7 + 1.
  awk -v keys="$SWEEP_KEYS" 'BEGIN { print "key,count"
    for (i = 0; i < keys; i++) printf "key-%08d,%d\n", i, int(10000000 / ((i + 1) ^ 1.1)) + 1 }' \
    >"$SWEEP_DATA"
fi
MANY_DATA=$WORK/many-$MANY_EVENTS.csv
if [[ "$MANY_EVENTS" -gt 0 && ! -s "$MANY_DATA" ]]; then
  echo "== generating $MANY_DATA" >&2
  # Uniform over 10^12 keys: about MANY_EVENTS distinct keys.
  "$KEYPLAN" synth uniform --events "$MANY_EVENTS" --keys 1000000000000 --seed "$SEED" \
    --output "$MANY_DATA"
fi
ISSUE_DATA=$WORK/zipf-$EVENTS-k$ISSUE_KEYS-s$ISSUE_EXPONENT.csv
if [[ "$ISSUE_KEYS" -gt 0 && ! -s "$ISSUE_DATA" ]]; then
  echo "== generating $ISSUE_DATA" >&2
  "$KEYPLAN" synth zipf --events "$EVENTS" --keys "$ISSUE_KEYS" --exponent "$ISSUE_EXPONENT" \
    --seed "$SEED" --output "$ISSUE_DATA"
fi
if [[ "$ISSUE_KEYS" -gt 0 && "$GZIP" -gt 0 && ! -s "$ISSUE_DATA.gz" ]]; then
  echo "== compressing $ISSUE_DATA.gz" >&2
  gzip -6 -c "$ISSUE_DATA" >"$ISSUE_DATA.gz"
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
weighted = len(sys.argv) > 3  # a key,count file: sum the counts
con = duckdb.connect()
con.execute(f"SET threads TO {threads}")
# Every group is built; counting the groups forces the whole aggregation.
if weighted:
    query = ("SELECT count(*) FROM (SELECT key, sum(count) AS events FROM read_csv("
             f"'{path}', header = true, columns = {{'key': 'VARCHAR', 'count': 'BIGINT'}}) GROUP BY key)")
else:
    query = ("SELECT count(*) FROM (SELECT key, count(*) AS events "
             f"FROM read_csv('{path}', header = true, columns = {{'key': 'VARCHAR'}}) GROUP BY key)")
groups = con.execute(query).fetchone()[0]
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
# Runs each group's commands in turn (alternating) under /usr/bin/time; prints a Markdown table of
# medians (wall and CPU = user + sys) with each row's ratio to its group's yardstick.
import os, statistics, subprocess, sys, tempfile
runs, slow_runs = int(os.environ["RUNS"]), int(os.environ["SLOW_RUNS"])
env = os.environ.get
# Groups of (name, command, runs); the yardstick (ratio 1) is named per group.
groups = []
main = "DuckDB GROUP BY"
rows = [("keyplan analyze", env("KEYPLAN_CMD"), runs), (main, env("DUCKDB_CMD"), runs)]
if env("SORT_CMD"):
    rows += [("sort \\| uniq -c", env("SORT_CMD"), slow_runs),
             ("Python Counter + murmur2", env("PYTHON_CMD"), slow_runs)]
groups.append((main, rows))
if env("GZ_KEYPLAN_CMD"):
    base = "DuckDB GROUP BY, gzipped"
    groups.append((base, [("keyplan analyze, gzipped", env("GZ_KEYPLAN_CMD"), runs),
                          (base, env("GZ_DUCKDB_CMD"), runs),
                          ("zcat (inflate only)", env("GZ_ZCAT_CMD"), runs)]
                   + ([("pigz -d (inflate only)", env("GZ_PIGZ_CMD"), runs)] if env("GZ_PIGZ_CMD") else [])))
if env("BGZF_KEYPLAN_CMD"):
    base = "DuckDB GROUP BY, BGZF"
    groups.append((base, [("keyplan analyze, BGZF", env("BGZF_KEYPLAN_CMD"), runs),
                          (base, env("BGZF_DUCKDB_CMD"), runs),
                          ("bgzip -d -@2 (inflate only)", env("BGZF_BGZIP_CMD"), runs)]))
if env("DISTINCT_KEYPLAN_CMD"):
    base = "DuckDB GROUP BY, distinct keys"
    groups.append((base, [
        ("keyplan analyze, distinct keys", env("DISTINCT_KEYPLAN_CMD"), runs),
        ("keyplan analyze --threads 1, distinct keys", env("DISTINCT_KEYPLAN1_CMD"), runs),
        (base, env("DISTINCT_DUCKDB_CMD"), runs)]))
if env("MANY_KEYPLAN_CMD"):
    base = "DuckDB GROUP BY, 10M distinct keys"
    groups.append((base, [("keyplan analyze, 10M distinct keys", env("MANY_KEYPLAN_CMD"), runs),
                          (base, env("MANY_DUCKDB_CMD"), runs)]))
if env("ISSUE_KEYPLAN_CMD"):
    base = "DuckDB GROUP BY, the issue's file"
    groups.append((base, [("keyplan analyze, the issue's file", env("ISSUE_KEYPLAN_CMD"), runs),
                          (base, env("ISSUE_DUCKDB_CMD"), runs)]))
if env("ISSUE_GZ_KEYPLAN_CMD"):
    base = "DuckDB GROUP BY, the issue's file gzipped"
    groups.append((base, [("keyplan analyze, the issue's file gzipped", env("ISSUE_GZ_KEYPLAN_CMD"), runs),
                          (base, env("ISSUE_GZ_DUCKDB_CMD"), runs)]))
if env("SWEEP_CMD"):
    base = "keyplan analyze -p 12, 1M-key counts"
    groups.append((base, [("keyplan analyze -p 1..1000, 1M-key counts", env("SWEEP_CMD"), slow_runs),
                          (base, env("SWEEP12_CMD"), slow_runs),
                          ("DuckDB GROUP BY, 1M-key counts", env("SWEEP_DUCKDB_CMD"), slow_runs)]))
results = {}
for base, rows in groups:
    samples = {name: [] for name, _, _ in rows}
    for i in range(max(n for _, _, n in rows)):
        for name, cmd, n in rows:
            if i >= n:
                continue
            with tempfile.NamedTemporaryFile("r") as out:
                subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name, "sh", "-c", cmd],
                               check=True, stdout=subprocess.DEVNULL)
                wall, user, sys_, kb = out.read().split()[-4:]
            samples[name].append((float(wall), float(user) + float(sys_), int(kb)))
            print(f"  {name} run {i + 1}/{n}: {float(wall):.2f} s, "
                  f"{float(user) + float(sys_):.2f} s CPU, {int(kb) / 1024:.0f} MB", file=sys.stderr)
    for name, _, n in rows:
        s = samples[name]
        results[name] = (statistics.median(w for w, _, _ in s), statistics.median(c for _, c, _ in s),
                         max(k for _, _, k in s), n, base)
print("| tool | runs | median wall time (s) | median CPU time (s) | ratio to yardstick | peak RSS (MB) |")
print("|---|---:|---:|---:|---:|---:|")
for name, (t, cpu, kb, n, base) in results.items():
    print(f"| {name} | {n} | {t:.2f} | {cpu:.2f} | {t / results[base][0]:.2f}x | {kb / 1024:.0f} |")
PY

SIZE_MB=$(( $(stat -c %s "$DATA") / 1000000 ))
echo "== $DATA: $SIZE_MB MB; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

export RUNS SLOW_RUNS
# keyplan and DuckDB on one file, as PREFIX_KEYPLAN_CMD and PREFIX_DUCKDB_CMD (extra keyplan flags
# after the file), with the file read once first so that both find it in the page cache.
pair() {
  local prefix=$1 file=$2
  shift 2
  cat "$file" >/dev/null
  export "${prefix}KEYPLAN_CMD=$KEYPLAN analyze '$file' --key key $* > /dev/null"
  export "${prefix}DUCKDB_CMD='$WORK/venv/bin/python' '$WORK/duckdb_groupby.py' '$file' $THREADS"
}
pair "" "$DATA" --partitions "$PARTITIONS"
if [[ "$BASELINES" -gt 0 ]]; then
  export SORT_CMD="LC_ALL=C sort '$DATA' | LC_ALL=C uniq -c > /dev/null"
  export PYTHON_CMD="'$WORK/venv/bin/python' '$WORK/python_counter.py' '$DATA' $PARTITIONS"
fi
if [[ "$GZIP" -gt 0 ]]; then
  pair GZ_ "$DATA.gz" --partitions "$PARTITIONS"
  export GZ_ZCAT_CMD="zcat '$DATA.gz' > /dev/null"
  if command -v pigz >/dev/null; then
    export GZ_PIGZ_CMD="pigz -d -c '$DATA.gz' > /dev/null"
  fi
fi
if [[ "$BGZF" -gt 0 ]]; then
  pair BGZF_ "$BGZF_DATA" --partitions "$PARTITIONS"
  export BGZF_BGZIP_CMD="bgzip -d -@2 -c '$BGZF_DATA' > /dev/null"
fi
if [[ "$MANY_EVENTS" -gt 0 ]]; then
  pair MANY_ "$MANY_DATA" --partitions "$PARTITIONS"
fi
if [[ "$SWEEP_KEYS" -gt 0 ]]; then
  cat "$SWEEP_DATA" >/dev/null
  export SWEEP_CMD="$KEYPLAN analyze '$SWEEP_DATA' --key key --count-col count -p 1..1000 > /dev/null"
  export SWEEP12_CMD="$KEYPLAN analyze '$SWEEP_DATA' --key key --count-col count -p 12 > /dev/null"
  export SWEEP_DUCKDB_CMD="'$WORK/venv/bin/python' '$WORK/duckdb_groupby.py' '$SWEEP_DATA' $THREADS weighted"
fi
if [[ "$DISTINCT_EVENTS" -gt 0 ]]; then
  pair DISTINCT_ "$DISTINCT_DATA" --partitions "$PARTITIONS"
  export DISTINCT_KEYPLAN1_CMD="$KEYPLAN analyze '$DISTINCT_DATA' --key key --partitions $PARTITIONS --threads 1 > /dev/null"
fi
if [[ "$ISSUE_KEYS" -gt 0 ]]; then
  pair ISSUE_ "$ISSUE_DATA" --partitions "$PARTITIONS"
  if [[ "$GZIP" -gt 0 ]]; then
    pair ISSUE_GZ_ "$ISSUE_DATA.gz" --partitions "$PARTITIONS"
  fi
fi
echo "command: $KEYPLAN_CMD" >&2
python3 "$WORK/measure.py"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
