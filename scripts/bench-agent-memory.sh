#!/usr/bin/env bash
# The host agent's heap while a job prints a lot (issue #13). See docs/benchmarks.md.
#
#   scripts/bench-agent-memory.sh [SIZE] [CASES]
#       SIZE   bytes of output of the large cases, as `head -c` takes it (default 1G)
#       CASES  default "newlines no-newlines long-lines matches regex-control regex private"
#   Environment: LONG_LINE (default 100M) and LONG_LINES (3): the long-lines case; MATCH_LINES
#   (10000000): lines of the matches case; CAP_MB: the capped run's -Xmx in MiB (default: the
#   idle live heap measured in the first run + 64); CAPPED=0 skips the capped run.
#
# `./veil up` (its own state directory and ports) runs each case as one job posted by the CLI,
# twice: first with the agent's default heap, then with -Xmx capped at idle live heap + 64 MiB.
# Around each job: a full GC at idle (jcmd GC.run) gives the baseline live heap; while the job
# runs the agent's actuator is polled every 250 ms (jvm.memory.used area:heap and
# jvm.gc.live.data.size), and the agent's GC log (-Xlog:gc) gives the heap occupancy after every
# collection; a full GC after the job shows what stayed. The job's result is checked against what
# the container printed: status, log entries (kept plus "N more log lines"), result values.
# Everything runs on this machine and talks only to loopback and the engine's socket.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE=${1:-1G}
CASES=${2:-"newlines no-newlines long-lines matches regex-control regex private"}
LONG_LINE=${LONG_LINE:-100M}
LONG_LINES=${LONG_LINES:-3}
MATCH_LINES=${MATCH_LINES:-10000000}
REGEX_LINES=${REGEX_LINES:-200}
CAPPED=${CAPPED:-1}
export VEIL_HOME
export VEIL_STATE=${VEIL_BENCH_STATE:-$(mktemp -d /tmp/veil-bench-memory.XXXXXX)}
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"

ensure_engine
ensure_images
ENGINE=${VEIL_ENGINE:-docker}
IMAGE=${VEIL_TEST_BUSYBOX_IMAGE:-busybox:1.37}

# Ports of the suite under measurement, away from a developer's own ./veil up.
export VEIL_REDIS_PORT=${VEIL_REDIS_PORT:-26379} VEIL_SESSION_PORT=${VEIL_SESSION_PORT:-28081}
export VEIL_MARKET_PORT=${VEIL_MARKET_PORT:-28082} VEIL_GATEWAY_PORT=${VEIL_GATEWAY_PORT:-28080}
export VEIL_GATEWAY_MANAGEMENT_PORT=${VEIL_GATEWAY_MANAGEMENT_PORT:-28083} VEIL_AGENT_PORT=${VEIL_AGENT_PORT:-29090}
export VEIL_TUNNEL_PORT=${VEIL_TUNNEL_PORT:-22222}
export VEIL_GATEWAY_URL=http://localhost:$VEIL_GATEWAY_PORT
export VEIL_KEY_FILE=$VEIL_STATE/client.key VEIL_CONFIG=$VEIL_STATE/no-config.properties
MARKET=http://127.0.0.1:$VEIL_MARKET_PORT
AGENT=http://127.0.0.1:$VEIL_AGENT_PORT
WORK=$VEIL_STATE/bench
mkdir -p "$WORK"
GC_LOG=$WORK/agent-gc.log
# A line of 100 bytes with its newline.
LINE=012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678

