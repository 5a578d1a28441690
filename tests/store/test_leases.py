"""Claims as leases: live, stale (malformed, expired, dead process), taken over, renewed, raced."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from suite.store import leases
from suite.errors import UserError
from suite.store.trial_store import TrialStore


def owner(**changes):
    return {**leases.me("w9"), "token": "t", "lease_s": 60.0, "expires": time.time() + 60, **changes}


def write_claim(store: TrialStore, key: str, content) -> None:
    store.trials_dir.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    store._claim_path(key).write_bytes(data)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


RANDOM = bytes(range(128, 256))  # not UTF-8, let alone a claim


@pytest.mark.parametrize("content, why", [
    (RANDOM, "malformed"),
    (b"hostB notapid x", "malformed"),
    (b"", "malformed"),
    ({"host": "hostB", "pid": "12"}, "malformed"),  # fields missing, pid a string
    (lambda: owner(host="hostB", pid=1, expires=time.time() - 5), "lease expired"),
    (lambda: owner(pid=dead_pid()), "process on this host has ended"),
])
def test_stale_claims_are_taken_over_with_a_note_naming_them(tmp_path, content, why):
    store, notes = TrialStore(tmp_path, lease_s=30), []
    write_claim(store, "k", content() if callable(content) else content)
    assert not store.claimed_elsewhere("k")
    assert store.claim("k", "w1", notes=notes.append)
    claim = store.inspect_claim("k")
    assert claim.live and claim.mine and claim.owner["worker"] == "w1"
    assert len(notes) == 1 and why in notes[0] and str(store._claim_path("k")) in notes[0]
    store.release("k")
    assert store.inspect_claim("k") is None


def test_a_live_lease_of_another_host_is_respected_and_named(tmp_path):
    store = TrialStore(tmp_path, lease_s=30)
    write_claim(store, "k", owner(host="hostB", pid=4242, worker="w2"))
    assert store.claimed_elsewhere("k") and not store.claim("k", "w1")
    claim = store.inspect_claim("k")
    assert "w2 on hostB (pid 4242)" in claim.describe() and 50 < claim.expires_in() <= 60
    store.release("k")  # not ours: kept
    assert store._claim_path("k").exists()


def test_a_claim_path_that_is_a_directory_is_a_user_error_naming_the_fix(tmp_path):
    store = TrialStore(tmp_path, lease_s=30)
    store._claim_path("k").mkdir(parents=True)
    with pytest.raises(UserError, match=r"k\.claim is a directory.*rm -r"):
        store.claim("k", "w1")
    assert store._claim_path("k").is_dir()


def test_the_heartbeat_renews_the_lease_and_notices_a_takeover(tmp_path):
    store, notes = TrialStore(tmp_path, lease_s=0.4), []
    assert store.claim("k", "w1")
    with store.hold("k", notes=notes.append) as beat:
        time.sleep(1.0)  # 2.5 leases: alive only because it is renewed
        assert store.inspect_claim("k").live and not beat.lost
        write_claim(store, "k", owner(host="hostB", pid=7, token="other"))  # taken over
        time.sleep(0.3)
    assert beat.lost and len(notes) == 1 and "lost the lease" in notes[0]
    assert store.inspect_claim("k").owner["host"] == "hostB"  # the heartbeat did not overwrite it


def test_an_unrenewed_lease_expires(tmp_path):
    store = TrialStore(tmp_path, lease_s=0.3)
    write_claim(store, "k", owner(host="hostB", pid=7, expires=time.time() + 0.3))
    assert store.claimed_elsewhere("k")
    time.sleep(0.4)
    assert not store.claimed_elsewhere("k") and "expired" in store.inspect_claim("k").why_stale


def test_racing_takers_of_one_stale_claim_leave_exactly_one_owner(tmp_path, monkeypatch):
    stores = [TrialStore(tmp_path, lease_s=30) for _ in range(8)]
    write_claim(stores[0], "k", b"garbage")
    won, gate = [], threading.Barrier(len(stores))
    # Each thread poses as another host, so each one's claim is not "mine" to the others.
    monkeypatch.setattr(leases, "me", lambda worker="": {"host": threading.current_thread().name, "pid": 1,
                                                           "start": "", "worker": worker})

    def take(index):
        gate.wait()
        if stores[index].claim("k", f"w{index}"):
            won.append(index)

    threads = [threading.Thread(target=take, args=(i,), name=f"host{i}") for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert json.loads(stores[0]._claim_path("k").read_text())["worker"] == f"w{won[0]}"
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".") or p.suffix == ".takeover"]


@pytest.mark.parametrize("value", ["0", "-3", "abc", "inf"])
def test_a_bad_lease_setting_is_a_user_error(monkeypatch, value):
    monkeypatch.setenv(leases.LEASE_ENV, value)
    with pytest.raises(UserError, match="SUITE_LEASE_S"):
        TrialStore("x")


def test_claims_name_host_pid_and_worker(tmp_path):
    store = TrialStore(tmp_path, lease_s=30)
    assert store.claim("k", "w1")
    content = json.loads(store._claim_path("k").read_text())
    assert (content["host"], content["pid"], content["worker"]) == (socket.gethostname(), os.getpid(), "w1")
    assert [c.path.name for c in store.claims()] == ["k.claim"]


@pytest.mark.parametrize("claim, code", [(RANDOM, 0), (b"hostB notapid x", 0), ("dir", 2)],
                         ids=["random-bytes", "not-a-pid", "directory"])
def test_a_run_takes_over_damaged_claims_and_refuses_a_directory(tmp_path, capsys, claim, code):
    from suite.cli.main import main

    argv = ["run", "depth", "--profile", "smoke", "--seeds", "1", "--set", "epochs=1",
            "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(tmp_path / "results")]
    trials = tmp_path / "runs" / "depth" / "smoke" / "trials"
    trials.mkdir(parents=True)
    from suite.cli.main import _parser
    from suite.cli.commands.training import _plan

    key = _plan(_parser().parse_args(argv)).trials[0].key
    if claim == "dir":
        (trials / f"{key}.claim").mkdir()
    else:
        (trials / f"{key}.claim").write_bytes(claim)
    assert main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 2:
        assert err.strip().splitlines()[-1].startswith(f"suite: error: claim {trials / key}.claim is a directory")
        assert not list(trials.glob("*.json")) and not list((tmp_path / "results").rglob("*.*"))
    else:
        assert "took over the stale claim" in err and "malformed" in err
        assert (trials / f"{key}.json").exists() and not list(trials.glob("*.claim"))


def test_a_killed_but_unreaped_process_does_not_hold_its_claim(tmp_path):
    """A killed local worker is a zombie until its launcher reaps it; its claim is stale at once,
    not after the lease (the launcher took two minutes to take such a trial over)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert leases._start_time(child.pid) is not None
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.time() + 10
        while open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.time() < deadline
            time.sleep(0.05)
        assert leases._start_time(child.pid) is None  # still unreaped, already ended
    finally:
        child.kill()
        child.wait()
