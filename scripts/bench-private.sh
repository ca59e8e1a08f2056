#!/usr/bin/env bash
# What one owner request to a host costs, against a market read, in the same run. See docs/benchmarks.md.
#
#   scripts/bench-private.sh [ROUNDS]      default 3
#
# Runs `./veil up` on its own ports and state directory, posts the seed's private template and
# lets the job wait for its definition (no container runs), makes a session scoped to that job and
# that node, then, ROUNDS times, puts the same paced load (scripts/PacedClient.java: keep-alive,
# one request at a time per client) on:
#   market direct      GET /v1/jobs/{id} at job-market's own port
#   market, gateway    the same through the gateway
#   private direct     GET /service/url/{id} with the session, at the agent's own port
#   private, gateway   the same through the gateway and the node's tunnel
#   no session, gw     the same without a session (401 at the agent: no validation)
# first with one client (RATE requests/s, WARMUP then COUNT requests), then with CLIENTS clients.
# Around the "private, gateway" run of the one-client load it reads each service's Micrometer
# timers (Prometheus endpoint) and prints the mean time per hop. The gateway's per-client rate
# limit is raised for the run (the limiter still runs; it just never refuses), so every answer
# is a real one. Everything talks only to loopback.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-3}
RATE=${RATE:-80} WARMUP=${WARMUP:-100} COUNT=${COUNT:-300}
CLIENTS=${CLIENTS:-50} CLIENT_RATE=${CLIENT_RATE:-10} CLIENT_COUNT=${CLIENT_COUNT:-100}
JIT_WARMUP=${JIT_WARMUP:-3000}   # requests per path, before anything is measured
export VEIL_HOME
export VEIL_STATE=${VEIL_BENCH_STATE:-$(mktemp -d /tmp/veil-bench-private.XXXXXX)}
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"
ensure_engine
ensure_images

# Ports of the suite under measurement, away from a developer's own ./veil up and the other benchmarks.
export VEIL_REDIS_PORT=${VEIL_REDIS_PORT:-26379} VEIL_SESSION_PORT=${VEIL_SESSION_PORT:-26081}
export VEIL_MARKET_PORT=${VEIL_MARKET_PORT:-26082} VEIL_GATEWAY_PORT=${VEIL_GATEWAY_PORT:-26080}
export VEIL_GATEWAY_MANAGEMENT_PORT=${VEIL_GATEWAY_MANAGEMENT_PORT:-26083} VEIL_AGENT_PORT=${VEIL_AGENT_PORT:-26090}
export VEIL_TUNNEL_PORT=${VEIL_TUNNEL_PORT:-26022}
export VEIL_GATEWAY_URL=http://localhost:$VEIL_GATEWAY_PORT
export VEIL_KEY_FILE=$VEIL_STATE/client.key VEIL_CONFIG=$VEIL_STATE/no-config.properties
export VEIL_GATEWAY_RATELIMIT_REPLENISHRATE=1000000 VEIL_GATEWAY_RATELIMIT_BURSTCAPACITY=2000000
GATEWAY=http://127.0.0.1:$VEIL_GATEWAY_PORT
MARKET=http://127.0.0.1:$VEIL_MARKET_PORT
AGENT=http://127.0.0.1:$VEIL_AGENT_PORT

cli() { "$VEIL_HOME/veil" "$@"; }
cleanup() { cli down >/dev/null 2>&1 || true; [ -n "${KEEP_STATE:-}" ] || rm -rf "$VEIL_STATE"; }
trap cleanup EXIT

paced() { # clients, rate, warmup, count, url, headers...
  local clients=$1 rate=$2 warmup=$3 count=$4 url=$5; shift 5
  local args=() h
  for h in "$@"; do args+=(-H "$h"); done
  java -Djdk.httpclient.allowRestrictedHeaders=host "$VEIL_HOME/scripts/PacedClient.java" \
    --clients "$clients" --rate "$rate" --warmup "$warmup" --count "$count" "${args[@]}" "$url"
}

