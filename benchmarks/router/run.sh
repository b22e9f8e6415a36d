#!/usr/bin/env bash
# Builds gateway-core's test classes and runs the router benchmark. Usage: benchmarks/router/run.sh [routes]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/java-env.sh
kj_find_jdk
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
mvn -B -q -pl gateway-core -am test-compile
exec java -Xms1g -Xmx1g -cp gateway-core/target/test-classes:gateway-core/target/classes:gateway-config/target/classes \
    org.kongjava.core.router.bench.RouterBench "$@"
