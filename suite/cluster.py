"""Several machines: the chief's bounded serving loop, the workers' bounded oracle client, and
the address checks. Every wait here is bounded by ``$SUITE_WAIT_S`` (``--wait-seconds``, default
600 s), says what it waits for every ``note_every`` seconds, and ends in one line (``GaveUp``,
exit code 3) naming the fix.

keras-tuner's own client waits up to an hour per call for a chief (``oracle_client.TIMEOUT``) and
its chief waits for every trial it handed out, so a dead worker stalls it for ever; here the
chief watches the trials' leases (``suite.leases``) instead: a trial whose worker stopped renewing
its lease goes back into keras-tuner's retry queue and the next worker that asks gets it.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

import grpc
import keras_tuner
from keras_tuner.src import protos
from keras_tuner.src.distribute import oracle_client
from keras_tuner.src.distribute.oracle_chief import OracleServicer
from keras_tuner.src.engine import trial as trial_module
from keras_tuner.src.engine.oracle import LOCKS, THREADS

from suite.errors import GaveUp, UserError

WAIT_ENV = "SUITE_WAIT_S"
DEFAULT_WAIT_S = 600.0
LINGER_S = 3.0  # a chief that is done still answers this long, so late workers hear "stop"
POLL_S = 0.5
RUNNING, IDLE, STOPPED = (trial_module.TrialStatus.RUNNING, trial_module.TrialStatus.IDLE,
                          trial_module.TrialStatus.STOPPED)


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


def wait_seconds() -> float:
    """The bound on every wait for a chief or for workers: ``$SUITE_WAIT_S``, default 600 s."""
    text = os.environ.get(WAIT_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_WAIT_S
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise UserError(f"{WAIT_ENV}={text!r} is not a positive number of seconds; "
                        f"set it like {WAIT_ENV}=600 or unset it")
    return value


def note_every(wait_s: float) -> float:
    """How often a wait says what it waits for: every minute, more often for short bounds."""
    return max(1.0, min(60.0, wait_s / 4))


class TrackingServicer(OracleServicer):
    """keras-tuner's servicer, noting when workers last spoke and when each trial was handed out."""

    def __init__(self, oracle):
        super().__init__(oracle)
        self.last_contact = time.monotonic()
        self.contacts = 0
        self.handed_at: dict[str, float] = {}
        # Set by a Chief, which hands a lost trial out again: then a worker asking while others'
        # trials are in flight waits (IDLE) instead of leaving (STOPPED), to be there for it.
        self.hold_workers = False

    def _seen(self):
        self.last_contact = time.monotonic()
        self.contacts += 1

    def CreateTrial(self, request, context):
        self._seen()
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
                if record is not None and record["status"] in ("done", "diverged"):
                    self.oracle.update_trial(trial.trial_id, self.objective_of(record))
                    trial.status = trial_module.TrialStatus.COMPLETED
                    self.oracle.ongoing_trials[tuner_id] = trial  # end_trial pops it by trial id
                    self.oracle.end_trial(trial)
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
            now = time.monotonic()
            live = self._live_claims()
            if live or self.servicer.last_contact > self.last_activity:
                self.last_activity = max(self.servicer.last_contact, now if live else 0.0)
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


