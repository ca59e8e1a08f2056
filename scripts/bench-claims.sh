#!/usr/bin/env bash
# Claims and validations benchmark, in one run, on one Redis server and on a Redis Cluster of
# three primaries (all from Debian's redis-server, on loopback): the real job-market and
# session-service jars as processes, and scripts/ClaimLoad.java as 1, 4 and 16 simulated hosts
# (each its own node key, claiming over HTTP, no container run) and as a service validating one
# session with 1, 4 and 16 callers. Prints a Markdown report. See docs/benchmarks.md.
#
#   scripts/bench-claims.sh [jobs] [seconds]       defaults: 2000 10
#
# jobs: how many jobs are posted, then drained by the hosts, per row; seconds: how long the
# post-to-claim latency is measured (20 posts/s to idle hosts waiting in claims) and the
# validations run.
# Hosts register once per phase and are not renewed: keep each phase under the market's node-ttl.
# Each row: the queue filled with `jobs` jobs (posts/s), then drained by that many hosts
# (claims/s, and the CPU each part used meanwhile, in % of one core), then the latency phase.
# Env: HOSTS ("1 4 16"), CALLERS ("1 4 16"), TOPOLOGIES ("single cluster"), KEEP_LOGS (a
#      directory to copy the services' logs to), MARKET_JAVA_OPTS (JVM options of the market,
#      e.g. -XX:StartFlightRecording=filename=/tmp/market.jfr to profile it).
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$VEIL_HOME"
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"   # apt_ensure
# shellcheck source=scripts/bench-lib.sh
. "$VEIL_HOME/scripts/bench-lib.sh"

JOBS=${1:-2000}
SECONDS_MEASURED=${2:-10}
HOSTS=${HOSTS:-1 4 16}
CALLERS=${CALLERS:-1 4 16}
TOPOLOGIES=${TOPOLOGIES:-single cluster}
PIDS=()

die() { echo "bench: $*" >&2; exit 1; }

