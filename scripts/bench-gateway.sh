#!/usr/bin/env bash
# Gateway benchmark: the same wrk load, in one run, against one upstream (nginx in its own process,
# one worker, serving a 64-byte and an 8 MiB file under an agent API path, keep-alive on), reached
#   1. directly;
#   2. through nginx as a reverse proxy (its own process, workers = cores, keep-alive to the upstream);
#   3. through HAProxy (threads = cores, connection reuse to the upstream);
#   4. through the Veil gateway as configured by default (rate limit and access log on, the limit
#      raised so the one benchmark client is never refused), as users reach a node: its HTTP port,
#      Host: <nodeId>.node.localhost, Spring Cloud Gateway, then the node's tunnel (a bench node,
#      MINA client, forwarding to the upstream);
#   5. the same gateway as a bare proxy (rate limit and access log off);
#   6. the tunnel alone: the gateway's loopback listener for that node's forward;
#   7. nginx in front of that same tunnel (a second proxy nginx, to the forward port): what an
#      HTTP proxy as lean as nginx costs on top of the tunnel, the fair comparison for 4 and 5;
#   8. BenchProxy (tunnel's test classes), the least a Reactor Netty proxy costs (server, pooled
#      client, headers, streamed bodies; no routing, no filters), to the upstream and in front of
#      the same tunnel: how near a lean Reactor Netty handler for *.node could get;
#   9. NettyBenchProxy (tunnel's test classes), the same on Netty alone (no Reactor; a connection
#      upstream per client connection), to the upstream and in front of the same tunnel;
# then 4 and 5 again with 10,000 names in the registry instead of 10; and, small responses only,
# the gateway with the rate limit on and the access log off (the rate limit's own cost), and the
# bare gateway with every request through Spring Cloud Gateway's filter chain (direct-path off: the
# path every *.node request took before NodeDataPlane); and, for the bare gateway and the chain, a
# second replica in front of it (a request passed on to the replica holding the tunnel). On 4 or more cores the
# upstream and wrk get a core each (taskset) and the proxies the rest; on fewer, all share them.
# Loopback only, each run bounded in time. Prints a Markdown report. See docs/benchmarks.md.
#
#   scripts/bench-gateway.sh [duration_seconds] [connections]       defaults: 15 200
#
# Env: WARMUP (seconds of small-response load on each gateway before anything is measured, 90:
#      its throughput was still climbing after 60 s on 2 cores),
#      KEEP_LOGS (a directory to copy the logs and wrk's raw output to), GATEWAY_JAVA_OPTS,
#      GATEWAYS (the gateway configurations to measure, default "default bare chain limited"; also
#      g1, parallel, serial: the bare gateway on that collector, named; baseline: the bare gateway
#      from BASELINE_JAR, another build's exec jar, e.g. the parent commit's, to set a change against
#      in the same run; bare carries rows 6-9's tunnel rows), PROXY_WARMUP (seconds of load on
#      BenchProxy first, 45), NODE_ID_KIND (digit, letter or any: what the bench nodes' IDs start
#      with, default digit: WebFlux's URI building throws and catches an exception for such a Host).
# Installs wrk, nginx-light, haproxy, redis-server, curl from Debian if missing; builds the gateway
# jar and the bench node (tunnel's test classes) if missing.
set -euo pipefail

# A baseline jar named relative to where the script was called from, before the cd below.
if [ -n "${BASELINE_JAR:-}" ]; then BASELINE_JAR=$(realpath -m "$BASELINE_JAR"); fi
VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$VEIL_HOME"
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"   # apt_ensure
# shellcheck source=scripts/bench-lib.sh
. "$VEIL_HOME/scripts/bench-lib.sh"

DURATION=${1:-15}
CONNECTIONS=${2:-200}
WARMUP=${WARMUP:-90}
PROXY_WARMUP=${PROXY_WARMUP:-45}
GATEWAYS=${GATEWAYS:-default bare chain limited}
# Every bench node's ID starts with a digit (or a letter, or either): the same kind in every row.
NODE_ID_KIND=${NODE_ID_KIND:-digit}
case " $GATEWAYS " in
  *" baseline "*) [ -f "${BASELINE_JAR:-}" ] || { echo "bench: baseline: BASELINE_JAR names no jar" >&2; exit 1; } ;;
