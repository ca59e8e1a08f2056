#!/usr/bin/env bash
# Tunnel benchmark: the same wrk load, in one run, against one upstream (nginx on loopback serving
# a 64-byte and an 8 MiB file, keep-alive on), reached
#   1. directly;
#   2. through an OpenSSH reverse tunnel: Debian's sshd, unprivileged, on a loopback port with its
#      own temporary host key and authorized_keys, and `ssh -N -R` from a temporary client key;
#   3. through the Veil tunnel alone: the gateway's own loopback listener for a node's `node`
#      forward (MINA SSHD server in the gateway, MINA client in a node, no HTTP proxy): the fair
#      comparison with 2;
#   4. through the Veil gateway as users reach a node: its HTTP port, `Host: <nodeId>.node.localhost`
#      (Spring Cloud Gateway, then the same tunnel).
# Then 2-4 again with the SSH cipher set to aes128-gcm@openssh.com on the client side (both OpenSSH
# and MINA pick chacha20-poly1305@openssh.com by default; CIPHER_ROWS=0 skips these rows).
# Loopback only, each run bounded in time. Prints a Markdown report. See docs/benchmarks.md.
#
#   scripts/bench-tunnel.sh [duration_seconds] [connections]       defaults: 15 200
#
# Env: WARMUP (seconds of small-response load on the gateway path before anything is measured, 45),
#      CIPHER_ROWS (1), KEEP_LOGS (a directory to copy the logs and wrk's raw output to),
#      NODE_JAVA_OPTS (JVM options of every bench node: MINA reads its settings from system
#      properties org.apache.sshd.config.<name> too, e.g. -Dorg.apache.sshd.config.tcp-nodelay=true;
#      that tries a client-side setting without a change to the code), GATEWAY_JAVA_OPTS (the same
#      for the gateway's JVM, e.g. to try a server-side MINA setting).
# Installs wrk, nginx-light, openssh-server/-client, redis-server and curl from Debian if missing;
# builds the gateway jar and the bench node (tunnel's test classes) if missing.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$VEIL_HOME"
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"   # apt_ensure
# shellcheck source=scripts/bench-lib.sh
. "$VEIL_HOME/scripts/bench-lib.sh"

DURATION=${1:-15}
CONNECTIONS=${2:-200}
WARMUP=${WARMUP:-45}
CIPHER_ROWS=${CIPHER_ROWS:-1}
THREADS=2
GCM=aes128-gcm@openssh.com
SSHD=/usr/sbin/sshd   # sshd wants an absolute path (it re-executes itself)
PIDS=()

