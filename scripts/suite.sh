# shellcheck shell=bash
# `./veil up` / `./veil down`: the whole suite on one machine, as processes.
# Sourced by ./veil after scripts/engine.sh; uses veil_log / veil_die from there.

SUITE_DIR=${VEIL_STATE}/up
SUITE_REDIS_PORT=${VEIL_REDIS_PORT:-6379}
SUITE_SESSION_PORT=${VEIL_SESSION_PORT:-8081}
SUITE_MARKET_PORT=${VEIL_MARKET_PORT:-8082}
SUITE_GATEWAY_PORT=${VEIL_GATEWAY_PORT:-8080}
SUITE_GATEWAY_MANAGEMENT_PORT=${VEIL_GATEWAY_MANAGEMENT_PORT:-8089}
SUITE_AGENT_PORT=${VEIL_AGENT_PORT:-9090}
SUITE_TUNNEL_PORT=${VEIL_TUNNEL_PORT:-2222}
SUITE_NODE_DOMAIN=${VEIL_NODE_DOMAIN:-node.localhost}
# Started in this order, stopped in reverse.
SUITE_SERVICES=(redis session-service job-market gateway host-agent)

suite_jar() { echo "$VEIL_HOME/$1/target/$1-0.1.0-SNAPSHOT-exec.jar"; }
suite_pidfile() { echo "$SUITE_DIR/pids/$1.pid"; }

# The PID recorded for a service, if that process still runs what we started (not a reused PID).
suite_pid() {
  local file pid
  file=$(suite_pidfile "$1")
  [ -f "$file" ] || return 1
  read -r pid <"$file" || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(suite_marker "$1")" || return 1
  echo "$pid"
}

# Whether the process recorded for a service is still there, whatever it runs yet.
suite_started_alive() {
  local pid
  read -r pid <"$(suite_pidfile "$1")" 2>/dev/null || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

suite_marker() {
  case $1 in
    redis) echo "redis-server" ;;
    *) echo "$1-0.1.0-SNAPSHOT-exec.jar" ;;
  esac
}

suite_build() {
  local s missing=()
  for s in session-service job-market gateway host-agent cli; do
    [ -f "$(suite_jar "$s")" ] || missing+=("$s")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  veil_log "building ${missing[*]} (first run; takes a few minutes)"
  (cd "$VEIL_HOME" && ./mvnw -B -ntp -q package -DskipTests -pl "$(IFS=,; echo "${missing[*]}")" -am) \
    || veil_die "the build failed; run ./mvnw package -DskipTests to see why"
}

suite_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

