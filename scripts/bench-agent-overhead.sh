#!/usr/bin/env bash
# Posted → op started for a Veil job, against the engine's own create + start of the same
# container, in one run (issue #13: within 150 ms). See docs/benchmarks.md.
#
#   scripts/bench-agent-overhead.sh [N]      default 20 measured runs of each (after WARMUP=3)
#
# `./veil up` (its own state directory and ports) runs; then N rounds, each of:
#   raw        curl on the engine's socket: POST /containers/create, POST /containers/{id}/start
#              (timed: request of the create to the answer of the start), then the container is removed;
#   raw+net    the same, after creating an internal network the way the agent does (Podman's
#              libpod API: internal, no DNS, isolated; timed from the network's creation on), the
#              container on it with the agent's limits and capabilities: what the agent asks of
#              the engine for a job, without Veil;
#   podman run `podman run --rm` (or `docker run --rm`) of the same container: whole wall time,
#              including the wait for its exit and its removal, for reference;
#   veil       a public job of one op, posted by the CLI; posted → op started from the times the
#              system records: the job's createdAt (job-market's clock when it took the POST),
#              and the op's startTime in the published result (the agent's clock when the
#              engine's start answered). Between jobs the agent waits 2 s, so it is in its claim
#              long-poll when the next is posted.
# The engine's event stream is recorded meanwhile, so each job's time splits into: market
# (createdAt → claimedAt), agent setup (claimedAt → the job's startTime, when JobExecutor began),
# network + image check + create (→ the container's create event), start (→ its start event),
# and the answer back to the agent (→ the op's startTime).
# Everything runs on this machine and talks only to loopback and the engine's socket.
set -euo pipefail

VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-20}
WARMUP=${WARMUP:-3}
export VEIL_HOME
export VEIL_STATE=${VEIL_BENCH_STATE:-$(mktemp -d /tmp/veil-bench-overhead.XXXXXX)}
# shellcheck source=scripts/engine.sh
. "$VEIL_HOME/scripts/engine.sh"

