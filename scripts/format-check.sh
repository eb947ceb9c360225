#!/bin/sh
# Check every tracked C file against .clang-format (kernel-like style, 100 columns).
# Prints the files that differ and exits 1 if any does; `clang-format -i FILE` fixes one.
command -v clang-format >/dev/null 2>&1 || { echo "format-check: clang-format not installed"; exit 1; }
cd "$(dirname "$0")/.." || exit 2
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null); do
	if [ -n "$(clang-format --dry-run "$f" 2>&1)" ]; then
		echo "format-check: $f differs from .clang-format"
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ] && echo "format-check: ok"
[ "$bad" -eq 0 ]
