#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Secrets go through one module (src/core/secret.c): constant-time compares and wiping happen there
# and nowhere else, and no MAC, tag or digest is compared with plain memcmp.
set -eu
cd "$(dirname "$0")/../.."
status=0
direct=$(grep -rnE --include='*.[ch]' '\b(CRYPTO_memcmp|OPENSSL_cleanse)\b' src include | grep -vE '^(src/core/secret\.c|include/secret\.h):' || true)
if [ -n "$direct" ]; then
    echo "CRYPTO_memcmp/OPENSSL_cleanse outside src/core/secret.c (use secret_equal/secret_wipe):"
    echo "$direct"
    status=1
fi
weak=$(grep -rniE --include='*.[ch]' '\b(memcmp|bcmp)\s*\(.*(tag|mac|hmac|digest|auth|cookie|hash|key|secret)' src include || true)
if [ -n "$weak" ]; then
    echo "plain comparison of what looks like a MAC, tag, digest or key (use secret_equal):"
    echo "$weak"
    status=1
fi
weakwipe=$(grep -rnE --include='*.[ch]' '\b(bzero|explicit_bzero|memset_s)\s*\(' src include | grep -vE '^(src/core/secret\.c|include/secret\.h):' || true)
if [ -n "$weakwipe" ]; then
    echo "wiping outside src/core/secret.c (use secret_wipe):"
    echo "$weakwipe"
    status=1
fi
[ $status -eq 0 ] && echo "secret hygiene holds"
exit $status
