# shellcheck shell=bash
# Container engine for Veil's tests and for `./veil up`. Sourced by ./veil, never run alone.
#
# Finds a Docker Engine API that answers, in this order:
#   1. $DOCKER_HOST, if it is set and answers;
#   2. Docker's socket (/var/run/docker.sock);
#   3. Podman's Docker-compatible socket (rootful /run/podman/podman.sock, rootless
#      $XDG_RUNTIME_DIR/podman/podman.sock), started here if Podman is installed;
#   4. otherwise, on Debian/Ubuntu, installs Podman from the distribution and starts its socket.
#
# Then makes sure the images the tests name exist: pulled where a registry answers, built
# locally from distribution binaries where none does (Redis from `redis-server`, busybox from
# `busybox-static`), plus offline stand-ins for the spec's `ubuntu` and `nginx` made only when
# the real images cannot be pulled.
#
# Exports: DOCKER_HOST, VEIL_ENGINE (docker|podman), VEIL_TEST_REDIS_IMAGE,
#          VEIL_TEST_BUSYBOX_IMAGE, VEIL_TEST_JRE_IMAGE, TESTCONTAINERS_RYUK_DISABLED (podman only).

veil_log() { printf 'veil: %s\n' "$*" >&2; }

# The engine is machine-wide, shared by every checkout: its settings and logs live outside any
# checkout, so deleting a clone never pulls a running Podman service's configuration away.
VEIL_ENGINE_STATE=${VEIL_ENGINE_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/veil-engine}
veil_die() { printf 'veil: error: %s\n' "$*" >&2; exit 1; }

# Prints nothing, succeeds when the Docker Engine API at $1 (unix://... or tcp://...) answers /_ping.
engine_answers() {
  local host=$1
  case "$host" in
    unix://*) curl -sf --max-time 3 --unix-socket "${host#unix://}" http://engine/_ping >/dev/null 2>&1 ;;
    tcp://*)  curl -sf --max-time 3 "http://${host#tcp://}/_ping" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else veil_die "need root (or sudo) to run: $*"
  fi
}

# Installs Debian/Ubuntu packages that are missing; a no-op when all are there.
apt_ensure() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 \
    || veil_die "missing ${missing[*]}; install them with your package manager (apt-get not found)"
  veil_log "installing ${missing[*]} from the distribution"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || veil_die "apt-get install ${missing[*]} failed"
}

