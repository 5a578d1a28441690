"""Bounded waits and address checks of the multi-machine mode (``suite.execution.cluster``,
``suite.execution.addresses``): each ends in one line with its documented exit code, within its bound."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from suite.execution import parallel
from suite.cli.main import main

PLAN = ["depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=1", "--set", "batch_size=100"]
ENV = ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID", "SUITE_LEASE_S",
       "SUITE_WAIT_S", "GRPC_VERBOSITY")


@pytest.fixture
def clean_env(monkeypatch):
    """main() sets these for the processes it starts: undo them after each test."""
    for name in ENV:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def args(tmp_path: Path, *more) -> list[str]:
    return ["run", *PLAN, "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results"), *more]


def last_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    return lines[-1]


def test_a_worker_pointed_at_a_wrong_port_gives_up_in_time(tmp_path, capsys, clean_env):
    started = time.monotonic()
    code = main(args(tmp_path, "--role", "worker", "--oracle-ip", "127.0.0.1",
                     "--oracle-port", str(parallel.free_port()), "--wait-seconds", "2"))
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 3 and elapsed < 30, (code, elapsed)
    assert last_line(err).startswith("suite: gave up: no chief answered at 127.0.0.1:")
    assert "waiting for the chief" in err  # it said what it waited for meanwhile


def test_a_chief_without_workers_gives_up_in_time(tmp_path, capsys, clean_env):
    started = time.monotonic()
    code = main(args(tmp_path, "--role", "chief", "--oracle-ip", "127.0.0.1",
                     "--oracle-port", str(parallel.free_port()), "--wait-seconds", "2"))
    err = capsys.readouterr().err
    assert code == 3 and time.monotonic() - started < 30
    assert "no worker asked for a trial" in last_line(err) and "5 trial(s) not stored" in last_line(err)
    assert "no worker yet" in err


def test_a_chief_with_nothing_to_hand_out_finishes_at_once(tmp_path, capsys, clean_env):
    assert main(args(tmp_path)) == 0
    capsys.readouterr()
    started = time.monotonic()
    code = main(args(tmp_path, "--role", "chief", "--oracle-port", str(parallel.free_port())))
    err = capsys.readouterr().err
    assert code == 0 and time.monotonic() - started < 20
    assert "nothing to hand out" in err


def test_a_chief_whose_worker_died_hands_its_trial_out_again_then_gives_up(tmp_path, capsys, clean_env):
    """A worker takes a trial and dies (here: asks and never comes back): after its lease the
    chief puts the trial back for others; with no other worker it gives up after the wait bound."""
    from keras_tuner.src import protos

    port = parallel.free_port()
    outcome = {}
    chief = threading.Thread(target=lambda: outcome.setdefault("code", main(args(
        tmp_path, "--role", "chief", "--oracle-ip", "127.0.0.1", "--oracle-port", str(port),
        "--lease-seconds", "1", "--wait-seconds", "3"))))
    started = time.monotonic()
    chief.start()
    import grpc

    stub = protos.get_service_grpc().OracleStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    trial = stub.CreateTrial(protos.get_service().CreateTrialRequest(tuner_id="ghost"),
                             wait_for_ready=True, timeout=60).trial
    chief.join(timeout=90)
    err = capsys.readouterr().err
    assert not chief.is_alive() and outcome["code"] == 3
    assert time.monotonic() - started < 90
    assert f"trial {trial.trial_id}" in err and "of ghost is lost" in err and "handing it out again" in err
    assert "no worker asked for a trial" in last_line(err)


@pytest.mark.parametrize("flags, message", [
    (["--oracle-ip", "10.255.255.1"], "is not an address of this host"),
    (["--oracle-ip", "not-an-ip"], "is not an IP address"),
    (["--oracle-port", "99999"], "outside 1..65535"),
])
@pytest.mark.parametrize("command", ["run", "search"])
def test_bad_chief_addresses_are_one_line_and_exit_2(tmp_path, capsys, clean_env, flags, message, command):
    argv = args(tmp_path, "--role", "chief", *flags)
    if "--oracle-port" not in flags:
        argv += ["--oracle-port", str(parallel.free_port())]
    if command == "search":
        argv = ["search", "mlp_search", *argv[len(PLAN) + 1:]]
    assert main(argv) == 2
    assert message in last_line(capsys.readouterr().err)
    assert not (tmp_path / "results").exists()


def test_a_busy_port_is_one_line_and_exit_2(tmp_path, capsys, clean_env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(args(tmp_path, "--role", "chief", "--oracle-ip", "127.0.0.1", "--oracle-port", str(port))) == 2
    assert "is in use" in last_line(capsys.readouterr().err)


def suite(tmp_path, *more):
    return subprocess.Popen([sys.executable, "-m", "suite.cli.main", *args(tmp_path, *more)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_worker_outlives_a_dead_chief_and_recovers_with_a_new_one(tmp_path, clean_env):
    """Stop the chief's server while the worker trains (the chief "died"): the worker waits, saying
    so; a new chief at the same address knows none of its trials, and the worker carries on."""
    from suite.execution import runner
    from suite.cli.main import _parser
    from suite.cli.commands.training import _plan

    port = parallel.free_port()
    plan = _plan(_parser().parse_args(args(tmp_path, "--seeds", "2", "--set", "epochs=3")))
    store = runner.store_for(plan, tmp_path / "runs")
    server, _ = parallel.serve(runner.make_oracle(plan, store), "127.0.0.1", port)
    worker = suite(tmp_path, "--role", "worker", "--oracle-ip", "127.0.0.1", "--oracle-port", str(port),
                   "--worker-id", "w1", "--wait-seconds", "120", "--seeds", "2", "--set", "epochs=3")
    try:
        deadline = time.time() + 180
        while not list(store.trials_dir.glob("*.json")) and time.time() < deadline:
            time.sleep(0.1)
        server.stop(grace=None)
        time.sleep(2)
        server, _ = parallel.serve(runner.make_oracle(plan, store), "127.0.0.1", port)
        _, err = worker.communicate(timeout=240)
    finally:
        worker.kill()
        server.stop(grace=None)
    assert worker.returncode == 0, err
    assert len(list(store.trials_dir.glob("*.json"))) == 10 and not list(store.trials_dir.glob("*.claim"))
    assert "Traceback" not in err  # it either waited in a call or was told of an unknown trial
