# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for tests/all.sh, tests/demo.sh and the interop tests. Source it; do not run it.

SLUICE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages the build, the tests and the demo need. Only missing ones are installed.
SLUICE_DEPS=(build-essential autoconf automake pkg-config libssl-dev liblz4-dev libcmocka-dev
    libsystemd-dev libcap-ng-dev libmnl-dev clang libclang-rt-dev clang-format
    binutils iproute2 iputils-ping openvpn iperf3 tcpdump)

sluice_install_deps() {
    local missing=() pkg
    for pkg in "${SLUICE_DEPS[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# Counters and a step runner: each step's output goes to a log file, shown only when it fails.
SLUICE_PASSED=0
SLUICE_FAILED=0
SLUICE_SKIPPED=0
SLUICE_FAILURES=()
SLUICE_LOGDIR=${SLUICE_LOGDIR:-$SLUICE_TOP/_build/logs}

sluice_pass() { SLUICE_PASSED=$((SLUICE_PASSED + 1)); printf '  PASS  %s\n' "$1"; }
sluice_fail() { SLUICE_FAILED=$((SLUICE_FAILED + 1)); SLUICE_FAILURES+=("$1"); printf '  FAIL  %s\n' "$1"; }
sluice_skip() { SLUICE_SKIPPED=$((SLUICE_SKIPPED + 1)); printf '  SKIP  %s (%s)\n' "$1" "$2"; }

# sluice_step NAME COMMAND...: runs COMMAND, counts it, prints the tail of its log on failure.
sluice_step() {
    local name=$1 log start rc
    shift
    mkdir -p "$SLUICE_LOGDIR"
    log="$SLUICE_LOGDIR/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        sluice_pass "$name ($(($(date +%s) - start))s)"
    else
        sluice_fail "$name (exit $rc, log: $log)"
        tail -n 40 "$log" | sed 's/^/      | /'
    fi
    return $rc
}

sluice_summary() {
    echo
    if [ ${#SLUICE_FAILURES[@]} -gt 0 ]; then
        echo "Failed:"
        printf '  %s\n' "${SLUICE_FAILURES[@]}"
    fi
    echo "$SLUICE_PASSED passed, $SLUICE_FAILED failed, $SLUICE_SKIPPED skipped"
    [ "$SLUICE_FAILED" -eq 0 ]
}
