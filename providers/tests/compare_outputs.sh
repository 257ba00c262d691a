#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Runs two programs and fails, showing the difference, unless they print the
# same.  compare_outputs.sh REFERENCE CANDIDATE
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$1" >"$dir/reference"
"$2" >"$dir/candidate"
diff -u "$dir/reference" "$dir/candidate"
echo "$(wc -l <"$dir/reference") lines identical"