esac
# The bare gateway on each collector, named (GATEWAYS="g1 parallel serial"): the JVM picks G1 here, but
# Serial in a container of under 2 CPUs or 1792 MiB, as deploy/kubernetes's gateway limits make it.
declare -A GC_OPTS=([g1]=-XX:+UseG1GC [parallel]=-XX:+UseParallelGC [serial]=-XX:+UseSerialGC)
THREADS=2
PIDS=()
# Served under an agent API path, so the gateway's default path filter lets them through; not a
# result read (GET /job-result/{id}), which always takes the filter chain for its delivery receipt.
SMALL=/job-logs/small
LARGE=/job-logs/large

die() { echo "bench: $*" >&2; exit 1; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need+=(redis-server)
command -v curl >/dev/null || need+=(curl)
command -v ss >/dev/null || need+=(iproute2)
((${#need[@]} == 0)) || apt_ensure "${need[@]}"
command -v java >/dev/null || die "needs a JDK (java)"

jar=gateway/target/gateway-0.1.0-SNAPSHOT-exec.jar
build_bench_parts

WORK=$(mktemp -d /tmp/veil-bench-gateway.XXXXXX)
chmod 755 "$WORK"   # nginx's workers read below it
cleanup() {
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$WORK"/*.log "$WORK"/*.out "$WORK"/wrk.txt "$KEEP_LOGS"/ 2>/dev/null || true; fi
  for pid in $( ((${#PIDS[@]})) && descendants "${PIDS[@]}"); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

take_port UP_PORT 18300; take_port NGINX_PORT 18310; take_port HAPROXY_PORT 18320; take_port REDIS_PORT 18330
take_port GW_PORT 18340; take_port GW_MGMT_PORT 18350; take_port GW_TUNNEL_PORT 18360
take_port GW2_PORT 18390; take_port GW2_MGMT_PORT 18400; take_port GW2_TUNNEL_PORT 18410

# Cores: on 4 or more, the upstream on the last, wrk on the one before, the proxies on the rest.
CORES=$(nproc)
if ((CORES >= 4)); then
  UP_CPUS=(taskset -c $((CORES - 1))); WRK_CPUS="taskset -c $((CORES - 2))"; PROXY_CPUS=(taskset -c "0-$((CORES - 3))")
  PROXY_WORKERS=$((CORES - 2)); PINNING="upstream on core $((CORES - 1)), wrk on core $((CORES - 2)), proxies on cores 0-$((CORES - 3))"
else
  UP_CPUS=(); WRK_CPUS=""; PROXY_CPUS=(); PROXY_WORKERS=$CORES
  PINNING="not pinned: $CORES cores are too few to set any apart; wrk, upstream and proxy share them"
fi
WRK_PREFIX=$WRK_CPUS   # bench-lib's load runs wrk under it

# --- Upstream: its own nginx, one worker.
start_upstream "$UP_PORT" "${UP_CPUS[@]}"

# --- nginx as a reverse proxy: workers = the proxies' cores, keep-alive to the upstream.
nginx_proxy_conf proxy "$PROXY_WORKERS" "$NGINX_PORT" "$UP_PORT"
"${PROXY_CPUS[@]}" nginx -e "$WORK/proxy/error.log" -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" & PIDS+=($!)
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGINX_PORT$SMALL" "nginx (proxy)"

# --- HAProxy: threads = the proxies' cores, connections to the upstream reused.
cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread $PROXY_WORKERS
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend bench
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend origin
backend origin
  server upstream 127.0.0.1:$UP_PORT
CONF
"${PROXY_CPUS[@]}" haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 & PIDS+=($!)
HAPROXY_PID=$!
wait_http "http://127.0.0.1:$HAPROXY_PORT$SMALL" haproxy

# --- Redis, then each gateway in turn (one at a time: an idle JVM is not left taking CPU).
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done

# More names, held by another replica, as the registry keeps them (TunnelRegistry); IDs in base58
# as real ones are (zeros become o), so the gateway would look them up.
register_names() { # count
  local replica=BenchReplica
  { echo "HSET veil:{tunnel}:replica:$replica url http://127.0.0.1:1 token t"
    for i in $(seq 1 "$1"); do
      printf 'HSET veil:{tunnel}:service:BenchService%033d replica %s node BenchNode%035d job j\n' "$i" "$replica" "$i"
    done; } | tr 0 o | redis-cli -p "$REDIS_PORT" >/dev/null
  redis-cli -p "$REDIS_PORT" eval "return #redis.call('keys', 'veil:{tunnel}:service:*')" 0
}

# A gateway process in the background (its PID in $!), all on loopback, sharing Redis and the host key.
launch_gateway() { # log name, port, management port, tunnel port, extra args...
  local log=$1 port=$2 mgmt=$3 tunnel=$4; shift 4
  # shellcheck disable=SC2086 # GATEWAY_JAVA_OPTS: words
  PORT=$port MANAGEMENT_PORT=$mgmt VEIL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT \
    VEIL_TUNNEL_PORT=$tunnel VEIL_TUNNEL_HOST_KEY_FILE=$WORK/gateway-host.key \
    "${PROXY_CPUS[@]}" java -Xms1g -Xmx1g ${GATEWAY_JAVA_OPTS:-} ${GW_JVM_OPTS:-} -jar "${GW_JAR:-$jar}" --veil.gateway.tunnel.bind-address=127.0.0.1 \
    --server.address=127.0.0.1 --management.server.address=127.0.0.1 "$@" >"$WORK/gateway-$log.log" 2>&1 & PIDS+=($!)
}

GW_PID=
start_gateway() { # name, extra args...
  local name=$1; shift
  launch_gateway "$name" "$GW_PORT" "$GW_MGMT_PORT" "$GW_TUNNEL_PORT" "$@"
  GW_PID=$!
  wait_http "http://127.0.0.1:$GW_MGMT_PORT/actuator/info" "gateway ($name)"
  for _ in $(seq 60); do ss -Hltn "sport = :$GW_TUNNEL_PORT" | grep -q . && break; sleep 0.5; done
  FINGERPRINT=$(curl -s "http://127.0.0.1:$GW_MGMT_PORT/actuator/info" | { grep -o '"hostKeyFingerprint":"[^"]*"' || true; } | cut -d'"' -f4)
  [ -n "$FINGERPRINT" ] || die "no tunnel.hostKeyFingerprint on the gateway's /actuator/info"
}
stop_gateway() {
  local pid
  for pid in $(descendants "$NODE_PID" "$GW_PID"); do kill "$pid" 2>/dev/null || true; done
  wait "$NODE_PID" "$GW_PID" 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
}

# A second replica (same Redis, same host key, no tunnels of its own) with the same arguments as the
# gateway being measured: a request to it for the bench node is passed on to the replica holding the
# tunnel, as a load balancer in front of two replicas sends half the requests. Measures small and
# large as rows "$1-relay-small|large", counting both gateway JVMs and the node's.
measure_relay() { # name, extra gateway args...
  local name=$1 pid; shift
  launch_gateway "$name-relay" "$GW2_PORT" "$GW2_MGMT_PORT" "$GW2_TUNNEL_PORT" "$@"
  pid=$!
  wait_http "http://127.0.0.1:$GW2_MGMT_PORT/actuator/info" "second replica ($name)"
  local host=$NODE_ID.node.localhost url=http://127.0.0.1:$GW2_PORT
  relays() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "$url$SMALL")" = 200 ]; }
  for _ in $(seq 60); do relays && break; sleep 0.5; done
  relays || die "the second replica ($name) does not pass requests on to the one holding the tunnel"
  echo "bench: gateway $name, through a second replica: warming up $((WARMUP / 2)) s" >&2
  load "$url$SMALL" "$host" $((WARMUP / 2)) - >/dev/null
  load "$url$LARGE" "$host" 5 - >/dev/null
  R[$name-relay-small]=$(load "$url$SMALL" "$host" "$DURATION" "$pid $GW_PID $NODE_PID")
  R[$name-relay-large]=$(load "$url$LARGE" "$host" "$DURATION" "$pid $GW_PID $NODE_PID")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

declare -A R
# A yardstick proxy (BenchProxy, or NettyBenchProxy for rows netty*) in front of a target port,
# warmed up; measures small and large as rows "$1-small|large".
measure_bench_proxy() { # row name, target port, extra CPU pids
  local row=$1 target=$2 extra=${3:-} port pid class=BenchProxy
  case $row in netty*) class=NettyBenchProxy ;; esac
  take_port port 18380
  "${PROXY_CPUS[@]}" java -Xms1g -Xmx1g -cp "$NODE_CP" "dev.veil.tunnel.$class" "$port" "$target" \
    >"$WORK/$row.out" 2>"$WORK/$row.log" & PIDS+=($!)
  pid=$!
  wait_http "http://127.0.0.1:$port$SMALL" "$class ($row)"
  echo "bench: $row: warming up ${PROXY_WARMUP} s" >&2
  load "http://127.0.0.1:$port$SMALL" - "$PROXY_WARMUP" - >/dev/null
  load "http://127.0.0.1:$port$LARGE" - 5 - >/dev/null
  R[$row-small]=$(load "http://127.0.0.1:$port$SMALL" - "$DURATION" "$pid $extra")
  R[$row-large]=$(load "http://127.0.0.1:$port$LARGE" - "$DURATION" "$pid $extra")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

measure_gateway() { # name, small only (0/1), extra gateway args...
  local name=$1 small_only=$2; shift 2
  echo "bench: gateway $name: warming up ${WARMUP} s" >&2
  start_gateway "$name" "$@"
  start_node "node-$name" "$UP_PORT" "$SMALL" -Dveil.bench.node-id="$NODE_ID_KIND"
  NODE_PID=$LAST_PID
  NAMES_SMALL=$(( $(register_names 9) + 1 ))   # with the node: 10
  local host=$NODE_ID.node.localhost url=http://127.0.0.1:$GW_PORT raw=http://127.0.0.1:$NODE_FWD_PORT
  load "$url$SMALL" "$host" "$WARMUP" - >/dev/null
  load "$url$LARGE" "$host" 5 - >/dev/null
  echo "bench: gateway $name: measuring" >&2
  R[$name-small]=$(load "$url$SMALL" "$host" "$DURATION" "$GW_PID $NODE_PID")
  if [ "$small_only" = 1 ]; then stop_gateway; return; fi
  R[$name-large]=$(load "$url$LARGE" "$host" "$DURATION" "$GW_PID $NODE_PID")
  if [ "$name" = bare ]; then
    load "$raw$SMALL" - 5 - >/dev/null
    R[tunnel-small]=$(load "$raw$SMALL" - "$DURATION" "$GW_PID $NODE_PID")
    R[tunnel-large]=$(load "$raw$LARGE" - "$DURATION" "$GW_PID $NODE_PID")
    take_port NGINX_TUNNEL_PORT 18370
    nginx_proxy_conf proxy-tunnel "$PROXY_WORKERS" "$NGINX_TUNNEL_PORT" "$NODE_FWD_PORT"
    "${PROXY_CPUS[@]}" nginx -e "$WORK/proxy-tunnel/error.log" -p "$WORK/proxy-tunnel" -c "$WORK/proxy-tunnel/nginx.conf" & PIDS+=($!)
    local nginx_tunnel=$!
    wait_http "http://127.0.0.1:$NGINX_TUNNEL_PORT$SMALL" "nginx in front of the tunnel"
    load "http://127.0.0.1:$NGINX_TUNNEL_PORT$SMALL" - 5 - >/dev/null
    local cpu="$GW_PID $NODE_PID $(descendants "$nginx_tunnel" | tr '\n' ' ')"
    R[nginx-tunnel-small]=$(load "http://127.0.0.1:$NGINX_TUNNEL_PORT$SMALL" - "$DURATION" "$cpu")
    R[nginx-tunnel-large]=$(load "http://127.0.0.1:$NGINX_TUNNEL_PORT$LARGE" - "$DURATION" "$cpu")
    for pid in $(descendants "$nginx_tunnel"); do kill "$pid" 2>/dev/null || true; done
    measure_bench_proxy rn-tunnel "$NODE_FWD_PORT" "$GW_PID $NODE_PID"
    measure_bench_proxy netty-tunnel "$NODE_FWD_PORT" "$GW_PID $NODE_PID"
  fi
  case $name in bare | chain) measure_relay "$name" "$@" ;; esac
  case $name in g1 | parallel | serial | baseline) stop_gateway; return ;; esac   # 10 names only
  NAMES=$(( $(register_names 9999) + 1 ))
  R[$name-10k-small]=$(load "$url$SMALL" "$host" "$DURATION" "$GW_PID $NODE_PID")
  stop_gateway
}

# --- Direct, nginx, HAProxy: a short warm-up each, then measured.
for p in UP NGINX HAPROXY; do
  port_var=${p}_PORT
  load "http://127.0.0.1:${!port_var}$SMALL" - 3 - >/dev/null
done
for size in small large; do
  path=$([ $size = small ] && echo "$SMALL" || echo "$LARGE")
  echo "bench: direct, nginx, haproxy: $size" >&2
  R[direct-$size]=$(load "http://127.0.0.1:$UP_PORT$path" - "$DURATION" "$UP_PID")
  R[nginx-$size]=$(load "http://127.0.0.1:$NGINX_PORT$path" - "$DURATION" "$(descendants "$NGINX_PID" | tr '\n' ' ')")
  R[haproxy-$size]=$(load "http://127.0.0.1:$HAPROXY_PORT$path" - "$DURATION" "$HAPROXY_PID")
done

measure_bench_proxy rn "$UP_PORT"
measure_bench_proxy netty "$UP_PORT"

for gateway in $GATEWAYS; do
  case $gateway in
    default) measure_gateway default 0 --veil.gateway.rate-limit.replenish-rate=1000000 --veil.gateway.rate-limit.burst-capacity=1000000 ;;
    bare) measure_gateway bare 0 --veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false ;;
    limited) measure_gateway limited 1 --veil.gateway.rate-limit.replenish-rate=1000000 --veil.gateway.rate-limit.burst-capacity=1000000 \
      --veil.gateway.access-log=false ;;
    g1 | parallel | serial) GW_JVM_OPTS=${GC_OPTS[$gateway]} measure_gateway "$gateway" 0 --veil.gateway.rate-limit.enabled=false \
      --veil.gateway.access-log=false ;;
    baseline) GW_JAR=$BASELINE_JAR measure_gateway baseline 0 --veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false ;;
    chain) measure_gateway chain 0 --veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false \
      --veil.gateway.nodes.direct-path=false ;;
    *) die "unknown gateway configuration $gateway (GATEWAYS: default bare chain limited g1 parallel serial baseline)" ;;
  esac