cli() { "$VEIL_HOME/veil" "$@"; }
bytes() { numfmt --from=iec "$1"; }
now_ms() { date +%s%3N; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

cleanup() {
  [ -n "${poller:-}" ] && kill "$poller" 2>/dev/null
  "$VEIL_HOME/veil" down >/dev/null 2>&1 || true
  # Jobs clean up after themselves; anything left by an interrupted run carries the job label.
  local ids
  ids=$("$ENGINE" ps -aq --filter "label=dev.veil.job" --filter "label=dev.veil.node=${NODE:-none}" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -n "$ids" ] && "$ENGINE" rm -f $ids >/dev/null 2>&1
  [ -z "${VEIL_BENCH_STATE:-}" ] && [ "${KEEP_STATE:-0}" = 0 ] && rm -rf "$VEIL_STATE"
  return 0
}
trap cleanup EXIT

# case -> the job file; also sets EXPECT_ENTRIES (log entries the op's log must hold),
# EXPECT_TEXT (the text of each full line, if all alike) and RECEIVE (private or public).
write_job() {
  local name=$1 size cmd results='' receive=''
  size=$(bytes "$SIZE")
  EXPECT_TEXT=''
  case $name in
    newlines|private)
      cmd="yes $LINE | head -c $size"
      EXPECT_ENTRIES=$(( (size + 99) / 100 )); EXPECT_TEXT=$LINE ;;
    no-newlines)
      cmd="head -c $size /dev/zero | tr '\\\\0' x"
      EXPECT_ENTRIES=$(( (size + 16383) / 16384 )) ;;
    long-lines)
      local long; long=$(bytes "$LONG_LINE")
      cmd="for i in \$(seq 1 $LONG_LINES); do head -c $long /dev/zero | tr '\\\\0' a; echo; done"
      EXPECT_ENTRIES=$(( LONG_LINES * ((long + 16383) / 16384) )) ;;
    matches)
      cmd="seq 1 $MATCH_LINES"
      results=', "results": {"n": "^([0-9]+)$"}'
      EXPECT_ENTRIES=$MATCH_LINES ;;
    regex|regex-control)
      # (a+)+b backtracks exponentially on a run of a's with no b; 4,096 of them per line.
      cmd="for i in \$(seq 1 $REGEX_LINES); do head -c 4096 /dev/zero | tr '\\\\0' a; echo; done"
      [ "$name" = regex ] && results=', "results": {"bad": "(a+)+b"}'
      EXPECT_ENTRIES=$REGEX_LINES ;;
    *) veil_die "unknown case $name" ;;
  esac
  [ "$name" = private ] && receive='"logistics": {"receive": {"type": "api-listen", "args": {}}},'
  RECEIVE=public; [ "$name" = private ] && RECEIVE=private
  cat >"$WORK/$name.json" <<JSON
{"version": "0.1", "type": "container", "meta": {"trigger": "bench"}, $receive
 "ops": [{"type": "container/run", "id": "out", "args": {"image": "$IMAGE", "cmd": "$cmd"}$results}]}
JSON
}

metric() { # name [tag]: the value of one actuator metric
  curl -fsS "$AGENT/actuator/metrics/$1${2:+?tag=$2}" 2>/dev/null | sed -n 's/.*"value":\([0-9.E+-]*\).*/\1/p' | head -1
}

poll() { # every 250 ms: epoch ms, heap used, live data size
  while true; do
    printf '%s %s %s\n' "$(now_ms)" "$(metric jvm.memory.used area:heap)" "$(metric jvm.gc.live.data.size)"
    sleep 0.25
  done
}

# Heap after a full GC at idle, in bytes, from the GC log line this GC wrote.
full_gc_live() {
  local before
  before=$(grep -c 'Pause Full' "$GC_LOG" || true)
  jcmd "$AGENT_PID" GC.run >/dev/null
  for _ in $(seq 1 50); do
    [ "$(grep -c 'Pause Full' "$GC_LOG" || true)" -gt "$before" ] && break
    sleep 0.1
  done
  grep 'Pause Full' "$GC_LOG" | tail -1 | sed -n 's/.* [0-9]*M->\([0-9]*\)M(.*/\1/p' | awk '{ print $1 * 1048576 }'
}

