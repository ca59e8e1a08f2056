#!/usr/bin/env bash
# Gateway benchmark: the same wrk load, in one run, direct to an upstream, through nginx as a
# reverse proxy, and through the Veil gateway (routed by Host from a Redis registry of 10 and of
# 10,000 routes). Loopback only, each run bounded in time. Prints a Markdown report.
#
#   scripts/bench-gateway.sh [duration_seconds] [connections]
#
# Needs: wrk, nginx, redis-server (Debian: apt-get install wrk nginx-light redis-server), a JDK.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-10}
CONNECTIONS=${2:-200}
WARMUP=${WARMUP:-45}   # seconds of small-response load per gateway before anything is measured
THREADS=2
WORK=$(mktemp -d /tmp/veil-bench.XXXXXX)
chmod 755 "$WORK"   # nginx workers (nobody) read the files
UP_PORT=18091 NGINX_PORT=18092 REDIS_PORT=18093 GW_PORT=18094 GW_BARE_PORT=18095 GW_OBS_PORT=18096
NODE_ID=BenchNode1111111111111111111111111111111111
PIDS=()

die() { echo "bench: $*" >&2; exit 1; }
for tool in wrk nginx redis-server redis-cli java curl; do command -v "$tool" >/dev/null || die "needs $tool"; done
cleanup() { [ -n "${KEEP_LOGS:-}" ] && cp "$WORK"/*.log "$WORK"/wrk.txt "$KEEP_LOGS"/ 2>/dev/null; for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

jar=gateway/target/gateway-0.1.0-SNAPSHOT-exec.jar
[ -f "$jar" ] || ./mvnw -B -ntp -q -pl gateway -am package -DskipTests

# Upstream and reverse proxy: one nginx, two servers.
mkdir -p "$WORK/www" "$WORK/nginx"
head -c 64 /dev/zero | tr '\0' 'x' > "$WORK/www/small"
head -c $((8 * 1024 * 1024)) /dev/urandom > "$WORK/www/large"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  upstream origin { server 127.0.0.1:$UP_PORT; keepalive 256; }
  server { listen 127.0.0.1:$UP_PORT; root $WORK/www; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" & PIDS+=($!)
redis-server --port $REDIS_PORT --save "" --appendonly no --bind 127.0.0.1 >"$WORK/redis.log" 2>&1 & PIDS+=($!)
for _ in $(seq 50); do redis-cli -p $REDIS_PORT ping >/dev/null 2>&1 && break; sleep 0.2; done

register_routes() { # total routes in the registry, the benchmark node among them
  local total=$1
  redis-cli -p $REDIS_PORT flushall >/dev/null
  { echo "HSET veil:registry:node:$NODE_ID apiUrl http://127.0.0.1:$UP_PORT version bench lastSeen 0"
    for i in $(seq 2 "$total"); do
      printf 'HSET veil:registry:service:BenchService%033d upstream http://127.0.0.1:%s nodeId %s jobId j\n' "$i" "$UP_PORT" "$NODE_ID"
    done; } | redis-cli -p $REDIS_PORT >/dev/null
  redis-cli -p $REDIS_PORT dbsize
}

start_gateway() { # port, extra args...
  local port=$1; shift
  PORT=$port MANAGEMENT_PORT=0 VEIL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT \
    java -Xms512m -Xmx512m -jar "$jar" "$@" >"$WORK/gateway-$port.log" 2>&1 & PIDS+=($!)
  for _ in $(seq 120); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0; sleep 0.5
  done
  die "gateway on $port did not start: $(tail -5 "$WORK/gateway-$port.log")"
}

# wrk → "requests/s p50_ms p99_ms non2xx"
load() { # url, host header (or -), seconds
  local out
  if [ "$2" = - ]; then out=$(wrk -t$THREADS -c"$CONNECTIONS" -d"$3"s --latency "$1")
  else out=$(wrk -t$THREADS -c"$CONNECTIONS" -d"$3"s --latency -H "Host: $2" "$1"); fi
  echo "$out" >> "$WORK/wrk.txt"
  awk -v errors="$(echo "$out" | awk '/Non-2xx/ {print $NF}')" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (errors == "" ? 0 : errors) }' <<<"$out"
}

register_routes 10 >/dev/null
start_gateway $GW_PORT --veil.gateway.rate-limit.replenish-rate=1000000 --veil.gateway.rate-limit.burst-capacity=1000000 \
  --logging.level.veil.gateway.access=INFO
start_gateway $GW_BARE_PORT --veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false
# The same bare proxy with Spring Cloud Gateway's Observation layer on (off by default in Veil).
start_gateway $GW_OBS_PORT --veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false \
  --spring.cloud.gateway.server.webflux.observability.enabled=true
NODE_HOST=$NODE_ID.node.localhost

# Warm up every path (JIT, connection pools), then measure.
for port in $GW_PORT $GW_BARE_PORT $GW_OBS_PORT; do
  load "http://127.0.0.1:$port/small" "$NODE_HOST" "$WARMUP" >/dev/null
  load "http://127.0.0.1:$port/large" "$NODE_HOST" 4 >/dev/null
done
load "http://127.0.0.1:$NGINX_PORT/small" - 3 >/dev/null

declare -A R
for size in small large; do
  R[direct-$size]=$(load "http://127.0.0.1:$UP_PORT/$size" - "$DURATION")
  R[nginx-$size]=$(load "http://127.0.0.1:$NGINX_PORT/$size" - "$DURATION")
  R[gateway-$size]=$(load "http://127.0.0.1:$GW_PORT/$size" "$NODE_HOST" "$DURATION")
  R[bare-$size]=$(load "http://127.0.0.1:$GW_BARE_PORT/$size" "$NODE_HOST" "$DURATION")
done
R[obs-small]=$(load "http://127.0.0.1:$GW_OBS_PORT/small" "$NODE_HOST" "$DURATION")
ROUTES_LARGE=$(register_routes 10000)
redis-cli -p $REDIS_PORT publish veil:registry:events "node:$NODE_ID" >/dev/null
R[gateway-10k-small]=$(load "http://127.0.0.1:$GW_PORT/small" "$NODE_HOST" "$DURATION")
R[bare-10k-small]=$(load "http://127.0.0.1:$GW_BARE_PORT/small" "$NODE_HOST" "$DURATION")

row() { # label, key, baseline key
  read -r rps p50 p99 errs <<<"${R[$2]}"
  read -r brps bp50 bp99 _ <<<"${R[$3]}"
  awk -v l="$1" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v e="$errs" -v brps="$brps" -v bp50="$bp50" -v bp99="$bp99" -v base="$3" '
    BEGIN { if (l ~ /^direct/) printf "| %s | %d | %.2f | %.2f | 1.00 | – | – | %s |\n", l, rps, p50, p99, e;
            else printf "| %s | %d | %.2f | %.2f | %.2f | %+.2f | %+.2f | %s |\n", l, rps, p50, p99, rps / brps, p50 - bp50, p99 - bp99, e }'
}

cat <<REPORT
Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(java -version 2>&1 | head -1); $(nginx -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2).
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, loopback, everything on the same cores.
Upstream: nginx serving a 64-byte file (small) and an 8 MiB file (large). Registry: 10 routes, then $ROUTES_LARGE.

| path | req/s | p50 ms | p99 ms | × direct | added p50 ms | added p99 ms | non-2xx |
|---|---|---|---|---|---|---|---|
$(row "direct, small" direct-small direct-small)
$(row "nginx proxy, small" nginx-small direct-small)
$(row "gateway (rate limit + access log), small" gateway-small direct-small)
$(row "gateway (proxy only), small" bare-small direct-small)
$(row "gateway (proxy only, Observation on), small" obs-small direct-small)
$(row "gateway (rate limit + access log), small, 10k routes" gateway-10k-small direct-small)
$(row "gateway (proxy only), small, 10k routes" bare-10k-small direct-small)
$(row "direct, large" direct-large direct-large)
$(row "nginx proxy, large" nginx-large direct-large)
$(row "gateway (rate limit + access log), large" gateway-large direct-large)
$(row "gateway (proxy only), large" bare-large direct-large)

Observation layer on ÷ off (proxy only, small): $(awk -v o="${R[obs-small]%% *}" -v b="${R[bare-small]%% *}" 'BEGIN {printf "%.2f", o/b}').
Gateway ÷ nginx throughput: small $(awk -v g="${R[gateway-small]%% *}" -v n="${R[nginx-small]%% *}" 'BEGIN {printf "%.2f", g/n}') (proxy only $(awk -v g="${R[bare-small]%% *}" -v n="${R[nginx-small]%% *}" 'BEGIN {printf "%.2f", g/n}')), large $(awk -v g="${R[gateway-large]%% *}" -v n="${R[nginx-large]%% *}" 'BEGIN {printf "%.2f", g/n}') (proxy only $(awk -v g="${R[bare-large]%% *}" -v n="${R[nginx-large]%% *}" 'BEGIN {printf "%.2f", g/n}')).
REPORT
