#!/usr/bin/env bash
# Start a real single-node Apache Kafka broker (KRaft combined broker+controller,
# no ZooKeeper) from Maven Central jars, in the background. No Docker needed.
#
# Idempotent: if our broker is already up on the configured port, just prints
# its address. Concurrent calls are serialised with flock.
#
# Env:
#   KAFKA_HOME_DIR         runtime dir (default: <repo>/.data/kafka): libs/, config/,
#                          data/, kafka.pid, kafka.log
#   KAFKA_PORT             PLAINTEXT listener port   (default 19092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port     (default 19093)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   KAFKA_HEAP_OPTS        broker heap (default "-Xms256m -Xmx512m")
#   JAVA_HOME              optional; otherwise `java` from PATH
#
# Exit codes: 0 ready; 3 cannot provide a broker here (java/mvn missing, jars not
# resolvable, port taken by another process, ...); 1 broker failed to start/become ready.
# On success the last stdout line is `KAFKA_BROKERS=127.0.0.1:<port>`
# (progress messages go to stderr).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.data/kafka}"
mkdir -p "$KAFKA_HOME_DIR"
KAFKA_HOME_DIR="$(cd "$KAFKA_HOME_DIR" && pwd)"
export KAFKA_HOME_DIR
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$KAFKA_HOME_DIR/libs}"
export KAFKA_LIB_DIR
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

CONFIG_DIR="$KAFKA_HOME_DIR/config"
DATA_DIR="$KAFKA_HOME_DIR/data"
SERVER_PROPS="$CONFIG_DIR/server.properties"
LOG4J_PROPS="$CONFIG_DIR/log4j.properties"
PID_FILE="$KAFKA_HOME_DIR/kafka.pid"
PORT_FILE="$KAFKA_HOME_DIR/kafka.port"
LOG_FILE="$KAFKA_HOME_DIR/kafka.log"
CLUSTER_ID_FILE="$KAFKA_HOME_DIR/cluster.id"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

log() { echo "[kafka/start] $*" >&2; }
die() { echo "[kafka/start] ERROR: $*" >&2; exit 1; }
cannot_provide() { echo "[kafka/start] ERROR: $*" >&2; exit 3; }

for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  [[ "$p" =~ ^[0-9]+$ ]] || die "invalid port '$p'"
done
[[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="$(command -v java || true)"; fi
[[ -n "$JAVA" ]] || cannot_provide "java not found (install a JDK >= 11 or set JAVA_HOME); cannot provide a Kafka broker"

port_open() { timeout 2 bash -c ": </dev/tcp/127.0.0.1/$1" >/dev/null 2>&1; }

# Is <pid> a broker started by this script for this KAFKA_HOME_DIR?
is_our_broker() {
  local pid="$1"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *" kafka.Kafka $SERVER_PROPS"* ]]
}

# Fast tool JVMs (readiness check, storage format).
TOOL_JVM_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
               "-Dlog4j.configuration=file:$CONFIG_DIR/tools-log4j.properties")
run_tool() { "$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$KAFKA_LIB_DIR/*:$CONFIG_DIR" "$@"; }

report_running_or_fail() {
  # Returns 0 (after printing the address) if our broker is up; 1 if nothing of
  # ours is running; exits on conflicting states.
  local pid=""
  [[ -f "$PID_FILE" ]] && pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_our_broker "$pid"; then
    local running_port
    running_port="$(cat "$PORT_FILE" 2>/dev/null || true)"
    if [[ -n "$running_port" && "$running_port" != "$KAFKA_PORT" ]]; then
      die "our broker (pid $pid) is already running on port $running_port, not $KAFKA_PORT; run infra/kafka/stop.sh first"
    fi
    if port_open "$KAFKA_PORT"; then
      log "broker already running (pid $pid)"
      echo "KAFKA_BROKERS=$BOOTSTRAP"
      exit 0
    fi
    return 2  # ours, alive, but not (yet) listening
  fi
  return 1
}

# --- fast path without the lock ---------------------------------------------
report_running_or_fail || true

# --- serialise everything below ---------------------------------------------
exec 9>"$KAFKA_HOME_DIR/.start.lock"
if ! flock -w $((KAFKA_START_TIMEOUT + 60)) 9; then
  die "timed out waiting for another start.sh/stop.sh holding $KAFKA_HOME_DIR/.start.lock"
fi

state=0
report_running_or_fail || state=$?
if [[ "$state" == 2 ]]; then
  # Ours but not listening (e.g. a previous start timed out or it is wedged):
  # restart it cleanly rather than guess.
  log "our broker (pid $(cat "$PID_FILE")) is alive but not listening on $KAFKA_PORT; restarting it"
  "$SCRIPT_DIR/stop.sh" --no-lock >&2
