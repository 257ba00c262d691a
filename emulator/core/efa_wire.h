/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The frames EFA devices exchange.  One frame is
 *
 *	Ethernet header (14 bytes): destination and source MAC derived from
 *	    the devices' 16-byte addresses, EtherType EFA_CORE_ETHERTYPE
 *	transport header (EFA_WIRE_HDR_LEN bytes, little-endian, below)
 *	payload (payload_len bytes, at most the device's MTU)
 *
 * A device identifies itself and its peers by the 16-byte address (GID),
 * never by MAC.  Every frame names its sender's and receiver's QP, so the
 * receiver needs no per-connection setup; SRD frames also carry a message
 * id and a packet id on the per-peer channel, the attempt of the message
 * and the sender's incarnation (epoch), so loss, reordering, duplicates,
 * retransmission and a peer that restarted can be told apart without
 * reshaping the format.  docs/architecture.md draws it.
 */
#ifndef EFA_WIRE_H
#define EFA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EFA_WIRE_VERSION	1
#define EFA_WIRE_ETH_LEN	14
#define EFA_WIRE_HDR_LEN	88
#define EFA_WIRE_HEADERS	(EFA_WIRE_ETH_LEN + EFA_WIRE_HDR_LEN)

enum efa_wire_op {
	EFA_WIRE_UD_SEND = 1,		/* UD datagram: no answer */
	EFA_WIRE_SRD_SEND = 2,		/* SRD send (one packet) */
	EFA_WIRE_SRD_WRITE = 3,		/* SRD RDMA write: one of its packets */
	EFA_WIRE_SRD_READ_REQ = 4,	/* SRD RDMA read request */
	EFA_WIRE_SRD_READ_RESP = 5,	/* read data: one packet of the answer */
	EFA_WIRE_SRD_RESP = 6,		/* accept or refuse a request message */
};

/* flags */
#define EFA_WIRE_F_HAS_IMM	0x0001u	/* imm travels with the message */
#define EFA_WIRE_F_LAST		0x0002u	/* last packet of its message */

/*
 * Status in EFA_WIRE_SRD_RESP (and a failed READ_RESP): an
 * enum efa_io_comp_status the requester completes with, or one of these,
 * which it acts on instead.
 */
#define EFA_WIRE_STATUS_BUSY	0xfe	/* responder out of state: retry */

/* Why a frame was not taken (EFA_TRACE_FRAME_DROP b). */
enum efa_wire_drop {
	EFA_WIRE_DROP_NOT_OURS = 1,	/* addressed to another device */
	EFA_WIRE_DROP_MALFORMED = 2,	/* not a frame of this format */
	EFA_WIRE_DROP_RX_FULL = 3,	/* receive queue full */
	EFA_WIRE_DROP_NO_QP = 4,	/* UD: no such QP, wrong type or state */
	EFA_WIRE_DROP_QKEY = 5,		/* UD: qkey mismatch */
	EFA_WIRE_DROP_NO_RECV = 6,	/* UD: no receive posted */
	EFA_WIRE_DROP_STALE = 7,	/* SRD: for a message no longer here */
	EFA_WIRE_DROP_REFUSED = 8,	/* SRD: packet of a refused message */
};

/* The transport header, decoded (host order). */
struct efa_wire_hdr {
	uint8_t op;			/* enum efa_wire_op */
	uint8_t status;			/* RESP / READ_RESP */
	uint16_t flags;
	uint8_t dst_addr[16];
	uint8_t src_addr[16];
	uint16_t dst_qpn;
	uint16_t src_qpn;
	uint32_t qkey;
	/* SRD: the message on the sender's channel to this peer */
	uint32_t msg_id;
	/* SRD: packet sequence number on that channel */
	uint32_t pkt_id;
	/* requester's token of the message; answers echo it */
	uint32_t cookie;
	uint8_t attempt;		/* 0, then one more per retry */
	uint16_t payload_len;
	/* whole message bytes; offset of this payload in it */
	uint32_t msg_len;
	uint32_t offset;
	uint32_t imm;
	/* RDMA: the remote buffer (its start, for the whole message) */
	uint32_t rkey;
	uint64_t remote_addr;
	/*
	 * The sender's incarnation, new at each reset: a peer's message ids
	 * start over with it, so what the receiver kept of them goes.
	 */
	uint32_t epoch;
};

/*
 * Write header and payload into frame (room for EFA_WIRE_HEADERS +
 * hdr->payload_len bytes); returns the frame's length.
 */
size_t efa_wire_encode(uint8_t *frame, const struct efa_wire_hdr *hdr,
		       const void *payload);
/*
 * Decode a frame; false if it is not one of this format (wrong EtherType,
 * version, short, payload_len past the end).  *payload points into frame.
 */
bool efa_wire_decode(const uint8_t *frame, size_t len, struct efa_wire_hdr *hdr,
		     const uint8_t **payload);
/* Set the epoch of an encoded frame. */
void efa_wire_set_epoch(uint8_t *frame, uint32_t epoch);
/* The MAC a device of this address uses (locally administered, unicast). */
void efa_wire_mac(const uint8_t addr[16], uint8_t mac[6]);

#endif /* EFA_WIRE_H */
