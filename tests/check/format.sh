#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every C source and header follows .clang-format. Fix with: clang-format -i FILE
set -eu
cd "$(dirname "$0")/../.."
mapfile -t files < <(find src include tests -name '*.[ch]' -type f | sort)
[ ${#files[@]} -gt 0 ] || { echo "no C files found" >&2; exit 1; }
clang-format --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted"
