/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU glue for the emulated AWS Elastic Fabric Adapter ("-device efa").
 *
 * Everything the device does lives in the QEMU-independent core
 * (efa_core.h); this file only maps it onto a PCI function:
 *
 *   BAR0  32-bit MMIO, EFA_CORE_REG_BAR_SIZE: registers (efa_core_reg_*),
 *         MSI-X table at EFA_CORE_MSIX_TABLE_OFFSET, PBA at
 *         EFA_CORE_MSIX_PBA_OFFSET
 *   BAR2  64-bit prefetchable: LLQ memory, RAM the guest writes WQEs into
 *         and the core reads them from (efa_core_attach_llq)
 *   BAR4  32-bit MMIO: doorbells (efa_core_db_write)
 *
 * and fills in struct efa_core_ops with QEMU's DMA, MSI-X, timers, clock,
 * logging, tracing and network.  With "netdev=" the device is a QEMU NIC
 * whose frames (EtherType EFA_CORE_ETHERTYPE) go to and come from that
 * netdev, a hub port normally; without one it reaches only itself.
 *
 * The data path's work runs in one bottom half (efa_dp_bh): doorbells,
 * received frames, the data-path timer and the network's "drained" callback
 * only queue work in the core and schedule it.  So the core never runs
 * inside itself, and a frame is never sent from inside a receive callback
 * or an MMIO handler: a hub delivers synchronously, and two devices on one
 * hub would otherwise call each other's cores recursively.  Configuration defaults come only from efa_core_config_init():
 * the properties that mirror struct efa_core_config fields get it as their
 * default at class init, so "-device efa,help" shows the real values.
 *
 * This file is copied by emulator/build-qemu into hw/misc/efa/ of the QEMU
 * tree, next to the core sources and the abi/hw headers.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/notify.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/sysemu.h"
#include "qom/object.h"
#include "qemu/bitmap.h"
#include "net/net.h"
/* our events are in hw/misc/trace-events (emulator/qemu/trace-events) */
#include "trace/trace-hw_misc.h"

#include <arpa/inet.h>

#include "efa_core.h"

#define TYPE_EFA_PCI "efa"
OBJECT_DECLARE_SIMPLE_TYPE(EfaPciState, EFA_PCI)

/* Room for every -device efa property in the explicitly-set bitmap. */
#define EFA_PCI_MAX_PROPS 96

struct EfaPciState {
    PCIDevice parent_obj;

    /* properties */
    uint16_t device_id;
    uint8_t revision;
    char *addr_str;
    char *objects_file;
    /* every other property is a field of this, defaults from the core */
    struct efa_core_config cfg;
    /*
     * Properties given explicitly (-device, -global), by index in
     * efa_pci_properties: they win over the device id's generation.
     */
    DECLARE_BITMAP(explicit_props, EFA_PCI_MAX_PROPS);

    struct efa_core *core;
    /* nonzero while a call into the core runs (the core is not reentrant) */
    unsigned int in_core;

    MemoryRegion bar0;          /* container: registers + MSI-X */
    MemoryRegion regs;
    MemoryRegion mem_bar;       /* LLQ memory */
    MemoryRegion db_bar;        /* doorbells */
    uint16_t msix_vectors;      /* vectors set up and in use */

    QEMUTimer *timer;
    /* the data path: its work, its timer, its network */
    QEMUBH *dp_bh;
    QEMUTimer *dp_timer;
    NICConf conf;
    NICState *nic;              /* NULL without a netdev */
    /*
     * The network queued our last frame (qemu_send_packet_async returned
     * 0): send nothing more until its sent callback says it drained.
     */
    bool tx_blocked;
    /* that callback came; tell the core from the bottom half */
    bool tx_drained;
    /* we refused a frame: flush the queue once the core can take more */
    bool rx_refused;
    /* rewrites the objects file after a burst of changes */
    QEMUBH *objects_bh;
    Notifier exit_notifier;
    bool objects_file_warned;
};

/* ---- objects file ------------------------------------------------------ */

/*
 * The file holds the device's object counts, one line "CLASS LIVE DROPPED"
 * per class (tools/efastack/objects.py documents it for its readers).  It
 * is rewritten from a bottom half, which runs once the command that changed
 * the counts has returned to the main loop, so a burst of commands costs
 * one write; and at once on a device reset and when QEMU exits.  A guest
 * reading the file through a 9p share sees it exact: the share's server
 * runs in the main loop too, after the pending bottom half.
 */

/*
 * Readers see the old or the new contents, never a mix: a temporary file in
 * the same folder renamed over the target.  No fsync (g_file_set_contents
 * would do one per update, and the core reports every object change): the
 * file is for a test harness on a running host, not for crash safety.
 */
static bool efa_write_file_atomic(const char *path, const char *buf,
                                  size_t len, Error **errp)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    int fd;

    /* 0666 less the umask, like any new file (g_mkstemp would be 0600) */
    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) {
        error_setg_errno(errp, errno, "efa: cannot write objects-file %s",
                         path);
        return false;
    }
    if (qemu_write_full(fd, buf, len) != len) {
        error_setg_errno(errp, errno, "efa: cannot write objects-file %s",
                         path);
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        error_setg_errno(errp, errno, "efa: cannot write objects-file %s",
                         path);
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        error_setg_errno(errp, errno, "efa: cannot rename %s to %s", tmp,
                         path);
        goto fail;
    }
    return true;

fail:
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    return false;
}

