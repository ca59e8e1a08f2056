#!/usr/bin/env bash
# The bare gateway through one bench node's tunnel, measured run after run in one launch: a loop
# for profiling, for bursts and for pairs against a yardstick proxy on the same tunnel (YARDSTICK),
# lighter than bench-gateway.sh (no nginx/HAProxy rows to the upstream, one gateway). An upstream
# nginx (64 B and 8 MiB files), Redis, the gateway (rate limit and access log off unless
# GATEWAY_CONFIG=default), a bench node (tunnel's test classes) forwarding to the upstream; a
# warm-up, optionally 8 MiB downloads cut off by wrk's end, then RUNS wrk runs of small responses.
# Each run prints the path measured (gateway or the yardstick), wrk's latency line, p99 and req/s;
# the gateway's and the node's user and system CPU (% of one core), and the yardstick's; their read
# and write system calls per request (/proc/<pid>/io); and the listen queue overflows the kernel
# counted meanwhile (nstat TcpExtListenOverflows: SYNs dropped, each retried a second later). A
# run with a non-2xx answer or a socket error stops the script. See docs/benchmarks.md.
#
#   scripts/profile-gateway.sh [runs] [seconds per run]        defaults: 3 15
#
# Env: WARMUP (seconds, 60), WARMUP_CONNECTIONS (wrk's during the warm-up, default CONNECTIONS),
#      CONNECTIONS (wrk's in the runs, 200), LARGE_FIRST (seconds of 8 MiB downloads between
#      warm-up and runs, cut off when wrk stops; none by default), GW_JAR (the gateway's exec jar,
#      default this build's), GATEWAY_JAVA_OPTS (e.g. a JFR recording), GATEWAY_ARGS,
#      GATEWAY_CONFIG (bare, the default: rate limit and access log off; or default: both on, as
#      shipped, the limit raised as bench-gateway.sh raises it so the one client is never refused),
#      KEEP_LOGS (a directory for the logs and wrk's output), SIZE (small, the default, or large:
#      what the runs download, 64 B or 8 MiB; with large, 5 s of them follow each warm-up),
#      YARDSTICK (netty, rn or nginx: NettyBenchProxy, BenchProxy or an nginx reverse proxy, workers =
#      cores, started in front of the same node's forward port and warmed up as long, then the
#      gateway warmed up again for 15 s (it idled meanwhile); each run then measures the gateway
#      and the yardstick back to back, alternating which goes first, so both rows of a pair share
#      the tunnel and the machine's state of that minute. LARGE_FIRST is the gateway's only),
#      THINK_MS (a mean think time, ms: in the runs each connection waits that long on average,
#      drawn from an exponential distribution, after each answer before its next request, so the
#      load is lighter than the machine's limit and the same on both paths of a pair; p99 then
#      measures the latency a path adds, not how far behind a saturated path queues. Warm-ups
#      keep no think time), MASS_CLOSE (a number of connections: instead of the runs, after the
#      warm-up, scripts/mass-close-probe.py times one request every 5 ms through the gateway while
#      that many connections are opened straight to the node's forward port, kept 3 s and closed
#      at once, MASS_CLOSE_ROUNDS times (3); no YARDSTICK), NODE_CLASSES (the tunnel classes the
#      bench node runs, default this build's tunnel/target/classes: another build's, to compare).
# Installs wrk, nginx-light, redis-server, curl, iproute2 (and python3 for MASS_CLOSE) from Debian if missing.
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
YARDSTICK=${YARDSTICK:-}
case ${GATEWAY_CONFIG:-bare} in
  bare) CONFIG_ARGS=(--veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false) ;;
  default) CONFIG_ARGS=(--veil.gateway.rate-limit.replenish-rate=1000000 --veil.gateway.rate-limit.burst-capacity=1000000) ;;
  *) echo "profile: GATEWAY_CONFIG is bare or default, not ${GATEWAY_CONFIG}" >&2; exit 2 ;;
esac
case $YARDSTICK in
  '' | netty | rn | nginx) ;;
  *) echo "profile: YARDSTICK is netty, rn or nginx, not ${YARDSTICK}" >&2; exit 2 ;;
esac
THINK=()
if [ -n "${THINK_MS:-}" ]; then
  [[ $THINK_MS =~ ^[0-9]+$ ]] && ((THINK_MS > 0)) || { echo "profile: THINK_MS is a whole number of ms above 0, not ${THINK_MS}" >&2; exit 2; }
