#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every header in include/ compiles on its own (it includes what it uses).
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
n=0
for h in include/*.h; do
    printf '#include "%s"\n' "$(basename "$h")" >"$tmp/t.c"
    $cc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -iquote include -I. "$tmp/t.c"
    n=$((n + 1))
done
echo "$n headers compile on their own"