# A Micrometer timer's count and sum (seconds) from a Prometheus endpoint: "count sum".
timer() { # prometheus url, metric name, label filter (a fixed string every wanted series contains)
  curl -fsS "$1" | awk -v name="$2" -v filter="$3" '
    index($0, name "_count{") == 1 && index($0, filter) { c += $NF }
    index($0, name "_sum{") == 1 && index($0, filter) { s += $NF }
    END { printf "%d %.9f\n", c, s }'
}

cli down >/dev/null 2>&1 || true
cli up >/dev/null
job=$(cli job post --file "$VEIL_HOME/spec/private-send-template.json")
node=""
for _ in $(seq 1 120); do
  node=$(cli job status "$job" --field nodeId 2>/dev/null || true)
  [ -n "$node" ] && break
  sleep 0.5
done
[ -n "$node" ] || { echo "bench: no host claimed $job" >&2; exit 1; }
session=$(cli session create --job "$job" --node "$node")
node_host="Host: $node.${VEIL_NODE_DOMAIN:-node.localhost}"

# name | url | headers...
paths=(
  "market direct|$MARKET/v1/jobs/$job"
  "market, gateway|$GATEWAY/v1/jobs/$job"
  "private direct|$AGENT/service/url/$job|x-session-id: $session"
  "private, gateway|$GATEWAY/service/url/$job|$node_host|x-session-id: $session"
  "no session, gateway|$GATEWAY/service/url/$job|$node_host"
)

run_path() { # clients rate warmup count "name|url|headers..."
  local clients=$1 rate=$2 warmup=$3 count=$4 spec=$5
  local IFS='|'
  # shellcheck disable=SC2086
  set -- $spec
  local name=$1 url=$2; shift 2
  unset IFS
  paced "$clients" "$rate" "$warmup" "$count" "$url" "$@"
}

echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr); $(java -version 2>&1 | head -1)"
echo "Main at $(git -C "$VEIL_HOME" rev-parse --short HEAD)$(git -C "$VEIL_HOME" diff --quiet HEAD -- . ':!docs' || echo ' (with local changes)')."
echo "JIT warm-up: $JIT_WARMUP requests per path at 400/s, then each path: $WARMUP requests of warm-up and $COUNT measured."
echo

for spec in "${paths[@]}"; do run_path 4 100 0 $((JIT_WARMUP / 4)) "$spec" >/dev/null; done

hops() {
  echo "### Per hop, one client, private through the gateway (means from each service's timers)"
  echo
  echo "| hop | count | mean ms |"
  echo "|---|---|---|"
  local b=$1 a=$2
  paste -d' ' "$b" "$a" | while read -r name c0 s0 _ c1 s1; do
    awk -v n="$name" -v c0="$c0" -v s0="$s0" -v c1="$c1" -v s1="$s1" \
      'BEGIN { c = c1 - c0; printf "| %s | %d | %s |\n", n, c, (c > 0 ? sprintf("%.2f", (s1 - s0) * 1000 / c) : "–") }'
  done
  echo
  echo "Checking the session at the host (\`veil.agent.sessions.check\` histogram, this run only; a bucket's upper bound):"
  echo
  check_quantiles "$VEIL_STATE/check-before" "$VEIL_STATE/check-after"
  echo
}

check_buckets() { # file: "source le count" per bucket of the agent's session-check histogram
  curl -fsS "$AGENT/actuator/prometheus" | awk '
    index($0, "veil_agent_sessions_check_seconds_bucket{") == 1 {
      match($0, /source="[^"]*"/); source = substr($0, RSTART + 8, RLENGTH - 9)
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      print source, le, $NF }' >"$1"
}

