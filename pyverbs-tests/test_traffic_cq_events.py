# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Completion events through the whole stack: a CQ armed with
ibv_req_notify_cq gets one event on its completion channel when a
completion arrives (the device writes an EQE and raises the EQ's MSI-X
vector, the driver's completion handler reaches uverbs), ibv_get_cq_event
returns it, ibv_ack_cq_events acknowledges it; an unarmed CQ raises none.
Both ends of SRD and UD traffic, between two devices and on one."""
import time

import pytest
import pyverbs.enums as ibv

from traffic import (COMPLETION_S, check_ok, make_pair, poll, post_recv, post_send,
                     wait_readable)

pytestmark = pytest.mark.usefixtures("objects_everywhere_return")


def event(ep, timeout=COMPLETION_S):
    """Wait for the one event of ep's channel, take and acknowledge it."""
    assert wait_readable(ep.channel_fd, timeout), f"no CQ event within {timeout} s"
    ep.channel.get_cq_event(ep.cq)
    ep.cq.ack_events(1)


def no_event(ep, wait=0.5):
    assert not wait_readable(ep.channel_fd, wait), "a CQ event nobody asked for"


@pytest.mark.parametrize("qp_type", [ibv.IBV_QPT_DRIVER, ibv.IBV_QPT_UD], ids=["srd", "ud"])
def test_armed_cqs_get_one_event_each(stack, placement, qp_type):
    pair = make_pair(stack, placement, qp_type, channel=True)
    req, resp = pair.req, pair.resp
    for round_ in range(3):
        req.cq.req_notify()
        resp.cq.req_notify()
        post_recv(resp, round_, [(0, 256)])
        req.fill(1024, 32, pair.rng)
        post_send(req, pair.ah, resp.qp.qp_num, 10 + round_, [(1024, 32)])
        event(req)
        event(resp)
        check_ok(poll(req.cq, 1)[0], 10 + round_)
        check_ok(poll(resp.cq, 1)[0], round_)


def test_unarmed_cq_raises_no_event(stack, placement):
    pair = make_pair(stack, placement, ibv.IBV_QPT_DRIVER, channel=True)
    req, resp = pair.req, pair.resp
    post_recv(resp, 1, [(0, 64)])
    post_send(req, pair.ah, resp.qp.qp_num, 2, [(0, 64)])
    check_ok(poll(req.cq, 1)[0], 2)
    check_ok(poll(resp.cq, 1)[0], 1)
    no_event(req)
    no_event(resp)
    # armed once: one event for two completions, none after
    resp.cq.req_notify()
    for i in range(2):
        post_recv(resp, 3 + i, [(64 * i, 64)])
    for i in range(2):
        post_send(req, pair.ah, resp.qp.qp_num, 5 + i, [(0, 64)])
    poll(req.cq, 2)
    event(resp)
    for wc in poll(resp.cq, 2):
        check_ok(wc)
    no_event(resp)


def test_arming_a_cq_that_holds_completions(stack, placement):
    """A completion already in the CQ when it is armed: the event comes
    with the next completion (so poll after arming, as applications do)."""
    pair = make_pair(stack, placement, ibv.IBV_QPT_DRIVER, channel=True)
    req, resp = pair.req, pair.resp
    post_recv(resp, 1, [(0, 64)])
    post_recv(resp, 2, [(64, 64)])
    post_send(req, pair.ah, resp.qp.qp_num, 3, [(0, 64)])
    check_ok(poll(req.cq, 1)[0], 3)
    # the receive completion is there, unpolled
    time.sleep(0.2)
    resp.cq.req_notify()
    post_send(req, pair.ah, resp.qp.qp_num, 4, [(0, 64)])
    check_ok(poll(req.cq, 1)[0], 4)
    event(resp)
    assert sorted(w.wr_id for w in poll(resp.cq, 2)) == [1, 2]