static bool efa_write_objects_file(EfaPciState *s, Error **errp)
{
    struct efa_core_object_counts counts = { 0 };
    g_autoptr(GString) text = g_string_new(NULL);
    int cls;

    if (!s->objects_file) {
        return true;
    }
    if (s->core) {
        efa_core_object_counts(s->core, &counts);
    }
    for (cls = 0; cls < EFA_OBJ_CLASSES; cls++) {
        g_string_append_printf(text, "%s %" PRIu32 " %" PRIu32 "\n",
                               efa_core_object_class_name(cls),
                               counts.live[cls], counts.dropped[cls]);
    }
    return efa_write_file_atomic(s->objects_file, text->str, text->len, errp);
}

static void efa_update_objects_file(EfaPciState *s)
{
    Error *err = NULL;

    if (!efa_write_objects_file(s, &err)) {
        /* once per device: the file is a test aid, not worth a log flood */
        if (!s->objects_file_warned) {
            warn_report_err(err);
            s->objects_file_warned = true;
        } else {
            error_free(err);
        }
    }
}

static void efa_objects_bh(void *opaque)
{
    efa_update_objects_file(opaque);
}

static void efa_exit_notify(Notifier *n, void *data)
{
    EfaPciState *s = container_of(n, EfaPciState, exit_notifier);

    efa_update_objects_file(s);
}

/* ---- efa_core_ops ------------------------------------------------------ */

static int efa_op_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    EfaPciState *s = opaque;

    if (len && addr + len - 1 < addr) {
        return -1;
    }
    return pci_dma_read(PCI_DEVICE(s), addr, buf, len) == MEMTX_OK ? 0 : -1;
}

static int efa_op_dma_write(void *opaque, uint64_t addr, const void *buf,
                            size_t len)
{
    EfaPciState *s = opaque;

    if (len && addr + len - 1 < addr) {
        return -1;
    }
    return pci_dma_write(PCI_DEVICE(s), addr, buf, len) == MEMTX_OK ? 0 : -1;
}

static void efa_op_msix_notify(void *opaque, unsigned int vector)
{
    EfaPciState *s = opaque;

    if (vector >= s->msix_vectors) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "efa: interrupt on MSI-X vector %u of %u dropped\n",
                      vector, s->msix_vectors);
        return;
    }
    msix_notify(PCI_DEVICE(s), vector);
}

static void efa_op_timer_arm(void *opaque, uint64_t delay_ms)
{
    EfaPciState *s = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t delay_ns = delay_ms > INT64_MAX / SCALE_MS ?
                        INT64_MAX : delay_ms * SCALE_MS;

    timer_mod(s->timer, delay_ns > (uint64_t)(INT64_MAX - now) ?
                        INT64_MAX : now + (int64_t)delay_ns);
}

static uint64_t efa_op_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void efa_op_guest_error(void *opaque, const char *msg)
{
    qemu_log_mask(LOG_GUEST_ERROR, "efa: %s\n", msg);
}

static void efa_op_objects_changed(void *opaque)
{
    EfaPciState *s = opaque;

    if (s->objects_file) {
        qemu_bh_schedule(s->objects_bh);
    }
}

