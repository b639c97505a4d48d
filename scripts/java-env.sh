# Sourced by ./sparse-mixer and ./run-tests: finds JDK 25 or newer and exports JAVA_HOME and JAVA.
# Order: $JAVA_HOME if its java is 25+, else the first /usr/lib/jvm/*25* with bin/java.

_sm_java_major() {
    # Prints the feature version of the given java binary ("25" for 25.0.3, "1" for 1.8), or nothing.
    "$1" -version 2>&1 | sed -n 's/^[^ ]* version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

_sm_find_jdk() {
    local candidate major
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        major=$(_sm_java_major "$JAVA_HOME/bin/java")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            printf '%s\n' "$JAVA_HOME"
            return 0
        fi
    fi
    for candidate in /usr/lib/jvm/*25*; do
        if [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

if ! _sm_jdk=$(_sm_find_jdk); then
    echo "error: JDK 25 not found: set JAVA_HOME to a JDK 25 (or newer) installation, or install one under /usr/lib/jvm (e.g. temurin-25-jdk)${JAVA_HOME:+ (JAVA_HOME=$JAVA_HOME is not JDK 25+)}" >&2
    exit 1
fi
export JAVA_HOME="$_sm_jdk"
JAVA="$JAVA_HOME/bin/java"
unset _sm_jdk
