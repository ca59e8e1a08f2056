# shellcheck shell=bash
# Helpers shared by the load benchmarks (bench-gateway.sh, bench-tunnel.sh, profile-gateway.sh). The caller sets
# WORK (a scratch directory), THREADS and CONNECTIONS (wrk's), and PIDS (an array of what it
# started), and defines die(); WRK_PREFIX, if set, is a command wrk runs under (taskset -c N).

descendants() { # the given PIDs and all their descendants, one a line
  local p children
  for p in "$@"; do
    echo "$p"
    mapfile -t children < <(pgrep -P "$p" || true)
    ((${#children[@]} == 0)) || descendants "${children[@]}"
  done
}

# Free loopback ports, none handed out twice.
TAKEN=" "
take_port() { # variable name, first port to try
  local p
  for ((p = $2; p < $2 + 1000; p++)); do
    [[ $TAKEN == *" $p "* ]] && continue
    ss -Hltn "sport = :$p" | grep -q . && continue
    TAKEN+="$p "; printf -v "$1" %s "$p"; return 0
  done
  die "no free port from $2"
}

wait_http() { # url, what; 60 s at most
  for _ in $(seq 120); do curl -s -o /dev/null --max-time 2 "$1" && return 0; sleep 0.5; done
  die "$2 does not answer on $1"
}

# A process's user and system clock ticks, "utime stime", from /proc; nothing once it has ended.
# After "pid (comm) ": field 3 is state, so utime and stime are the 12th and 13th there.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12, $13}'; }

# Clock ticks (user + system) of the given PIDs; a PID that ended in between counts as 0.
ticks() {
  local total=0 pid user system
  for pid in "$@"; do
    read -r user system < <(cpu_ticks "$pid") || continue
    total=$(( total + user + system ))
  done
  echo "$total"
}

machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 }' /proc/stat; }   # user + nice + system, all cores

# wrk → "req/s p50_ms p99_ms MiB/s errors cpu% other_cpu%"; errors = non-2xx + socket errors
# (timeouts included). cpu: the given processes; other_cpu: what the machine ran besides
# everything this benchmark started and wrk (another user's build, say), both in % of one core.
# --timeout 60s: an 8 MiB response through a slow path must count, not be dropped after wrk's 2 s.
load() { # url, host header (or -), seconds, pids whose CPU to count (space-separated, or -)
  local out t0 t1 a0 a1 m0 m1 wrk_ticks pids=() all host=()
  [ "$4" != - ] && read -r -a pids <<<"$4"
  [ "$2" != - ] && host=(-H "Host: $2")
  read -r -a all <<<"$(descendants "${PIDS[@]}" | tr '\n' ' ')"
  t0=$(ticks "${pids[@]}"); a0=$(ticks "${all[@]}"); m0=$(machine_ticks)
  # wrk's own CPU: its parent shell's children times (fields 16, 17 of /proc/self/stat) once it has ended.
  # shellcheck disable=SC2016 # expanded by that shell
  out=$(BENCH_WRK_PREFIX=${WRK_PREFIX:-} sh -c '$BENCH_WRK_PREFIX wrk "$@"; echo "wrk-ticks $(cut -d" " -f16,17 /proc/$$/stat)"' wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3"s \
    --timeout 60s --latency "${host[@]}" "$1")
  t1=$(ticks "${pids[@]}"); a1=$(ticks "${all[@]}"); m1=$(machine_ticks)
  printf '### %s %s\n%s\n' "$1" "$2" "$out" >> "$WORK/wrk.txt"
  wrk_ticks=$(awk '/^wrk-ticks/ { print $2 + $3 }' <<<"$out")
  awk -v cpu="$(( (t1 - t0) * 100 / CLK_TCK / $3 ))" \
      -v other="$(( (m1 - m0 - (a1 - a0) - wrk_ticks) * 100 / CLK_TCK / $3 ))" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    function mib(v) { if (v ~ /GB$/) return v * 1024; if (v ~ /MB$/) return v + 0; if (v ~ /KB$/) return v / 1024; if (v ~ /B$/) return v / 1048576; return v }
    /Requests\/sec/ { rps = $2 }
    /Transfer\/sec/ { mibs = mib($2) }
    /Non-2xx/ { errors += $NF }
    /Socket errors/ { for (i = 4; i <= NF; i += 2) { v = $i; sub(",", "", v); errors += v } }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.1f %.2f %.2f %.1f %d %d %d\n", rps, p50, p99, mibs, errors, cpu, (other < 0 ? 0 : other) }' <<<"$out"
  sleep 2   # what the last run left in flight drains before the next
}

# An nginx configuration in $WORK/<name>/nginx.conf: keep-alive on, no access log, the given
# server (and upstream) blocks; run it with nginx -p "$WORK/<name>" -c "$WORK/<name>/nginx.conf".
nginx_conf() { # name, workers, server block
  mkdir -p "$WORK/$1"
  cat > "$WORK/$1/nginx.conf" <<CONF
worker_processes $2;
daemon off;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/$1/body; proxy_temp_path $WORK/$1/proxy;
  fastcgi_temp_path $WORK/$1/fcgi; uwsgi_temp_path $WORK/$1/uwsgi; scgi_temp_path $WORK/$1/scgi;
  $3
}
CONF
}

# nginx as a reverse proxy (its configuration, as nginx_conf): listening on 127.0.0.1:<listen port>,
# a keep-alive pool of up to 512 idle connections per worker to 127.0.0.1:<target port>, HTTP/1.1,
# no buffering. The benchmarks' nginx rows, in front of the upstream or of a node's forward port.
nginx_proxy_conf() { # name, workers, listen port, target port
  nginx_conf "$1" "$2" "upstream target { server 127.0.0.1:$4; keepalive 512; }
  server {
    listen 127.0.0.1:$3;
    location / { proxy_pass http://target; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off; }
  }"
}

# The upstream both gateway scripts measure against: nginx, one worker, serving a 64-byte $SMALL and
# an 8 MiB $LARGE (under an agent API path, so the gateway lets them through); sets UP_PID.
start_upstream() { # port, then what to run nginx under (taskset -c N), if anything
  local port=$1; shift
  mkdir -p "$WORK/www$(dirname "$SMALL")" "$WORK/www$(dirname "$LARGE")"
  head -c 64 /dev/zero | tr '\0' 'x' > "$WORK/www$SMALL"
  head -c $((8 * 1024 * 1024)) /dev/urandom > "$WORK/www$LARGE"
  chmod -R a+rX "$WORK/www"
  nginx_conf upstream 1 "server { listen 127.0.0.1:$port; root $WORK/www; }"
  "$@" nginx -e "$WORK/upstream/error.log" -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" & PIDS+=($!)
  UP_PID=$!
  wait_http "http://127.0.0.1:$port$SMALL" "the upstream nginx"
}

# A bench node (tunnel's test classes: dev.veil.tunnel.BenchNode) dialing the gateway's tunnel
# port and forwarding its `node` name to a local port. Sets NODE_ID, NODE_CIPHER, NODE_FWD_PORT
# (the gateway's loopback listener for the forward: the raw tunnel) and LAST_PID.
# Needs NODE_CP, GW_PID, GW_PORT, GW_TUNNEL_PORT, FINGERPRINT; $3 is a path the gateway must route.
gateway_listeners() { # the gateway process's listening ports, one a line
  ss -Hltnp | awk -v pid="pid=$GW_PID," 'index($0, pid) { n = split($4, a, ":"); print a[n] }' | sort -u
}
start_node() { # name, upstream port, path to check, extra JVM options...
  local name=$1 upstream=$2 check=$3 before; shift 3
  before=$(gateway_listeners)
  # shellcheck disable=SC2086 # NODE_JAVA_OPTS: words
  java ${NODE_JAVA_OPTS:-} "$@" -cp "$NODE_CP" dev.veil.tunnel.BenchNode "$GW_TUNNEL_PORT" "$FINGERPRINT" "$upstream" \
    >"$WORK/$name.out" 2>"$WORK/$name.log" & PIDS+=($!)
  LAST_PID=$!
  for _ in $(seq 120); do grep -q '^cipher ' "$WORK/$name.out" && break; sleep 0.5; done
  grep -q '^cipher ' "$WORK/$name.out" || die "node $name did not open its tunnel: $(tail -5 "$WORK/$name.log")"
  NODE_ID=$(sed -n 's/^node //p' "$WORK/$name.out")
  NODE_CIPHER=$(sed -n 's/^cipher \([^ ]*\).*/\1/p' "$WORK/$name.out")
  # The forward's listener: the one port of the gateway's that is new since this node connected.
  for _ in $(seq 20); do
    NODE_FWD_PORT=$(comm -13 <(echo "$before") <(gateway_listeners) | head -1)
    [ -n "$NODE_FWD_PORT" ] && break; sleep 0.25
  done
  [ -n "$NODE_FWD_PORT" ] || die "no loopback listener of the gateway for node $name's forward"
  wait_http "http://127.0.0.1:$NODE_FWD_PORT$check" "node $name's forward (raw)"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $NODE_ID.node.localhost" "http://127.0.0.1:$GW_PORT$check")" = 200 ] \
    || die "the gateway does not route $NODE_ID.node.localhost to node $name"
}

# Builds what the benchmarks run if missing, or older than a pom that changes what they hold: the
# gateway's jar, tunnel's test classes (the bench node, the yardstick proxies) and their class path.
# Sets NODE_CP.
build_bench_parts() {
  local jar=gateway/target/gateway-0.1.0-SNAPSHOT-exec.jar cp_file=tunnel/target/bench-classpath.txt
  if [ ! -f "$jar" ] || [ ! -f tunnel/target/test-classes/dev/veil/tunnel/BenchNode.class ] \
    || [ ! -f tunnel/target/test-classes/dev/veil/tunnel/NettyBenchProxy.class ] || [ ! -f "$cp_file" ] \
    || [ pom.xml -nt "$cp_file" ] || [ tunnel/pom.xml -nt "$cp_file" ] || [ gateway/pom.xml -nt "$jar" ]; then
    ./mvnw -B -ntp -q -pl gateway,tunnel -am package dependency:build-classpath -DskipTests \
      -Dmdep.outputFile=target/bench-classpath.txt
  fi
  NODE_CP=tunnel/target/test-classes:tunnel/target/classes:$(cat "$cp_file")
}
