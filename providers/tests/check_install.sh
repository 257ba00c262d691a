#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs the provider into a scratch DESTDIR and checks the layout a system
# provider needs, then builds a program against the staged efadv.h and
# libefa.pc and checks its efadv references carry their symbol versions.
#
#   check_install.sh BUILD_DIR
set -euo pipefail

build=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

DESTDIR=$stage cmake --install "$build" >/dev/null

libdir=/usr/lib/$(gcc -print-multiarch)
lib=$(cd "$stage$libdir" && ls libefa.so.1.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "FAIL: no libefa.so.1.* in $libdir"; exit 1; }

[ "$(readlink "$stage$libdir/libefa.so.1")" = "$lib" ] || bad "libefa.so.1 does not point to $lib"
[ "$(readlink "$stage$libdir/libefa.so")" = libefa.so.1 ] || bad "libefa.so does not point to libefa.so.1"
module=$stage$libdir/libibverbs/libefa-rdmav34.so
[ "$(readlink "$module")" = "../$lib" ] || bad "libefa-rdmav34.so points to '$(readlink "$module")', expected ../$lib"
[ "$(readlink -f "$module")" = "$stage$libdir/$lib" ] || bad "libefa-rdmav34.so does not resolve to the library"
[ "$(cat "$stage/etc/libibverbs.d/efa.driver" 2>/dev/null)" = "driver efa" ] || bad "/etc/libibverbs.d/efa.driver is not 'driver efa'"
cmp -s "$stage/usr/include/infiniband/efadv.h" "$(dirname "$0")/../../libefa/efadv.h" || bad "usr/include/infiniband/efadv.h is not libefa/efadv.h"
pc=$stage$libdir/pkgconfig/libefa.pc
[ -f "$pc" ] || bad "no $libdir/pkgconfig/libefa.pc"

# A program built the way an efadv user builds, against the staged files.
export PKG_CONFIG_PATH=$stage$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
[ "$(pkg-config --modversion libefa)" = "${lib#libefa.so.}" ] || bad "libefa.pc version is not ${lib#libefa.so.}"
cat >"$stage/user.c" <<'C'
#include <infiniband/efadv.h>

int main(int argc, char **argv)
{
	struct efadv_device_attr attr = {};
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = list && list[0] ? ibv_open_device(list[0]) : NULL;

	(void)argv;
	if (argc > 1 && ctx)
		efadv_create_qp_ex(ctx, NULL, NULL, 0);
	return ctx ? efadv_query_device(ctx, &attr, sizeof(attr)) : 0;
}
C
# shellcheck disable=SC2046
if gcc -Wall -Werror -o "$stage/user" "$stage/user.c" $(pkg-config --cflags --libs libefa) -libverbs; then
	refs=$(objdump -T "$stage/user")
	for sym in efadv_query_device efadv_create_qp_ex; do
		echo "$refs" | grep -qE "\(EFA_1\.1\)[[:space:]]+$sym\$" ||
			bad "the program's $sym reference is not bound to EFA_1.1"
	done
else
	bad "a program using efadv.h and libefa.pc does not build"
fi

if [ $fail -eq 0 ]; then
	echo "install layout under DESTDIR: ok ($libdir/$lib, provider link, efa.driver, efadv.h, libefa.pc)"
fi
exit $fail