suite_secret() { # a random token kept 0600 in the state directory
  local file=$SUITE_DIR/secrets/$1
  if [ ! -s "$file" ]; then
    (umask 077; mkdir -p "$SUITE_DIR/secrets"; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$file")
  fi
  cat "$file"
}

suite_start() { # name, command...
  local name=$1; shift
  setsid "$@" >>"$SUITE_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(suite_pidfile "$name")"
}

suite_wait_healthy() { # name, url
  local name=$1 url=$2 i
  for i in $(seq 1 240); do
    # Only a process that is gone has exited: one just started may not have exec'd the service
    # yet (its command line is still the shell's), so the marker check is no test of that here.
    if ! suite_pid "$name" >/dev/null && ! suite_started_alive "$name"; then
      veil_log "$name exited; the end of $SUITE_DIR/logs/$name.log:"
      tail -20 "$SUITE_DIR/logs/$name.log" >&2
      suite_down quiet
      veil_die "$name did not start"
    fi
    if [ "$name" = redis ]; then
      (exec 3<>"/dev/tcp/127.0.0.1/$SUITE_REDIS_PORT" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null && return 0
    else
      curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    fi
    sleep 0.5
  done
  tail -20 "$SUITE_DIR/logs/$name.log" >&2
  suite_down quiet
  veil_die "$name was not healthy within 2 minutes (log: $SUITE_DIR/logs/$name.log)"
}

suite_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    # Its data survives a crash or a restart (append-only file in the state directory), as in production.
    mkdir -p "$SUITE_DIR/redis"
    suite_start redis redis-server --port "$SUITE_REDIS_PORT" --bind 127.0.0.1 --save "" \
      --appendonly yes --appendfsync everysec --dir "$SUITE_DIR/redis"
  else
    # No local redis-server: run the engine's Redis image in the foreground of a tracked process.
    suite_start redis "$VEIL_ENGINE" run --rm --name "veil-up-redis-$SUITE_REDIS_PORT" \
      -p "127.0.0.1:$SUITE_REDIS_PORT:6379" "$VEIL_TEST_REDIS_IMAGE" redis-server --save "" --appendonly no
  fi
}

# Starts every service that is not running (all of them the first time; after a crash or a
# `kill`, only what is gone), each on its port, and waits until the suite routes the node.
suite_up() {
  local s down=()
  for s in "${SUITE_SERVICES[@]}"; do suite_pid "$s" >/dev/null || down+=("$s"); done
  if [ ${#down[@]} -eq 0 ]; then
    veil_log "the suite is already running (./veil down stops it)"
    suite_summary
    return 0
  fi
  require_jdk
  command -v curl >/dev/null 2>&1 || apt_ensure curl
  ensure_engine
  ensure_images
  suite_build
  for s in "${down[@]}"; do
    local p
    for p in $(suite_ports "$s"); do
      suite_port_free "$p" || veil_die "port $p ($s) is taken; free it or set VEIL_*_PORT (see README.md)"
    done
  done
  mkdir -p "$SUITE_DIR/logs" "$SUITE_DIR/pids" "$SUITE_DIR/agent"
  local token gateway_token redis_url=redis://127.0.0.1:$SUITE_REDIS_PORT
  token=$(suite_secret market-session-token)
  gateway_token=$(suite_secret gateway-session-token)
  local session_url=http://127.0.0.1:$SUITE_SESSION_PORT market_url=http://127.0.0.1:$SUITE_MARKET_PORT

  if suite_down_has redis "${down[@]}"; then
    veil_log "starting redis on $SUITE_REDIS_PORT"
    suite_redis
    suite_wait_healthy redis ""
  fi
  if suite_down_has session-service "${down[@]}"; then
    veil_log "starting session-service on $SUITE_SESSION_PORT"
    suite_start session-service env PORT="$SUITE_SESSION_PORT" VEIL_REDIS_URL="$redis_url" \
      VEIL_SESSION_SERVICETOKENS_JOBMARKET="$token" VEIL_SESSION_SERVICETOKENS_GATEWAY="$gateway_token" \
      java -jar "$(suite_jar session-service)"
  fi
  if suite_down_has job-market "${down[@]}"; then
    veil_log "starting job-market on $SUITE_MARKET_PORT"
    suite_start job-market env PORT="$SUITE_MARKET_PORT" VEIL_REDIS_URL="$redis_url" VEIL_SESSION_URL="$session_url" \
      VEIL_MARKET_SESSION_TOKEN="$token" java -jar "$(suite_jar job-market)"
  fi
  if suite_down_has gateway "${down[@]}"; then
    veil_log "starting gateway on $SUITE_GATEWAY_PORT"
    suite_start gateway env PORT="$SUITE_GATEWAY_PORT" MANAGEMENT_PORT="$SUITE_GATEWAY_MANAGEMENT_PORT" \
      VEIL_REDIS_URL="$redis_url" VEIL_SESSION_URL="$session_url" VEIL_MARKET_URL="$market_url" \
      VEIL_GATEWAY_SESSION_TOKEN="$gateway_token" \
      VEIL_NODE_DOMAIN="$SUITE_NODE_DOMAIN" VEIL_TUNNEL_PORT="$SUITE_TUNNEL_PORT" \
      VEIL_TUNNEL_HOST_KEY_FILE="$SUITE_DIR/gateway-host.key" java -jar "$(suite_jar gateway)"
  fi
  if suite_down_has session-service "${down[@]}"; then suite_wait_healthy session-service "$session_url/actuator/health"; fi
  if suite_down_has job-market "${down[@]}"; then suite_wait_healthy job-market "$market_url/actuator/health"; fi
  if suite_down_has gateway "${down[@]}"; then
    suite_wait_healthy gateway "http://127.0.0.1:$SUITE_GATEWAY_MANAGEMENT_PORT/actuator/health"
  fi

  if suite_down_has host-agent "${down[@]}"; then
    # The agent pins the gateway's host key: read its fingerprint where the gateway publishes it.
    local fingerprint
    fingerprint=$(suite_gateway_fingerprint)
    [ -n "$fingerprint" ] || veil_die "the gateway published no tunnel host key fingerprint (see $SUITE_DIR/logs/gateway.log)"
    veil_log "starting host-agent on $SUITE_AGENT_PORT"
    # VEIL_AGENT_JAVA_OPTS: JVM options for the agent only (benchmarks: a capped heap, a GC log), split on spaces.
    # shellcheck disable=SC2086
    suite_start host-agent env PORT="$SUITE_AGENT_PORT" VEIL_MARKET_URL="$market_url" VEIL_SESSION_URL="$session_url" \
      VEIL_TUNNEL_HOST=127.0.0.1 VEIL_TUNNEL_PORT="$SUITE_TUNNEL_PORT" VEIL_TUNNEL_FINGERPRINT="$fingerprint" \
      VEIL_NODE_KEY_FILE="$SUITE_DIR/node.key" \
      VEIL_AGENT_DATA_DIR="$SUITE_DIR/agent" DOCKER_HOST="$DOCKER_HOST" \
      VEIL_AGENT_SERVICEURLFORMAT="http://%s.$SUITE_NODE_DOMAIN:$SUITE_GATEWAY_PORT" \
      java ${VEIL_AGENT_JAVA_OPTS:-} -jar "$(suite_jar host-agent)"
    suite_wait_healthy host-agent "http://127.0.0.1:$SUITE_AGENT_PORT/actuator/health"
  fi
  # The agent dials its tunnel to the gateway (again, after a gateway restart); wait until the gateway routes the node.
  local node i
  node=$(suite_node_id)
  for i in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$SUITE_GATEWAY_PORT/node/info" -H "Host: $node.$SUITE_NODE_DOMAIN" 2>/dev/null && break
    sleep 0.5
  done
  suite_summary
}

suite_down_has() { # name, the services that were down...
  local name=$1 s; shift
  for s in "$@"; do [ "$s" = "$name" ] && return 0; done
  return 1
}

suite_ports() { # the ports a service listens on
  case $1 in
    redis) echo "$SUITE_REDIS_PORT" ;;
    session-service) echo "$SUITE_SESSION_PORT" ;;
    job-market) echo "$SUITE_MARKET_PORT" ;;
    gateway) echo "$SUITE_GATEWAY_PORT $SUITE_GATEWAY_MANAGEMENT_PORT $SUITE_TUNNEL_PORT" ;;
    host-agent) echo "$SUITE_AGENT_PORT" ;;
  esac
}

