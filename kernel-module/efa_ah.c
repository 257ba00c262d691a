// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Address handles: the device's handle for one remote address in one PD,
 * which user space puts in its send WQEs.  Creating one is an admin
 * command, so neither verb works in atomic context.
 */
#include "efa.h"

int efa_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init_attr,
		  struct ib_udata *udata)
{
	struct rdma_ah_attr *ah_attr = init_attr->ah_attr;
	struct efa_dev *dev = to_edev(ibah->device);
	struct efa_ibv_create_ah_resp resp = {};
	struct efa_ah *ah = to_eah(ibah);
	u16 pdn = to_epd(ibah->pd)->pdn;
	int err;

	if (!udata || !(init_attr->flags & RDMA_CREATE_AH_SLEEPABLE)) {
		ibdev_dbg(&dev->ibdev, "create_ah: only user AHs, in process context\n");
		err = -EOPNOTSUPP;
		goto err_out;
	}
	if (udata->inlen && !ib_is_udata_cleared(udata, 0, udata->inlen)) {
		ibdev_dbg(&dev->ibdev, "create_ah: unknown non-zero request data\n");
		err = -EINVAL;
		goto err_out;
	}
	if (!(rdma_ah_get_ah_flags(ah_attr) & IB_AH_GRH)) {
		ibdev_dbg(&dev->ibdev, "create_ah: the destination GID is missing\n");
		err = -EINVAL;
		goto err_out;
	}

	BUILD_BUG_ON(sizeof(ah->id) != sizeof(ah_attr->grh.dgid.raw));
	memcpy(ah->id, ah_attr->grh.dgid.raw, sizeof(ah->id));
	err = efa_com_create_ah(&dev->edev, pdn, ah->id, &ah->ah);
	if (err)
		goto err_out;

	resp.efa_address_handle = ah->ah;
	err = efa_copy_response(dev, udata, &resp, sizeof(resp), "create_ah");
	if (err)
		goto err_destroy_ah;
	ibdev_dbg(&dev->ibdev, "created ah %u to %pI6 in pd %u\n", ah->ah,
		  ah->id, pdn);
	return 0;

err_destroy_ah:
	efa_com_destroy_ah(&dev->edev, ah->ah, pdn);
err_out:
	atomic64_inc(&dev->stats.create_ah_err);
	return err;
}

int efa_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	struct efa_dev *dev = to_edev(ibah->device);
	struct efa_ah *ah = to_eah(ibah);

	if (!(flags & RDMA_DESTROY_AH_SLEEPABLE)) {
		ibdev_dbg(&dev->ibdev, "destroy_ah: not in atomic context\n");
		return -EOPNOTSUPP;
	}
	ibdev_dbg(&dev->ibdev, "destroying ah %u\n", ah->ah);
	/* a device that cannot free it has logged why; the AH is gone for us */
	efa_com_destroy_ah(&dev->edev, ah->ah, to_epd(ibah->pd)->pdn);
	return 0;
}
