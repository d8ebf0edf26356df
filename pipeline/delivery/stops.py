"""Named points of the delivery where a test stops the real process, to kill it exactly there.

``SCORECARDS_DELIVERY_STOP_AT=<point>[:<n>]`` makes the process stop itself (SIGSTOP) the n-th
time (default the first) it reaches ``<point>``; the test then kills it with SIGKILL, as a power
cut would, and counts the messages a real SMTP server received (tests/test_delivery_kills.py).
Unset (always, outside those tests) it does nothing. The points, in the order one message passes them:

``before_connect``  the ledger says ``sending``; no connection to the server yet (first message)
``end_of_data``     the message's content is with the server and the journal says ``unconfirmed``;
                    the end-of-data mark (``.``) is not sent yet
``after_data``      the server replied 250 to the end of data; nothing records it yet
``after_journal``   the journal says ``sent``; the warehouse ledger does not
``before_ledger``   inside the ledger's transaction: the old row deleted, the ``sent`` row not yet written
"""
from __future__ import annotations

import os
import signal

STOP_ENV = "SCORECARDS_DELIVERY_STOP_AT"
POINTS = ("before_connect", "end_of_data", "after_data", "after_journal", "before_ledger")
_reached: dict[str, int] = {}


def checkpoint(point: str) -> None:
    """Stop this process here when ``SCORECARDS_DELIVERY_STOP_AT`` names this point (and count)."""
    wanted = os.environ.get(STOP_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != point:
        return
    _reached[point] = _reached.get(point, 0) + 1
    if _reached[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGSTOP)
