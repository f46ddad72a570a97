#!/usr/bin/env bash
# Load benchmark of GET /tickets?limit=20 and GET /tickets/{id}: see bench/README.md.
#
#   bench/load.sh DATABASE_URL TARGET_FILE [LABEL]
#
# DATABASE_URL is a database seeded by bench/seed; TARGET_FILE is the file its -out
# flag wrote (BENCH_EMAIL, BENCH_PASSWORD, BENCH_TICKET_ID). The script builds
# supportd, starts it on a free 127.0.0.1 port with LOG_LEVEL=warn, logs in, then
# for each endpoint runs
#   (a) wrk, maximum throughput: THREADS threads, CONNECTIONS connections, DURATION;
#   (b) vegeta, a fixed RATE req/s for DURATION (open model: latencies include queueing);
# prints a summary table (also saved under bench/results/) and stops the server.
# Everything binds and targets 127.0.0.1 only, and every step has a time limit.
#
# Knobs (environment): DURATION=30 (seconds), CONNECTIONS=64, THREADS=2, RATE=1000,
# WARMUP=5 (seconds of wrk per endpoint before measuring), GOMAXPROCS (passed through),
# QUIET=10 and QUIET_WAIT=180: before each measurement wait (at most QUIET_WAIT seconds)
# until the machine is at most QUIET% busy, so other work on the box does not skew
# the figures; the busy level actually seen is reported with each row.
# RATE_LIMIT_USER, RATE_LIMIT_IP (passed to the server; default off): the request rate
# limits. To measure what limiting costs without being refused, set a quota no run
# reaches, e.g. RATE_LIMIT_USER=1000000000/1m (every request then goes through the
# limiter; with REDIS_URL set too, through Redis), and compare with off.
# PROFILE=path: serve with bench/profserve instead (same wiring, plus a CPU profile
# of the whole run written to path; inspect with `go tool pprof -top path`).
# QUEUE=1: the agent queue (issue 11) instead: logs in as BENCH_AGENT_EMAIL too (bench/seed
# writes it) and measures one client (wrk -t1 -c1, DURATION) on the queue's filtered and
# full-text listings, then on the two customer routes; QUEUE_TAG (default vip) is the tag.
# The full-text rows search the seed's words of each frequency (BENCH_WORD_COMMON, _MID, _RARE,
# _SINGLE, _ABSENT in TARGET_FILE), alone and with a filter. No vegeta in this mode.
# Tools: wrk from Debian (apt-get install -y wrk, 4.1.0); vegeta v12.13.0 is built with
# `go install` into a temporary GOBIN.
set -euo pipefail