/* Trace each admin command, in the words of the command it was. */
static void efa_op_admin_done(void *opaque, const struct efa_admin_aq_entry *e,
                              const struct efa_admin_acq_entry *r)
{
    uint8_t status = r->acq_common_descriptor.status;
    uint8_t opcode = e->aq_common_descriptor.opcode;

    trace_efa_admin_cmd(opcode, le16_to_cpu(e->aq_common_descriptor.command_id),
                        status);
    switch (opcode) {
    case EFA_ADMIN_CREATE_CQ: {
        const struct efa_admin_create_cq_cmd *c = (const void *)e;
        const struct efa_admin_create_cq_resp *cr = (const void *)r;

        trace_efa_create_cq(status, le16_to_cpu(cr->cq_idx),
                            le16_to_cpu(c->cq_depth),
                            EFA_GET(&c->cq_caps_2,
                                    EFA_ADMIN_CREATE_CQ_CMD_CQ_ENTRY_SIZE_WORDS) * 4,
                            le16_to_cpu(c->num_sub_cqs),
                            EFA_GET(&c->cq_caps_1,
                                    EFA_ADMIN_CREATE_CQ_CMD_INTERRUPT_MODE_ENABLED),
                            le16_to_cpu(c->eqn),
                            EFA_GET(&c->cq_caps_2, EFA_ADMIN_CREATE_CQ_CMD_SET_SRC_ADDR),
                            le32_to_cpu(cr->db_offset));
        break;
    }
    case EFA_ADMIN_DESTROY_CQ:
        trace_efa_destroy_cq(status,
                             le16_to_cpu(((const struct efa_admin_destroy_cq_cmd *)
                                          (const void *)e)->cq_idx));
        break;
    case EFA_ADMIN_CREATE_QP: {
        const struct efa_admin_create_qp_cmd *c = (const void *)e;
        const struct efa_admin_create_qp_resp *qr = (const void *)r;

        trace_efa_create_qp(status, le32_to_cpu(qr->qp_handle), c->qp_type,
                            le16_to_cpu(c->pd),
                            le32_to_cpu(c->qp_alloc_size.send_queue_depth),
                            le32_to_cpu(c->qp_alloc_size.recv_queue_depth),
                            le32_to_cpu(c->send_cq_idx), le32_to_cpu(c->recv_cq_idx),
                            c->flags, c->sl);
        break;
    }
    case EFA_ADMIN_MODIFY_QP: {
        const struct efa_admin_modify_qp_cmd *c = (const void *)e;

        trace_efa_modify_qp(status, le32_to_cpu(c->qp_handle),
                            le32_to_cpu(c->modify_mask),
                            le32_to_cpu(c->cur_qp_state), le32_to_cpu(c->qp_state));
        break;
    }
    case EFA_ADMIN_QUERY_QP:
        trace_efa_query_qp(status,
                           le32_to_cpu(((const struct efa_admin_query_qp_cmd *)
                                        (const void *)e)->qp_handle),
                           le32_to_cpu(((const struct efa_admin_query_qp_resp *)
                                        (const void *)r)->qp_state));
        break;
    case EFA_ADMIN_DESTROY_QP:
        trace_efa_destroy_qp(status,
                             le32_to_cpu(((const struct efa_admin_destroy_qp_cmd *)
                                          (const void *)e)->qp_handle));
        break;
    case EFA_ADMIN_CREATE_AH: {
        const struct efa_admin_create_ah_cmd *c = (const void *)e;

        trace_efa_create_ah(status,
                            le16_to_cpu(((const struct efa_admin_create_ah_resp *)
                                         (const void *)r)->ah),
                            le16_to_cpu(c->pd));
        break;
    }
    case EFA_ADMIN_DESTROY_AH: {
        const struct efa_admin_destroy_ah_cmd *c = (const void *)e;

        trace_efa_destroy_ah(status, le16_to_cpu(c->ah), le16_to_cpu(c->pd));
        break;
    }
    case EFA_ADMIN_REG_MR: {
        const struct efa_admin_reg_mr_cmd *c = (const void *)e;
        uint8_t flags = e->aq_common_descriptor.flags;

        trace_efa_reg_mr(status,
                         le32_to_cpu(((const struct efa_admin_reg_mr_resp *)
                                      (const void *)r)->l_key),
                         le16_to_cpu(c->pd), le64_to_cpu(c->iova),
                         le64_to_cpu(c->mr_length),
                         EFA_GET(&c->flags, EFA_ADMIN_REG_MR_CMD_PHYS_PAGE_SIZE_SHIFT),
                         c->permissions,
                         !(flags & EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK) ? "inline" :
                         (flags & EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK) ?
                         "chained" : "contiguous");
        break;
    }
    case EFA_ADMIN_DEREG_MR:
        trace_efa_dereg_mr(status,
                           le32_to_cpu(((const struct efa_admin_dereg_mr_cmd *)
                                        (const void *)e)->l_key));
        break;
    case EFA_ADMIN_GET_STATS: {
        const struct efa_admin_aq_get_stats_cmd *c = (const void *)e;

        trace_efa_get_stats(status, c->type, c->scope,
                            le16_to_cpu(c->scope_modifier));
        break;
    }
    default:
        break;
    }
}

/* ---- data path: network, bottom half, timer, tracing ----------------- */

/*
 * The network delivered the frame it had queued (or dropped it, on reset or
 * unplug).  This can run inside another device's call, or inside our own
 * qemu_send_packet_async (QEMU flushes queues there), so it only notes it.
 */
static void efa_net_sent(NetClientState *nc, ssize_t len)
{
    EfaPciState *s = qemu_get_nic_opaque(nc);

    trace_efa_net_drained(len);
    s->tx_blocked = false;
    s->tx_drained = true;
    qemu_bh_schedule(s->dp_bh);
}

static bool efa_op_wire_send(void *opaque, const void *frame, size_t len)
{
    EfaPciState *s = opaque;
    ssize_t sent;

    if (!s->nic) {
        /* no netdev: nobody out there to reach */
        trace_efa_net_tx(len, "dropped, no netdev");
        return true;
    }
    if (s->tx_blocked) {
        return false;
    }
    sent = qemu_send_packet_async(qemu_get_queue(s->nic), frame, len,
                                  efa_net_sent);
    if (sent == 0) {
        /* taken, but queued: the next frame waits for efa_net_sent */
        s->tx_blocked = true;
        trace_efa_net_tx(len, "queued");
    } else {
        trace_efa_net_tx(len, "sent");
    }
    return true;
}

static void efa_op_schedule(void *opaque)
{
    EfaPciState *s = opaque;

    qemu_bh_schedule(s->dp_bh);
}

static void efa_op_dp_timer_arm(void *opaque, uint64_t delay_ns)
{
    EfaPciState *s = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    timer_mod(s->dp_timer, delay_ns > (uint64_t)(INT64_MAX - now) ?
                           INT64_MAX : now + (int64_t)delay_ns);
}

static void efa_op_trace(void *opaque, unsigned int event, uint32_t qn,
                         uint32_t a, uint64_t b)
{
    switch (event) {
    case EFA_TRACE_SQ_DB:
        trace_efa_dp_sq_db(qn, a);
        break;
    case EFA_TRACE_RQ_DB:
        trace_efa_dp_rq_db(qn, a);
        break;
    case EFA_TRACE_CQ_DB:
        trace_efa_dp_cq_db(qn, a);
        break;
    case EFA_TRACE_WQE:
        trace_efa_dp_wqe(qn, a, b);
        break;
    case EFA_TRACE_BAD_WQE:
        trace_efa_dp_bad_wqe(qn, a, b);
        break;
    case EFA_TRACE_DMA_FAIL:
        trace_efa_dp_dma_fail(qn, a, b);
        break;
    case EFA_TRACE_CQE:
        trace_efa_dp_cqe(qn, a >> 8, a & 0xff, b);
        break;
    case EFA_TRACE_EQE:
        trace_efa_dp_eqe(qn, a, b);
        break;
    case EFA_TRACE_FRAME_TX:
        trace_efa_dp_frame_tx(qn, a, b >> 32, (uint32_t)b);
        break;
    case EFA_TRACE_FRAME_RX:
        trace_efa_dp_frame_rx(qn, a, b >> 32, (uint32_t)b);
        break;
    case EFA_TRACE_FRAME_DROP:
        trace_efa_dp_frame_drop(qn, a, b);
        break;
    default:
        /* a core newer than this glue: still visible */
        trace_efa_dp_event(event, qn, a, b);
        break;
    }
}