ensure_engine
ensure_images
ENGINE=${VEIL_ENGINE:-docker}
IMAGE=${VEIL_TEST_BUSYBOX_IMAGE:-busybox:1.37}
SOCKET=${DOCKER_HOST#unix://}
API=http://engine/v1.41
LABEL=dev.veil.bench-overhead

# Ports of the suite under measurement, away from a developer's own ./veil up.
export VEIL_REDIS_PORT=${VEIL_REDIS_PORT:-27379} VEIL_SESSION_PORT=${VEIL_SESSION_PORT:-27081}
export VEIL_MARKET_PORT=${VEIL_MARKET_PORT:-27082} VEIL_GATEWAY_PORT=${VEIL_GATEWAY_PORT:-27080}
export VEIL_GATEWAY_MANAGEMENT_PORT=${VEIL_GATEWAY_MANAGEMENT_PORT:-27083} VEIL_AGENT_PORT=${VEIL_AGENT_PORT:-27090}
export VEIL_TUNNEL_PORT=${VEIL_TUNNEL_PORT:-27222}
export VEIL_GATEWAY_URL=http://localhost:$VEIL_GATEWAY_PORT
export VEIL_KEY_FILE=$VEIL_STATE/client.key VEIL_CONFIG=$VEIL_STATE/no-config.properties
MARKET=http://127.0.0.1:$VEIL_MARKET_PORT
WORK=$VEIL_STATE/bench
mkdir -p "$WORK"

cli() { "$VEIL_HOME/veil" "$@"; }
us() { echo "${EPOCHREALTIME/./}"; }
engine_api() { curl -fsS --unix-socket "$SOCKET" "$@"; }

cleanup() {
  [ -n "${events:-}" ] && kill "$events" 2>/dev/null
  "$VEIL_HOME/veil" down >/dev/null 2>&1 || true
  local ids
  ids=$("$ENGINE" ps -aq --filter "label=$LABEL" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -n "$ids" ] && "$ENGINE" rm -f $ids >/dev/null 2>&1
  ids=$("$ENGINE" network ls -q --filter "label=$LABEL" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -n "$ids" ] && "$ENGINE" network rm -f $ids >/dev/null 2>&1
  [ -z "${VEIL_BENCH_STATE:-}" ] && [ "${KEEP_STATE:-0}" = 0 ] && rm -rf "$VEIL_STATE"
  return 0
}
trap cleanup EXIT

# The container's body; on a network, with the agent's confinement too (ContainerConfinement's defaults).
create_body() { # [network]
  local host=''
  [ -n "${1:-}" ] && host=", \"HostConfig\": {\"NetworkMode\": \"$1\", \"Memory\": 2147483648, \"MemorySwap\": 2147483648,
    \"NanoCpus\": 1000000000, \"PidsLimit\": 1024, \"SecurityOpt\": [\"no-new-privileges\"], \"CapDrop\": [\"ALL\"],
    \"CapAdd\": [\"CHOWN\", \"DAC_OVERRIDE\", \"FOWNER\", \"SETGID\", \"SETUID\", \"NET_BIND_SERVICE\", \"KILL\"]}"
  printf '{"Image": "%s", "Cmd": ["echo", "hello", "world"], "Labels": {"%s": "1"}%s}' "$IMAGE" "$LABEL" "$host"
}

# raw [network]: prints "total create start" in ms (total from the network's creation when there is one).
raw() {
  local net=${1:-} t0 t1 t2 t3 id
  t0=$(us)
  if [ -n "$net" ]; then
    engine_api -H 'Content-Type: application/json' -X POST "http://engine/v4.0.0/libpod/networks/create" -d \
      "{\"name\": \"$net\", \"driver\": \"bridge\", \"internal\": true, \"dns_enabled\": false,
        \"options\": {\"isolate\": \"true\"}, \"labels\": {\"$LABEL\": \"1\"}}" >/dev/null
  fi
  t1=$(us)
  id=$(engine_api -H 'Content-Type: application/json' -X POST "$API/containers/create" -d "$(create_body "$net")" | jq -r .Id)
  t2=$(us)
  engine_api -X POST "$API/containers/$id/start" >/dev/null
  t3=$(us)
  engine_api -X POST "$API/containers/$id/wait" >/dev/null
  engine_api -X DELETE "$API/containers/$id?force=1" >/dev/null
  [ -n "$net" ] && engine_api -X DELETE "http://engine/v4.0.0/libpod/networks/$net" >/dev/null
  echo "$(( (t3 - t0) / 1000 )) $(( (t2 - t1) / 1000 )) $(( (t3 - t2) / 1000 ))"
}

engine_run() { # wall ms of the engine CLI's run --rm
  local t0 t1
  t0=$(us)
  "$ENGINE" run --rm --label "$LABEL=1" "$IMAGE" echo hello world >/dev/null
  t1=$(us)
  echo $(( (t1 - t0) / 1000 ))
}

job_file=$WORK/hello.json
cat >"$job_file" <<JSON
{"version": "0.1", "type": "container", "meta": {"trigger": "bench"},
 "ops": [{"type": "container/run", "id": "hello", "args": {"image": "$IMAGE", "cmd": ["echo", "hello", "world"]}}]}
JSON

# veil: prints "jobId createdAt claimedAt jobStart opStart" (epoch ms).
veil_job() {
  local id state
  id=$(cli job post --file "$job_file" --timeout 10)
  for _ in $(seq 1 600); do
    state=$(curl -fsS "$MARKET/v1/jobs/$id" | jq -r .state)
    [ "$state" = COMPLETED ] || [ "$state" = STOPPED ] && break
    sleep 0.1
  done
  local job result
  job=$(curl -fsS "$MARKET/v1/jobs/$id")
  result=$(curl -fsS "$MARKET/v1/results/$(jq -r .resultId <<<"$job")")
  [ "$(jq -r .status <<<"$result")" = success ] || veil_die "job $id did not succeed: $result"
  echo "$id $(jq -r '"\(.createdAt) \(.claimedAt)"' <<<"$job") $(jq -r '"\(.startTime) \(.opStates[0].startTime)"' <<<"$result")"
}

cli down >/dev/null 2>&1 || true
cli up >/dev/null
sleep 10 # settle: the agent registers and opens its claim long-poll
# Podman 4.3's compatible events API matches no key-only label filter: every container event, sorted out below.
engine_api -N "$API/events?filters=$(jq -rn '{type: ["container"]} | tojson | @uri')" \
  >"$WORK/events.jsonl" &
events=$!

: >"$WORK/raw.txt"; : >"$WORK/rawnet.txt"; : >"$WORK/run.txt"; : >"$WORK/veil.txt"; : >"$WORK/warmup.txt"
machine_busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
read -r busy0 all0 < <(machine_busy)
for i in $(seq 1 $(( WARMUP + N ))); do
  r=$(raw); rn=$(raw "veil-bench-overhead-$i"); e=$(engine_run); v=$(veil_job)
  if [ "$i" -gt "$WARMUP" ]; then
    echo "$r" >>"$WORK/raw.txt"; echo "$rn" >>"$WORK/rawnet.txt"; echo "$e" >>"$WORK/run.txt"; echo "$v" >>"$WORK/veil.txt"
  else
    echo "$r | $rn | $e | $v" >>"$WORK/warmup.txt"
  fi
  sleep 2
done
kill "$events" 2>/dev/null; events=
read -r busy1 all1 < <(machine_busy)

echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB, $(uname -sr); $(java -version 2>&1 | head -1); $("$ENGINE" --version)"
echo "Runs: $N of each, interleaved, after $WARMUP warm-up rounds; image $IMAGE, echo hello world"
echo "Machine busy during the runs: $(awk -v b=$((busy1 - busy0)) -v a=$((all1 - all0)) 'BEGIN { printf "%.0f", 100 * b / a }') % of both cores (this benchmark itself mostly waits; the rest is other load)"
echo
python3 - "$WORK" <<'PY'
import json, math, sys
work = sys.argv[1]

def rows(name):
    return [[int(x) if x.isdigit() else x for x in line.split()] for line in open(f"{work}/{name}.txt") if line.strip()]

def med(v):
    s = sorted(v); n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2

def p90(v):
    s = sorted(v)
    return s[math.ceil(0.9 * len(s)) - 1]

raw, rawnet, run, veil = rows("raw"), rows("rawnet"), rows("run"), rows("veil")
warm = [[part.split() for part in line.split("|")] for line in open(f"{work}/warmup.txt") if line.strip()]
events = {}
for line in open(f"{work}/events.jsonl"):
    e = json.loads(line)
    job = e.get("Actor", {}).get("Attributes", {}).get("dev.veil.job")
    if job and e.get("Action") in ("create", "start"):
        events.setdefault(job, {}).setdefault(e["Action"], e["timeNano"] / 1e6)

veil_total = [r[4] - r[1] for r in veil]
table = [
    ("raw engine: create + start (curl, Docker API)", [r[0] for r in raw]),
    ("raw engine: internal network + create + start, confined as the agent does (curl)", [r[0] for r in rawnet]),
    (f"`podman run --rm` (whole run, reference)", [r[0] for r in run]),
    ("Veil: posted → op started", veil_total),
]
print("| what | median ms | p90 ms | min ms | max ms |")
print("|---|---|---|---|---|")
for name, v in table:
    print(f"| {name} | {med(v):.0f} | {p90(v):.0f} | {min(v)} | {max(v)} |")
print()
print(f"Veil − raw create + start: median {med(veil_total) - med([r[0] for r in raw]):.0f} ms, "
      f"p90 {p90(veil_total) - p90([r[0] for r in raw]):.0f} ms; "
      f"Veil − raw with its network: median {med(veil_total) - med([r[0] for r in rawnet]):.0f} ms")
print()
print("Warm-up rounds (not in the table; the first is the agent's first job since it started): Veil posted → op started "
      + ", ".join(f"{int(w[3][4]) - int(w[3][1])}" for w in warm) + " ms; raw create + start "
      + ", ".join(w[0][0] for w in warm) + " ms")
print()
print("Raw parts (ms): create median %.0f, start median %.0f; with a network: network %.0f, create %.0f, start %.0f" % (
    med([r[1] for r in raw]), med([r[2] for r in raw]),
    med([r[0] - r[1] - r[2] for r in rawnet]), med([r[1] for r in rawnet]), med([r[2] for r in rawnet])))
print()
parts = {k: [] for k in ("market", "agent", "net", "start", "back")}
for job, created, claimed, jstart, ostart in veil:
    ev = events.get(job, {})
    if "create" not in ev or "start" not in ev:
        continue
    parts["market"].append(claimed - created)
    parts["agent"].append(jstart - claimed)
    parts["net"].append(ev["create"] - jstart)
    parts["start"].append(ev["start"] - ev["create"])
    parts["back"].append(ostart - ev["start"])
names = {
    "market": "posted → claimed (job-market: createdAt → claimedAt)",
    "agent": "claimed → job started (claim answer to the agent, job set-up, until JobExecutor.run)",
    "net": "job started → container created (the job's network, image check, create; engine's create event)",
    "start": "container created → started (engine's create → start events)",
    "back": "started → op started (the start's answer reaches the agent)",
}
print(f"Where Veil's time goes ({len(parts['market'])} jobs with both engine events):")
print()
print("| step | median ms | p90 ms |")
print("|---|---|---|")
for k, v in parts.items():
    if v:
        print(f"| {names[k]} | {med(v):.0f} | {p90(v):.0f} |")
PY
