# Sourced by kong-java, run-tests and .ci/run: finds a JDK >= 21 and exports JAVA_HOME.
# Order: $JAVA_HOME, then `java` on PATH, then the standard JVM directories.

kj_java_major() { # $1 = path to a java binary; prints its feature version or nothing
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

kj_find_jdk() {
  local candidates=() dir bin major tried=""
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if bin=$(command -v java 2>/dev/null); then
    bin=$(readlink -f "$bin" 2>/dev/null || echo "$bin")
    candidates+=("$(dirname "$(dirname "$bin")")")
  fi
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || { tried="$tried $dir(no javac)"; continue; }
    major=$(kj_java_major "$dir/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$dir"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
    tried="$tried $dir(java $major)"
  done
  echo "kong-java needs a JDK 21 or newer (java and javac), and none was found." >&2
  echo "Looked at: JAVA_HOME, java on PATH, /usr/lib/jvm, /usr/java, /opt/java." >&2
  [ -n "$tried" ] && echo "Found only:$tried" >&2
  echo "Install one (e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+) or set JAVA_HOME to it." >&2
  return 1
}

kj_require_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "Maven (mvn) is needed to build kong-java and was not found on PATH." >&2
  echo "Install it with 'apt-get install maven' (Debian/Ubuntu) or from maven.apache.org." >&2
  return 1
}