static const struct efa_core_ops efa_ops = {
    .dma_read = efa_op_dma_read,
    .dma_write = efa_op_dma_write,
    .msix_notify = efa_op_msix_notify,
    .timer_arm = efa_op_timer_arm,
    .now_ns = efa_op_now_ns,
    .guest_error = efa_op_guest_error,
    .objects_changed = efa_op_objects_changed,
    .admin_done = efa_op_admin_done,
    .wire_send = efa_op_wire_send,
    .schedule = efa_op_schedule,
    .dp_timer_arm = efa_op_dp_timer_arm,
    .trace = efa_op_trace,
};

/*
 * Every call into the core goes through here.  The core is not reentrant,
 * but a guest can make it so: point a DMA address or an MSI-X message at one
 * of our own BARs and the core's dma_write/msix_notify lands in our MMIO
 * handlers while the core is mid-operation.  Such accesses are dropped.
 */
static bool efa_enter(EfaPciState *s, const char *what, hwaddr addr)
{
    if (s->in_core) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "efa: %s at %#" HWADDR_PRIx " by the device itself "
                      "(DMA or MSI-X aimed at its own BAR) ignored\n",
                      what, addr);
        return false;
    }
    s->in_core++;
    return true;
}

static void efa_leave(EfaPciState *s)
{
    s->in_core--;
}

/* ---- BARs -------------------------------------------------------------- */

static uint64_t efa_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    EfaPciState *s = opaque;
    uint32_t val;

    if (!efa_enter(s, "register read", addr)) {
        return 0;
    }
    val = efa_core_reg_read(s->core, addr);
    efa_leave(s);
    return val;
}

static void efa_reg_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    EfaPciState *s = opaque;

    if (!efa_enter(s, "register write", addr)) {
        return;
    }
    efa_core_reg_write(s->core, addr, val);
    efa_leave(s);
}

static const MemoryRegionOps efa_reg_ops = {
    .read = efa_reg_read,
    .write = efa_reg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 4, .max_access_size = 4 },
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static uint64_t efa_db_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void efa_db_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    EfaPciState *s = opaque;

    if (!efa_enter(s, "doorbell write", addr)) {
        return;
    }
    efa_core_db_write(s->core, addr, val);
    efa_leave(s);
}

static const MemoryRegionOps efa_db_ops = {
    .read = efa_db_read,
    .write = efa_db_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 4, .max_access_size = 4 },
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void efa_timer_cb(void *opaque)
{
    EfaPciState *s = opaque;

    if (!efa_enter(s, "timer", 0)) {
        return;
    }
    efa_core_timer(s->core);
    efa_leave(s);
}

/*
 * The data path's work: everything the doorbells, received frames, the
 * timer and the network queued.  Then, if we refused frames and the core
 * has room again, the network's queue for us is flushed, which hands them
 * to efa_net_receive() (outside the core: it queues them and schedules us).
 */
static void efa_dp_bh(void *opaque)
{
    EfaPciState *s = opaque;

    if (!efa_enter(s, "data path", 0)) {
        return;
    }
    if (s->tx_drained) {
        s->tx_drained = false;
        efa_core_wire_writable(s->core);
    }
    efa_core_process(s->core);
    efa_leave(s);

    if (s->rx_refused && s->nic && efa_core_wire_can_receive(s->core)) {
        s->rx_refused = false;
        qemu_flush_queued_packets(qemu_get_queue(s->nic));
    }
}

static void efa_dp_timer_cb(void *opaque)
{
    EfaPciState *s = opaque;

    if (!efa_enter(s, "data-path timer", 0)) {
        return;
    }
    efa_core_dp_timer(s->core);
    efa_leave(s);
}

/*
 * A frame from the netdev (a hub floods: the core drops what is not for
 * it).  Refused while the core is full, or running: a frame that arrives
 * from inside our own call into the core (a netdev that loops back
 * synchronously) must not enter it.  QEMU then queues it for us until
 * efa_dp_bh() flushes.
 */
static bool efa_net_can_receive(NetClientState *nc)
{
    EfaPciState *s = qemu_get_nic_opaque(nc);

    if (!s->in_core && efa_core_wire_can_receive(s->core)) {
        return true;
    }
    s->rx_refused = true;
    return false;
}

static ssize_t efa_net_receive(NetClientState *nc, const uint8_t *buf,
                               size_t len)
{
    EfaPciState *s = qemu_get_nic_opaque(nc);

    if (!efa_net_can_receive(nc)) {
        trace_efa_net_rx(len, "refused");
        return 0;
    }
    trace_efa_net_rx(len, "taken");
    efa_enter(s, "frame", 0);
    efa_core_wire_receive(s->core, buf, len);
    efa_leave(s);
    return len;
}

static NetClientInfo efa_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = efa_net_can_receive,
    .receive = efa_net_receive,
};

/* ---- properties set explicitly ------------------------------------------ */

/*
 * The config properties use these copies of QEMU's integer property types,
 * whose setter also notes that the property was given: at realize the
 * device id's generation fills in only what was not.  (Class defaults are
 * applied through the setter too, before instance_init clears the notes.)
 */