suite_gateway_fingerprint() {
  curl -fsS "http://127.0.0.1:$SUITE_GATEWAY_MANAGEMENT_PORT/actuator/info" \
    | sed -n 's/.*"hostKeyFingerprint" *: *"\([^"]*\)".*/\1/p'
}

suite_node_id() {
  curl -fsS "http://127.0.0.1:$SUITE_AGENT_PORT/node/info" | sed -n 's/.*"nodeId" *: *"\([^"]*\)".*/\1/p'
}

suite_summary() {
  local node
  node=$(suite_node_id 2>/dev/null || true)
  cat <<SUMMARY
Veil is up.
  gateway      http://localhost:$SUITE_GATEWAY_PORT   (public APIs: /v1/...; nodes and services: http://<id>.$SUITE_NODE_DOMAIN:$SUITE_GATEWAY_PORT)
  node ID      ${node:-unknown}
  node API     http://${node:-<node>}.$SUITE_NODE_DOMAIN:$SUITE_GATEWAY_PORT   (through the agent's tunnel)
  tunnel       127.0.0.1:$SUITE_TUNNEL_PORT, host key $(suite_gateway_fingerprint 2>/dev/null || echo unknown)
  logs         $SUITE_DIR/logs/
Next:
  ./veil job post --file spec/private-send-template.json --wait --definition spec/job-definition-request.json
Stop with ./veil down.
SUMMARY
}

suite_down() {
  local quiet=${1:-} s pid stopped=0 i
  for ((i = ${#SUITE_SERVICES[@]} - 1; i >= 0; i--)); do
    s=${SUITE_SERVICES[$i]}
    if pid=$(suite_pid "$s"); then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
      [ -z "$quiet" ] && veil_log "stopped $s"
      stopped=$((stopped + 1))
    fi
    rm -f "$(suite_pidfile "$s")"
  done
  [ -z "$quiet" ] && [ $stopped -eq 0 ] && veil_log "nothing was running"
  return 0
}