done

# --- Report.
declare -A LABEL=(
  [direct]="direct (wrk → upstream nginx)"
  [nginx]="nginx reverse proxy ($PROXY_WORKERS workers)"
  [haproxy]="HAProxy ($PROXY_WORKERS threads)"
  [default]="Veil gateway as configured by default (rate limit + access log), Host: <node>.node.localhost, through the node's tunnel"
  [bare]="Veil gateway, proxy only (rate limit and access log off), through the tunnel"
  [tunnel]="the tunnel alone (the gateway's forward port, no HTTP proxy)"
  [nginx-tunnel]="nginx reverse proxy in front of the same tunnel (its forward port)"
  [rn]="BenchProxy: the least Reactor Netty proxy (one JVM), to the upstream"
  [rn-tunnel]="BenchProxy in front of the same tunnel (its forward port)"
  [netty]="NettyBenchProxy: the least proxy on Netty alone, no Reactor (one JVM), to the upstream"
  [netty-tunnel]="NettyBenchProxy in front of the same tunnel (its forward port)"
  [limited]="Veil gateway, rate limit on, access log off"
  [g1]="Veil gateway, proxy only, ${GC_OPTS[g1]}"
  [parallel]="Veil gateway, proxy only, ${GC_OPTS[parallel]}"
  [serial]="Veil gateway, proxy only, ${GC_OPTS[serial]}"
  [baseline]="Veil gateway, proxy only, from BASELINE_JAR ($(basename "${BASELINE_JAR:-none}"))"
  [chain]="Veil gateway, proxy only, every request through Spring Cloud Gateway's filter chain (direct-path off)"
  [default-10k]="Veil gateway as configured by default, 10,000 names registered"
  [bare-10k]="Veil gateway, proxy only, 10,000 names registered"
  [chain-10k]="Veil gateway, proxy only, filter chain, 10,000 names registered"
  [bare-relay]="Veil gateway, proxy only, through a second replica (relayed to the one holding the tunnel; CPU of both)"
  [chain-relay]="Veil gateway, proxy only, filter chain, through a second replica (relayed; CPU of both)")