# What tests need beside the engine: Python's `cryptography`, which checks the sealing test
# vectors independently of the Java code (common-model's SealingVectorsTest), and Redis itself,
# run as processes for the topologies a container does not give simply (a three-primary cluster,
# a primary under Sentinel: test-support's RedisCluster and RedisSentinel), and HAProxy, the load
# balancer in front of the replicas of e2e's ScaleOutIT; and the smaller tools named below.
ensure_test_tools() {
  python3 -c 'import cryptography.hazmat.primitives.asymmetric.x25519' >/dev/null 2>&1 \
    || apt_ensure python3 python3-cryptography
  { command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || apt_ensure redis-server redis-tools
  command -v haproxy >/dev/null 2>&1 || apt_ensure haproxy
  # Renders deploy/kubernetes (KubernetesManifestsTest); any kubectl with kustomize will do.
  command -v kubectl >/dev/null 2>&1 || apt_ensure kubernetes-client
  # Runs docker-compose.yml against the engine's Docker-compatible socket (ComposeStackIT).
  command -v docker-compose >/dev/null 2>&1 || apt_ensure docker-compose
  # Verifies deploy/host's systemd unit (HostUnitTest).
  command -v systemd-analyze >/dev/null 2>&1 || apt_ensure systemd
  # Reads the listen backlog of the gateway's tunnel listeners (TunnelBehaviour).
  command -v ss >/dev/null 2>&1 || apt_ensure iproute2
}

podman_socket_path() {
  if [ "$(id -u)" -eq 0 ]; then echo /run/podman/podman.sock
  else echo "${XDG_RUNTIME_DIR:-/tmp/veil-$(id -u)}/podman/podman.sock"
  fi
}

# Restricted sandboxes (no raising of rlimits, cgroups in hybrid mode) refuse crun's defaults;
# runc with lowered default ulimits runs there. Only used when a probe container fails without it.
write_sandbox_conf() {
  local conf=$1
  mkdir -p "$(dirname "$conf")"
  cat > "$conf" <<'CONF'
# Written by ./veil: this machine refused Podman's default runtime settings.
[containers]
default_ulimits = ["nproc=4096:4096", "nofile=1024:1024"]
[engine]
runtime = "runc"
CONF
}

start_podman_socket() {
  local sock=$1 log=$VEIL_ENGINE_STATE/podman-service.log
  mkdir -p "$(dirname "$sock")"
  veil_log "starting Podman's Docker-compatible API on unix://$sock (log: $log)"
  setsid podman system service --time=0 "unix://$sock" >"$log" 2>&1 </dev/null &
  local _
  for _ in $(seq 100); do
    engine_answers "unix://$sock" && return 0
    sleep 0.1
  done
  veil_die "Podman's API socket did not answer; see $log"
}

# Succeeds when a throw-away container of image $1 runs.
probe_container() { podman run --rm --net=none "$1" true >/dev/null 2>&1; }

# Succeeds when the API at unix socket $1 creates, runs and removes a container of image $2:
# an answering socket is not enough (a service started with settings that are gone answers
# /_ping but cannot start containers).
api_runs_container() {
  local sock=$1 image=$2 id ok=1
  id=$(curl -sf --max-time 10 --unix-socket "$sock" -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$image\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
    http://engine/containers/create | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
  [ -n "$id" ] || return 1
  curl -sf --max-time 10 --unix-socket "$sock" -X POST "http://engine/containers/$id/start" >/dev/null \
    && curl -sf --max-time 20 --unix-socket "$sock" -X POST "http://engine/containers/$id/wait" | grep -q '"StatusCode":0' \
    && ok=0
  curl -sf --max-time 10 --unix-socket "$sock" -X DELETE "http://engine/containers/$id?force=true" >/dev/null
  return $ok
}

ensure_engine() {
  mkdir -p "$VEIL_STATE" "$VEIL_ENGINE_STATE"
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$(podman_socket_path)" ] && engine_answers "$DOCKER_HOST"; then
    VEIL_ENGINE=$( (curl -sf --max-time 3 --unix-socket "${DOCKER_HOST#unix://}" http://engine/version 2>/dev/null || true) \
      | grep -qi podman && echo podman || echo docker)
  elif engine_answers unix:///var/run/docker.sock; then
    export DOCKER_HOST=unix:///var/run/docker.sock
    VEIL_ENGINE=docker
  else
    VEIL_ENGINE=podman
    local sock; sock=$(podman_socket_path)
    export DOCKER_HOST="unix://$sock"
    command -v podman >/dev/null 2>&1 || apt_ensure podman
    local conf=$VEIL_ENGINE_STATE/containers.conf
    [ -f "$conf" ] && export CONTAINERS_CONF=$conf
    build_busybox_image   # needed for the probes; podman import needs no runtime
    if engine_answers "$DOCKER_HOST" && ! api_runs_container "$sock" "$VEIL_BUSYBOX_LOCAL"; then
      veil_log "the Podman service on $sock answers but cannot run containers: restarting it"
      pkill -f "podman system service.*$sock" 2>/dev/null || true
      sleep 1
    fi
    if ! engine_answers "$DOCKER_HOST"; then
      if ! probe_container "$VEIL_BUSYBOX_LOCAL"; then
        apt_ensure runc
        write_sandbox_conf "$conf"
        export CONTAINERS_CONF=$conf
        probe_container "$VEIL_BUSYBOX_LOCAL" \
          || veil_die "Podman cannot run a container here, even with runc and lowered ulimits ($conf)"
        veil_log "Podman runs containers with the sandbox settings in $conf"
      fi
      start_podman_socket "$sock"
      api_runs_container "$sock" "$VEIL_BUSYBOX_LOCAL" \
        || veil_die "Podman's API answers but cannot run a container; see $VEIL_ENGINE_STATE/podman-service.log"
    fi
  fi
  export VEIL_ENGINE
  # Ryuk (Testcontainers' reaper) needs a pullable image and a privileged socket mount,
  # neither of which Podman offers reliably; the tests stop their own containers.
  [ "$VEIL_ENGINE" = podman ] && export TESTCONTAINERS_RYUK_DISABLED=true
  veil_log "container engine: $VEIL_ENGINE at $DOCKER_HOST"
}

VEIL_BUSYBOX_LOCAL=localhost/veil-busybox:test
VEIL_REDIS_LOCAL=localhost/veil-redis:test
VEIL_JRE_LOCAL=localhost/veil-jre:test

engine_cli() { if [ "$VEIL_ENGINE" = docker ]; then docker "$@"; else podman "$@"; fi; }
image_exists() { engine_cli image inspect "$1" >/dev/null 2>&1; }
try_pull() { timeout 120 "$VEIL_ENGINE" pull -q "$1" >/dev/null 2>&1; }

# Imports directory $1 as image $2, with extra --change arguments after it.
import_dir() {
  local dir=$1 image=$2; shift 2
  local changes=(--change 'LABEL dev.veil.built-locally=true') c
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" -cf "$dir.tar" . \
    && engine_cli import "${changes[@]}" "$dir.tar" "$image" >/dev/null 2>>"$VEIL_ENGINE_STATE/image-build.log"
}

build_busybox_image() {
  image_exists "$VEIL_BUSYBOX_LOCAL" && return 0
  apt_ensure busybox-static
  local work; work=$(mktemp -d)
  mkdir -p "$work/bb/bin" "$work/bb/tmp" "$work/bb/www"
  cp /bin/busybox "$work/bb/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$work/bb/bin/$applet"
  done
  veil_log "building $VEIL_BUSYBOX_LOCAL from the distribution's busybox-static"
  import_dir "$work/bb" "$VEIL_BUSYBOX_LOCAL" 'CMD ["/bin/sh"]' || veil_die "could not build $VEIL_BUSYBOX_LOCAL"
  rm -rf "$work"
}

# Copies into root $1 the shared libraries that the binaries $2... load (those the host has).
copy_libraries() {
  local root=$1 lib bin; shift
  for lib in $(for bin in "$@"; do ldd "$bin" 2>/dev/null | grep -o '/[^ ]*'; done | sort -u); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

build_redis_image() {
  image_exists "$VEIL_REDIS_LOCAL" && return 0
  apt_ensure redis-server redis-tools
  local work; work=$(mktemp -d)
  mkdir -p "$work/r/usr/bin" "$work/r/data" "$work/r/tmp"
  # redis-cli too: docker-compose.yml's health check pings with it.
  cp /usr/bin/redis-server /usr/bin/redis-cli "$work/r/usr/bin/"
  copy_libraries "$work/r" /usr/bin/redis-server /usr/bin/redis-cli
  veil_log "building $VEIL_REDIS_LOCAL from the distribution's redis-server"
  import_dir "$work/r" "$VEIL_REDIS_LOCAL" \
    'CMD ["/usr/bin/redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", ""]' \
    'EXPOSE 6379' 'WORKDIR /data' || veil_die "could not build $VEIL_REDIS_LOCAL"
  rm -rf "$work"
}

# A JRE base image for the Dockerfile's runtime stage (--build-arg JRE_IMAGE), made offline
# from the distribution's JDK: a jlink runtime, busybox for a shell, curl for the health checks,
# and the unprivileged user veil (10001) the Dockerfile runs as. Where eclipse-temurin can be
# pulled, that is used instead.
build_jre_image() {
  image_exists "$VEIL_JRE_LOCAL" && return 0
  apt_ensure busybox-static curl
  local jdk; jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")
  [ -d "$jdk/jmods" ] || veil_die "no JDK with jmods at $jdk: install openjdk-17-jdk-headless"
  local work; work=$(mktemp -d)
  local root=$work/jre
  mkdir -p "$root/opt" "$root/bin" "$root/usr/bin" "$root/etc" "$root/tmp" "$root/var/lib/veil"
  veil_log "building $VEIL_JRE_LOCAL from the distribution's JDK (jlink), busybox and curl"
  "$jdk/bin/jlink" --add-modules ALL-MODULE-PATH --module-path "$jdk/jmods" --strip-debug --no-header-files \
    --no-man-pages --compress=2 --output "$root/opt/java" >>"$VEIL_ENGINE_STATE/image-build.log" 2>&1 \
    || veil_die "jlink failed (see $VEIL_ENGINE_STATE/image-build.log)"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  cp /usr/bin/curl "$root/usr/bin/curl"
  copy_libraries "$root" /usr/bin/curl "$root/opt/java/bin/java" "$root"/opt/java/lib/*.so "$root"/opt/java/lib/server/libjvm.so
  printf 'root:x:0:0:root:/root:/bin/sh\nveil:x:10001:10001:veil:/var/lib/veil:/bin/sh\n' > "$root/etc/passwd"
  printf 'root:x:0:\nveil:x:10001:\n' > "$root/etc/group"
  chown 10001:10001 "$root/var/lib/veil"
  chmod 1777 "$root/tmp"
  import_dir "$root" "$VEIL_JRE_LOCAL" 'ENV PATH=/opt/java/bin:/usr/bin:/bin' 'ENV JAVA_HOME=/opt/java' \
    'CMD ["java", "-version"]' || veil_die "could not build $VEIL_JRE_LOCAL"
  rm -rf "$work"
}

# Stand-in for `nginx`: busybox httpd serving a page on port 80 as the default command.
build_nginx_standin() {
  apt_ensure busybox-static
  local work; work=$(mktemp -d)
  mkdir -p "$work/n/bin" "$work/n/usr/share/nginx/html" "$work/n/tmp"
  cp /bin/busybox "$work/n/bin/busybox"
  local applet
  for applet in sh httpd echo cat sleep; do ln -sf busybox "$work/n/bin/$applet"; done
  echo '<h1>Welcome to the Veil nginx stand-in</h1>' > "$work/n/usr/share/nginx/html/index.html"
  import_dir "$work/n" docker.io/library/nginx:latest \
    'CMD ["/bin/httpd", "-f", "-p", "80", "-h", "/usr/share/nginx/html"]' 'EXPOSE 80' \
    'LABEL dev.veil.stand-in=nginx' || veil_die "could not build the nginx stand-in"
  rm -rf "$work"
}

# Makes the images the tests use available; exports their names.
ensure_images() {
  if image_exists redis:7.4-alpine || try_pull docker.io/library/redis:7.4-alpine; then
    export VEIL_TEST_REDIS_IMAGE=${VEIL_TEST_REDIS_IMAGE:-redis:7.4-alpine}
  else
    build_redis_image
    export VEIL_TEST_REDIS_IMAGE=$VEIL_REDIS_LOCAL
  fi
  if image_exists busybox:1.37 || try_pull docker.io/library/busybox:1.37; then
    export VEIL_TEST_BUSYBOX_IMAGE=${VEIL_TEST_BUSYBOX_IMAGE:-busybox:1.37}
  else
    build_busybox_image
    export VEIL_TEST_BUSYBOX_IMAGE=$VEIL_BUSYBOX_LOCAL
  fi
  if ! image_exists docker.io/library/ubuntu:latest && ! try_pull docker.io/library/ubuntu:latest; then
    build_busybox_image
    veil_log "no registry serves ubuntu: tagging the busybox image as an offline stand-in"
    engine_cli tag "$VEIL_BUSYBOX_LOCAL" docker.io/library/ubuntu:latest
  fi
  if ! image_exists docker.io/library/nginx:latest && ! try_pull docker.io/library/nginx:latest; then
    veil_log "no registry serves nginx: building an offline stand-in (busybox httpd on port 80)"
    build_nginx_standin
  fi
  if image_exists eclipse-temurin:17-jre || try_pull docker.io/library/eclipse-temurin:17-jre; then
    export VEIL_TEST_JRE_IMAGE=${VEIL_TEST_JRE_IMAGE:-eclipse-temurin:17-jre}
  else
    build_jre_image
    export VEIL_TEST_JRE_IMAGE=$VEIL_JRE_LOCAL
  fi
  veil_log "images: redis=$VEIL_TEST_REDIS_IMAGE busybox=$VEIL_TEST_BUSYBOX_IMAGE jre=$VEIL_TEST_JRE_IMAGE"
}