# Largest heap occupancy after any collection between two epoch-ms times, from the GC log.
max_after_gc() {
  awk -v from="$1" -v to="$2" '
    match($0, /^\[[0-9]+ms\]/) {
      t = substr($0, 2, RLENGTH - 4) + 0
      if (t < from || t > to) next
      if (match($0, /[0-9]+M->[0-9]+M\(/)) {
        s = substr($0, RSTART, RLENGTH); sub(/.*->/, "", s); sub(/M\(/, "", s)
        if (s + 0 > max) max = s + 0
      }
    }
    END { print (max == "" ? -1 : max * 1048576) }' "$GC_LOG"
}

# A cell from max_after_gc: "no GC" when none ran during the job; with a baseline, the growth.
gc_cell() {
  if [ "$1" -lt 0 ]; then echo "no GC"; elif [ $# -gt 1 ]; then mib "$(( $1 - $2 ))"; else mib "$1"; fi
}

job_field() { curl -fsS "$MARKET/v1/jobs/$1" | jq -r "$2"; }

wait_final() { # jobId: waits until the job is COMPLETED or STOPPED
  for _ in $(seq 1 7200); do
    case $(job_field "$1" .state) in COMPLETED|STOPPED) return 0 ;; esac
    sleep 0.5
  done
  veil_die "job $1 did not end"
}

# Counts entries in a private result file without loading it: lines equal to EXPECT_TEXT, all
# stdout entries, and host notes.
count_private() {
  python3 - "$1" "$EXPECT_TEXT" <<'PY'
import sys
path, text = sys.argv[1], sys.argv[2]
needles = {"full": ('"log":"%s"' % text).encode(), "stdout": b'"type":"stdout"', "nodeerr": b'"type":"nodeerr"'}
counts = {k: 0 for k in needles}
tails = {k: b"" for k in needles}
with open(path, "rb") as f:
    while chunk := f.read(1 << 24):
        for k, n in needles.items():
            data = tails[k] + chunk
            counts[k] += data.count(n)
            # too short to hold a whole match, so nothing is counted twice
            tails[k] = data[-(len(n) - 1):]
print(counts["full"], counts["stdout"], counts["nodeerr"])
PY
}

# One case: prints its table row and appends details to $WORK/details.txt.
run_case() {
  local name=$1 label=$2 base_live id posted finished node session result_file status entries more check wall
  write_job "$name"
  sleep 2
  base_live=$(full_gc_live)
  [ "$base_live" -gt "$IDLE_LIVE" ] && IDLE_LIVE=$base_live
  local base_used; base_used=$(metric jvm.memory.used area:heap)
  poll >"$WORK/$label-$name.samples" &
  poller=$!
  posted=$(now_ms)
  id=$(cli job post --file "$WORK/$name.json" --timeout 120)
  if [ "$RECEIVE" = private ]; then
    for _ in $(seq 1 7200); do
      [ "$(job_field "$id" .hostStatus)" = waiting-for-result ] && break
      sleep 0.5
    done
    node=$(job_field "$id" .nodeId)
    session=$(cli session create --job "$id" --node "$node")
    result_file=$WORK/$label-$name.result.json
    curl -fsS --max-time 3600 -H "x-session-id: $session" -H "Host: $node.node.localhost" -H 'Accept: application/json' \
      "http://127.0.0.1:$VEIL_GATEWAY_PORT/job-result/$id" -o "$result_file"
  fi
  wait_final "$id"
  finished=$(now_ms)
  kill "$poller" 2>/dev/null; wait "$poller" 2>/dev/null || true; poller=
  local peak_used peak_live after_gc after_live
  peak_used=$(awk '$2 != "" && $2 > m { m = $2 } END { printf "%.0f", m }' "$WORK/$label-$name.samples")
  peak_live=$(awk '$3 != "" && $3 > m { m = $3 } END { printf "%.0f", m }' "$WORK/$label-$name.samples")
  after_gc=$(max_after_gc "$posted" "$finished")
  after_live=$(full_gc_live)
  local rid; rid=$(job_field "$id" .resultId)
  curl -fsS "$MARKET/v1/results/$rid" >"$WORK/$label-$name.public.json"
  status=$(jq -r .status "$WORK/$label-$name.public.json")
  wall=$(( finished - posted ))
  if [ "$RECEIVE" = private ]; then
    read -r full stdout notes < <(count_private "$result_file")
    entries=$stdout
    check="private result $(mib "$(stat -c %s "$result_file")") MiB: $stdout stdout entries ($full the full line), $notes host notes"
    [ "$full" -eq "$(( EXPECT_ENTRIES - 1 ))" ] || [ "$full" -eq "$EXPECT_ENTRIES" ] || check="$check; MISMATCH"
    rm -f "$result_file"
  else
    local kept
    kept=$(jq '[.opStates[0].logs[] | select(.type == "stdout")] | length' "$WORK/$label-$name.public.json")
    more=$(jq -r '[.opStates[0].logs[] | select(.type == "nodeerr") | .log | capture("^(?<n>[0-9]+) more log lines").n | tonumber] | add // 0' \
      "$WORK/$label-$name.public.json")
    entries=$(( kept + more ))
    check="$kept published + $more counted"
  fi
  [ "$entries" -eq "$EXPECT_ENTRIES" ] || check="$check; EXPECTED $EXPECT_ENTRIES"
  local errors; errors=$(jq -c '[.errors[], .opStates[0].errors[]?]' "$WORK/$label-$name.public.json")
  local results; results=$(jq -c '.opStates[0].results // {} | with_entries(.value |= length)' "$WORK/$label-$name.public.json")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f |\n' "$label" "$name" \
    "$(mib "$base_live")" "$(gc_cell "$after_gc")" "$(gc_cell "$after_gc" "$base_live")" "$(mib "$peak_live")" \
    "$(mib "$peak_used")" "$(mib "$after_live")" "$status" "$entries of $EXPECT_ENTRIES" "$(awk -v w="$wall" 'BEGIN { print w / 1000 }')"
  {
    echo "$label $name: job $id, cmd: $(jq -r '.ops[0].args.cmd' "$WORK/$name.json" | cut -c1-160)"
    echo "  baseline heap used $(mib "$base_used") MiB; entries: $check; results (values per name): $results; errors: $errors"
    jq -r '"  job times (ms): posted→claimed \(.claimedAt - .createdAt), claimed→finished \(.finishedAt - .claimedAt)"' \
      <(curl -fsS "$MARKET/v1/jobs/$id")
    jq -r '.opStates[0] // empty | "  op: started→ended \(.endTime - .startTime) ms, exit \(.exitCode)"' "$WORK/$label-$name.public.json"
  } >>"$WORK/details.txt"
}

suite() { # agent JVM options
  cli down >/dev/null 2>&1 || true
  : >"$GC_LOG"
  export VEIL_AGENT_JAVA_OPTS="$1 -Xlog:gc:file=$GC_LOG:timemillis"
  cli up >/dev/null
  AGENT_PID=$(cat "$VEIL_STATE/up/pids/host-agent.pid")
  NODE=$(curl -fsS "$AGENT/node/info" | jq -r .nodeId)
  sleep 10 # settle: the first registration, claim loops, JIT of the idle paths
}

echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr); $(java -version 2>&1 | head -1); $("$ENGINE" --version)"
echo "Output: SIZE=$SIZE, LONG_LINE=$LONG_LINE x $LONG_LINES, MATCH_LINES=$MATCH_LINES, REGEX_LINES=$REGEX_LINES x 4096 a's"
echo
header() {
  echo "| heap | case | idle live MiB | max after any GC MiB | growth MiB | max live data (actuator) MiB | max heap used MiB | live after the job MiB | status | log entries | wall s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
}
header
: >"$WORK/details.txt"
IDLE_LIVE=0
suite ""
# The JVM's own choice of maximum heap, for the record.
default_max=$(jcmd "$AGENT_PID" VM.flags | grep -o 'MaxHeapSize=[0-9]*' | cut -d= -f2)
for c in $CASES; do
  run_case "$c" "default ($(mib "$default_max") MiB max)"
done
if [ "$CAPPED" = 1 ]; then
  cap=${CAP_MB:-$(( (IDLE_LIVE + 1048575) / 1048576 + 64 ))}
  echo "(capped run: idle live heap at most $(mib "$IDLE_LIVE") MiB in the first run, so -Xmx${cap}m)"
  suite "-Xmx${cap}m"
  for c in $CASES; do
    run_case "$c" "-Xmx${cap}m"
  done
fi
echo
echo "OutOfMemoryError in the agent's log: $(grep -c OutOfMemoryError "$VEIL_STATE/up/logs/host-agent.log" || true)"
echo "GC log: $(grep -c 'Pause' "$GC_LOG") collections in the capped run, of which full: $(grep -c 'Pause Full' "$GC_LOG" || true) ($(grep -c 'Pause Full (Diagnostic Command)' "$GC_LOG" || true) asked for by jcmd GC.run)"
echo
cat "$WORK/details.txt"