fi
if [ -n "${MASS_CLOSE:-}" ]; then
  [[ $MASS_CLOSE =~ ^[0-9]+$ ]] && ((MASS_CLOSE > 0)) || { echo "profile: MASS_CLOSE is a number of connections, not ${MASS_CLOSE}" >&2; exit 2; }
  [ -z "$YARDSTICK" ] || { echo "profile: MASS_CLOSE measures the gateway alone: no YARDSTICK" >&2; exit 2; }
fi
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
[ -z "${MASS_CLOSE:-}" ] || command -v python3 >/dev/null || need+=(python3)
((${#need[@]} == 0)) || apt_ensure "${need[@]}"
command -v java >/dev/null || die "needs a JDK (java)"

build_bench_parts
if [ -n "${NODE_CLASSES:-}" ]; then
  [ -d "$NODE_CLASSES" ] || die "NODE_CLASSES: no directory $NODE_CLASSES"
  NODE_CP=${NODE_CP/tunnel\/target\/classes/$(realpath "$NODE_CLASSES")}
fi
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

if [ -n "${THINK_MS:-}" ]; then
  # wrk calls delay() after each answer and times the next request from its first byte written, so
  # the think time is not counted as latency. Exponential: each connection's requests a Poisson
  # process, the connections drifting apart rather than sending in step.
  cat >"$WORK/think.lua" <<LUA
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) math.randomseed(os.time() * 100 + id) end
function delay() return -${THINK_MS} * math.log(1 - math.random()) end
LUA
  THINK=(-s "$WORK/think.lua")
fi

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
  "${CONFIG_ARGS[@]}" ${GATEWAY_ARGS:-} >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
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
# A path's warm-up: small responses, then, when the runs download 8 MiB, 5 s of those.
warm_up() { # seconds, URL (no path), Host header (or -)
  local host=()
  [ "$3" != - ] && host=(-H "$3")
  wrk -t"$THREADS" -c"$WARMUP_CONNECTIONS" -d"${1}s" "${host[@]}" "$2$SMALL" >/dev/null
  if [ "$MEASURED" = "$LARGE" ]; then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d5s --timeout 60s "${host[@]}" "$2$LARGE" >/dev/null
  fi
}

echo "profile: warming up ${WARMUP} s, ${WARMUP_CONNECTIONS} connections" >&2
warm_up "$WARMUP" "$URL" "$HOST"
if [ -n "${LARGE_FIRST:-}" ]; then
  echo "profile: ${LARGE_FIRST} s of 8 MiB downloads, cut off when wrk stops" >&2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${LARGE_FIRST}s" --timeout 60s -H "$HOST" "$URL$LARGE" >/dev/null
  sleep 2
fi

if [ -n "${MASS_CLOSE:-}" ]; then
  echo "profile: ${MASS_CLOSE} connections to the forward, closed at once, ${MASS_CLOSE_ROUNDS:-3} times; a probe through the gateway" >&2
  python3 "$VEIL_HOME/scripts/mass-close-probe.py" "$GW_PORT" "$NODE_ID.node.localhost" "$NODE_FWD_PORT" "$SMALL" \
    "$MASS_CLOSE" "${MASS_CLOSE_ROUNDS:-3}"
  exit 0
fi

# The yardstick: a proxy in front of the node's forward port, warmed up as long as the gateway was.
YS_PID=
if [ -n "$YARDSTICK" ]; then
  take_port YS_PORT 18370
  case $YARDSTICK in
    nginx)
      nginx_proxy_conf yardstick "$(nproc)" "$YS_PORT" "$NODE_FWD_PORT"
      nginx -e "$WORK/yardstick.log" -p "$WORK/yardstick" -c "$WORK/yardstick/nginx.conf" & PIDS+=($!) ;;
    netty | rn)
      class=BenchProxy; [ "$YARDSTICK" = netty ] && class=NettyBenchProxy
      java -Xms1g -Xmx1g -cp "$NODE_CP" "dev.veil.tunnel.$class" "$YS_PORT" "$NODE_FWD_PORT" \
        >"$WORK/yardstick.out" 2>"$WORK/yardstick.log" & PIDS+=($!) ;;
  esac
  YS_PID=$!
  wait_http "http://127.0.0.1:$YS_PORT$SMALL" "the yardstick ($YARDSTICK)"
  echo "profile: yardstick $YARDSTICK on port $YS_PORT in front of the forward: warming up ${WARMUP} s" >&2
  warm_up "$WARMUP" "http://127.0.0.1:$YS_PORT" -
  echo "profile: the gateway again, 15 s$([ "$MEASURED" = "$LARGE" ] && echo ' and 5 s of 8 MiB')" >&2
  warm_up 15 "$URL" "$HOST"