field() { awk -v i="$2" '{ print $i }' <<<"${R[$1]:-}"; }
# Both print – when a row GATEWAYS left out is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else printf "–" }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") printf "%+.2f", a - b; else printf "–" }'; }

table() { # size, throughput column (1 req/s, 4 MiB/s), rows...
  local size=$1 col=$2 p rps p50 p99 mibs errs cpu other; shift 2
  echo "| path | req/s | p50 ms | p99 ms | MiB/s | × nginx | × direct | added p99 ms (vs direct) | proxy CPU, % of a core | other load, % of a core | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for p in "$@"; do
    [ -n "${R[$p-$size]:-}" ] || continue   # a configuration GATEWAYS left out
    read -r rps p50 p99 mibs errs cpu other <<<"${R[$p-$size]}"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$p]}" "$rps" "$p50" "$p99" "$mibs" \
      "$(ratio "$(field "$p-$size" "$col")" "$(field "nginx-$size" "$col")")" \
      "$(ratio "$(field "$p-$size" "$col")" "$(field "direct-$size" "$col")")" \
      "$([ "$p" = direct ] && echo – || added "$p99" "$(field "direct-$size" 3)")" "$cpu" "$other" "$errs"
  done
}
verdict() { # what, value, op, target
  awk -v w="$1" -v v="$2" -v op="$3" -v t="$4" 'BEGIN {
    ok = (op == ">=") ? (v >= t) : (v <= t)
    printf "| %s | %s | %s %s | %s |\n", w, v, op, t, v == "–" ? "not measured" : ok ? "met" : "**not met**" }'
}
small_rows=(direct nginx haproxy rn netty default bare tunnel nginx-tunnel rn-tunnel netty-tunnel)

