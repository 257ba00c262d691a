// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IB_SPEED_XDR, 200 Gb/s per lane (6.9 on); 6.1 stops at NDR. */
#include <rdma/ib_verbs.h>

static enum ib_port_speed __maybe_unused efa_probe(void)
{
	return IB_SPEED_XDR;
}