static PropertyInfo efa_prop_uint8, efa_prop_uint16, efa_prop_uint32,
                    efa_prop_uint64;

/* ---- properties -------------------------------------------------------- */

#define EFA_CFG_PROP(name, field, bits) \
    DEFINE_PROP_UNSIGNED_NODEFAULT(name, EfaPciState, cfg.field, \
                                   efa_prop_uint##bits, uint##bits##_t)

static Property efa_pci_properties[] = {
    DEFINE_PROP_UINT16("device-id", EfaPciState, device_id,
                       EFA_CORE_DEFAULT_DEVICE_ID),
    DEFINE_PROP_UINT8("revision", EfaPciState, revision, 0),
    /* "addr" is PCIDevice's slot.function property, hence "net-addr" */
    DEFINE_PROP_STRING("net-addr", EfaPciState, addr_str),
    DEFINE_PROP_STRING("objects-file", EfaPciState, objects_file),

    /* DEVICE_ATTR */
    EFA_CFG_PROP("guid", guid, 64),
    EFA_CFG_PROP("fw-version", fw_version, 32),
    EFA_CFG_PROP("link-speed-gbps", max_link_speed_gbps, 16),
    EFA_CFG_PROP("device-caps", device_caps, 32),
    EFA_CFG_PROP("max-rdma-size", max_rdma_size, 32),
    EFA_CFG_PROP("supported-features", supported_features, 64),
    EFA_CFG_PROP("page-size-cap", page_size_cap, 64),
    EFA_CFG_PROP("admin-api-version", admin_api_version, 32),
    EFA_CFG_PROP("device-version", device_version, 32),
    EFA_CFG_PROP("phys-addr-width", phys_addr_width, 8),
    EFA_CFG_PROP("virt-addr-width", virt_addr_width, 8),
    /* NETWORK_ATTR */
    EFA_CFG_PROP("mtu", mtu, 32),
    /* QUEUE_ATTR_1 */
    EFA_CFG_PROP("max-qp", max_qp, 32),
    EFA_CFG_PROP("max-sq-depth", max_sq_depth, 32),
    EFA_CFG_PROP("min-sq-depth", min_sq_depth, 16),
    EFA_CFG_PROP("max-rq-depth", max_rq_depth, 32),
    EFA_CFG_PROP("inline-buf-size", inline_buf_size, 32),
    EFA_CFG_PROP("max-cq", max_cq, 32),
    EFA_CFG_PROP("max-cq-depth", max_cq_depth, 32),
    EFA_CFG_PROP("sub-cqs-per-cq", sub_cqs_per_cq, 16),
    EFA_CFG_PROP("max-wr-send-sges", max_wr_send_sges, 16),
    EFA_CFG_PROP("max-wr-recv-sges", max_wr_recv_sges, 16),
    EFA_CFG_PROP("max-wr-rdma-sges", max_wr_rdma_sges, 16),
    EFA_CFG_PROP("max-tx-batch", max_tx_batch, 16),
    EFA_CFG_PROP("max-mr", max_mr, 32),
    EFA_CFG_PROP("max-mr-pages", max_mr_pages, 32),
    EFA_CFG_PROP("max-pd", max_pd, 32),
    EFA_CFG_PROP("max-ah", max_ah, 32),
    EFA_CFG_PROP("max-llq-size", max_llq_size, 32),
    /* QUEUE_ATTR_2 */
    EFA_CFG_PROP("inline-buf-size-ex", inline_buf_size_ex, 16),
    /* EVENT_QUEUE_ATTR */
    EFA_CFG_PROP("max-eq", max_eq, 32),
    EFA_CFG_PROP("max-eq-depth", max_eq_depth, 32),
    EFA_CFG_PROP("eq-event-bitmask", eq_event_bitmask, 32),
    /* HW_HINTS */
    EFA_CFG_PROP("mmio-read-timeout", hw_hints.mmio_read_timeout, 16),
    EFA_CFG_PROP("driver-watchdog-timeout",
                 hw_hints.driver_watchdog_timeout, 16),
    EFA_CFG_PROP("admin-completion-timeout",
                 hw_hints.admin_completion_timeout, 16),
    EFA_CFG_PROP("poll-interval", hw_hints.poll_interval, 16),
    /* registers */
    EFA_CFG_PROP("version", version, 32),
    EFA_CFG_PROP("controller-version", controller_version, 32),
    EFA_CFG_PROP("dma-addr-width", dma_addr_width, 8),
    EFA_CFG_PROP("reset-timeout-100ms", reset_timeout_100ms, 8),
    EFA_CFG_PROP("admin-cmd-timeout-100ms", admin_cmd_timeout_100ms, 8),
    /* the model itself */
    EFA_CFG_PROP("msix-vectors", msix_vectors, 16),
    EFA_CFG_PROP("aenq-supported-groups", aenq_supported_groups, 32),
    EFA_CFG_PROP("keep-alive-ms", keep_alive_ms, 32),
    EFA_CFG_PROP("max-uar", max_uar, 32),
    EFA_CFG_PROP("mr-page-budget", mr_page_budget, 64),
    EFA_CFG_PROP("cq-doorbell", cq_doorbell, 8),
    /* the network: "netdev" and "mac" */
    DEFINE_NIC_PROPERTIES(EfaPciState, conf),
    DEFINE_PROP_END_OF_LIST(),
};
QEMU_BUILD_BUG_ON(ARRAY_SIZE(efa_pci_properties) > EFA_PCI_MAX_PROPS);

static const PropertyInfo *efa_prop_base(const PropertyInfo *info)
{
    if (info == &efa_prop_uint8) {
        return &qdev_prop_uint8;
    } else if (info == &efa_prop_uint16) {
        return &qdev_prop_uint16;
    } else if (info == &efa_prop_uint32) {
        return &qdev_prop_uint32;
    } else if (info == &efa_prop_uint64) {
        return &qdev_prop_uint64;
    }
    return NULL;
}

static void efa_prop_set(Object *obj, Visitor *v, const char *name,
                         void *opaque, Error **errp)
{
    Property *prop = opaque;
    EfaPciState *s = EFA_PCI(obj);
    Error *err = NULL;

    efa_prop_base(prop->info)->set(obj, v, name, opaque, &err);
    if (err) {
        error_propagate(errp, err);
        return;
    }
    set_bit(prop - efa_pci_properties, s->explicit_props);
}

static void efa_prop_infos_init(void)
{
    const PropertyInfo *bases[] = { &qdev_prop_uint8, &qdev_prop_uint16,
                                    &qdev_prop_uint32, &qdev_prop_uint64 };
    PropertyInfo *ours[] = { &efa_prop_uint8, &efa_prop_uint16,
                             &efa_prop_uint32, &efa_prop_uint64 };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(ours); i++) {
        *ours[i] = *bases[i];
        ours[i]->set = efa_prop_set;
    }
}

