#!/usr/bin/env bash
# The bare gateway through one bench node's tunnel, measured run after run in one launch: a loop
# for profiling and for bursts, lighter than bench-gateway.sh (no nginx/HAProxy rows, one gateway).
# An upstream nginx (64 B and 8 MiB files), Redis, the gateway (rate limit and access log off), a
# bench node (tunnel's test classes) forwarding to the upstream; a warm-up, optionally 8 MiB
# downloads cut off by wrk's end, then RUNS wrk runs of small responses. Each run prints wrk's
# latency line, p99 and req/s; the gateway's and the node's user and system CPU (% of one core);
# their read and write system calls per request (/proc/<pid>/io); and the listen queue overflows
# the kernel counted meanwhile (nstat TcpExtListenOverflows: SYNs dropped, each retried a second
# later). See docs/benchmarks.md.
#
#   scripts/profile-gateway.sh [runs] [seconds per run]        defaults: 3 15
#
# Env: WARMUP (seconds, 60), WARMUP_CONNECTIONS (wrk's during the warm-up, default CONNECTIONS),
#      CONNECTIONS (wrk's in the runs, 200), LARGE_FIRST (seconds of 8 MiB downloads between
#      warm-up and runs, cut off when wrk stops; none by default), GW_JAR (the gateway's exec jar,
#      default this build's), GATEWAY_JAVA_OPTS (e.g. a JFR recording), GATEWAY_ARGS,
#      KEEP_LOGS (a directory for the logs and wrk's output), SIZE (small, the default, or large:
#      what the runs download, 64 B or 8 MiB; the warm-up adds 5 s of large ones first).
# Installs wrk, nginx-light, redis-server, curl, iproute2 from Debian if missing.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -n "${GW_JAR:-}" ]; then GW_JAR=$(realpath -m "$GW_JAR"); fi
cd "$VEIL_HOME"
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"   # apt_ensure
# shellcheck source=scripts/bench-lib.sh
. "$VEIL_HOME/scripts/bench-lib.sh"

RUNS=${1:-3}
DURATION=${2:-15}
WARMUP=${WARMUP:-60}
CONNECTIONS=${CONNECTIONS:-200}
WARMUP_CONNECTIONS=${WARMUP_CONNECTIONS:-$CONNECTIONS}
THREADS=2
PIDS=()
SMALL=/job-logs/small
LARGE=/job-logs/large
case ${SIZE:-small} in
  small) MEASURED=$SMALL ;;
  large) MEASURED=$LARGE ;;
  *) echo "profile: SIZE is small or large, not ${SIZE}" >&2; exit 2 ;;
esac

