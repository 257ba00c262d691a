# A provider builds against rdma-core's internal headers (libibverbs/driver.h,
# util/, ccan/, the kernel-abi headers generated at build time) and links
# against the installed libibverbs through its private ABI.  This module
# unpacks rdma-core's source tarball into a cache, configures it once and
# builds only what produces headers (plus the two small static helper
# libraries providers link), keyed by the tarball's hash, and checks that the
# installed libibverbs exports the private ABI those headers describe.
#
# Sets:
#   RDMA_CORE_SOURCE_DIR   the unpacked source tree
#   RDMA_CORE_INCLUDE_DIR  its build/include (config.h, infiniband/, rdma/,
#                          util/, ccan/, kernel-abi/)
#   RDMA_CORE_UTIL_LIB     librdma_util_pic.a
#   RDMA_CORE_CCAN_LIB     libccan_pic.a
#   RDMA_CORE_PABI         the private ABI version of the tree ("34")
#   IBVERBS_LIBRARY        the installed libibverbs.so.1 (resolved path; the
#                          IBVERBS_SO cache variable picks another)

set(RDMA_CORE_VERSION 56.1)
# The Debian orig tarball; setup fetches it and apt checks it against the
# signed Sources index, this pins the exact content the tree was verified with.
set(RDMA_CORE_TARBALL_SHA256
	63ce7f2baa7242c2dbc76375dac957c420187dd27f8c5e148efc07971ee522a8)
# Bump when the way the tree is prepared changes: forces a fresh tree.
set(RDMA_CORE_RECIPE 1)

if(DEFINED ENV{EFA_CACHE} AND NOT "$ENV{EFA_CACHE}" STREQUAL "")
	set(_efa_cache "$ENV{EFA_CACHE}")
else()
	set(_efa_cache /var/cache/efa-stack)
endif()
set(EFA_CACHE "${_efa_cache}" CACHE PATH "the stack's cache directory")

# The tarball is an input: tools/setup (as root) fetches it into the system
# cache, which a user whose own cache is elsewhere still reads.
set(_rc_tarball_name "rdma-core_${RDMA_CORE_VERSION}.orig.tar.gz")
if(NOT EXISTS "${EFA_CACHE}/src/${_rc_tarball_name}"
		AND EXISTS "/var/cache/efa-stack/src/${_rc_tarball_name}")
	set(_rc_tarball "/var/cache/efa-stack/src/${_rc_tarball_name}")
else()
	set(_rc_tarball "${EFA_CACHE}/src/${_rc_tarball_name}")
endif()
set(RDMA_CORE_TARBALL "${_rc_tarball}" CACHE FILEPATH "rdma-core source tarball")
set(_rc_root "${EFA_CACHE}/rdma-core/${RDMA_CORE_VERSION}")
set(_rc_src "${_rc_root}/src/rdma-core-${RDMA_CORE_VERSION}")
set(_rc_build "${_rc_root}/build")
set(_rc_stamp "${_rc_root}/prepared")

# Tools: rdma-core's build wants Debian's python (a python3 earlier on PATH
# may be another one), ninja, and binutils for the ABI check.
find_program(EFA_SYSTEM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT EFA_SYSTEM_PYTHON)
	message(FATAL_ERROR "libefa: /usr/bin/python3 not found (run tools/setup)")
endif()
find_program(EFA_NINJA NAMES ninja ninja-build)
if(NOT EFA_NINJA)
	message(FATAL_ERROR "libefa: ninja not found (run tools/setup)")
endif()
find_program(EFA_OBJDUMP NAMES objdump)
if(NOT EFA_OBJDUMP)
	message(FATAL_ERROR "libefa: objdump not found (binutils)")
endif()

if(NOT EXISTS "${RDMA_CORE_TARBALL}")
	message(FATAL_ERROR
		"libefa: no rdma-core ${RDMA_CORE_VERSION} source at ${RDMA_CORE_TARBALL}.\n"
		"tools/setup fetches it (from trixie's deb-src); or pass "
		"-DRDMA_CORE_TARBALL=<path to rdma-core_${RDMA_CORE_VERSION}.orig.tar.gz>.")