cat <<REPORT
Machine: $CORES cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(java -version 2>&1 | head -1); $(nginx -v 2>&1); $(haproxy -v 2>&1 | head -1 | cut -d' ' -f1-3); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2).
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --timeout 60s --latency, loopback. Cores: $PINNING.
Upstream: nginx in its own process, 1 worker, a 64-byte file (small) and an 8 MiB file (large). Gateway: -Xms1g -Xmx1g ${GATEWAY_JAVA_OPTS:-}, one at a time with its own bench node; warm-up ${WARMUP} s small + 5 s large each (discarded).
Proxy CPU: user + system time of the proxy's processes during the run (the gateway rows: the gateway and node JVMs), 100 % = one core. Other load: CPU the machine spent on anything but this benchmark and wrk.
Names: $NAMES_SMALL registered names, then ${NAMES:-– (no configuration measured with more)} (the bench node, whose tunnel this gateway holds, and services held by another replica). The node is found among this gateway's own forwards before the registry is read: these rows show the registry's size does not reach that path; they do not measure relayed names. The bench nodes' IDs start with: $NODE_ID_KIND.

Small (64 B):

$(table small 1 "${small_rows[@]}")
$(table small 1 baseline g1 parallel serial chain default-10k bare-10k chain-10k limited bare-relay chain-relay | tail -n +3)

