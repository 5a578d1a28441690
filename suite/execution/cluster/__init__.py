"""Several machines: the chief's bounded serving loop (``chief``), the workers' bounded oracle
client (``worker``); the address checks are in ``suite.execution.addresses``. Every wait here is bounded by ``$SUITE_WAIT_S`` (``--wait-seconds``, default
600 s), says what it waits for every ``note_every`` seconds, and ends in one line (``GaveUp``,
exit code 3) naming the fix.

keras-tuner's own client waits up to an hour per call for a chief (``oracle_client.TIMEOUT``) and
its chief waits for every trial it handed out, so a dead worker stalls it for ever; here the
chief watches the trials' leases (``suite.store.leases``) instead: a trial whose worker stopped renewing
its lease goes back into keras-tuner's retry queue and the next worker that asks gets it.
"""
from suite.execution.cluster.chief import Chief, TrackingServicer  # noqa: F401
from suite.execution.cluster.settings import WAIT_ENV, ForeignWait, note_every, wait_seconds  # noqa: F401
from suite.execution.cluster.worker import (BoundedClient, ChiefGone, ChiefRestarted, Fatal,  # noqa: F401
                                  search_until_done)