static size_t efa_prop_size(const Property *p)
{
    const PropertyInfo *base = efa_prop_base(p->info);

    return base == &qdev_prop_uint8 ? 1 : base == &qdev_prop_uint16 ? 2 :
           base == &qdev_prop_uint32 ? 4 : base == &qdev_prop_uint64 ? 8 : 0;
}

static uint64_t efa_prop_value(const Property *p, const struct efa_core_config *cfg)
{
    const uint8_t *field = (const uint8_t *)cfg +
                           (p->offset - offsetof(EfaPciState, cfg));

    switch (efa_prop_size(p)) {
    case 1:
        return *field;
    case 2:
        return *(const uint16_t *)field;
    case 4:
        return *(const uint32_t *)field;
    case 8:
        return *(const uint64_t *)field;
    }
    g_assert_not_reached();
}

static bool efa_prop_is_config(const Property *p)
{
    return efa_prop_base(p->info) && p->offset >= offsetof(EfaPciState, cfg) &&
           p->offset < offsetof(EfaPciState, cfg) + sizeof(struct efa_core_config);
}

/* The generation of the device id, under what was given explicitly. */
static void efa_apply_generation(EfaPciState *s)
{
    struct efa_core_config gen;
    Property *p;

    efa_core_config_init_device(&gen, s->device_id);
    for (p = efa_pci_properties; p->name; p++) {
        if (!efa_prop_is_config(p) ||
            test_bit(p - efa_pci_properties, s->explicit_props)) {
            continue;
        }
        memcpy((uint8_t *)&s->cfg + (p->offset - offsetof(EfaPciState, cfg)),
               (const uint8_t *)&gen + (p->offset - offsetof(EfaPciState, cfg)),
               efa_prop_size(p));
    }
}

/* ---- realize / exit / reset -------------------------------------------- */

/* "fe80::1", or 32 hex digits (colons allowed between byte pairs). */
static bool efa_parse_addr(const char *str, uint8_t addr[16], Error **errp)
{
    char hex[33];
    size_t n = 0;
    const char *p;
    int i;

    if (inet_pton(AF_INET6, str, addr) == 1) {
        return true;
    }
    for (p = str; *p; p++) {
        if (*p == ':') {
            continue;
        }
        if (!g_ascii_isxdigit(*p) || n == 32) {
            n = 0;
            break;
        }
        hex[n++] = *p;
    }
    if (n != 32) {
        error_setg(errp, "efa: net-addr '%s' is neither an IPv6-style address "
                   "nor 32 hex digits", str);
        return false;
    }
    for (i = 0; i < 16; i++) {
        addr[i] = g_ascii_xdigit_value(hex[2 * i]) << 4 |
                  g_ascii_xdigit_value(hex[2 * i + 1]);
    }
    return true;
}

