// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Encoding and decoding of the frames of efa_wire.h, byte by byte so the
 * format is the same on every host.
 */
#include <string.h>

#include "efa_core.h"
#include "efa_wire.h"

/* Byte offsets in the transport header. */
enum {
	OFF_VERSION = 0,
	OFF_OP = 1,
	OFF_STATUS = 2,
	OFF_ATTEMPT = 3,
	OFF_FLAGS = 4,
	OFF_PAYLOAD_LEN = 6,
	OFF_DST_ADDR = 8,
	OFF_SRC_ADDR = 24,
	OFF_DST_QPN = 40,
	OFF_SRC_QPN = 42,
	OFF_QKEY = 44,
	OFF_MSG_ID = 48,
	OFF_PKT_ID = 52,
	OFF_COOKIE = 56,
	OFF_MSG_LEN = 60,
	OFF_OFFSET = 64,
	OFF_IMM = 68,
	OFF_RKEY = 72,
	OFF_REMOTE_ADDR = 76,
	OFF_EPOCH = 84,
	OFF_END = 88,
};
_Static_assert(OFF_END == EFA_WIRE_HDR_LEN, "header layout");

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

void efa_wire_mac(const uint8_t addr[16], uint8_t mac[6])
{
	/* the interface id's low bytes, which differ between devices */
	mac[0] = 0x02;
	memcpy(mac + 1, addr + 11, 5);
}

size_t efa_wire_encode(uint8_t *frame, const struct efa_wire_hdr *hdr,
		       const void *payload)
{
	uint8_t *h = frame + EFA_WIRE_ETH_LEN;

	efa_wire_mac(hdr->dst_addr, frame);
	efa_wire_mac(hdr->src_addr, frame + 6);
	frame[12] = EFA_CORE_ETHERTYPE >> 8;
	frame[13] = EFA_CORE_ETHERTYPE & 0xff;

	h[OFF_VERSION] = EFA_WIRE_VERSION;
	h[OFF_OP] = hdr->op;
	h[OFF_STATUS] = hdr->status;
	h[OFF_ATTEMPT] = hdr->attempt;
	put16(h + OFF_FLAGS, hdr->flags);
	put16(h + OFF_PAYLOAD_LEN, hdr->payload_len);
	memcpy(h + OFF_DST_ADDR, hdr->dst_addr, 16);
	memcpy(h + OFF_SRC_ADDR, hdr->src_addr, 16);
	put16(h + OFF_DST_QPN, hdr->dst_qpn);
	put16(h + OFF_SRC_QPN, hdr->src_qpn);
	put32(h + OFF_QKEY, hdr->qkey);
	put32(h + OFF_MSG_ID, hdr->msg_id);
	put32(h + OFF_PKT_ID, hdr->pkt_id);
	put32(h + OFF_COOKIE, hdr->cookie);
	put32(h + OFF_MSG_LEN, hdr->msg_len);
	put32(h + OFF_OFFSET, hdr->offset);
	put32(h + OFF_IMM, hdr->imm);
	put32(h + OFF_RKEY, hdr->rkey);
	put64(h + OFF_REMOTE_ADDR, hdr->remote_addr);
	put32(h + OFF_EPOCH, hdr->epoch);
	if (hdr->payload_len)
		memcpy(h + EFA_WIRE_HDR_LEN, payload, hdr->payload_len);
	return EFA_WIRE_HEADERS + hdr->payload_len;
}

void efa_wire_set_epoch(uint8_t *frame, uint32_t epoch)
{
	put32(frame + EFA_WIRE_ETH_LEN + OFF_EPOCH, epoch);
}

bool efa_wire_decode(const uint8_t *frame, size_t len, struct efa_wire_hdr *hdr,
		     const uint8_t **payload)
{
	const uint8_t *h = frame + EFA_WIRE_ETH_LEN;

	if (len < EFA_WIRE_HEADERS ||
	    frame[12] != EFA_CORE_ETHERTYPE >> 8 ||
	    frame[13] != (EFA_CORE_ETHERTYPE & 0xff) ||
	    h[OFF_VERSION] != EFA_WIRE_VERSION)
		return false;
	hdr->op = h[OFF_OP];
	hdr->status = h[OFF_STATUS];
	hdr->attempt = h[OFF_ATTEMPT];
	hdr->flags = get16(h + OFF_FLAGS);
	hdr->payload_len = get16(h + OFF_PAYLOAD_LEN);
	memcpy(hdr->dst_addr, h + OFF_DST_ADDR, 16);
	memcpy(hdr->src_addr, h + OFF_SRC_ADDR, 16);
	hdr->dst_qpn = get16(h + OFF_DST_QPN);
	hdr->src_qpn = get16(h + OFF_SRC_QPN);
	hdr->qkey = get32(h + OFF_QKEY);
	hdr->msg_id = get32(h + OFF_MSG_ID);
	hdr->pkt_id = get32(h + OFF_PKT_ID);
	hdr->cookie = get32(h + OFF_COOKIE);
	hdr->msg_len = get32(h + OFF_MSG_LEN);
	hdr->offset = get32(h + OFF_OFFSET);
	hdr->imm = get32(h + OFF_IMM);
	hdr->rkey = get32(h + OFF_RKEY);
	hdr->remote_addr = get64(h + OFF_REMOTE_ADDR);
	hdr->epoch = get32(h + OFF_EPOCH);
	/* Ethernet pads short frames: trailing bytes past the payload are fine */
	if (hdr->payload_len > len - EFA_WIRE_HEADERS)
		return false;
	if (hdr->op < EFA_WIRE_UD_SEND || hdr->op > EFA_WIRE_SRD_RESP)
		return false;
	*payload = h + EFA_WIRE_HDR_LEN;
	return true;
}