class BoundedClient(oracle_client.OracleClient):
    """keras-tuner's ``OracleClient`` with bounded waits: each call waits at most ``wait_s`` for the
    chief to answer, saying so every ``note_every`` seconds, then raises GaveUp (exit 3); a chief
    restarted at the same address (which does not know this worker's trial) raises ChiefRestarted."""

    def __init__(self, oracle, label: str, wait_s: float | None = None, stream=None):
        self._oracle = oracle
        self.address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
        # Reconnect within seconds of a chief coming back (gRPC's default backoff grows to 2 min).
        self.channel = grpc.insecure_channel(self.address, options=[
            ("grpc.initial_reconnect_backoff_ms", 500), ("grpc.max_reconnect_backoff_ms", 5000)])
        self.stub = protos.get_service_grpc().OracleStub(self.channel)
        self.tuner_id = os.environ["KERASTUNER_TUNER_ID"]
        self.multi_worker, self.should_report = False, True
        self.label, self.wait_s = label, wait_seconds() if wait_s is None else wait_s
        self.stream = stream or sys.stderr

    def _gave_up(self, waited: float) -> GaveUp:
        return ChiefGone(f"no chief answered at {self.address} for {waited:.0f} s; start the chief "
                      f"(`suite run|search STUDY --role chief --oracle-port PORT`) or fix --oracle-ip / "
                      f"--oracle-port, or raise --wait-seconds")

    def _call(self, name: str, request):
        started = time.monotonic()
        deadline, every = started + self.wait_s, note_every(self.wait_s)
        next_note = started + every
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise self._gave_up(now - started)
            try:
                grpc.channel_ready_future(self.channel).result(timeout=min(POLL_S * 2, deadline - now))
            except grpc.FutureTimeoutError:
                if time.monotonic() >= next_note:
                    next_note += every
                    print(f"{self.label} waiting for the chief at {self.address} ({time.monotonic() - started:.0f} s "
                          f"so far; gives up after {self.wait_s:.0f} s)", file=self.stream, flush=True)
                continue
            try:
                return getattr(self.stub, name)(request, timeout=max(deadline - time.monotonic(), 1.0))
            except grpc.RpcError as exc:
                code = exc.code()
                if code == grpc.StatusCode.UNAVAILABLE:
                    continue  # the chief went away between the check and the call: wait again
                if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise self._gave_up(time.monotonic() - started) from None
                if code == grpc.StatusCode.UNKNOWN and name in ("UpdateTrial", "EndTrial", "GetTrial"):
                    raise ChiefRestarted(f"the chief at {self.address} does not know this worker's trial "
                                         f"(it was restarted)") from None
                raise ChiefGone(f"the chief at {self.address} failed: {code.name}: {exc.details()}; "
                             f"see the chief's output and rerun") from None

    def get_space(self):
        from keras_tuner.src.engine import hyperparameters as hp_module

        response = self._call("GetSpace", protos.get_service().GetSpaceRequest())
        return hp_module.HyperParameters.from_proto(response.hyperparameters)

    def update_space(self, hyperparameters):
        self._call("UpdateSpace", protos.get_service().UpdateSpaceRequest(
            hyperparameters=hyperparameters.to_proto()))

    def create_trial(self, tuner_id):
        response = self._call("CreateTrial", protos.get_service().CreateTrialRequest(tuner_id=tuner_id))
        trial = trial_module.Trial.from_proto(response.trial)
        if trial.status == IDLE:  # nothing to hand out while trials are in flight elsewhere
            now = time.monotonic()
            self._idle_since = getattr(self, "_idle_since", None) or now
            if now >= getattr(self, "_idle_note", 0.0):
                self._idle_note = now + note_every(self.wait_s)
                print(f"{self.label} waiting for work: nothing to hand out while other workers' trials "
                      f"are in flight ({now - self._idle_since:.0f} s so far); a lost one comes back "
                      f"when its lease expires", file=self.stream, flush=True)
            time.sleep(1.0)  # ask again, politely
        else:
            self._idle_since = None
        return trial

    def update_trial(self, trial_id, metrics, step=0):
        response = self._call("UpdateTrial", protos.get_service().UpdateTrialRequest(
            trial_id=trial_id, metrics=metrics, step=step))
        return trial_module.Trial.from_proto(response.trial)

    def end_trial(self, trial):
        self._call("EndTrial", protos.get_service().EndTrialRequest(trial=trial.to_proto()))

    def get_trial(self, trial_id):
        response = self._call("GetTrial", protos.get_service().GetTrialRequest(trial_id=trial_id))
        return trial_module.Trial.from_proto(response.trial)

    def get_best_trials(self, num_trials=1):
        response = self._call("GetBestTrials", protos.get_service().GetBestTrialsRequest(num_trials=num_trials))
        return [trial_module.Trial.from_proto(trial) for trial in response.trials]


class ChiefGone(GaveUp, keras_tuner.errors.FatalError):
    """GaveUp raised through keras-tuner's trial loop (a FatalError is not taken for a failed trial)."""


class ChiefRestarted(keras_tuner.errors.FatalError):
    """Raised through keras-tuner's trial loop (a FatalError is not caught as a failed trial)."""


class Fatal(keras_tuner.errors.FatalError):
    """Carries a UserError or GaveUp raised inside a trial out of keras-tuner's trial loop, which
    would otherwise record it as a failed trial and go on."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


MAX_RESTARTS = 5


def search_until_done(make_tuner, label: str) -> object:
    """Run ``make_tuner().search()``; a worker whose chief restarted starts over with the new
    chief (its finished trials are in the store, so the new chief does not hand them out again).
    Returns the last tuner; raises the UserError / GaveUp a trial raised."""
    restarts = 0
    while True:
        tuner = make_tuner()
        if isinstance(tuner.oracle, oracle_client.OracleClient):
            tuner.oracle = BoundedClient(tuner.oracle._oracle, label)
        try:
            tuner.search(verbose=0)
            return tuner
        except Fatal as exc:
            raise exc.error from None
        except ChiefRestarted as exc:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise GaveUp(f"{exc}; gave up after {MAX_RESTARTS} restarts, rerun this worker") from None
            print(f"{label} {exc}; its result is stored, asking the new chief for trials", file=sys.stderr)