die() { echo "profile: $*" >&2; exit 1; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v redis-server >/dev/null || need+=(redis-server)
command -v curl >/dev/null || need+=(curl)
{ command -v ss && command -v nstat; } >/dev/null || need+=(iproute2)
((${#need[@]} == 0)) || apt_ensure "${need[@]}"
command -v java >/dev/null || die "needs a JDK (java)"

build_bench_parts
jar=${GW_JAR:-gateway/target/gateway-0.1.0-SNAPSHOT-exec.jar}
[ -f "$jar" ] || die "no gateway jar at $jar"

WORK=$(mktemp -d /tmp/veil-profile-gateway.XXXXXX)
chmod 755 "$WORK"   # nginx's worker reads below it
cleanup() {
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$WORK"/*.log "$WORK"/*.out "$WORK"/wrk.txt "$KEEP_LOGS"/ 2>/dev/null || true; fi
  for pid in $( ((${#PIDS[@]})) && descendants "${PIDS[@]}"); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

take_port UP_PORT 18300; take_port REDIS_PORT 18330
take_port GW_PORT 18340; take_port GW_MGMT_PORT 18350; take_port GW_TUNNEL_PORT 18360

start_upstream "$UP_PORT"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "Redis does not answer on port $REDIS_PORT: $(tail -3 "$WORK/redis.log")"

# shellcheck disable=SC2086 # GATEWAY_JAVA_OPTS, GATEWAY_ARGS: words
PORT=$GW_PORT MANAGEMENT_PORT=$GW_MGMT_PORT VEIL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT \
  VEIL_TUNNEL_PORT=$GW_TUNNEL_PORT VEIL_TUNNEL_HOST_KEY_FILE=$WORK/gateway-host.key \
  java -Xms1g -Xmx1g ${GATEWAY_JAVA_OPTS:-} -jar "$jar" --veil.gateway.tunnel.bind-address=127.0.0.1 \
  --server.address=127.0.0.1 --management.server.address=127.0.0.1 \
  --veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false ${GATEWAY_ARGS:-} >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
GW_PID=$!
wait_http "http://127.0.0.1:$GW_MGMT_PORT/actuator/info" gateway
for _ in $(seq 60); do ss -Hltn "sport = :$GW_TUNNEL_PORT" | grep -q . && break; sleep 0.5; done
FINGERPRINT=$(curl -s "http://127.0.0.1:$GW_MGMT_PORT/actuator/info" | { grep -o '"hostKeyFingerprint":"[^"]*"' || true; } | cut -d'"' -f4)
[ -n "$FINGERPRINT" ] || die "no tunnel.hostKeyFingerprint on the gateway's /actuator/info"
start_node node "$UP_PORT" "$SMALL" -Dveil.bench.node-id=digit
NODE_PID=$LAST_PID
HOST="Host: $NODE_ID.node.localhost"
URL=http://127.0.0.1:$GW_PORT

echo "profile: gateway pid $GW_PID, node pid $NODE_PID, the forward's listener: $(ss -Hltn "sport = :$NODE_FWD_PORT" | awk '{print "backlog " $3}')" >&2
echo "profile: warming up ${WARMUP} s, ${WARMUP_CONNECTIONS} connections" >&2
wrk -t"$THREADS" -c"$WARMUP_CONNECTIONS" -d"${WARMUP}s" -H "$HOST" "$URL$SMALL" >/dev/null
if [ "$MEASURED" = "$LARGE" ]; then
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s --timeout 60s -H "$HOST" "$URL$LARGE" >/dev/null
fi
if [ -n "${LARGE_FIRST:-}" ]; then
  echo "profile: ${LARGE_FIRST} s of 8 MiB downloads, cut off when wrk stops" >&2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${LARGE_FIRST}s" --timeout 60s -H "$HOST" "$URL$LARGE" >/dev/null
  sleep 2
fi

syscalls() { awk '/^syscr/ {r = $2} /^syscw/ {w = $2} END {print r, w}' "/proc/$1/io"; }
overflows() { nstat -az TcpExtListenOverflows | awk '$1 == "TcpExtListenOverflows" {print $2}'; }
pct() { echo $(( $1 * 100 / CLK_TCK / DURATION )); }

echo "| run | req/s | p99 | latency mean / stdev / max | gateway CPU user + sys, % of a core | node user + sys | gateway reads + writes per request | node reads + writes per request | listen overflows | transfer/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for i in $(seq "$RUNS"); do
  read -r gu0 gs0 < <(cpu_ticks "$GW_PID"); read -r nu0 ns0 < <(cpu_ticks "$NODE_PID")
  read -r gr0 gw0 < <(syscalls "$GW_PID"); read -r nr0 nw0 < <(syscalls "$NODE_PID")
  o0=$(overflows)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 60s --latency -H "$HOST" "$URL$MEASURED")
  read -r gu1 gs1 < <(cpu_ticks "$GW_PID"); read -r nu1 ns1 < <(cpu_ticks "$NODE_PID")
  read -r gr1 gw1 < <(syscalls "$GW_PID"); read -r nr1 nw1 < <(syscalls "$NODE_PID")
  o1=$(overflows)
  printf '### run %s\n%s\n' "$i" "$out" >> "$WORK/wrk.txt"
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  ((${requests:-0} > 0)) || die "run $i: wrk completed no request: $out"
  awk -v run="$i" -v n="$requests" -v gu="$(pct $((gu1 - gu0)))" -v gs="$(pct $((gs1 - gs0)))" \
      -v nu="$(pct $((nu1 - nu0)))" -v ns="$(pct $((ns1 - ns0)))" -v gr=$((gr1 - gr0)) -v gw=$((gw1 - gw0)) \
      -v nr=$((nr1 - nr0)) -v nw=$((nw1 - nw0)) -v overflow=$((o1 - o0)) '
    /Requests\/sec/ { rps = $2 }
    /Transfer\/sec/ { transfer = $2 }
    $1 == "99%" { p99 = $2 }
    $1 == "Latency" && $2 != "Distribution" { lat = $2 " / " $3 " / " $4 }
    END { printf "| %s | %s | %s | %s | %d + %d | %d + %d | %.2f + %.2f | %.2f + %.2f | %d | %s |\n", run, rps, p99, lat, gu, gs, nu, ns,
            gr / n, gw / n, nr / n, nw / n, overflow, transfer }' <<<"$out"
  sleep 2
done
