#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Programs linked against libefa.so.1 load ours in its place: Debian's
# libfabric (built against rdma-core 44's efadv.h) and pyverbs' efa module.
# The dynamic loader refuses a library missing any EFA_1.x version or efadv
# symbol they were linked with.  No EFA device is needed.
#
#   check_loaders.sh BUILD_DIR
set -uo pipefail

build=$(cd "$1" && pwd)
ours=$(readlink -f "$build/libefa.so.1")
fail=0
bad() { echo "FAIL: $*"; fail=1; }

fi_info=$(command -v fi_info)
if [ -z "$fi_info" ]; then
	bad "fi_info not installed (libfabric-bin)"
else
	out=$(LD_LIBRARY_PATH=$build ldd "$fi_info" 2>&1)
	resolved=$(echo "$out" | awk '$1 == "libefa.so.1" { print $3 }')
	[ -n "$resolved" ] && [ "$(readlink -f "$resolved")" = "$ours" ] ||
		bad "libfabric does not resolve libefa.so.1 to ours: $(echo "$out" | grep -i efa)"
	echo "$out" | grep -q "not found" && bad "ldd fi_info: $(echo "$out" | grep 'not found')"
	out=$(LD_LIBRARY_PATH=$build "$fi_info" -l 2>&1) || bad "fi_info -l with our libefa failed: $out"
	echo "fi_info -l with our libefa.so.1: $(echo "$out" | tr -d ':' | tr '\n' ' ')"
fi

out=$(LD_LIBRARY_PATH=$build /usr/bin/python3 -c '
import pyverbs.providers.efa.efadv
print(sorted({l.split()[-1] for l in open("/proc/self/maps") if "libefa" in l}))
' 2>&1) || bad "pyverbs' efa module does not load with our libefa: $out"
case $out in
*"$ours"*) echo "pyverbs.providers.efa.efadv loaded $ours" ;;
*) bad "pyverbs' efa module did not map our libefa: $out" ;;
esac
exit $fail