static void efa_pci_realize(PCIDevice *pdev, Error **errp)
{
    EfaPciState *s = EFA_PCI(pdev);
    const struct efa_core_config *cfg;
    const char *why = NULL;
    Error *err = NULL;
    uint64_t mem_size, db_size;
    unsigned int v;

    if (s->device_id < EFA_PCI_DEVICE_ID_EFA0 ||
        s->device_id > EFA_PCI_DEVICE_ID_EFA3) {
        error_setg(errp, "efa: device-id %#06x is not an EFA device id "
                   "(must be %#06x..%#06x)", s->device_id,
                   EFA_PCI_DEVICE_ID_EFA0, EFA_PCI_DEVICE_ID_EFA3);
        return;
    }
    efa_apply_generation(s);
    /* devices left at the default GUID (and address) must not share it */
    if (s->cfg.guid == EFA_CORE_DEFAULT_GUID) {
        s->cfg.guid |= (uint64_t)pci_dev_bus_num(pdev) << 8 | pdev->devfn;
    }
    if (s->addr_str) {
        if (!efa_parse_addr(s->addr_str, s->cfg.addr, errp)) {
            return;
        }
    } else {
        efa_core_config_addr_from_guid(&s->cfg);
    }

    pci_config_set_device_id(pdev->config, s->device_id);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, s->device_id);
    pci_config_set_revision(pdev->config, s->revision);

    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, efa_timer_cb, s);
    s->objects_bh = qemu_bh_new_guarded(efa_objects_bh, s,
                                        &DEVICE(s)->mem_reentrancy_guard);
    s->dp_bh = qemu_bh_new_guarded(efa_dp_bh, s,
                                   &DEVICE(s)->mem_reentrancy_guard);
    s->dp_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, efa_dp_timer_cb, s);
    s->core = efa_core_new(&s->cfg, &efa_ops, s, &why);
    if (!s->core) {
        error_setg(errp, "efa: %s", why ? why : "invalid configuration");
        goto err_timer;
    }
    cfg = efa_core_get_config(s->core);

    if (!efa_write_objects_file(s, errp)) {
        goto err_core;
    }

    /* BAR0: registers everywhere, MSI-X table and PBA on top of them */
    memory_region_init(&s->bar0, OBJECT(s), "efa-bar0",
                       EFA_CORE_REG_BAR_SIZE);
    memory_region_init_io(&s->regs, OBJECT(s), &efa_reg_ops, s, "efa-regs",
                          EFA_CORE_REG_BAR_SIZE);
    memory_region_add_subregion_overlap(&s->bar0, 0, &s->regs, -1);
    if (msix_init(pdev, cfg->msix_vectors,
                  &s->bar0, EFA_REG_BAR, EFA_CORE_MSIX_TABLE_OFFSET,
                  &s->bar0, EFA_REG_BAR, EFA_CORE_MSIX_PBA_OFFSET,
                  0, errp) < 0) {
        goto err_core;
    }
    s->msix_vectors = cfg->msix_vectors;
    /* QEMU 7.2's msix_notify() drops vectors nobody marked as used */
    for (v = 0; v < s->msix_vectors; v++) {
        msix_vector_use(pdev, v);
    }
    pci_register_bar(pdev, EFA_REG_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->bar0);

    mem_size = efa_core_mem_bar_size(cfg);
    memory_region_init_ram_nomigrate(&s->mem_bar, OBJECT(s), "efa-llq",
                                     mem_size, &err);
    if (err) {
        error_propagate(errp, err);
        goto err_msix;
    }
    pci_register_bar(pdev, EFA_MEM_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &s->mem_bar);
    efa_core_attach_llq(s->core, memory_region_get_ram_ptr(&s->mem_bar),
                        mem_size);

    db_size = efa_core_db_bar_size(cfg);
    memory_region_init_io(&s->db_bar, OBJECT(s), &efa_db_ops, s, "efa-db",
                          db_size);
    pci_register_bar(pdev, EFA_CORE_DB_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->db_bar);

    /* no NIC without a netdev: QEMU would warn about a NIC with no peer */
    if (s->conf.peers.ncs[0]) {
        qemu_macaddr_default_if_unset(&s->conf.macaddr);
        s->nic = qemu_new_nic(&efa_net_info, &s->conf,
                              object_get_typename(OBJECT(s)), DEVICE(s)->id,
                              &DEVICE(s)->mem_reentrancy_guard, s);
        qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    }

    s->exit_notifier.notify = efa_exit_notify;
    qemu_add_exit_notifier(&s->exit_notifier);
    return;

err_msix:
    for (v = 0; v < s->msix_vectors; v++) {
        msix_vector_unuse(pdev, v);
    }
    msix_uninit(pdev, &s->bar0, &s->bar0);
    s->msix_vectors = 0;
err_core:
    efa_core_free(s->core);
    s->core = NULL;
err_timer:
    qemu_bh_delete(s->dp_bh);
    s->dp_bh = NULL;
    timer_free(s->dp_timer);
    s->dp_timer = NULL;
    qemu_bh_delete(s->objects_bh);
    s->objects_bh = NULL;
    timer_free(s->timer);
    s->timer = NULL;
}

static void efa_pci_exit(PCIDevice *pdev)
{
    EfaPciState *s = EFA_PCI(pdev);
    unsigned int v;

    qemu_remove_exit_notifier(&s->exit_notifier);
    efa_update_objects_file(s);
    /* first: it drops our queued frames, whose callback schedules dp_bh */
    if (s->nic) {
        qemu_del_nic(s->nic);
        s->nic = NULL;
    }
    qemu_bh_delete(s->dp_bh);
    s->dp_bh = NULL;
    timer_free(s->dp_timer);
    s->dp_timer = NULL;
    qemu_bh_delete(s->objects_bh);
    s->objects_bh = NULL;
    timer_free(s->timer);
    s->timer = NULL;
    for (v = 0; v < s->msix_vectors; v++) {
        msix_vector_unuse(pdev, v);
    }
    msix_uninit(pdev, &s->bar0, &s->bar0);
    s->msix_vectors = 0;
    efa_core_free(s->core);
    s->core = NULL;
}

static void efa_pci_reset(DeviceState *dev)
{
    EfaPciState *s = EFA_PCI(dev);

    if (!s->core || !efa_enter(s, "reset", 0)) {
        return;
    }
    /*
     * Frames we sent that the network still holds belong to the old
     * device: dropped (their callback ends tx_blocked).  Work and timer
     * of the old device go too; the core starts with none.
     */
    if (s->nic) {
        qemu_purge_queued_packets(qemu_get_queue(s->nic));
    }
    qemu_bh_cancel(s->dp_bh);
    timer_del(s->dp_timer);
    s->tx_blocked = false;
    s->tx_drained = false;
    efa_core_hard_reset(s->core);
    efa_leave(s);
    /* frames refused before the reset wait for a flush: not from here */
    if (s->rx_refused) {
        qemu_bh_schedule(s->dp_bh);
    }
    efa_update_objects_file(s);
}

