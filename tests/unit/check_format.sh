#!/bin/sh
# Fails when a C file differs from what .clang-format makes of it.
set -eu
root=$1
clang_format=$2
cd "$root"
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null || find lib cmd tests bench -name '*.[ch]')
# shellcheck disable=SC2086
exec "$clang_format" --dry-run --Werror $files