die() { echo "bench: $*" >&2; exit 1; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
[ -x "$SSHD" ] || need+=(openssh-server)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need+=(redis-server)
command -v curl >/dev/null || need+=(curl)
command -v ss >/dev/null || need+=(iproute2)
((${#need[@]} == 0)) || apt_ensure "${need[@]}"
command -v java >/dev/null || die "needs a JDK (java)"

jar=gateway/target/gateway-0.1.0-SNAPSHOT-exec.jar
build_bench_parts

WORK=$(mktemp -d /tmp/veil-bench-tunnel.XXXXXX)
chmod 755 "$WORK"   # nginx's workers and the unprivileged sshd read below it
cleanup() {
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$WORK"/*.log "$WORK"/*.out "$WORK"/wrk.txt "$WORK"/ssh/*.log "$KEEP_LOGS"/ 2>/dev/null || true; fi
  # What this script started, and what those started (sshd's per-connection processes).
  for pid in $( ((${#PIDS[@]})) && descendants "${PIDS[@]}"); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

take_port NGINX_PORT 18200; take_port REDIS_PORT 18210; take_port SSHD_PORT 18220
take_port SSH_FWD_PORT 18230; take_port SSH_FWD_GCM_PORT 18240
take_port GW_PORT 18250; take_port GW_MGMT_PORT 18260; take_port GW_TUNNEL_PORT 18270

# --- Upstream: nginx serving two files, keep-alive on.
mkdir -p "$WORK/www" "$WORK/nginx"
head -c 64 /dev/zero | tr '\0' 'x' > "$WORK/www/small"
head -c $((8 * 1024 * 1024)) /dev/urandom > "$WORK/www/large"
chmod 644 "$WORK/www/"*
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
  keepalive_timeout 300s;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
nginx -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" & PIDS+=($!)
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGINX_PORT/small" nginx

# --- OpenSSH: sshd as an unprivileged user (nobody when this runs as root), its own host key,
# authorized_keys, config and pid file; the client reads no user or system configuration.
SSH=$WORK/ssh
mkdir -p "$SSH"
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$SSH/host_key"
ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$SSH/client_key"
cp "$SSH/client_key.pub" "$SSH/authorized_keys"
echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1-2 "$SSH/host_key.pub")" > "$SSH/known_hosts"
if [ "$(id -u)" -eq 0 ]; then
  SSH_USER=nobody
  AS_SSH_USER=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
  chown -R nobody "$SSH"
  chown root "$SSH/client_key" "$SSH/client_key.pub" "$SSH/known_hosts"
  # nobody's password field is "*", which sshd without PAM takes for a locked account; with PAM,
  # the account check passes (PAM's session modules then fail harmlessly to write as nobody).
  SSH_PAM=yes
else
  SSH_USER=$(id -un)
  AS_SSH_USER=()
  SSH_PAM=no
fi
cat > "$SSH/sshd_config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $SSH/host_key
PidFile $SSH/sshd.pid
AuthorizedKeysFile $SSH/authorized_keys
AllowUsers $SSH_USER
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM $SSH_PAM
PrintMotd no
PrintLastLog no
StrictModes no
AllowTcpForwarding remote
PermitListen 127.0.0.1:$SSH_FWD_PORT 127.0.0.1:$SSH_FWD_GCM_PORT
GatewayPorts no
AllowAgentForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTTY no
PermitUserRC no
LogLevel ERROR
CONF
"${AS_SSH_USER[@]}" "$SSHD" -D -e -f "$SSH/sshd_config" 2>"$SSH/sshd.log" & PIDS+=($!)
SSHD_PID=$!
for _ in $(seq 50); do ss -Hltn "sport = :$SSHD_PORT" | grep -q . && break; sleep 0.2; done

open_ssh_tunnel() { # forward port, log name, extra ssh options...
  local port=$1 log=$2; shift 2
  ssh -F none -T -N -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i "$SSH/client_key" \
    -o UserKnownHostsFile="$SSH/known_hosts" -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \
    -o UpdateHostKeys=no -o ExitOnForwardFailure=yes -o ServerAliveInterval=5 -o LogLevel=DEBUG1 -E "$SSH/$log.log" \
    "$@" -p "$SSHD_PORT" -R "127.0.0.1:$port:127.0.0.1:$NGINX_PORT" "$SSH_USER@127.0.0.1" & PIDS+=($!)
  LAST_PID=$!
  wait_http "http://127.0.0.1:$port/small" "the OpenSSH reverse tunnel ($log)"
}
open_ssh_tunnel "$SSH_FWD_PORT" ssh-default; SSH_PID=$LAST_PID
ssh_cipher() { sed -n 's/.*kex: client->server cipher: \([^ ]*\).*/\1/p' "$SSH/$1.log" | head -1; }
SSH_CIPHER=$(ssh_cipher ssh-default)
if [ "$CIPHER_ROWS" = 1 ]; then
  open_ssh_tunnel "$SSH_FWD_GCM_PORT" ssh-gcm -c "$GCM"; SSH_GCM_PID=$LAST_PID
  SSH_GCM_CIPHER=$(ssh_cipher ssh-gcm)
fi

# --- Veil: Redis, the gateway (its tunnel port and HTTP port on loopback), one node per cipher.
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
GATEWAY_ARGS=(--veil.gateway.rate-limit.enabled=false --veil.gateway.access-log=false --veil.gateway.nodes.api-paths=/
  --veil.gateway.tunnel.bind-address=127.0.0.1 --server.address=127.0.0.1 --management.server.address=127.0.0.1)
# shellcheck disable=SC2086 # GATEWAY_JAVA_OPTS: words
PORT=$GW_PORT MANAGEMENT_PORT=$GW_MGMT_PORT VEIL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT \
  VEIL_TUNNEL_PORT=$GW_TUNNEL_PORT VEIL_TUNNEL_HOST_KEY_FILE=$WORK/gateway-host.key \
  java -Xms1g -Xmx1g ${GATEWAY_JAVA_OPTS:-} -jar "$jar" "${GATEWAY_ARGS[@]}" >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
GW_PID=$!
wait_http "http://127.0.0.1:$GW_MGMT_PORT/actuator/info" gateway
for _ in $(seq 60); do ss -Hltn "sport = :$GW_TUNNEL_PORT" | grep -q . && break; sleep 0.5; done
FINGERPRINT=$(curl -s "http://127.0.0.1:$GW_MGMT_PORT/actuator/info" | grep -o '"hostKeyFingerprint":"[^"]*"' | cut -d'"' -f4)
[ -n "$FINGERPRINT" ] || die "no tunnel.hostKeyFingerprint on the gateway's /actuator/info"

start_node node-default "$NGINX_PORT" /small
NODE_PID=$LAST_PID VEIL_NODE=$NODE_ID VEIL_CIPHER=$NODE_CIPHER VEIL_FWD_PORT=$NODE_FWD_PORT
if [ "$CIPHER_ROWS" = 1 ]; then
  start_node node-gcm "$NGINX_PORT" /small -Dveil.bench.cipher="$GCM"
  NODE_GCM_PID=$LAST_PID VEIL_GCM_NODE=$NODE_ID VEIL_GCM_CIPHER=$NODE_CIPHER VEIL_GCM_FWD_PORT=$NODE_FWD_PORT
fi

# --- Load.
SSH_PIDS="$(descendants "$SSHD_PID" | tr '\n' ' ')$SSH_PID"
VEIL_PIDS="$GW_PID $NODE_PID"
declare -A URL HOSTH CPU_PIDS
URL[direct]=http://127.0.0.1:$NGINX_PORT;        HOSTH[direct]=-;                    CPU_PIDS[direct]=$NGINX_PID
URL[openssh]=http://127.0.0.1:$SSH_FWD_PORT;     HOSTH[openssh]=-;                   CPU_PIDS[openssh]=$SSH_PIDS
URL[raw]=http://127.0.0.1:$VEIL_FWD_PORT;        HOSTH[raw]=-;                       CPU_PIDS[raw]=$VEIL_PIDS
URL[full]=http://127.0.0.1:$GW_PORT;             HOSTH[full]=$VEIL_NODE.node.localhost; CPU_PIDS[full]=$VEIL_PIDS
PATHS=(direct openssh raw full)
if [ "$CIPHER_ROWS" = 1 ]; then
  SSH_GCM_PIDS="$(descendants "$SSHD_PID" | tr '\n' ' ')$SSH_GCM_PID"
  URL[openssh-gcm]=http://127.0.0.1:$SSH_FWD_GCM_PORT; HOSTH[openssh-gcm]=-;            CPU_PIDS[openssh-gcm]=$SSH_GCM_PIDS
  URL[raw-gcm]=http://127.0.0.1:$VEIL_GCM_FWD_PORT;    HOSTH[raw-gcm]=-;                CPU_PIDS[raw-gcm]="$GW_PID $NODE_GCM_PID"
  URL[full-gcm]=http://127.0.0.1:$GW_PORT;             HOSTH[full-gcm]=$VEIL_GCM_NODE.node.localhost; CPU_PIDS[full-gcm]="$GW_PID $NODE_GCM_PID"
  PATHS+=(openssh-gcm raw-gcm full-gcm)
fi

# Warm-up, discarded: JIT and pools of both JVMs on the gateway path first, then every path.
echo "bench: warming up (~$(( WARMUP + 30 + ${#PATHS[@]} * 10 )) s), then ${#PATHS[@]} paths × 2 sizes × ${DURATION} s" >&2
load "${URL[full]}/small" "${HOSTH[full]}" "$WARMUP" - >/dev/null
[ "$CIPHER_ROWS" = 1 ] && load "${URL[full-gcm]}/small" "${HOSTH[full-gcm]}" 30 - >/dev/null
for p in "${PATHS[@]}"; do
  load "${URL[$p]}/small" "${HOSTH[$p]}" 5 - >/dev/null
  load "${URL[$p]}/large" "${HOSTH[$p]}" 5 - >/dev/null
done

declare -A R
for size in small large; do
  for p in "${PATHS[@]}"; do
    echo "bench: $p $size" >&2
    R[$p-$size]=$(load "${URL[$p]}/$size" "${HOSTH[$p]}" "$DURATION" "${CPU_PIDS[$p]}")
  done
done

# --- Report.
declare -A LABEL=(
  [direct]="direct (wrk → nginx)"
  [openssh]="OpenSSH \`ssh -R\` ($SSH_CIPHER)"
  [raw]="Veil tunnel, raw: gateway's forward port ($VEIL_CIPHER)"
  [full]="Veil gateway, Host: <node>.node.localhost ($VEIL_CIPHER)"
  [openssh-gcm]="OpenSSH \`ssh -R -c $GCM\` (${SSH_GCM_CIPHER:-})"
  [raw-gcm]="Veil tunnel, raw, client prefers ${VEIL_GCM_CIPHER:-}"
  [full-gcm]="Veil gateway, client prefers ${VEIL_GCM_CIPHER:-}")
field() { awk -v i="$2" '{ print $i }' <<<"${R[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "–" }'; }

table() { # size, the column that is throughput (1 req/s, 4 MiB/s)
  local size=$1 col=$2 p rps p50 p99 mibs errs cpu other base ssh_ref
  echo "| path | req/s | p50 ms | p99 ms | MiB/s | × direct | × OpenSSH (same cipher) | tunnel CPU, % of a core | other load, % of a core | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  base=$(field "direct-$size" "$col")
  for p in "${PATHS[@]}"; do
    read -r rps p50 p99 mibs errs cpu other <<<"${R[$p-$size]}"
    case $p in
      direct) ssh_ref=; cpu=– ;;
      openssh*) ssh_ref= ;;
      *-gcm) ssh_ref=$(field "openssh-gcm-$size" "$col") ;;
      *) ssh_ref=$(field "openssh-$size" "$col") ;;
    esac
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$p]}" "$rps" "$p50" "$p99" "$mibs" \
      "$(ratio "$(field "$p-$size" "$col")" "$base")" "$([ -n "$ssh_ref" ] && ratio "$(field "$p-$size" "$col")" "$ssh_ref" || echo –)" \
      "$cpu" "$other" "$errs"
  done
}

verdict() { # path, OpenSSH path, size, column
  local r
  r=$(ratio "$(field "$2-$3" "$4")" "$(field "$1-$3" "$4")")
  awk -v r="$r" 'BEGIN { printf "OpenSSH ÷ Veil = %s (%s)", r, (r != "–" && r <= 1.5) ? "within 1.5×: met" : "not within 1.5×" }'
}

cat <<REPORT
Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(java -version 2>&1 | head -1); $(nginx -v 2>&1); $(ssh -V 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); Apache MINA SSHD $(basename "$(tr ':' '\n' <<<"$NODE_CP" | grep sshd-core)" .jar | sed 's/sshd-core-//').
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --timeout 60s --latency, loopback, everything (wrk, nginx, sshd and ssh, gateway, node) on the same cores.
Upstream: nginx, 1 worker, a 64-byte file (small) and an 8 MiB file (large). Gateway: -Xmx1g, ${GATEWAY_ARGS[*]}.
Warm-up (discarded): ${WARMUP} s small load on the gateway path$([ "$CIPHER_ROWS" = 1 ] && echo " (30 s more for the second node)"), then 5 s small + 5 s large on every path.
Tunnel CPU: user + system time of sshd (all its processes) and ssh, or of the gateway and node JVMs, during the run (100 % = one core).
Other load: CPU the machine spent during the run on anything but this benchmark's processes and wrk (another user's work), same unit; the machine has $(nproc) cores, so $(( $(nproc) * 100 )) % in all.

Small (64 B):

$(table small 1)

Large (8 MiB):

$(table large 4)

Veil raw vs OpenSSH, default ciphers: small $(verdict raw openssh small 1); large $(verdict raw openssh large 4).
Veil full vs OpenSSH, default ciphers: small $(verdict full openssh small 1); large $(verdict full openssh large 4).
$(if [ "$CIPHER_ROWS" = 1 ]; then
  echo "Veil raw vs OpenSSH, both aes128-gcm: small $(verdict raw-gcm openssh-gcm small 1); large $(verdict raw-gcm openssh-gcm large 4)."
  echo "Veil full vs OpenSSH, both aes128-gcm: small $(verdict full-gcm openssh-gcm small 1); large $(verdict full-gcm openssh-gcm large 4)."
  echo "Veil with aes128-gcm vs OpenSSH's default ($SSH_CIPHER): raw large $(verdict raw-gcm openssh large 4); full large $(verdict full-gcm openssh large 4)."
fi)
REPORT
