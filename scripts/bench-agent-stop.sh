#!/usr/bin/env bash
# How long an owner's stop takes to act: from `veil job stop` to the job's exposed service no
# longer answering through the gateway, and to the job ending on the market. See docs/benchmarks.md.
#
#   scripts/bench-agent-stop.sh [RUNS]     default 10
#
# Runs `./veil up` on its own ports and state directory, then RUNS times: posts a job exposing
# the nginx stand-in on port 80, waits until its service answers 200 through the gateway, runs
# `veil job stop`, and polls the service through the gateway (every 10 ms) until it no longer
# answers 200, and the market's public record until the job is final. The moment the stop was
# asked is when the market said so on the job's public event stream (read by curl, each line
# timestamped as it arrives): the CLI's own start and login (a JVM, a challenge-response) are
# timed apart. Everything talks only to loopback.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-10}
export VEIL_HOME
export VEIL_STATE=${VEIL_BENCH_STATE:-$(mktemp -d /tmp/veil-bench-stop.XXXXXX)}
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"
ensure_engine
ensure_images

# Ports of the suite under measurement, away from a developer's own ./veil up and the other benchmarks.
export VEIL_REDIS_PORT=${VEIL_REDIS_PORT:-25379} VEIL_SESSION_PORT=${VEIL_SESSION_PORT:-25081}
export VEIL_MARKET_PORT=${VEIL_MARKET_PORT:-25082} VEIL_GATEWAY_PORT=${VEIL_GATEWAY_PORT:-25080}
export VEIL_GATEWAY_MANAGEMENT_PORT=${VEIL_GATEWAY_MANAGEMENT_PORT:-25083} VEIL_AGENT_PORT=${VEIL_AGENT_PORT:-25090}
export VEIL_TUNNEL_PORT=${VEIL_TUNNEL_PORT:-25022}
export VEIL_GATEWAY_URL=http://localhost:$VEIL_GATEWAY_PORT
export VEIL_KEY_FILE=$VEIL_STATE/client.key VEIL_CONFIG=$VEIL_STATE/no-config.properties
GATEWAY=http://127.0.0.1:$VEIL_GATEWAY_PORT

cli() { "$VEIL_HOME/veil" "$@"; }
now_ms() { date +%s%3N; }
cleanup() { cli down >/dev/null 2>&1 || true; }
trap cleanup EXIT

code_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Host: $1" "$GATEWAY/" || true; }
state_of() { curl -s --max-time 2 "$GATEWAY/v1/jobs/$1" | sed -n 's/.*"state":"\([A-Z_]*\)".*/\1/p'; }

cli down >/dev/null 2>&1 || true
cli up >/dev/null
job_file=$VEIL_STATE/expose-job.json
cat >"$job_file" <<'JSON'
{"version": "0.1", "type": "container", "meta": {"trigger": "bench"},
 "ops": [{"type": "container/run", "id": "web", "args": {"image": "nginx", "cmd": [], "expose": 80}}]}
JSON

echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr); $(${VEIL_ENGINE:-docker} --version)"
echo
echo "| run | stop command took | service gone, from the stop asked (market's event) | service gone, from the command's return | job final on the market, from the stop asked |"
echo "|---|---|---|---|---|"
results=$VEIL_STATE/stop-times.tsv
: >"$results"
for run in $(seq 1 "$RUNS"); do
  job=$(cli job post --file "$job_file" --timeout 300)
  host=""
  for _ in $(seq 1 300); do
    host=$(cli job urls "$job" --json 2>/dev/null | sed -n 's#.*"url" *: *"https\{0,1\}://\([^"/]*\)".*#\1#p' | head -1 || true)
    [ -n "$host" ] && [ "$(code_of "$host")" = 200 ] && break
    sleep 0.2
  done
  [ "$(code_of "$host")" = 200 ] || veil_die "job $job: its service never answered through the gateway"
  events=$VEIL_STATE/events-$run.log
  curl -sN --max-time 120 "$GATEWAY/v1/jobs/$job/events" | while IFS= read -r line; do
    printf '%s %s\n' "$(now_ms)" "$line"; done >"$events" &
  reader=$!
  sleep 0.5
  t0=$(now_ms)
  cli job stop "$job" >/dev/null
  t1=$(now_ms)
  while [ "$(code_of "$host")" = 200 ]; do sleep 0.01; done
  t2=$(now_ms)
  until case "$(state_of "$job")" in STOPPED|COMPLETED|FAILED) true ;; *) false ;; esac; do sleep 0.01; done
  t3=$(now_ms)
  kill "$reader" 2>/dev/null || true
  asked=$(grep -m1 '"stopRequested":true' "$events" | cut -d' ' -f1)
  [ -n "$asked" ] || veil_die "job $job: the event stream never said the stop was asked"
  printf '%s\t%s\t%s\t%s\n' $((t1 - t0)) $((t2 - asked)) $((t2 - t1)) $((t3 - asked)) >>"$results"
  echo "| $run | $((t1 - t0)) ms | $((t2 - asked)) ms | $((t2 - t1)) ms | $((t3 - asked)) ms |"
done
for col in 1 2 3 4; do
  cut -f"$col" "$results" | sort -n | awk -v c="$col" '{ v[NR] = $1 } END {
    names[1] = "stop command took (JVM start, login, request)"; names[2] = "service gone, from the stop asked";
    names[3] = "service gone, from the command'"'"'s return"; names[4] = "job final, from the stop asked";
    printf "%s: median %d ms, p90 %d ms, max %d ms\n", names[c], v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)], v[NR] }'
done