need=()
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need+=(redis-server redis-tools)
command -v curl >/dev/null || need+=(curl)
command -v ss >/dev/null || need+=(iproute2)
((${#need[@]} == 0)) || apt_ensure "${need[@]}"
command -v java >/dev/null || die "needs a JDK (java)"

session_jar=session-service/target/session-service-0.1.0-SNAPSHOT-exec.jar
market_jar=job-market/target/job-market-0.1.0-SNAPSHOT-exec.jar
cp_file=test-support/target/bench-classpath.txt
# Built when missing, or older than any source it is made from.
stale() { [ ! -f "$1" ] || find common-model/src service-support/src test-support/src "$2/src" -newer "$1" -type f | grep -q .; }
if stale "$session_jar" session-service || stale "$market_jar" job-market || [ ! -f "$cp_file" ]; then
  ./mvnw -B -ntp -q -pl session-service,job-market,test-support -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile=target/bench-classpath.txt
fi
LOAD_CP=test-support/target/classes:$(cat "$cp_file")

WORK=$(mktemp -d /tmp/veil-bench-claims.XXXXXX)
cleanup() {
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$WORK"/*.log "$KEEP_LOGS"/ 2>/dev/null || true; fi
  for pid in $( ((${#PIDS[@]})) && descendants "${PIDS[@]}"); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TOKEN=bench-market-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$WORK/classes"
javac -d "$WORK/classes" -cp "$LOAD_CP" scripts/ClaimLoad.java
load() { java -Xmx512m -cp "$WORK/classes:$LOAD_CP" ClaimLoad "$@"; }

# Starts Redis in the given topology; sets REDIS_ENV (the services' settings for it) and REDIS_PIDS.
start_redis() {
  local p port ports=()
  REDIS_PIDS=()
  if [ "$1" = single ]; then
    take_port port 18300
    p=$port
    redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no > "$WORK/redis-$p.log" 2>&1 &
    PIDS+=($!); REDIS_PIDS+=($!)
    REDIS_ENV=(VEIL_REDIS_URL="redis://127.0.0.1:$p")
    ports=("$p")
  else
    mkdir -p "$WORK/cluster"
    for _ in 1 2 3; do
      take_port port 18310
      p=$port
      (cd "$WORK/cluster" && exec redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file "nodes-$p.conf" --save "" --appendonly no > "$WORK/redis-$p.log" 2>&1) &
      PIDS+=($!); REDIS_PIDS+=($!)
      ports+=("$p")
    done
  fi
  for p in "${ports[@]}"; do
    for _ in $(seq 101); do redis-cli -p "$p" ping 2>/dev/null | grep -q PONG && continue 2; sleep 0.1; done
    die "redis-server on $p does not answer (see $WORK/redis-$p.log)"
  done
  if [ "$1" = cluster ]; then
    redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes > "$WORK/cluster-create.log" 2>&1 \
      || die "redis-cli --cluster create failed (see $WORK/cluster-create.log)"
    for p in "${ports[@]}"; do
      for _ in $(seq 101); do redis-cli -p "$p" cluster info | grep -q cluster_state:ok && continue 2; sleep 0.1; done
      die "the cluster is not ok on $p"
    done
    REDIS_ENV=(VEIL_REDIS_CLUSTER_NODES="$(IFS=,; echo "${ports[*]/#/127.0.0.1:}")")
  fi
  REDIS_CPU_PIDS="${REDIS_PIDS[*]}"
}

start_services() {
  take_port SESSION_PORT 18400; take_port MARKET_PORT 18410
  env PORT="$SESSION_PORT" "${REDIS_ENV[@]}" VEIL_SESSION_SERVICETOKENS_JOBMARKET="$TOKEN" \
    java -Xmx512m -jar "$session_jar" > "$WORK/session-$1.log" 2>&1 &
  PIDS+=($!); SESSION_PID=$!
  # A lease far longer than the run: no claimed job is re-queued under the benchmark's feet.
  # shellcheck disable=SC2086 # MARKET_JAVA_OPTS: options, split on spaces
  env PORT="$MARKET_PORT" "${REDIS_ENV[@]}" VEIL_SESSION_URL="http://127.0.0.1:$SESSION_PORT" \
    VEIL_MARKET_SESSION_TOKEN="$TOKEN" VEIL_MARKET_LEASE=PT1H VEIL_MARKET_MAXQUEUEDJOBSPEROWNER=100000 \
    java -Xmx512m ${MARKET_JAVA_OPTS:-} -jar "$market_jar" > "$WORK/market-$1.log" 2>&1 &
  PIDS+=($!); MARKET_PID=$!
  wait_http "http://127.0.0.1:$SESSION_PORT/actuator/health" session-service
  wait_http "http://127.0.0.1:$MARKET_PORT/actuator/health" job-market
}

stop_all() {
  for pid in $(descendants "$SESSION_PID" "$MARKET_PID" "${REDIS_PIDS[@]}"); do kill "$pid" 2>/dev/null || true; done
  wait "$SESSION_PID" "$MARKET_PID" "${REDIS_PIDS[@]}" 2>/dev/null || true
}

cpu() { # ticks before, ticks after, nanoseconds: % of one core
  awk -v t=$(($2 - $1)) -v hz="$CLK_TCK" -v ns="$3" 'BEGIN { printf "%.0f", 100 * t / hz / (ns / 1e9) }'
}

# measured "pids" "pids"... -- load arguments: runs the load program, which prints "start" when
# its measured part begins (its JVM's start and warm-up are over) and then its result; sets
# RESULT to that result and CPU to the % of one core each group of pids, then the load program
# itself, used in between.
measured() {
  local groups=() before=() after=() i t0 t1 line loaders
  while [ "$1" != -- ]; do groups+=("$1"); shift; done
  shift
  coproc LOAD { load "$@"; }
  # shellcheck disable=SC2153 # set by coproc
  local load_pid=$LOAD_PID out
  PIDS+=("$load_pid")
  # A copy of the coproc's output: bash closes its own once the process has been reaped.
  exec {out}<&"${LOAD[0]}"
  read -r line <&"$out" || die "load $1 ended before it started"
  [ "$line" = start ] || die "load $1 said '$line', not start"
  loaders=$(descendants "$load_pid" | tr '\n' ' ')
  groups+=("$loaders")
  # shellcheck disable=SC2086 # each group is a list of PIDs
  for i in "${!groups[@]}"; do before[i]=$(ticks ${groups[i]}); done
  t0=$(date +%s%N)
  read -r RESULT <&"$out" || die "load $1 failed"
  t1=$(date +%s%N)
  # shellcheck disable=SC2086 # each group is a list of PIDs
  for i in "${!groups[@]}"; do after[i]=$(ticks ${groups[i]}); done
  wait "$load_pid" || die "load $1 failed"
  exec {out}<&-
  CPU=
  for i in "${!groups[@]}"; do CPU+="${CPU:+ / }$(cpu "${before[i]}" "${after[i]}" $((t1 - t0)))"; done
}

echo "## Claims and validations ($(date -u +%F), $(nproc) cores, jobs=$JOBS, seconds=$SECONDS_MEASURED)"
echo
echo "| Redis | hosts | posts/s | claims/s | post→claim p50 ms | p99 ms | CPU % while draining: Redis / market / session-service / hosts |"
echo "|---|---|---|---|---|---|---|"
declare -A VALIDATIONS
for topology in $TOPOLOGIES; do
  start_redis "$topology"
  start_services "$topology"
  market=http://127.0.0.1:$MARKET_PORT
  sessions=http://127.0.0.1:$SESSION_PORT
  spec="$VEIL_HOME/spec/public-job.json"
  # Warm-up: the JITs of both services.
  load fill --market "$market" --sessions "$sessions" --spec "$spec" --jobs 1000 > /dev/null
  load drain --market "$market" --hosts 4 --expect 1000 > /dev/null
  for hosts in $HOSTS; do
    posts=$(load fill --market "$market" --sessions "$sessions" --spec "$spec" --jobs "$JOBS")
    measured "$REDIS_CPU_PIDS" "$MARKET_PID" "$SESSION_PID" -- drain --market "$market" --hosts "$hosts" --expect "$JOBS"
    claims=$RESULT drain_cpu=$CPU
    read -r p50 p99 < <(load latency --market "$market" --sessions "$sessions" --spec "$spec" --hosts "$hosts" \
      --rate 20 --seconds "$SECONDS_MEASURED")
    echo "| $topology | $hosts | $posts | $claims | $p50 | $p99 | $drain_cpu |"
  done
  for callers in $CALLERS; do
    measured "$REDIS_CPU_PIDS" "$SESSION_PID" -- validations --sessions "$sessions" --token "$TOKEN" \
      --callers "$callers" --seconds "$SECONDS_MEASURED"
    VALIDATIONS[$topology,$callers]="$RESULT|$CPU"
  done
  stop_all
done
echo
echo "| Redis | callers | validations/s | p50 ms | p99 ms | failed | CPU %: Redis / session-service / callers |"
echo "|---|---|---|---|---|---|---|"
for topology in $TOPOLOGIES; do
  for callers in $CALLERS; do
    IFS='|' read -r result cpu_used <<<"${VALIDATIONS[$topology,$callers]}"
    read -r rate p50 p99 failed <<<"$result"
    echo "| $topology | $callers | $rate | $p50 | $p99 | $failed | $cpu_used |"
  done
done