static void efa_pci_instance_init(Object *obj)
{
    EfaPciState *s = EFA_PCI(obj);

    /*
     * The property defaults set before this came from the same function;
     * this fills the fields no property covers.  Nothing was given yet.
     */
    efa_core_config_init(&s->cfg);
    bitmap_zero(s->explicit_props, EFA_PCI_MAX_PROPS);
}


/*
 * Give every property that mirrors a config field the core's default, so
 * the core stays the one place defaults live and help shows them.
 */
static void efa_pci_set_config_defaults(ObjectClass *oc)
{
    struct efa_core_config def;
    Property *p;

    efa_core_config_init(&def);
    for (p = efa_pci_properties; p->name; p++) {
        if (efa_prop_is_config(p)) {
            object_property_set_default_uint(
                object_class_property_find(oc, p->name),
                efa_prop_value(p, &def));
        }
    }
}

/*
 * A property whose default depends on the device id says so in its help
 * text, "[per device-id: efa0=V efa1=V efa2=V efa3=V]", which is what the
 * test harness (tools/efastack/props.py) reads its expectations from.
 */
static void efa_pci_describe_generations(ObjectClass *oc, const char *const *descs)
{
    struct efa_core_config gen[4];
    Property *p;
    int g;

    for (g = 0; g < 4; g++) {
        efa_core_config_init_device(&gen[g], EFA_PCI_DEVICE_ID_EFA0 + g);
    }
    for (p = efa_pci_properties; p->name; p++) {
        const char *desc = descs[p - efa_pci_properties];
        GString *text;

        if (!efa_prop_is_config(p) ||
            (efa_prop_value(p, &gen[0]) == efa_prop_value(p, &gen[1]) &&
             efa_prop_value(p, &gen[0]) == efa_prop_value(p, &gen[2]) &&
             efa_prop_value(p, &gen[0]) == efa_prop_value(p, &gen[3]))) {
            continue;
        }
        text = g_string_new(desc ? desc : "");
        g_string_append_printf(text, "%s[per device-id:", desc ? " " : "");
        for (g = 0; g < 4; g++) {
            g_string_append_printf(text, " efa%d=%" PRIu64, g,
                                   efa_prop_value(p, &gen[g]));
        }
        g_string_append(text, "]");
        object_class_property_set_description(oc, p->name, text->str);
        g_string_free(text, TRUE);
    }
}

static const struct {
    const char *name, *desc;
} efa_pci_prop_desc[] = {
    { "device-id", "PCI device id, 0xefa0..0xefa3 (also the subsystem id): "
                   "the generation whose caps and limits the device has" },
    { "revision", "PCI revision id" },
    { "net-addr", "16-byte network address (GID): IPv6-style or 32 hex "
                  "digits; default fe80::/64 with the GUID as interface id" },
    { "objects-file", "host file kept up to date with live and dropped "
                      "device objects: lines 'CLASS LIVE DROPPED'" },
    { "guid", "device GUID; left at the default, its low 16 bits are the "
              "PCI bus and devfn" },
    { "fw-version", "firmware version, 0xMMmmss (DEVICE_ATTR)" },
    { "msix-vectors", "MSI-X vectors: 1 management + completion vectors" },
    { "keep-alive-ms", "keep-alive AENQ event period, 0 = none" },
    { "max-uar", "UARs, one per user context; BAR4 has a doorbell page per QP and per CQ" },
    { "max-llq-size", "LLQ bytes per QP, a multiple of 4096; BAR2 is max-qp * max-llq-size" },
    { "mr-page-budget", "page-list entries all MRs together may hold "
                        "(8 host bytes each)" },
    { "cq-doorbell", "1: polling-mode CQs get a doorbell too" },
};

static const VMStateDescription vmstate_efa_pci = {
    .name = "efa",
    .unmigratable = 1,
};

static void efa_pci_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(oc);
    const char *descs[ARRAY_SIZE(efa_pci_properties)] = { NULL };
    size_t i, j;

    k->realize = efa_pci_realize;
    k->exit = efa_pci_exit;
    k->vendor_id = EFA_PCI_VENDOR_ID_AMAZON;
    k->device_id = EFA_CORE_DEFAULT_DEVICE_ID;
    k->subsystem_vendor_id = EFA_PCI_VENDOR_ID_AMAZON;
    k->subsystem_id = EFA_CORE_DEFAULT_DEVICE_ID;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;

    dc->desc = "AWS Elastic Fabric Adapter (emulated)";
    dc->reset = efa_pci_reset;
    dc->vmsd = &vmstate_efa_pci;
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
    efa_prop_infos_init();
    device_class_set_props(dc, efa_pci_properties);
    efa_pci_set_config_defaults(oc);
    for (i = 0; i < ARRAY_SIZE(efa_pci_prop_desc); i++) {
        object_class_property_set_description(oc, efa_pci_prop_desc[i].name,
                                              efa_pci_prop_desc[i].desc);
        for (j = 0; efa_pci_properties[j].name; j++) {
            if (!strcmp(efa_pci_properties[j].name, efa_pci_prop_desc[i].name)) {
                descs[j] = efa_pci_prop_desc[i].desc;
            }
        }
    }
    efa_pci_describe_generations(oc, descs);
}

static const TypeInfo efa_pci_info = {
    .name = TYPE_EFA_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(EfaPciState),
    .instance_init = efa_pci_instance_init,
    .class_init = efa_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void efa_pci_register_types(void)
{
    type_register_static(&efa_pci_info);
}

type_init(efa_pci_register_types)
