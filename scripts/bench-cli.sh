#!/usr/bin/env bash
# CLI start-up: wall time of the same request made by `./veil job status <id>` as shipped (thin jar,
# AppCDS archive, C1 only), by the CLI started as it was before (`java -jar` of the Spring Boot
# exec jar, no archive), and by curl, interleaved, against the suite `./veil up` runs (started
# here if the gateway does not answer). Then the first use after a build: the training run that
# makes the archive, and the command. Prints a Markdown report. See docs/benchmarks.md.
#
#   scripts/bench-cli.sh [runs]        default 20
#
# Env: BEFORE_JAR: an exec jar of the CLI from an earlier commit, measured as a fourth row
#      (git worktree add /tmp/veil-before <rev> && (cd /tmp/veil-before && ./mvnw -q -pl cli -am package -DskipTests)).
set -euo pipefail
VEIL_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$VEIL_HOME"
RUNS=${1:-20}
GATEWAY=${VEIL_GATEWAY_URL:-http://localhost:8080}

curl -s -o /dev/null "$GATEWAY/v1/jobs/x" || ./veil up >&2
[ -f cli/target/cli-0.1.0-SNAPSHOT-exec.jar ] || ./mvnw -B -ntp -q package -DskipTests -pl cli -am >&2
JOB=$(./veil job post --file spec/public-job.json)
./veil job status "$JOB" >/dev/null   # the archive exists from here on

ms() { # command...: its wall time in ms, output discarded
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
declare -a shipped before earlier curled
for _ in $(seq "$RUNS"); do
  shipped+=("$(ms ./veil job status "$JOB")")
  before+=("$(ms java -jar cli/target/cli-0.1.0-SNAPSHOT-exec.jar job status "$JOB")")
  [ -z "${BEFORE_JAR:-}" ] || earlier+=("$(ms java -jar "$BEFORE_JAR" job status "$JOB")")
  curled+=("$(ms curl -s "$GATEWAY/v1/jobs/$JOB")")
done
stats() { # values...: "median p90 min"
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.999)]; print m, p, v[1] }'
}
read -r s_med s_p90 s_min <<<"$(stats "${shipped[@]}")"
read -r b_med b_p90 b_min <<<"$(stats "${before[@]}")"
read -r c_med c_p90 c_min <<<"$(stats "${curled[@]}")"
earlier_row=
if [ -n "${BEFORE_JAR:-}" ]; then
  read -r e_med e_p90 e_min <<<"$(stats "${earlier[@]}")"
  earlier_row="| \`java -jar\` of BEFORE_JAR ($(basename "$BEFORE_JAR"), from an earlier commit) | $e_med | $e_p90 | $e_min | $(awk -v a="$e_med" -v b="$c_med" 'BEGIN { printf "%.0f", a / (b > 0 ? b : 1) }') |"
fi

rm -f cli/target/cli-*.jsa
first=$(ms ./veil job status "$JOB")
second=$(ms ./veil job status "$JOB")

cat <<REPORT
Machine: $(nproc) cores, $(uname -sr); $(java -version 2>&1 | head -1); $(curl --version | head -1 | cut -d' ' -f1-2).
Request: GET /v1/jobs/<id> through the gateway ($GATEWAY), $RUNS runs of each, interleaved; wall time of the whole process (for ./veil: bash, the JVM, the request, the output).

| client | median ms | p90 ms | min ms | × curl (median) |
|---|---|---|---|---|
| \`./veil job status\` (as shipped: thin jar, AppCDS archive, C1) | $s_med | $s_p90 | $s_min | $(awk -v a="$s_med" -v b="$c_med" 'BEGIN { printf "%.0f", a / (b > 0 ? b : 1) }') |
| \`java -jar cli-…-exec.jar job status\` (this build's exec jar as the launcher ran it before: no archive, default JIT and GC) | $b_med | $b_p90 | $b_min | $(awk -v a="$b_med" -v b="$c_med" 'BEGIN { printf "%.0f", a / (b > 0 ? b : 1) }') |
${earlier_row}
| \`curl\` | $c_med | $c_p90 | $c_min | 1 |

First use after a build (no archive yet: the training run, then the command): $first ms; the next: $second ms.
REPORT
