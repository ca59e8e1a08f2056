#!/usr/bin/env bash
# CPU the host-agent and the container engine use while N jobs sleep, against the engine's own
# `podman run -d` / `docker run -d` of the same containers, in one run. See docs/benchmarks.md.
#
#   scripts/bench-engine-cpu.sh [SECONDS] [COUNTS]     defaults: 30 "0 1 4 16"
#
# For each N: the baseline starts N sleeping containers with the engine's CLI, measures; then the
# same N containers each with a Docker-compatible POST /containers/{id}/wait held open (what the
# agent did before it learnt exits from the event stream); then `./veil up` (its own state
# directory and ports) runs N sleeping jobs posted by the CLI, and measures. CPU comes from
# /proc/<pid>/stat (utime + stime) of the engine's processes (podman API service and conmon, or
# dockerd, containerd and its shims) and the agent's JVM, over SECONDS; the whole machine's from
# /proc/stat. Everything runs on this machine and talks only to loopback and the engine's socket.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_RUN=${1:-30}
COUNTS=${2:-"0 1 4 16"}
SETTLE=${SETTLE:-5}
export VEIL_HOME
export VEIL_STATE=${VEIL_BENCH_STATE:-$(mktemp -d /tmp/veil-bench-cpu.XXXXXX)}
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"
# shellcheck source=scripts/bench-lib.sh
. "$VEIL_HOME/scripts/bench-lib.sh"   # ticks

