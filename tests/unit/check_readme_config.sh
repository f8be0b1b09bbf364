#!/bin/sh
# Fails when README.md's configuration table differs from the daemon's own table.
set -eu
readme=$1
daemon=$2
want=$("$daemon" --print-config-table)
have=$(sed -n '/<!-- config-table:begin -->/,/<!-- config-table:end -->/p' "$readme" | sed '1d;$d')
if [ "$want" != "$have" ]; then
    echo "README.md's configuration table is stale; replace it with:"
    echo "$want"
    exit 1
fi
echo "README configuration table matches"
