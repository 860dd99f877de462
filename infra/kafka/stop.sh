#!/usr/bin/env bash
# Stop the broker started by infra/kafka/start.sh: SIGTERM, wait up to
# KAFKA_STOP_TIMEOUT (default 30) seconds, then SIGKILL. Removes the pid file.
# Exit 0 if nothing was running. Data (KRaft storage) is kept; remove
# $KAFKA_HOME_DIR/data and cluster.id for a fresh cluster.
#
# Env: KAFKA_HOME_DIR (default <repo>/.data/kafka), KAFKA_STOP_TIMEOUT (30).
# (--no-lock is internal: used by start.sh, which already holds the lock.)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.data/kafka}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

log() { echo "[kafka/stop] $*" >&2; }

if [[ ! -d "$KAFKA_HOME_DIR" ]]; then
  log "nothing running ($KAFKA_HOME_DIR does not exist)"
  exit 0
fi
KAFKA_HOME_DIR="$(cd "$KAFKA_HOME_DIR" && pwd)"
PID_FILE="$KAFKA_HOME_DIR/kafka.pid"
PORT_FILE="$KAFKA_HOME_DIR/kafka.port"
SERVER_PROPS="$KAFKA_HOME_DIR/config/server.properties"

if [[ "${1:-}" != "--no-lock" ]]; then
  exec 9>"$KAFKA_HOME_DIR/.start.lock"
  flock -w 180 9 || { echo "[kafka/stop] ERROR: timed out waiting for the start/stop lock" >&2; exit 1; }
fi

is_our_broker() {
  local pid="$1"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *" kafka.Kafka $SERVER_PROPS"* ]]
}

pid=""
[[ -f "$PID_FILE" ]] && pid="$(cat "$PID_FILE" 2>/dev/null || true)"
if ! is_our_broker "$pid"; then
  # Pid file missing/stale: look for a broker running with our config anyway.
  pid=""
  for d in /proc/[0-9]*; do
    if is_our_broker "${d#/proc/}"; then pid="${d#/proc/}"; break; fi
  done
fi

if [[ -z "$pid" ]]; then
  rm -f "$PID_FILE" "$PORT_FILE"
  log "nothing running"
  exit 0
fi

log "stopping broker pid $pid (SIGTERM, up to ${KAFKA_STOP_TIMEOUT}s) ..."
kill -TERM "$pid" 2>/dev/null || true
t0=$SECONDS
# (checks /proc cmdline rather than kill -0: a zombie that nobody reaps has an
# empty cmdline and must count as gone)
while is_our_broker "$pid" && [[ $((SECONDS - t0)) -lt $KAFKA_STOP_TIMEOUT ]]; do
  sleep 0.2
done
if is_our_broker "$pid"; then
  log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do is_our_broker "$pid" || break; sleep 0.1; done
fi
# The cmdline goes empty as soon as the process starts exiting, but its
# listening sockets are only released a moment later (all threads gone). Wait
# for the broker's ports to close so an immediate start.sh doesn't mistake
# them for a foreign process.
ports="$(sed -n 's/^listeners=//p' "$SERVER_PROPS" 2>/dev/null | grep -o ':[0-9]*' | tr -d ':' || true)"
for _ in $(seq 1 100); do
  busy=""
  for p in $ports; do
    if timeout 2 bash -c ": </dev/tcp/127.0.0.1/$p" >/dev/null 2>&1; then busy=1; fi
  done
  [[ -z "$busy" ]] && break
  sleep 0.1
done
rm -f "$PID_FILE" "$PORT_FILE"
log "stopped (took $((SECONDS - t0))s)"