ensure_engine
ensure_images
ENGINE=${VEIL_ENGINE:-docker}
IMAGE=${VEIL_TEST_BUSYBOX_IMAGE:-busybox:1.37}
SOCKET=${DOCKER_HOST#unix://}
LABEL=dev.veil.bench-cpu

# Ports of the suite under measurement, away from a developer's own ./veil up.
export VEIL_REDIS_PORT=${VEIL_REDIS_PORT:-16379} VEIL_SESSION_PORT=${VEIL_SESSION_PORT:-18081}
export VEIL_MARKET_PORT=${VEIL_MARKET_PORT:-18082} VEIL_GATEWAY_PORT=${VEIL_GATEWAY_PORT:-18080}
export VEIL_GATEWAY_MANAGEMENT_PORT=${VEIL_GATEWAY_MANAGEMENT_PORT:-18083} VEIL_AGENT_PORT=${VEIL_AGENT_PORT:-19090}
export VEIL_GATEWAY_URL=http://localhost:$VEIL_GATEWAY_PORT
export VEIL_KEY_FILE=$VEIL_STATE/client.key VEIL_CONFIG=$VEIL_STATE/no-config.properties
max_count=0
for n in $COUNTS; do [ "$n" -gt "$max_count" ] && max_count=$n; done
export VEIL_AGENT_MAX_CONCURRENT_JOBS=$(( max_count > 0 ? max_count : 1 ))

engine_pids() {
  pgrep -d ' ' -x 'conmon|dockerd|containerd|containerd-shim' || true
  pgrep -d ' ' -f 'podman system service' || true
}

machine_busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# measure LABEL AGENT_PID: prints one table row; engine and agent as % of one core.
measure() {
  local label=$1 agent=${2:-} engine a0 e0 m0 a1 e1 m1
  sleep "$SETTLE"
  engine=$(engine_pids)
  # shellcheck disable=SC2086
  e0=$(ticks $engine); a0=$( [ -n "$agent" ] && ticks "$agent" || echo 0 ); m0=$(machine_busy)
  sleep "$SECONDS_PER_RUN"
  # shellcheck disable=SC2086
  e1=$(ticks $engine); a1=$( [ -n "$agent" ] && ticks "$agent" || echo 0 ); m1=$(machine_busy)
  awk -v l="$label" -v e=$((e1 - e0)) -v a=$((a1 - a0)) -v m=$((m1 - m0)) -v hz="$CLK_TCK" -v s="$SECONDS_PER_RUN" \
    'BEGIN { k = 100 / (hz * s); printf "| %s | %.1f | %.1f | %.1f | %.1f |\n", l, e * k, a * k, (e + a) * k, m * k }'
}

cli() { "$VEIL_HOME/veil" "$@"; }

remove_bench_containers() {
  local ids
  ids=$("$ENGINE" ps -aq --filter "label=$LABEL" 2>/dev/null || true)
  [ -n "$ids" ] && "$ENGINE" rm -f $ids >/dev/null 2>&1
  return 0
}

waits=()
stop_waits() {
  local pid
  for pid in "${waits[@]}"; do kill "$pid" 2>/dev/null || true; done
  waits=()
}

cleanup() {
  stop_waits
  remove_bench_containers
  "$VEIL_HOME/veil" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr); $("$ENGINE" --version)"
echo "Interval: $SECONDS_PER_RUN s per row after $SETTLE s to settle; % of one core (100 % = one core busy)"
echo
echo "| what runs | engine | agent | agent + engine | whole machine |"
echo "|---|---|---|---|---|"

for n in $COUNTS; do
  remove_bench_containers
  ids=()
  for _ in $(seq 1 "$n"); do
    ids+=("$("$ENGINE" run -d --label "$LABEL=1" "$IMAGE" sleep 3600)")
  done
  measure "$n sleeping, engine's own run (baseline)"
  if [ "$n" -gt 0 ]; then
    for id in "${ids[@]}"; do
      curl -s --max-time $(( SECONDS_PER_RUN + SETTLE + 10 )) --unix-socket "$SOCKET" -X POST \
        "http://engine/v1.41/containers/$id/wait" >/dev/null 2>&1 &
      waits+=($!)
    done
    measure "$n sleeping + one Docker-compatible /wait each (the agent before)"
    stop_waits
  fi
  remove_bench_containers
done

cli down >/dev/null 2>&1 || true
cli up >/dev/null
agent=$(cat "$VEIL_STATE/up/pids/host-agent.pid")
job_file=$VEIL_STATE/sleep-job.json
cat >"$job_file" <<JSON
{"version": "0.1", "type": "container", "meta": {"trigger": "bench"},
 "ops": [{"type": "container/run", "id": "sleep", "args": {"image": "$IMAGE", "cmd": "sleep 3600"}}]}
JSON
running_jobs() { "$ENGINE" ps -q --filter "label=dev.veil.job" | wc -l; }
posted=()
for n in $COUNTS; do
  while [ "${#posted[@]}" -lt "$n" ]; do
    posted+=("$(cli job post --file "$job_file" --timeout 60)")
  done
  for _ in $(seq 1 120); do [ "$(running_jobs)" -ge "$n" ] && break; sleep 1; done
  [ "$(running_jobs)" -ge "$n" ] || veil_die "only $(running_jobs) of $n jobs started"
  measure "$n sleeping Veil jobs (agent concurrency $VEIL_AGENT_MAX_CONCURRENT_JOBS)" "$agent"
done
stop_all() {
  for job in "${posted[@]}"; do cli job stop "$job" >/dev/null || true; done
  posted=()
  for _ in $(seq 1 120); do [ "$(running_jobs)" -eq 0 ] && break; sleep 1; done
}
stop_all

# Exposed services: the agent checks each one's health every health-interval (2 s by default).
expose_file=$VEIL_STATE/expose-job.json
cat >"$expose_file" <<'JSON'
{"version": "0.1", "type": "container", "meta": {"trigger": "bench"},
 "ops": [{"type": "container/run", "id": "web", "args": {"image": "nginx", "cmd": [], "expose": 80}}]}
JSON
exposed=${EXPOSED:-4}
for _ in $(seq 1 "$exposed"); do posted+=("$(cli job post --file "$expose_file" --timeout 60)"); done
for _ in $(seq 1 120); do [ "$(running_jobs)" -ge "$exposed" ] && break; sleep 1; done
measure "$exposed exposed web services, TCP health check every 2 s" "$agent"
stop_all
