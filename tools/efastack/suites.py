# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Every test suite of the stack, as rows of one table (SUITES), which
tools/run-tests runs and lists (--list).

A row is one suite: pytest files (or a ctest build folder) run on the host,
or pytest files run inside a test VM (tools/efa-vm) on each of its kernels
with each of its driver/provider pairs, with its devices, their properties
and what else the tests must find (EFA_EXPECT_*).  One row on two kernels
with four pairs is eight runs, named NAME/KERNEL/DRIVER-PROVIDER.

Runs whose VMs are set up alike (kernel, driver, provider, devices, CPUs,
properties, kernel arguments, leak check) and whose expectations agree share
one boot and one pytest session, in table order: booting and starting pytest
cost seconds each under TCG.  So suites that can live with the same device
properties use the same ones (SHARED_PROPS), and a suite that disturbs the
others (reload cycles) comes last.

Adding a suite: write the tests (pytest; in a VM they import efastack.guest),
add a row here, check it with `tools/run-tests --list` and run it with
`tools/run-tests --suite NAME`.

Values in expect and env may be callables: they are called when the run
starts, with the Run (so a value can depend on the kernel or the driver, or
be computed from the C headers through efastack.abi).
"""
import dataclasses
import errno
import os

from efastack import abi, build, kernels


@dataclasses.dataclass(frozen=True)
class Suite:
    name: str
    what: str                       # one line: what it shows
    where: str                      # "host" or "vm"
    tests: tuple = ()               # pytest paths, relative to the repository
    ctest: str | None = None        # or: a ctest build folder (host)
    needs: tuple = ()               # builds: host, provider, rdma-core-prefix,
                                    # pyverbs-programs, bench, mpi-check, debs, qemu,
                                    # our-ko, upstream-ko
    kernels: tuple = ()             # vm: a run on each
    pairs: tuple = ()               # vm: (driver, provider) pairs, a run each
    devices: int = 1
    smp: int = 1
    mem: str = "1G"                 # vm: guest memory
    props: tuple = ()               # device properties, ("key", "value") pairs
    kernel_args: tuple = ()
    expect: tuple = ()              # EFA_EXPECT_<KEY> values, (KEY, value) pairs
    expect_when: tuple = ()         # ({"driver": .., "kernel": ..}, ((KEY, value), ...)), ...
    env: tuple = ()                 # other environment, (NAME, value) pairs
    check_leaks: bool = True        # vm: rmmod efa after the tests, device must hold nothing
    timeout: int = 900


@dataclasses.dataclass(frozen=True)
class Run:
    """One suite on one kernel with one driver/provider pair (vm), or as is (host)."""
    suite: Suite
    kernel: str | None = None
    driver: str | None = None
    provider: str | None = None

    @property
    def name(self):
        if self.suite.where == "host":
            return self.suite.name
        return f"{self.suite.name}/{self.kernel}/{self.driver}-{self.provider}"

    def _matches(self, cond):
        return all(getattr(self, k) == v for k, v in cond.items())

    def _value(self, value):
        return str(value(self) if callable(value) else value)

    def expectations(self):
        values = dict(self.suite.expect)
        for cond, extra in self.suite.expect_when:
            if self._matches(cond):
                values.update(extra)
        return {f"EFA_EXPECT_{k}": self._value(v) for k, v in values.items()}

    def environment(self):
        return {k: self._value(v) for k, v in self.suite.env}

    def properties(self):
        return {k: self._value(v) for k, v in self.suite.props}


def runs(suites=None):
    """Every run of SUITES (default: all), host runs first, then by kernel."""
    suites = SUITES if suites is None else suites
    out = [Run(s) for s in suites if s.where == "host"]
    for kernel in kernels.SUPPORTED:
        for s in suites:
            if s.where == "vm" and kernel in s.kernels:
                out += [Run(s, kernel, d, p) for d, p in s.pairs]
    return out


# ---- values computed from the headers and the builds ------------------------

def _features_without(*excluded):
    """supported-features: every feature the model knows but EXCLUDED."""
    ids = abi.enum("efa_admin_aq_feature_id")
    return sum(1 << v for n, v in ids.items() if n not in excluded and v < 64)


def _efadv_caps(*names):
    return hex(sum(abi.value(f"EFADV_DEVICE_ATTR_CAPS_{n}") for n in names))


def _provider_file(path):
    return lambda run: os.path.realpath(f"{build.provider_dir()}/{path}")


ALL_PAIRS = (("upstream", "stock"), ("upstream", "ours"), ("ours", "stock"), ("ours", "ours"))
BOTH_KERNELS = kernels.SUPPORTED

# The properties of the VMs the discovery, provider, rdma-core and reload
# suites share (one boot per kernel and driver/provider pair): each differs
# from the model's default, and the suites expect them back through the stack.
SHARED_PROPS = (("guid", "0x0a1b2c3d4e5f6071"), ("max-qp", "100"), ("max-cq", "200"),
                ("max-pd", "300"), ("max-mr", "4000"), ("max-ah", "500"),
                ("max-cq-depth", "4096"), ("max-sq-depth", "512"),
                ("max-rq-depth", "2048"), ("keep-alive-ms", "500"),
                ("max-wr-send-sges", "2"), ("max-wr-recv-sges", "4"),
                ("inline-buf-size-ex", "80"), ("max-rdma-size", "0x20000000"),
                ("max-llq-size", "16384"))

# What any row running pyverbs-tests/ needs: its C programs (what pyverbs
# cannot ask), and the expectations that differ per driver and provider.
PYVERBS_NEEDS = ("pyverbs-programs",)
PYVERBS_ENV = (("EFA_VERBS_BUSY", lambda run: build.guest_program_path("verbs_busy")),)
PYVERBS_EXPECT_WHEN = (
    # our efa.ko holds inline data to QUEUE_ATTR_2's inline_buf_size_ex
    ({"driver": "ours"}, (("INLINE_LIMIT", "inline_buf_size_ex"),)),
    # rdma-core 44 maps REMOTE_BAD_ADDRESS, REMOTE_UNKNOWN_PEER and
    # UNREACH_REMOTE to IBV_WC_GENERAL_ERR (pyverbs-tests/traffic.py)
    ({"provider": "stock"}, (("WC_STATUS_MAP", "rdma-core-44"),)),
)

# The app suites' guests (they share boots): fabtests without a size option
# size their buffers for their largest size (8 MiB) times their window
# (64), tx and rx: ~1.1 GiB a process, two processes a test.
APPS_MEM = "3G"

SUITES = (
    # ---- host -----------------------------------------------------------
    Suite("core", "device-core unit tests, ABI header and uverbs layout checks (milliseconds)",
          "host", ctest="build", needs=("host",)),
    Suite("harness-unit", "efastack: ABI constants from the headers, objects file, suite table",
          "host", tests=("tools/efastack/tests/test_abi.py", "tools/efastack/tests/test_units.py")),
    Suite("abi-upstream", "abi/hw against Linux 6.12's and rdma-core 56.1's EFA headers, "
          "field by field", "host", tests=("abi/tests/test_upstream_layout.py",),
          needs=("provider",)),
    Suite("kernel-build", "efa.ko W=1 -Werror on every kernel, sparse, checkpatch",
          "host", tests=("kernel-module/tests/test_build.py",)),
    Suite("provider-host", "libefa.so.1 build, exports, header, layout, install",
          "host", ctest="build/providers", needs=("provider",)),
    Suite("man-pages", "tools/build-man: every efadv function, efadv(7), efa(4) build with pandoc "
          "and render with man -l; a broken page fails the build", "host",
          tests=("docs/man/tests/test_man_pages.py",)),
    Suite("readme", "README.md: the emulated device's property table names every property "
          "-device efa,help lists, with its type and default; the tools it names exist", "host",
          tests=("tools/efastack/tests/test_readme.py",), needs=("qemu",)),
    Suite("deb-packages", "dpkg-buildpackage builds efa-dkms, libefa1 and libefa-dev with "
          "their files, diversions, symbols and man pages; lintian finds no error", "host",
          tests=("debian/test_debs.py",)),
    Suite("rpm-packages", "make in redhat/ builds efa-dkms, libefa and libefa-devel; rpm -qlp "
          "and the scriptlets carry what each must", "host", tests=("redhat/test_rpms.py",)),
    Suite("harness-vm", "efa-vm: output complete and in order (MBs, busy host), verdicts, options",
          "host", tests=("tools/efastack/tests/test_vm.py",), needs=("qemu",)),
    Suite("demo", "tools/efa-demo, the main job: discovery, a ping-pong, perftest, fi_pingpong, "
          "the counters they moved, the leak check", "host",
          tests=("tools/efastack/tests/test_demo.py",), needs=("qemu",)),
    # bench/efa-cost's quick run: it boots its own VMs (a provider each), on 6.1
    Suite("bench-cost", "bench/efa-cost --quick: instructions per send and completion of "
          "our libefa, rdma-core 56.1's and Debian's under callgrind, QEMU's host CPU per "
          "message; ratios printed, never judged", "host", tests=("bench/test_efa_cost.py",),
          needs=("qemu", "our-ko", "provider", "bench", "rdma-core-prefix")),

    # ---- in a VM --------------------------------------------------------
    Suite("hostile-driver", "the model answers a hostile driver (no efa.ko) and survives",
          "vm", tests=("emulator/tests/guest_admin_fuzz.py",),
          kernels=("6.1",), pairs=(("none", "stock"),), check_leaks=False),
    Suite("fidelity", "each driver/provider pair discovers the model, creates, queries and "
          "destroys every object, hits every limit; SRD and UD traffic between the two "
          "devices and on one, every error completion, CQ events; processes exit clean",
          "vm", tests=("pyverbs-tests",), needs=PYVERBS_NEEDS, kernels=BOTH_KERNELS,
          pairs=ALL_PAIRS, devices=2, props=SHARED_PROPS, expect=(("DEVICES", 2),),
          env=PYVERBS_ENV, timeout=1800,
          # 6.1's upstream driver does not read the GUID from the device,
          # nor offer RDMA write (remote write access to an MR)
          expect_when=(({"driver": "upstream", "kernel": "6.1"},
                        (("NODE_GUID_ORDER", "none"),
                         ("MR_UNSUPPORTED_ACCESS", "REMOTE_WRITE"))),) + PYVERBS_EXPECT_WHEN),
    Suite("driver-full", "our efa.ko: 2 devices, 2 CPUs (2 EQs each), 400 Gb/s, QUEUE_ATTR_2; "
          "every object, its malformed driver data, a 1 GiB MR, rmmod with live objects",
          "vm", tests=("kernel-module/tests/test_efa_driver.py",
                       "kernel-module/tests/test_efa_objects.py",
                       "kernel-module/tests/test_cq_events.py"), kernels=BOTH_KERNELS,
          pairs=(("ours", "stock"),), devices=2, smp=2, mem="3G",
          props=(("keep-alive-ms", "300"), ("link-speed-gbps", "400"),
                 ("inline-buf-size-ex", "64"))),
    Suite("driver-sparse", "our efa.ko: no QUEUE_ATTR_2 or EQs, 1600 Gb/s, 4 PDs, "
          "sparse keep-alives, 1 s admin timeout, BAR0 mappable; every object without EQs",
          "vm", tests=("kernel-module/tests/test_efa_driver.py",
                       "kernel-module/tests/test_efa_objects.py",
                       "kernel-module/tests/test_cq_events.py"), kernels=BOTH_KERNELS,
          pairs=(("ours", "stock"),), mem="3G",
          props=(("supported-features",
                  lambda run: _features_without("EFA_ADMIN_EVENT_QUEUE_ATTR",
                                                "EFA_ADMIN_QUEUE_ATTR_2")),
                 ("keep-alive-ms", "2000"), ("driver-watchdog-timeout", "700"),
                 ("link-speed-gbps", "1600"), ("max-pd", "4"),
                 ("admin-cmd-timeout-100ms", "10")),
          kernel_args=("iomem=relaxed",),   # user space maps BAR0 to mask a vector
          expect=(("EQS", 0), ("WATCHDOG_MS", 700), ("INLINE_BUF_SIZE_EX", 32),
                  ("ADMIN_TIMEOUT_MS", 1000))),
    Suite("provider", "our libefa over an EFA kernel driver: contexts, PDs, CQs, QPs, AHs, "
          "MRs, efadv, invalid arguments, mangled kernel answers, libfabric",
          "vm", tests=("providers/tests/test_provider_vm.py", "providers/tests/test_provider_traffic.py"), needs=("provider",),
          kernels=BOTH_KERNELS, pairs=(("upstream", "ours"), ("ours", "ours")),
          devices=2, props=SHARED_PROPS,
          # The kernel adds CQ_WITH_SGID; 6.1's upstream driver knows only
          # read and RNR retry; no upstream driver passes inline_buf_size_ex on.
          expect=(("DEVICES", 2),
                  ("EFADV_DEVICE_CAPS", lambda run: _efadv_caps(
                      "RDMA_READ", "RNR_RETRY", "CQ_WITH_SGID", "RDMA_WRITE",
                      "UNSOLICITED_WRITE_RECV")),
                  ("EFADV_INLINE_BUF_SIZE_EX", 80),
                  ("PROVIDER_LIB", _provider_file("libefa.so.1"))),
          # 6.1's upstream driver has no MR query method: EPROTONOSUPPORT.
          expect_when=(({"driver": "upstream"}, (("EFADV_INLINE_BUF_SIZE_EX", 32),)),
                       ({"driver": "upstream", "kernel": "6.1"},
                        (("EFADV_DEVICE_CAPS", lambda run: _efadv_caps(
                            "RDMA_READ", "RNR_RETRY", "CQ_WITH_SGID")),
                         ("QUERY_MR_RC", errno.EPROTONOSUPPORT)))),
          env=(("EFA_PROBE", _provider_file("tests/efadv-probe")),
               ("EFA_OBJECTS", _provider_file("tests/efa-objects")),
               ("EFA_HIDE_CREATE_AH", _provider_file("tests/hide_create_ah_udata.so")),
               ("EFA_MANGLE_UDATA", _provider_file("tests/mangle_udata.so")))),
    Suite("rdma-core-efa", "rdma-core 56.1's own EFA tests (test_efadv.py, test_efa_srd.py) in "
          "full and its generic tests that run on EFA, with its own libibverbs and pyverbs, "
          "over our libefa and over rdma-core 56.1's own", "vm",
          tests=("providers/tests/test_rdma_core_efa.py",), needs=("provider", "rdma-core-prefix"),
          kernels=BOTH_KERNELS, pairs=(("upstream", "ours"), ("ours", "ours"),
                                       ("upstream", "rdma-core"), ("ours", "rdma-core")),
          # at the model's default limits, not SHARED_PROPS: rdma-core's
          # traffic tests ask for 1000-deep queues (its num_msgs)
          devices=2, timeout=1800,
          expect=(("PROVIDER_LIB", _provider_file("libefa.so.1")),),
          expect_when=(({"provider": "rdma-core"},
                        (("PROVIDER_LIB", lambda run: os.path.realpath(
                            build.rdma_core_provider(build.rdma_core_prefix())[1])),)),
                       # 6.1's upstream driver has no MR query ioctl, nor
                       # RDMA write (the QP-ex test picks its send operations
                       # at random, and skips when the device lacks one)
                       ({"driver": "upstream", "kernel": "6.1"},
                        (("RDMA_CORE_SKIPS", "EfaMRTest.test_efadv_query_mr "
                          "EfaQPExTest.test_efadv_create_qp_ex "
                          "QPSRDTestCase.test_qp_ex_srd_rdma_write "
                          "QPSRDTestCase.test_qp_ex_srd_rdma_write_with_imm"),)),),
          env=(("EFA_RDMA_CORE_PREFIX", lambda run: build.rdma_core_prefix()),)),
    # ---- what users run (apps/): one VM setup the app suites share -------
    Suite("libfabric", "libfabric 1.17's efa provider: fi_info's rdm and dgram endpoints carry "
          "each device's attributes; fi_pingpong moves checked data over both",
          "vm", tests=("apps/test_libfabric.py",), kernels=BOTH_KERNELS,
          pairs=(("ours", "ours"), ("ours", "stock")), devices=2, smp=2, mem=APPS_MEM),
    Suite("fabtests", "libfabric 1.17's own fabtests over efa: runfabtests.sh's functional "
          "and short rdm/dgram tests, device RDMA off and on (read protocols through the "
          "device), no msg endpoint",
          "vm", tests=("apps/test_fabtests.py",), kernels=BOTH_KERNELS,
          pairs=(("ours", "ours"),), devices=2, smp=2, mem=APPS_MEM,
          env=(("EFA_FABTESTS", lambda run: build.fabtests_or_why_not()),)),
    Suite("reload", "20 unload/reload cycles of efa.ko leave nothing behind",
          "vm", tests=("kernel-module/tests/test_reload.py",), kernels=BOTH_KERNELS,
          pairs=(("upstream", "stock"), ("ours", "stock")), devices=2, props=SHARED_PROPS,
          expect=(("DEVICES", 2),)),
    # Device generations: what each device id announces reaches the stack
    # (the expectations come from the model's help, per device id).
    Suite("generation-efa0", "the first generation (no RDMA, no RNR retry, no "
          "QUEUE_ATTR_2) discovered by both drivers",
          "vm", tests=("pyverbs-tests",), needs=PYVERBS_NEEDS, kernels=BOTH_KERNELS,
          pairs=(("upstream", "stock"), ("ours", "ours")), props=(("device-id", "0xefa0"), ("guid", "0x0a1b2c3d4e5f0000")),
          expect=(("DEVICES", 1),), env=PYVERBS_ENV, timeout=1800,
          expect_when=(({"driver": "upstream", "kernel": "6.1"}, (("NODE_GUID_ORDER", "none"),)),)
          + PYVERBS_EXPECT_WHEN),
    Suite("generation-efa3", "the newest generation (128-byte data polling, 200 Gb/s), "
          "a device id Linux 6.1 does not know",
          "vm", tests=("pyverbs-tests",), kernels=("6.12",),
          pairs=(("upstream", "stock"), ("ours", "ours")), props=(("device-id", "0xefa3"), ("guid", "0x0a1b2c3d4e5f3000")),
          needs=PYVERBS_NEEDS, expect=(("DEVICES", 1),), env=PYVERBS_ENV, timeout=1800,
          expect_when=PYVERBS_EXPECT_WHEN),
    # The packages as a user installs them (a boot of its own: it loads and removes efa.ko).
    Suite("deb-dkms", "dpkg -i of the Debian packages builds efa.ko through DKMS, modprobe "
          "loads it, ibv_devinfo and efa-bench run on the packaged libefa; dpkg -r removes "
          "the module and gives Debian's libefa back", "vm",
          tests=("debian/vm-tests/test_dkms_cycle.py",), needs=("debs", "bench"),
          # 6.1 only: the cycle takes ~9 min a kernel under TCG (DKMS compiles
          # efa.ko in the guest); 6.12 passes too (kernels=BOTH_KERNELS to run it)
          kernels=("6.1",), pairs=(("none", "stock"),), smp=2, mem="2G",
          kernel_args=("efa_vm.ib=1",), check_leaks=False, timeout=2400,
          env=(("EFA_DEBS", lambda run: build.debs()),
               ("EFA_BENCH", lambda run: build.bench_path()))),
    # The latency, message-rate and cost program, briefly: messages intact, timings unjudged.
    Suite("bench-smoke", "bench/efa-bench between two devices and to itself, SRD and UD, "
          "each test (latency, rate, cost, paced): every message arrives intact (timings "
          "printed, never judged)",
          "vm", tests=("bench/test_bench.py",), needs=("bench",), kernels=BOTH_KERNELS,
          pairs=(("ours", "ours"), ("ours", "stock"), ("upstream", "stock")), devices=2,
          smp=2, mem=APPS_MEM, env=(("EFA_BENCH", lambda run: build.bench_path()),)),
    # What users run: the applications over our stack, one boot for all of
    # them per kernel (devices, CPUs and memory alike).
    Suite("mpi", "Open MPI 4.1, two ranks over libfabric's efa: ping-pong 1 B..4 MiB "
          "(long-read and long-CTS protocols), allreduce, alltoall, every byte checked, "
          "the devices' counters moved", "vm", tests=("apps/mpi/test_mpi.py",),
          needs=("mpi-check",), kernels=BOTH_KERNELS, pairs=(("ours", "ours"),),
          devices=2, smp=2, mem=APPS_MEM,
          env=(("EFA_MPI_CHECK", lambda run: build.mpi_check_path()),)),
    # perftest, as users run it on EFA (apps/test_perftest.py says how).  The
    # model's default device (0xefa2, RDMA read and write), in the VM setup
    # the app suites share; perftest 4.5 knows only 0xefa0 and 0xefa1, so on
    # 0xefa2 it runs without the ibv_wr_* API and skips the read tests,
    # which perftest-efa1 runs (and the rest again, through ibv_wr_*).
    Suite("perftest", "perftest 4.5: ib_send_lat/bw and ib_read_lat/bw over SRD, ib_send_lat/bw "
          "over UD, between the two devices; figures parsed, printed and checked",
          "vm", tests=("apps/test_perftest.py",), kernels=BOTH_KERNELS,
          pairs=(("ours", "ours"), ("ours", "stock")), devices=2, smp=2, mem=APPS_MEM),
    Suite("perftest-efa1", "perftest 4.5 on the generation it knows (0xefa1: RDMA read, inline "
          "sends, the ibv_wr_* API): every run of the perftest suite, read included",
          "vm", tests=("apps/test_perftest.py",), kernels=BOTH_KERNELS,
          pairs=(("ours", "ours"), ("ours", "stock")), devices=2, smp=2, mem=APPS_MEM,
          props=(("device-id", "0xefa1"),)),
    # EFA against soft-RoCE, briefly (bench/rxe_compare.py --mode quick).  It
    # shares the app suites' boot: the test removes its rxe device whatever
    # happens, as libfabric 1.17 gives up beside a verbs device not an EFA.
    Suite("bench-rxe", "bench/rxe_compare.py: SRD between the devices against rxe RC on lo "
          "(perftest, efa-bench, ibv_rc_pingpong); traffic checked, ratios printed, never judged",
          "vm", tests=("bench/test_rxe_compare.py",), needs=("bench",), kernels=BOTH_KERNELS,
          pairs=(("ours", "ours"), ("ours", "stock")), devices=2, smp=2, mem=APPS_MEM,
          env=(("EFA_BENCH", lambda run: build.bench_path()),)),
)