Large (8 MiB):

$(table large 4 direct nginx haproxy rn netty default bare baseline g1 parallel serial chain tunnel nginx-tunnel rn-tunnel netty-tunnel bare-relay chain-relay)

| target (issue #16, same run) | value | target | |
|---|---|---|---|
$(verdict "default ÷ nginx, small req/s" "$(ratio "$(field default-small 1)" "$(field nginx-small 1)")" ">=" 0.7)
$(verdict "bare ÷ nginx, small req/s" "$(ratio "$(field bare-small 1)" "$(field nginx-small 1)")" ">=" 0.8)
$(verdict "default ÷ nginx, large MiB/s" "$(ratio "$(field default-large 4)" "$(field nginx-large 4)")" ">=" 1.0)
$(verdict "default p99 − nginx p99, small (ms)" "$(added "$(field default-small 3)" "$(field nginx-small 3)")" "<=" 2)
$(verdict "default, 10,000 names ÷ 10 names, small req/s (names of this replica's own tunnels)" "$(ratio "$(field default-10k-small 1)" "$(field default-small 1)")" ">=" 0.95)

On the same tunnel (the gateway's HTTP layer alone against nginx's): default ÷ nginx-in-front-of-the-tunnel, small req/s $(ratio "$(field default-small 1)" "$(field nginx-tunnel-small 1)"); bare $(ratio "$(field bare-small 1)" "$(field nginx-tunnel-small 1)"); large MiB/s default $(ratio "$(field default-large 4)" "$(field nginx-tunnel-large 4)").
The least Reactor Netty proxy (BenchProxy) ÷ nginx, small req/s: to the upstream $(ratio "$(field rn-small 1)" "$(field nginx-small 1)"), in front of the tunnel $(ratio "$(field rn-tunnel-small 1)" "$(field nginx-tunnel-small 1)"); bare gateway ÷ BenchProxy on the tunnel $(ratio "$(field bare-small 1)" "$(field rn-tunnel-small 1)").
The least proxy on Netty alone (NettyBenchProxy) ÷ nginx, small req/s: to the upstream $(ratio "$(field netty-small 1)" "$(field nginx-small 1)"), in front of the tunnel $(ratio "$(field netty-tunnel-small 1)" "$(field nginx-tunnel-small 1)"); ÷ BenchProxy: to the upstream $(ratio "$(field netty-small 1)" "$(field rn-small 1)"), in front of the tunnel $(ratio "$(field netty-tunnel-small 1)" "$(field rn-tunnel-small 1)"); large MiB/s ÷ nginx, to the upstream $(ratio "$(field netty-large 4)" "$(field nginx-large 4)").
Rate limit alone (rate limit on, access log off) ÷ bare, small req/s: $(ratio "$(field limited-small 1)" "$(field bare-small 1)"); default ÷ rate limit alone (the access log's share): $(ratio "$(field default-small 1)" "$(field limited-small 1)").
Collectors (the bare gateway on each; the bare row runs on the JVM's own choice): parallel ÷ G1, small req/s $(ratio "$(field parallel-small 1)" "$(field g1-small 1)"), large MiB/s $(ratio "$(field parallel-large 4)" "$(field g1-large 4)"); serial ÷ G1, small req/s $(ratio "$(field serial-small 1)" "$(field g1-small 1)"), large MiB/s $(ratio "$(field serial-large 4)" "$(field g1-large 4)").
Direct path ÷ filter chain (bare, small req/s): $(ratio "$(field bare-small 1)" "$(field chain-small 1)"); large MiB/s: $(ratio "$(field bare-large 4)" "$(field chain-large 4)").
Through a second replica (relayed), direct path ÷ filter chain (bare, small req/s): $(ratio "$(field bare-relay-small 1)" "$(field chain-relay-small 1)"); large MiB/s: $(ratio "$(field bare-relay-large 4)" "$(field chain-relay-large 4)"); relayed ÷ held here (bare, small req/s): $(ratio "$(field bare-relay-small 1)" "$(field bare-small 1)").
REPORT