fi

syscalls() { awk '/^syscr/ {r = $2} /^syscw/ {w = $2} END {print r, w}' "/proc/$1/io"; }
overflows() { nstat -az TcpExtListenOverflows | awk '$1 == "TcpExtListenOverflows" {print $2}'; }
pct() { echo $(( $1 * 100 / CLK_TCK / DURATION )); }

# One wrk run on a path, one row. The gateway's and the node's CPU and system calls are counted on
# either path (the gateway's MINA server carries the tunnel under a yardstick too); the yardstick's
# own CPU (nginx's workers or the JVM) in its column.
measure() { # run, path (gateway | the yardstick), URL, Host header (or -)
  local run=$1 path=$2 url=$3 host=() ys=() out requests
  [ "$4" != - ] && host=(-H "$4")
  [ -n "$YS_PID" ] && read -r -a ys <<<"$(descendants "$YS_PID" | tr '\n' ' ')"
  read -r gu0 gs0 < <(cpu_ticks "$GW_PID"); read -r nu0 ns0 < <(cpu_ticks "$NODE_PID")
  read -r gr0 gw0 < <(syscalls "$GW_PID"); read -r nr0 nw0 < <(syscalls "$NODE_PID")
  o0=$(overflows); y0=$(ticks "${ys[@]}")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 60s --latency "${THINK[@]}" "${host[@]}" "$url$MEASURED")
  read -r gu1 gs1 < <(cpu_ticks "$GW_PID"); read -r nu1 ns1 < <(cpu_ticks "$NODE_PID")
  read -r gr1 gw1 < <(syscalls "$GW_PID"); read -r nr1 nw1 < <(syscalls "$NODE_PID")
  o1=$(overflows); y1=$(ticks "${ys[@]}")
  printf '### run %s, %s\n%s\n' "$run" "$path" "$out" >> "$WORK/wrk.txt"
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  ((${requests:-0} > 0)) || die "run $run, $path: wrk completed no request: $out"
  ! grep -qE 'Non-2xx|Socket errors' <<<"$out" || die "run $run, $path: errors (a proxy refusing is not a fast one): $out"
  local yardstick_cpu=-
  [ "$path" != gateway ] && yardstick_cpu=$(pct $((y1 - y0)))
  awk -v run="$run" -v path="$path" -v n="$requests" -v gu="$(pct $((gu1 - gu0)))" -v gs="$(pct $((gs1 - gs0)))" \
      -v nu="$(pct $((nu1 - nu0)))" -v ns="$(pct $((ns1 - ns0)))" -v gr=$((gr1 - gr0)) -v gw=$((gw1 - gw0)) \
      -v nr=$((nr1 - nr0)) -v nw=$((nw1 - nw0)) -v overflow=$((o1 - o0)) -v ys="$yardstick_cpu" '
    /Requests\/sec/ { rps = $2 }
    /Transfer\/sec/ { transfer = $2 }
    $1 == "99%" { p99 = $2 }
    $1 == "Latency" && $2 != "Distribution" { lat = $2 " / " $3 " / " $4 }
    END { printf "| %s | %s | %s | %s | %s | %d + %d | %d + %d | %s | %.2f + %.2f | %.2f + %.2f | %d | %s |\n", run, path, rps, p99, lat, gu, gs, nu, ns, ys,
            gr / n, gw / n, nr / n, nw / n, overflow, transfer }' <<<"$out"
  sleep 2
}

echo "| run | path | req/s | p99 | latency mean / stdev / max | gateway CPU user + sys, % of a core | node user + sys | yardstick CPU | gateway reads + writes per request | node reads + writes per request | listen overflows | transfer/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for i in $(seq "$RUNS"); do
  if [ -z "$YARDSTICK" ]; then
    measure "$i" gateway "$URL" "$HOST"
  elif ((i % 2)); then
    measure "$i" gateway "$URL" "$HOST"; measure "$i" "$YARDSTICK" "http://127.0.0.1:$YS_PORT" -
  else
    measure "$i" "$YARDSTICK" "http://127.0.0.1:$YS_PORT" -; measure "$i" gateway "$URL" "$HOST"
  fi
done