endif()
file(SHA256 "${RDMA_CORE_TARBALL}" _rc_hash)
if(NOT _rc_hash STREQUAL RDMA_CORE_TARBALL_SHA256)
	message(FATAL_ERROR
		"libefa: ${RDMA_CORE_TARBALL} has SHA256 ${_rc_hash}, expected "
		"${RDMA_CORE_TARBALL_SHA256} (the rdma-core ${RDMA_CORE_VERSION} "
		"orig tarball the provider was checked against).  Delete it and "
		"run tools/setup.")
endif()

set(_rc_flags
	-G Ninja
	-DCMAKE_MAKE_PROGRAM=${EFA_NINJA}
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
	-DCMAKE_INSTALL_PREFIX=/usr
	-DPYTHON_EXECUTABLE=${EFA_SYSTEM_PYTHON}
	-DNO_PYVERBS=1
	-DNO_MAN_PAGES=1
	-DENABLE_STATIC=0)
# kern-abi generates include/kernel-abi/*.h; the _pic libraries are what
# rdma-core links into every provider.
set(_rc_targets kern-abi ccan_pic rdma_util_pic)
set(_rc_key "tarball=${_rc_hash}\nrecipe=${RDMA_CORE_RECIPE}\nflags=${_rc_flags}\ntargets=${_rc_targets}\n")

