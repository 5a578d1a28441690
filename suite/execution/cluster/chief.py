"""The chief's side: keras-tuner's servicer that notes who spoke when, and the bounded serving loop
that hands out again the trials whose workers stopped renewing their leases."""
from __future__ import annotations

import contextlib
import sys
import threading
import time

from keras_tuner.src import protos
from keras_tuner.src.distribute.oracle_chief import OracleServicer
from keras_tuner.src.engine import trial as trial_module
from keras_tuner.src.engine.oracle import LOCKS, THREADS

from suite.execution.cluster.settings import IDLE, POLL_S, RUNNING, STOPPED, note_every, wait_seconds
from suite.errors import GaveUp
from suite.store.trial_store import FINISHED

LINGER_S = 3.0  # a chief that is done still answers this long, so late workers hear "stop"


@contextlib.contextmanager
def _locked(oracle):
    """Hold the oracle's lock as keras-tuner's ``synchronized`` does (so its methods called inside
    do not wait for it again)."""
    name = threading.current_thread().name
    if THREADS[oracle] == name:
        yield
        return
    with LOCKS[oracle]:
        THREADS[oracle] = name
        try:
            yield
        finally:
            THREADS[oracle] = None


class TrackingServicer(OracleServicer):
    """keras-tuner's servicer, noting when workers last spoke and when each trial was handed out."""

    def __init__(self, oracle):
        super().__init__(oracle)
        self.last_contact = time.monotonic()
        self.contacts = 0
        self.askers: set[str] = set()  # the tuner ids of the workers that asked for a trial
        self.handed_at: dict[str, float] = {}
        # Set by a Chief, which hands a lost trial out again: then a worker asking while others'
        # trials are in flight waits (IDLE) instead of leaving (STOPPED), to be there for it.
        self.hold_workers = False

    def _seen(self):
        self.last_contact = time.monotonic()
        self.contacts += 1

    def CreateTrial(self, request, context):
        self._seen()
        self.askers.add(request.tuner_id)
        with _locked(self.oracle):
            trial = self.oracle.create_trial(request.tuner_id)
            if trial.status == STOPPED:
                if self.hold_workers and any(t != request.tuner_id for t in self.oracle.ongoing_trials):
                    self.oracle.tuner_ids.add(request.tuner_id)
                    trial.status = IDLE
                else:
                    self.stop_triggered = True
            elif trial.status == RUNNING:
                self.handed_at[trial.trial_id] = time.monotonic()
        return protos.get_service().CreateTrialResponse(trial=trial.to_proto())


for _name in ("GetSpace", "UpdateSpace", "UpdateTrial", "EndTrial", "GetTrial", "GetBestTrials"):
    def _tracked(self, request, context, _method=getattr(OracleServicer, _name)):
        self._seen()
        return _method(self, request, context)
    setattr(TrackingServicer, _name, _tracked)