check_quantiles() { # before, after
  [ -s "$1" ] || { echo "- (this agent has no session-check histogram)"; return 0; }
  paste -d' ' "$1" "$2" | awk '
    { source = $1; le = $2; n = $6 - $3; les[source, ++k[source]] = le; cum[source, k[source]] = n
      if (le == "+Inf") total[source] = n }
    END {
      for (s in total) {
        if (total[s] == 0) continue
        split("0.5 0.99", qs, " ")
        for (qi = 1; qi <= 2; qi++) {
          for (i = 1; i <= k[s]; i++) if (cum[s, i] >= qs[qi] * total[s]) break
          printf "- %s (%d checks), p%s ≤ %.3f ms\n", s, total[s], qs[qi] * 100, les[s, i] * 1000
        }
      }
    }'
}

sample() { # file
  {
    # The node route's own timer: most node requests never reach WebFlux (NodeDataPlane serves them).
    echo "gateway:node-route $(timer "http://127.0.0.1:$VEIL_GATEWAY_MANAGEMENT_PORT/actuator/prometheus" spring_cloud_gateway_requests_seconds 'routeId="node"')"
    echo "agent:server:/service/url $(timer "$AGENT/actuator/prometheus" http_server_requests_seconds 'uri="/service/url/{jobId}"')"
    echo "agent:client:validate $(timer "$AGENT/actuator/prometheus" http_client_requests_seconds 'uri="/v1/sessions/validate"')"
    echo "session:server:validate $(timer "http://127.0.0.1:$VEIL_SESSION_PORT/actuator/prometheus" http_server_requests_seconds 'uri="/v1/sessions/validate"')"
    # Redis's own time for every command it ran (anyone's: the gateway's rate limiter and routes too), server side.
    echo "redis:all-commands $(redis-cli -p "$VEIL_REDIS_PORT" info commandstats 2>/dev/null \
      | awk -F'[:,=]' '/^cmdstat_/ { c += $3; u += $5 } END { printf "%d %.9f\n", c, u / 1e6 }')"
  } >"$1"
}

for round in $(seq 1 "$ROUNDS"); do
  echo "### Round $round: one client, $RATE requests/s"
  echo
  echo "| path | requests | p50 ms | p90 ms | p99 ms | max ms | non-2xx | statuses |"
  echo "|---|---|---|---|---|---|---|---|"
  declare -A p50=()
  for spec in "${paths[@]}"; do
    name=${spec%%|*}
    [ "$name" = "private, gateway" ] && [ "$round" = 1 ] && sample "$VEIL_STATE/before" && check_buckets "$VEIL_STATE/check-before"
    read -r n q50 q90 q99 qmax bad seen < <(run_path 1 "$RATE" "$WARMUP" "$COUNT" "$spec")
    [ "$name" = "private, gateway" ] && [ "$round" = 1 ] && sample "$VEIL_STATE/after" && check_buckets "$VEIL_STATE/check-after"
    p50[$name]=$q50
    echo "| $name | $n | $q50 | $q90 | $q99 | $qmax | $bad | $seen |"
  done
  echo
  awk -v p="${p50[private, gateway]}" -v m="${p50[market, gateway]}" \
    'BEGIN { printf "Private ÷ market read, both through the gateway, p50: **%.2f**\n\n", p / m }'
  [ "$round" = 1 ] && hops "$VEIL_STATE/before" "$VEIL_STATE/after"

  echo "### Round $round: $CLIENTS clients, $CLIENT_RATE requests/s each"
  echo
  echo "| path | requests | p50 ms | p90 ms | p99 ms | max ms | non-2xx | statuses |"
  echo "|---|---|---|---|---|---|---|---|"
  for spec in "${paths[@]}"; do
    name=${spec%%|*}
    read -r n q50 q90 q99 qmax bad seen < <(run_path "$CLIENTS" "$CLIENT_RATE" 10 "$CLIENT_COUNT" "$spec")
    p50[$name]=$q50
    echo "| $name | $n | $q50 | $q90 | $q99 | $qmax | $bad | $seen |"
  done
  echo
  awk -v p="${p50[private, gateway]}" -v m="${p50[market, gateway]}" \
    'BEGIN { printf "Private ÷ market read, both through the gateway, p50: **%.2f**\n\n", p / m }'
done