function(_efa_rc_run what)
	execute_process(COMMAND ${ARGN}
		RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
	if(NOT rc EQUAL 0)
		file(WRITE "${_rc_root}/failed.log" "${out}")
		message(FATAL_ERROR "libefa: rdma-core ${what} failed (${rc}); "
			"log in ${_rc_root}/failed.log:\n${out}")
	endif()
endfunction()

# Several builds may share the cache (CI, a developer): one prepares, the
# others wait for it.
file(MAKE_DIRECTORY "${_rc_root}")
file(LOCK "${_rc_root}/.lock" GUARD FILE TIMEOUT 1800 RESULT_VARIABLE _rc_lock)
if(NOT _rc_lock EQUAL 0)
	message(FATAL_ERROR "libefa: could not lock ${_rc_root}/.lock: ${_rc_lock}")
endif()

set(_rc_have "")
if(EXISTS "${_rc_stamp}")
	file(READ "${_rc_stamp}" _rc_have)
endif()
if(NOT _rc_have STREQUAL _rc_key)
	message(STATUS "libefa: preparing rdma-core ${RDMA_CORE_VERSION} in ${_rc_root}")
	string(TIMESTAMP _t0 "%s")
	file(REMOVE "${_rc_stamp}")
	file(REMOVE_RECURSE "${_rc_root}/src" "${_rc_build}")
	file(MAKE_DIRECTORY "${_rc_root}/src")
	file(ARCHIVE_EXTRACT INPUT "${RDMA_CORE_TARBALL}" DESTINATION "${_rc_root}/src")
	if(NOT EXISTS "${_rc_src}/libibverbs/driver.h")
		message(FATAL_ERROR "libefa: ${RDMA_CORE_TARBALL} did not unpack to ${_rc_src}")
	endif()
	_efa_rc_run(configure ${CMAKE_COMMAND} -S "${_rc_src}" -B "${_rc_build}" ${_rc_flags})
	_efa_rc_run(build ${EFA_NINJA} -C "${_rc_build}" ${_rc_targets})
	# Only our copy of the EFA interface may be reachable: drop rdma-core's
	# own EFA ABI header, its generated kernel-abi twin and its efadv.h from
	# the include tree (the provider also refuses them at compile time).
	file(REMOVE
		"${_rc_build}/include/rdma/efa-abi.h"
		"${_rc_build}/include/kernel-abi/efa-abi.h"
		"${_rc_build}/include/infiniband/efadv.h")
	string(TIMESTAMP _t1 "%s")
	math(EXPR _dt "${_t1} - ${_t0}")
	message(STATUS "libefa: rdma-core ${RDMA_CORE_VERSION} prepared in ${_dt} s")
	file(WRITE "${_rc_stamp}" "${_rc_key}")
endif()
file(LOCK "${_rc_root}/.lock" RELEASE)

set(RDMA_CORE_SOURCE_DIR "${_rc_src}")
# also in the cache, where the test harness finds the tree's own tests
set(RDMA_CORE_SOURCE_DIR "${_rc_src}" CACHE INTERNAL "the unpacked rdma-core tree")
set(RDMA_CORE_INCLUDE_DIR "${_rc_build}/include")
set(RDMA_CORE_UTIL_LIB "${_rc_build}/util/librdma_util_pic.a")
set(RDMA_CORE_CCAN_LIB "${_rc_build}/ccan/libccan_pic.a")
foreach(f "${RDMA_CORE_INCLUDE_DIR}/config.h"
		"${RDMA_CORE_INCLUDE_DIR}/kernel-abi/ib_user_verbs.h"
		"${RDMA_CORE_UTIL_LIB}" "${RDMA_CORE_CCAN_LIB}")
	if(NOT EXISTS "${f}")
		message(FATAL_ERROR "libefa: ${f} missing from the prepared rdma-core "
			"tree; delete ${_rc_stamp} to prepare it again")
	endif()
endforeach()

# The private ABI the tree's headers describe ...
file(STRINGS "${RDMA_CORE_SOURCE_DIR}/CMakeLists.txt" _pabi_line
	REGEX "^set\\(IBVERBS_PABI_VERSION \"[0-9]+\"\\)")
string(REGEX MATCH "[0-9]+" RDMA_CORE_PABI "${_pabi_line}")
if(NOT RDMA_CORE_PABI)
	message(FATAL_ERROR "libefa: no IBVERBS_PABI_VERSION in ${RDMA_CORE_SOURCE_DIR}/CMakeLists.txt")
endif()

# ... must be one the installed libibverbs defines: a provider is loaded by
# that library, not by the one in the tree.  (Its version definitions, not
# its symbol table: every provider also names the version, as an import.)
find_library(IBVERBS_SO NAMES libibverbs.so.1 ibverbs)
if(NOT IBVERBS_SO)
	message(FATAL_ERROR "libefa: the installed libibverbs.so.1 was not found "
		"(packages libibverbs1, libibverbs-dev; run tools/setup)")
endif()
get_filename_component(IBVERBS_LIBRARY "${IBVERBS_SO}" REALPATH)
execute_process(COMMAND ${EFA_OBJDUMP} --private-headers "${IBVERBS_LIBRARY}"
	RESULT_VARIABLE _rc OUTPUT_VARIABLE _ibverbs_headers ERROR_QUIET)
if(NOT _rc EQUAL 0)
	message(FATAL_ERROR "libefa: objdump --private-headers ${IBVERBS_LIBRARY} failed")
endif()
string(REGEX MATCH "Version definitions:.*" _verdefs "${_ibverbs_headers}")
string(REGEX REPLACE "Version References:.*" "" _verdefs "${_verdefs}")
string(REGEX MATCHALL "IBVERBS_PRIVATE_[0-9]+" _defined "${_verdefs}")
list(REMOVE_DUPLICATES _defined)
if(NOT "IBVERBS_PRIVATE_${RDMA_CORE_PABI}" IN_LIST _defined)
	if(NOT _defined)
		set(_defined "none")
	endif()
	message(FATAL_ERROR
		"libefa: ${IBVERBS_LIBRARY} does not define the private provider "
		"ABI IBVERBS_PRIVATE_${RDMA_CORE_PABI} (it defines: ${_defined}).  "
		"A provider built from rdma-core ${RDMA_CORE_VERSION}'s headers would "
		"not load into it: libibverbs only accepts providers of its own "
		"private ABI.  Use the rdma-core source whose private ABI matches the "
		"installed libibverbs, or point IBVERBS_SO at the right libibverbs.so.1.")
endif()
message(STATUS "libefa: ${IBVERBS_LIBRARY} defines IBVERBS_PRIVATE_${RDMA_CORE_PABI}")