class Chief:
    """Serves ``oracle`` until every trial is stored or handed out and ended, bounded.

    ``key_of(values)`` is the store key of a trial's hyperparameter values, ``objective_of(record)``
    its objective for the oracle, ``unfinished()`` the number of planned trials not stored yet
    (None for a search, whose trials are not known ahead)."""

    def __init__(self, label: str, oracle, servicer, store, key_of, objective_of, unfinished,
                 address: str, wait_s: float | None = None, stream=None):
        self.label, self.oracle, self.servicer, self.store = label, oracle, servicer, store
        self.key_of, self.objective_of, self.unfinished, self.address = key_of, objective_of, unfinished, address
        self.wait_s = wait_seconds() if wait_s is None else wait_s
        self.stream = stream or sys.stderr
        self.last_activity = time.monotonic()
        servicer.hold_workers = True

    def say(self, line: str) -> None:
        print(f"{self.label} {line}", file=self.stream, flush=True)

    def _live_claims(self) -> list:
        return [c for c in self.store.claims() if c.live and not c.mine]

    def _workers_claims(self, live: list) -> list:
        """The live claims on trials this chief handed out: a lease another run holds is no word
        from a worker of this one, however long it is."""
        with _locked(self.oracle):
            handed = {self.key_of(t.hyperparameters.values) for t in self.oracle.ongoing_trials.values()}
        return [claim for claim in live if claim.path.name.removesuffix(".claim") in handed]

    def _recover(self) -> None:
        """Hand out again each trial whose worker stopped renewing its lease before storing it;
        end for its worker a trial that was stored but never reported (the worker died between)."""
        now = time.monotonic()
        with _locked(self.oracle):
            for tuner_id, trial in list(self.oracle.ongoing_trials.items()):
                if now - self.servicer.handed_at.get(trial.trial_id, 0.0) < self.store.lease_s:
                    continue  # give its worker a lease's time to claim it
                key = self.key_of(trial.hyperparameters.values)
                claim = self.store.inspect_claim(key)
                if claim is not None and claim.live:
                    continue
                record = self.store.get(key)
                del self.oracle.ongoing_trials[tuner_id]
                if record is not None and record["status"] in FINISHED:
                    self.oracle.update_trial(trial.trial_id, self.objective_of(record))
                    trial.status = trial_module.TrialStatus.COMPLETED
                    self.oracle.ongoing_trials[tuner_id] = trial  # end_trial pops it by trial id
                    self.oracle.end_trial(trial)
                    self.store.drop_stale_claim(key)  # its worker died before releasing it
                    self.say(f"trial {trial.trial_id} was stored by {tuner_id}, which never reported "
                             f"it (gone?); ended it for it")
                else:
                    self.oracle._retry_queue.append(trial.trial_id)
                    why = claim.why_stale if claim is not None else "it never claimed it"
                    self.say(f"trial {trial.trial_id} ({key}) of {tuner_id} is lost: {why}; "
                             f"handing it out again to the next worker that asks")

    def _done(self) -> bool:
        oracle = self.oracle
        if oracle.ongoing_trials or oracle._retry_queue:
            return False
        left = self.unfinished()
        if left is not None and left > 0 and (not self.servicer.stop_triggered or self._live_claims()):
            return False
        if left is None and (not self.servicer.stop_triggered or self._live_claims()):
            return False
        # Done: wait until the workers still talking have heard "stop" (or went quiet).
        return not oracle.tuner_ids or time.monotonic() - self.servicer.last_contact > LINGER_S

    def serve(self) -> None:
        """Block until done; raises GaveUp after ``wait_s`` without a word or lease from a worker."""
        every, next_note = note_every(self.wait_s), time.monotonic() + note_every(self.wait_s)
        while not self._done():
            time.sleep(POLL_S)
            if getattr(self.oracle, "gave_up", None):  # its wait for another run's trials ran out
                raise self.oracle.gave_up
            now = time.monotonic()
            live = self._live_claims()
            working = self._workers_claims(live)
            if working or self.servicer.last_contact > self.last_activity:
                self.last_activity = max(self.servicer.last_contact, now if working else 0.0)
            self._recover()
            quiet = now - self.last_activity
            if quiet > self.wait_s:
                left = self.unfinished()
                raise GaveUp(f"chief on {self.address}: no worker asked for a trial or renewed a lease "
                             f"in {self.wait_s:.0f} s" + (f"; {left} trial(s) not stored" if left else "")
                             + "; start workers (`--role worker --oracle-ip HOST --oracle-port PORT` "
                             "on each worker host) and rerun the chief, or raise --wait-seconds")
            if now >= next_note:
                next_note = now + every
                self.say(self._status(live, quiet))

    def _status(self, live: list, quiet: float) -> str:
        left = self.unfinished()
        busy = ", ".join(sorted(self.oracle.ongoing_trials)) or "none"
        return (f"serving on {self.address}: " + (f"{left} trial(s) left, " if left is not None else "")
                + f"in flight with {busy}, {len(live)} live lease(s); "
                + (f"last word from a worker {quiet:.0f} s ago" if self.servicer.contacts else "no worker yet")
                + f" (gives up after {self.wait_s:.0f} s without one)")
