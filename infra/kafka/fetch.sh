#!/usr/bin/env bash
# Fetch the Apache Kafka broker + CLI tool jars from Maven Central (via mvn, cached
# in ~/.m2) into a flat lib dir usable as `java -cp "<libdir>/*"`.
#
# Idempotent: does nothing when the lib dir already holds the pinned version.
#
# Env:
#   KAFKA_HOME_DIR  runtime dir (default: <repo>/.data/kafka)
#   KAFKA_LIB_DIR   where the jars go (default: $KAFKA_HOME_DIR/libs)
#   JAVA_HOME       optional; otherwise `java` from PATH
#
# Exit codes: 0 ok; 3 cannot provide Kafka here (java/mvn missing, java too old,
# or Maven could not resolve the jars); anything else = unexpected crash.
# On success the last stdout line is `KAFKA_LIB_DIR=<dir>`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.data/kafka}"
mkdir -p "$KAFKA_HOME_DIR"
KAFKA_HOME_DIR="$(cd "$KAFKA_HOME_DIR" && pwd)"
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$KAFKA_HOME_DIR/libs}"

log() { echo "[kafka/fetch] $*" >&2; }
cannot_provide() { echo "[kafka/fetch] ERROR: $*" >&2; exit 3; }

# Single source of truth for the version: <kafka.version> in pom.xml.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$KAFKA_VERSION" ]] || { echo "[kafka/fetch] ERROR: could not read <kafka.version> from $POM" >&2; exit 1; }

# --- prerequisites -----------------------------------------------------------
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="$(command -v java || true)"; fi
[[ -n "$JAVA" ]] || cannot_provide "java not found (install a JDK >= 11 or set JAVA_HOME); cannot provide a Kafka broker"
java_major="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[0-9]*\)\{0,1\}.*".*/\1\2/p' | head -n1)"
java_major="${java_major#1.}"; java_major="${java_major%%.*}"
if [[ -n "$java_major" && "$java_major" -lt 11 ]]; then
  cannot_provide "java $java_major found at $JAVA but Kafka $KAFKA_VERSION needs >= 11"
fi
command -v mvn >/dev/null 2>&1 || cannot_provide "mvn (Apache Maven) not found; needed to fetch Kafka $KAFKA_VERSION jars from Maven Central"

# --- already there? ----------------------------------------------------------
MARKER="$KAFKA_LIB_DIR/.fetched-$KAFKA_VERSION"
is_complete() { [[ -f "$MARKER" && -f "$KAFKA_LIB_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]]; }

if is_complete; then
  echo "KAFKA_LIB_DIR=$KAFKA_LIB_DIR"
  exit 0
fi

# Serialise concurrent fetches (separate lock from start.sh's).
exec 8>"$KAFKA_HOME_DIR/.fetch.lock"
flock -w 900 8 || { echo "[kafka/fetch] ERROR: timed out waiting for another fetch.sh" >&2; exit 1; }
if is_complete; then  # someone else fetched while we waited
  echo "KAFKA_LIB_DIR=$KAFKA_LIB_DIR"
  exit 0
fi

# Copy into a fresh temp dir, then swap in, so a version change never leaves
# stale jars of another version on the classpath and an interrupted copy never
# looks complete.
tmp="$KAFKA_LIB_DIR.tmp.$$"
mvn_log="$KAFKA_HOME_DIR/fetch-mvn.log"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central (cached in ~/.m2) ..."
t0=$SECONDS
if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
  tail -n 20 "$mvn_log" >&2 || true
  cannot_provide "mvn could not resolve Kafka $KAFKA_VERSION jars (is Maven Central reachable?); full log: $mvn_log"
fi
[[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || { echo "[kafka/fetch] ERROR: mvn succeeded but kafka_2.13-$KAFKA_VERSION.jar is missing in $tmp" >&2; exit 1; }
touch "$tmp/.fetched-$KAFKA_VERSION"
rm -rf "$KAFKA_LIB_DIR"
mv "$tmp" "$KAFKA_LIB_DIR"
trap - EXIT
log "fetched $(ls "$KAFKA_LIB_DIR"/*.jar | wc -l) jars into $KAFKA_LIB_DIR in $((SECONDS - t0))s"
echo "KAFKA_LIB_DIR=$KAFKA_LIB_DIR"