usage() { echo "usage: $0 DATABASE_URL TARGET_FILE [LABEL]" >&2; exit 2; }
[ $# -ge 2 ] || usage
DB_URL=$1
TARGET_FILE=$2
LABEL=${3:-$(basename "$TARGET_FILE" .env)}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
RATE=${RATE:-1000}
WARMUP=${WARMUP:-5}
PROFILE=${PROFILE:-}
QUIET=${QUIET:-10}
QUIET_WAIT=${QUIET_WAIT:-180}
RATE_LIMIT_USER=${RATE_LIMIT_USER:-off}
RATE_LIMIT_IP=${RATE_LIMIT_IP:-off}
QUEUE=${QUEUE:-0}
QUEUE_TAG=${QUEUE_TAG:-vip}
VEGETA_VERSION=v12.13.0

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=$ROOT/bench/results
mkdir -p "$RESULTS"
# shellcheck disable=SC1090
. "$TARGET_FILE"
: "${BENCH_EMAIL:?missing in $TARGET_FILE}" "${BENCH_PASSWORD:?missing in $TARGET_FILE}" "${BENCH_TICKET_ID:?missing in $TARGET_FILE}"

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
for t in curl jq go; do command -v $t >/dev/null || { echo "$t not found" >&2; exit 1; }; done

log() { printf '==> %s\n' "$*" >&2; }

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building supportd and vegeta $VEGETA_VERSION"
(cd "$ROOT" && timeout 300 go build -trimpath -o "$WORK/supportd" ./cmd/supportd)
SERVE=(./supportd serve)
if [ -n "$PROFILE" ]; then
  case $PROFILE in /*) ;; *) PROFILE=$PWD/$PROFILE ;; esac
  (cd "$ROOT" && timeout 300 go build -trimpath -o "$WORK/profserve" ./bench/profserve)
  SERVE=(./profserve -cpuprofile "$PROFILE")
fi
GOBIN=$WORK timeout 300 go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
VEGETA=$WORK/vegeta

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for p in $(seq 18080 18180); do if port_free "$p"; then PORT=$p; break; fi; done
[ -n "$PORT" ] || { echo "no free port in 18080-18180" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT

log "starting supportd on $BASE (RATE_LIMIT_USER=$RATE_LIMIT_USER RATE_LIMIT_IP=$RATE_LIMIT_IP)"
# Run from the scratch directory so no .env in the repository is picked up.
(cd "$WORK" && exec env SUPPORTD_ENV=production HOST=127.0.0.1 PORT="$PORT" DATABASE_URL="$DB_URL" \
  SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" LOG_LEVEL=warn LOG_FORMAT=json \
  ACCESS_TOKEN_EXPIRE_MINUTES=120 DATA_DIR="$WORK/data" RATE_LIMIT_USER="$RATE_LIMIT_USER" RATE_LIMIT_IP="$RATE_LIMIT_IP" \
  "${SERVE[@]}" >"$WORK/server.out" 2>"$WORK/server.err") &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null --max-time 2 "$BASE/readyz"

TOKEN=$(curl -fsS --max-time 10 -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg u "$BENCH_EMAIL" --arg p "$BENCH_PASSWORD" '{username:$u,password:$p}')" \
  "$BASE/auth/login" | jq -er .access_token)

LIST_URL="$BASE/tickets?limit=20"
GET_URL="$BASE/tickets/$BENCH_TICKET_ID"
# Check the two responses are what the benchmark claims to measure.
n=$(curl -fsS --max-time 5 -H "Authorization: Bearer $TOKEN" "$LIST_URL" | jq length)
[ "$n" = 20 ] || { echo "GET /tickets?limit=20 returned $n tickets, want 20" >&2; exit 1; }
n=$(curl -fsS --max-time 5 -H "Authorization: Bearer $TOKEN" "$GET_URL" | jq '.messages | length')
[ "$n" = 10 ] || { echo "GET /tickets/{id} returned $n messages, want 10" >&2; exit 1; }
log "logged in as $BENCH_EMAIL; GET /tickets?limit=20 gives 20 tickets, GET /tickets/$BENCH_TICKET_ID gives 10 messages"

# wrk: the Lua script adds the token and prints one machine-readable line at the end.
cat >"$WORK/auth.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    summary.requests / s, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, bad))
end
EOF

# wrk_run NAME URL SECONDS: prints the RESULT line.
wrk_run() {
  timeout $(($3 + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3s" --timeout 5s -s "$WORK/auth.lua" "$2" >"$WORK/$1.wrk" 2>&1 \
    || { cat "$WORK/$1.wrk" >&2; return 1; }
  grep '^RESULT' "$WORK/$1.wrk"
}

# vegeta_run NAME URL: fixed rate; prints the JSON report.
vegeta_run() {
  printf 'GET %s\nAuthorization: Bearer %s\n' "$2" "$TOKEN" >"$WORK/$1.target"
  timeout $((DURATION + 60)) "$VEGETA" attack -targets "$WORK/$1.target" -rate "$RATE/s" -duration "${DURATION}s" \
    -timeout 5s -max-workers 256 >"$WORK/$1.bin"
  "$VEGETA" report -type json "$WORK/$1.bin"
}

# busy_pct: machine-wide CPU busy % over the next 2 seconds (from /proc/stat).
busy_pct() {
  local a b c d e f g h t0 i0 t1 i1
  read -r _ a b c d e f g h _ </proc/stat; t0=$((a+b+c+d+e+f+g+h)); i0=$((d+e))
  sleep 2
  read -r _ a b c d e f g h _ </proc/stat; t1=$((a+b+c+d+e+f+g+h)); i1=$((d+e))
  echo $(( 100 * ((t1-t0) - (i1-i0)) / (t1-t0 > 0 ? t1-t0 : 1) ))
}

# wait_quiet: waits until the machine is idle enough; prints the last busy % seen.
wait_quiet() {
  local b deadline=$((SECONDS + QUIET_WAIT))
  while b=$(busy_pct); [ "$b" -gt "$QUIET" ] && [ $SECONDS -lt $deadline ]; do :; done
  [ "$b" -le "$QUIET" ] || log "  warning: machine still ${b}% busy before measuring (other processes)"
  echo "$b"
}

field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$RESULTS/$LABEL-$STAMP.md
declare -a ROWS

if [ "$QUEUE" = 1 ]; then
  : "${BENCH_AGENT_EMAIL:?missing in $TARGET_FILE (re-run bench/seed)}" "${BENCH_WORD_RARE:?missing in $TARGET_FILE (re-run bench/seed)}"
  AGENT_TOKEN=$(curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    -d "$(jq -nc --arg u "$BENCH_AGENT_EMAIL" --arg p "$BENCH_PASSWORD" '{username:$u,password:$p}')" \
    "$BASE/auth/login" | jq -er .access_token)
  sed "s/Bearer $TOKEN/Bearer $AGENT_TOKEN/" "$WORK/auth.lua" >"$WORK/agent.lua"
  # name|path|who: the agent's queue, then the customer's routes.
  ENDPOINTS=(
    "queue: status=open, sort=updated|/tickets?limit=20&status=open&sort=updated|agent"
    "queue: assignee=me, status=open,pending|/tickets?limit=20&assignee=me&status=open,pending|agent"
    "queue: tag=$QUEUE_TAG|/tickets?limit=20&tag=$QUEUE_TAG|agent"
    "queue: priority=urgent,high, sort=priority|/tickets?limit=20&priority=urgent,high&sort=priority|agent"
    "queue: q=common word ($BENCH_WORD_COMMON)|/tickets?limit=20&q=$BENCH_WORD_COMMON|agent"
    "queue: q=common word, status=pending, priority=urgent|/tickets?limit=20&q=$BENCH_WORD_COMMON&status=pending&priority=urgent|agent"
    "queue: q=mid word ($BENCH_WORD_MID)|/tickets?limit=20&q=$BENCH_WORD_MID|agent"
    "queue: q=mid word, status=open|/tickets?limit=20&q=$BENCH_WORD_MID&status=open|agent"
    "queue: q=mid word, assignee=me, status=open,pending|/tickets?limit=20&q=$BENCH_WORD_MID&assignee=me&status=open,pending|agent"
    "queue: q=rare word ($BENCH_WORD_RARE)|/tickets?limit=20&q=$BENCH_WORD_RARE|agent"
    "queue: q=rare word, status=open|/tickets?limit=20&q=$BENCH_WORD_RARE&status=open|agent"
    "queue: q=order number (one ticket)|/tickets?limit=20&q=$BENCH_WORD_SINGLE|agent"
    "queue: q=word in no ticket|/tickets?limit=20&q=$BENCH_WORD_ABSENT|agent"
    "queue: q=two words (mid rare)|/tickets?limit=20&q=$BENCH_WORD_MID+$BENCH_WORD_RARE|agent"
    "customer: GET /tickets?limit=20|/tickets?limit=20|customer"
    "customer: GET /tickets/{id} (10 msgs)|/tickets/$BENCH_TICKET_ID|customer"
  )
  for e in "${ENDPOINTS[@]}"; do
    IFS='|' read -r name path who <<<"$e"
    lua=$WORK/auth.lua; tok=$TOKEN
    if [ "$who" = agent ]; then lua=$WORK/agent.lua; tok=$AGENT_TOKEN; fi
    n=$(curl -fsS --max-time 10 -H "Authorization: Bearer $tok" "$BASE$path" | jq 'if type == "array" then length else (.messages | length) end')
    log "$name: $n items; warm-up ${WARMUP}s"
    timeout $((WARMUP + 30)) wrk -t1 -c1 -d"${WARMUP}s" --timeout 5s -s "$lua" "$BASE$path" >/dev/null 2>&1
    q1=$(wait_quiet)
    r=$(timeout $((DURATION + 30)) wrk -t1 -c1 -d"${DURATION}s" --timeout 5s -s "$lua" "$BASE$path" | grep '^RESULT')
    log "  $r"
    ROWS+=("| $name | $n | $(field "$r" rps) | $(field "$r" p50_ms) | $(field "$r" p99_ms) | $(field "$r" errors) | $q1% |")
  done
  SERVER_ERRORS=$(grep -c '"level":"ERROR"' "$WORK/server.err" || true)
  {
    echo "## $LABEL ($STAMP)"
    echo
    echo "One client: wrk -t1 -c1 -d${DURATION}s per listing (queue rows as $BENCH_AGENT_EMAIL, customer rows as $BENCH_EMAIL)."
    echo
    echo "| listing | items | req/s | p50 ms | p99 ms | errors | busy before |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Server error log lines during the run: $SERVER_ERRORS"
  } | tee "$OUT"
  cp "$WORK/server.err" "${OUT%.md}.server.log"
  log "summary saved to $OUT"
  exit 0
fi

for ep in list get; do
  if [ $ep = list ]; then url=$LIST_URL; name='GET /tickets?limit=20'; else url=$GET_URL; name='GET /tickets/{id} (10 msgs)'; fi
  log "$name: warm-up ${WARMUP}s"
  wrk_run "$ep-warmup" "$url" "$WARMUP" >/dev/null
  q1=$(wait_quiet)
  log "$name: wrk max throughput, ${THREADS} threads, ${CONNECTIONS} connections, ${DURATION}s (background ${q1}% busy)"
  r=$(wrk_run "$ep-max" "$url" "$DURATION")
  log "  $r"
  q2=$(wait_quiet)
  log "$name: vegeta fixed rate ${RATE}/s, ${DURATION}s (background ${q2}% busy)"
  v=$(vegeta_run "$ep-rate" "$url")
  vp50=$(jq -r '.latencies["50th"] / 1e6 | . * 100 | round / 100' <<<"$v")
  vp99=$(jq -r '.latencies["99th"] / 1e6 | . * 100 | round / 100' <<<"$v")
  vmax=$(jq -r '.latencies.max / 1e6 | . * 100 | round / 100' <<<"$v")
  vok=$(jq -r '.success * 100 | . * 100 | round / 100' <<<"$v")
  vtp=$(jq -r '.throughput | round' <<<"$v")
  log "  rate=$RATE/s achieved=$vtp/s p50=${vp50}ms p99=${vp99}ms max=${vmax}ms success=${vok}%"
  ROWS+=("| $name | $(field "$r" rps) | $(field "$r" p50_ms) | $(field "$r" p99_ms) | $(field "$r" errors) | $vtp | $vp50 | $vp99 | $vmax | $vok% | $q1% / $q2% |")
done

SERVER_ERRORS=$(grep -c '"level":"ERROR"' "$WORK/server.err" || true)
{
  echo "## $LABEL ($STAMP)"
  echo
  echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (max throughput); vegeta attack -rate $RATE/s -duration ${DURATION}s (fixed rate)."
  echo "Tickets owned by the benchmark user are listed 20 per page; the detail ticket has 10 messages."
  echo "Rate limits: RATE_LIMIT_USER=$RATE_LIMIT_USER RATE_LIMIT_IP=$RATE_LIMIT_IP."
  echo
  echo "| endpoint | max req/s | p50 ms | p99 ms | errors | @${RATE}/s achieved | p50 ms | p99 ms | max ms | success | busy before |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Server error log lines during the run: $SERVER_ERRORS (full server log: $(basename "$OUT" .md).server.log)"
} | tee "$OUT"
cp "$WORK/server.err" "${OUT%.md}.server.log"
log "summary saved to $OUT"
