"""The worker's side: keras-tuner's oracle client with bounded waits, and the trial loop that
starts over with a chief restarted at the same address."""
from __future__ import annotations

import os
import sys
import time

import grpc
import keras_tuner
from keras_tuner.src import protos
from keras_tuner.src.distribute import oracle_client
from keras_tuner.src.engine import trial as trial_module

from suite.execution.cluster.settings import IDLE, POLL_S, note_every, wait_seconds
from suite.errors import GaveUp


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
        from keras_tuner.src.engine import hyperparameters as hp_module  # deferred: loads keras-tuner

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