fi
rm -f "$PID_FILE" "$PORT_FILE"

for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  if port_open "$p"; then
    cannot_provide "port 127.0.0.1:$p is already in use by another process (not our broker); free it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT"
  fi
done

# --- jars --------------------------------------------------------------------
fetch_rc=0
"$SCRIPT_DIR/fetch.sh" >/dev/null || fetch_rc=$?
[[ "$fetch_rc" == 0 ]] || exit "$fetch_rc"

# --- config --------------------------------------------------------------------
mkdir -p "$CONFIG_DIR" "$DATA_DIR"

cat >"$SERVER_PROPS" <<EOF
# Generated by infra/kafka/start.sh -- overwritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA_DIR
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# small machine: keep thread counts modest
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF

cat >"$LOG4J_PROPS" <<'EOF'
# Generated by infra/kafka/start.sh. Broker log -> stdout, which start.sh
# redirects to $KAFKA_HOME_DIR/kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Quieten the chattiest loggers (per-partition / per-request noise).
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.log=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.cluster=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.coordinator.group=WARN
log4j.logger.kafka.coordinator=WARN
log4j.logger.org.apache.kafka.controller.ReplicationControlManager=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
EOF

cat >"$CONFIG_DIR/tools-log4j.properties" <<'EOF'
# Generated by infra/kafka/start.sh: CLI tools log only warnings, to stderr.
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF

# --- format storage once -------------------------------------------------------
if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    run_tool kafka.tools.StorageTool random-uuid | tail -n1 | tr -d '[:space:]' >"$CLUSTER_ID_FILE"
  fi
  cluster_id="$(cat "$CLUSTER_ID_FILE")"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "bad cluster id '$cluster_id' in $CLUSTER_ID_FILE"
  log "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
  run_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPS" >&2 \
    || die "kafka.tools.StorageTool format failed"
fi

# --- launch ------------------------------------------------------------------------
[[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
: >"$LOG_FILE"
echo "$KAFKA_PORT" >"$PORT_FILE"

# setsid+nohup: own session, survives the calling shell/CI step; 9>&- so the
# broker does not inherit (and hold forever) the start lock. The inner shell
# writes its own pid and then exec's java, so the pid file is exactly the JVM.
# shellcheck disable=SC2086
# Extra inherited fds (>2, e.g. a CI runner's pipes) are closed so the broker
# never keeps the caller's pipes open.
setsid nohup bash -c '
  for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
  echo $$ >"$0"; exec "$@"' "$PID_FILE" \
  "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true -Dlog4j.configuration="file:$LOG4J_PROPS" \
  -cp "$KAFKA_LIB_DIR/*:$CONFIG_DIR" \
  kafka.Kafka "$SERVER_PROPS" \
  >>"$LOG_FILE" 2>&1 </dev/null 9>&- &

t0=$SECONDS
deadline=$((SECONDS + KAFKA_START_TIMEOUT))
pid=""
while [[ -z "$pid" && $SECONDS -lt $deadline ]]; do
  sleep 0.1; pid="$(cat "$PID_FILE" 2>/dev/null || true)"
done
[[ -n "$pid" ]] || die "broker process did not write $PID_FILE"
log "started broker pid $pid (log: $LOG_FILE), waiting up to ${KAFKA_START_TIMEOUT}s for readiness on $BOOTSTRAP ..."

fail_start() {
  echo "[kafka/start] ---- last lines of $LOG_FILE ----" >&2
  tail -n 30 "$LOG_FILE" >&2 || true
  if is_our_broker "$pid"; then kill -TERM "$pid" 2>/dev/null || true; sleep 2; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$PID_FILE" "$PORT_FILE"
  die "$1"
}

# 1) cheap: log line + port open; 2) real: an Admin client round-trip.
while :; do
  is_our_broker "$pid" || fail_start "broker process $pid exited during startup"
  if grep -q "Kafka Server started" "$LOG_FILE" && port_open "$KAFKA_PORT"; then break; fi
  [[ $SECONDS -lt $deadline ]] || fail_start "broker not ready after ${KAFKA_START_TIMEOUT}s"
  sleep 0.5
done
while :; do
  is_our_broker "$pid" || fail_start "broker process $pid exited during startup"
  if timeout 30 "$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$KAFKA_LIB_DIR/*:$CONFIG_DIR" \
       org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; then
    break
  fi
  [[ $SECONDS -lt $deadline ]] || fail_start "broker not answering admin requests after ${KAFKA_START_TIMEOUT}s"
  sleep 1
done

log "broker ready in $((SECONDS - t0))s (pid $pid)"
echo "KAFKA_BROKERS=$BOOTSTRAP"
