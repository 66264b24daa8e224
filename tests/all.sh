#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sluice's whole test command (README quick start; .ci/run calls exactly this).
# On a fresh Debian machine as root it installs what is missing, then: a -Werror build and
# `make check`; the unit tests again under ASan+UBSan; every libFuzzer harness for a few seconds on
# its seed corpus; the formatting check; the mechanical rules of tests/check/; `make distcheck`; and
# the interop tests in tests/interop/ (network namespaces, needs root). It ends with one line
# "N passed, N failed, N skipped" and exits non-zero if anything failed.
#
# Environment: FUZZ_SECONDS (default 10) per harness; JOBS (default: nproc); SKIP_DISTCHECK=1.
set -u
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_TOP" || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-10}
JOBS=${JOBS:-$(nproc)}
BUILD=$SLUICE_TOP/_build
export SLUICE_LOGDIR=$BUILD/logs
rm -rf "$SLUICE_LOGDIR"

configure_and_build() (
    local dir=$1
    shift
    rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" &&
        "$SLUICE_TOP/configure" "$@" && make -j"$JOBS"
)

# make check in DIR; then one counted result per test program (from automake's .trs files).
run_unit_tests() {
    local dir=$1 label=$2 trs name
    shift 2
    sluice_step "$label: make check builds and runs" env "$@" make -C "$dir" -j"$JOBS" check
    for trs in "$dir"/tests/unit/*.trs "$dir"/tests/*.trs; do
        [ -e "$trs" ] || continue
        name=${trs#"$dir"/}
        name=${name%.trs}
        if grep -q '^:test-result: PASS' "$trs"; then
            sluice_pass "$label: $name"
        else
            sluice_fail "$label: $name (log: ${trs%.trs}.log)"
            tail -n 30 "${trs%.trs}.log" | sed 's/^/      | /'
        fi
    done
}

run_fuzzers() {
    local dir=$1 fuzzer name seeds work
    for fuzzer in "$dir"/tests/fuzz/fuzz_*; do
        [ -x "$fuzzer" ] || continue
        name=$(basename "$fuzzer")
        seeds=$SLUICE_TOP/tests/fuzz/corpus/${name#fuzz_}
        work=$dir/corpus-work/$name
        mkdir -p "$work" "$dir/artifacts"
        [ -d "$seeds" ] || seeds=
        sluice_step "fuzz: $name (${FUZZ_SECONDS}s)" "$fuzzer" -max_total_time="$FUZZ_SECONDS" \
            -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$dir/artifacts/$name-" \
            -print_final_stats=1 "$work" $seeds
    done
}

run_interop_tests() {
    local t
    for t in "$SLUICE_TOP"/tests/interop/test_*.sh; do
        [ -e "$t" ] || continue
        if [ "$(id -u)" -ne 0 ]; then
            sluice_skip "interop: $(basename "$t")" "needs root for network namespaces"
            continue
        fi
        sluice_step "interop: $(basename "$t")" env SLUICE_BIN="$BUILD/werror/src/sluice" bash "$t"
    done
}

echo "== dependencies"
if ! sluice_step "install build and test dependencies" sluice_install_deps; then
    sluice_summary
    exit 1
fi

echo "== strict build (-Werror) and make check"
# The builds below are out of tree, which autoconf refuses while the source tree is configured.
if [ -f "$SLUICE_TOP/config.status" ]; then
    echo "  (the source tree was configured in place: running make distclean there first)"
    make -C "$SLUICE_TOP" distclean >/dev/null 2>&1 || rm -f "$SLUICE_TOP/config.status"
fi
sluice_step "autoreconf" autoreconf -fi &&
    sluice_step "configure and build with --enable-werror" \
        configure_and_build "$BUILD/werror" --enable-werror &&
    run_unit_tests "$BUILD/werror" "unit"

echo "== build without the optional libraries"
sluice_step "configure and build --without-systemd --without-libcap-ng --without-libmnl" \
    configure_and_build "$BUILD/minimal" --enable-werror --without-systemd --without-libcap-ng \
    --without-libmnl

echo "== unit tests under ASan+UBSan"
sluice_step "configure and build with --enable-sanitizers" \
    configure_and_build "$BUILD/san" --enable-werror --enable-sanitizers &&
    run_unit_tests "$BUILD/san" "asan+ubsan" \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== fuzz harnesses (${FUZZ_SECONDS}s each)"
sluice_step "configure and build with --enable-fuzzing" \
    configure_and_build "$BUILD/fuzz" CC=clang --enable-werror --enable-fuzzing &&
    run_fuzzers "$BUILD/fuzz"

echo "== mechanical rules"
sluice_step "format: clang-format check" bash tests/check/format.sh
sluice_step "core purity: no I/O, clock, signals or processes in the core library" \
    bash tests/check/core-purity.sh "$BUILD/werror/src/core/libsluicecore.a"
sluice_step "secret hygiene: CRYPTO_memcmp/OPENSSL_cleanse only in secret.c" \
    bash tests/check/secret-hygiene.sh
sluice_step "headers: each one compiles on its own" bash tests/check/headers.sh

echo "== distribution"
if [ "${SKIP_DISTCHECK:-0}" = 1 ]; then
    sluice_skip "make distcheck" "SKIP_DISTCHECK=1"
else
    sluice_step "make distcheck" make -C "$BUILD/werror" -j"$JOBS" distcheck
fi

echo "== interop tests against openvpn $(openvpn --version 2>/dev/null | head -n1 | cut -d' ' -f2)"
run_interop_tests

sluice_summary
