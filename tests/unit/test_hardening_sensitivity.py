"""Issue 16: ``relief sensitivity`` refuses bad specs, impossible sizes and unreachable Dask.

Exit-code contracts run the real ``relief`` in a subprocess: exit 2, the file
or option named with the value and the rule, no traceback, no store written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from solver.scenario import ScenarioError, load_scenario
from solver.sensitivity.executors import cap_workers, connect_scheduler, default_workers
from solver.sensitivity.runner import check_size
from solver.sensitivity.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "scenarios" / "small.toml"
SPEC = '[[parameter]]\npath = "discount"\nrange = [0.75, 0.85]\n'


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    f = tmp_path / "spec.toml"
    f.write_text(SPEC)
    return f


def relief(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "solver.cli", "sensitivity", str(SMALL), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)


def assert_bad_input(out: subprocess.CompletedProcess[str], *words: str) -> None:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert out.stderr.startswith("error: "), out.stderr
    for w in words:
        assert w in out.stderr, out.stderr


# --- normal distributions with NaN or infinite mean / sd ----------------------------------


@pytest.mark.parametrize(
    ("key", "value"), [("mean", "nan"), ("mean", "inf"), ("sd", "nan"), ("sd", "-inf")]
)
def test_normal_with_non_finite_shape_is_refused_at_load(
    tmp_path: Path, key: str, value: str
) -> None:
    f = tmp_path / "spec.toml"
    f.write_text(
        '[[parameter]]\npath = "discount"\nrange = [0.75, 0.85]\n'
        f'distribution = "normal"\n{key} = {value}\n'
    )
    with pytest.raises(ScenarioError) as err:
        load_spec(f, load_scenario(SMALL))
    (msg,) = err.value.problems
    assert msg.startswith(f"{f}: parameter[0] (discount).{key} is ")
    assert "finite number" in msg
    out = relief("--spec", str(f), "--method", "mc", "--samples", "2", "--workers", "1",
                 "--store", str(tmp_path / "s.sqlite"))  # fmt: skip
    assert_bad_input(out, str(f), f".{key} is", "finite number")
    assert not (tmp_path / "s.sqlite").exists()


def test_huge_integer_range_is_refused_with_the_file(tmp_path: Path) -> None:
    f = tmp_path / "spec.toml"
    f.write_text(f'[[parameter]]\npath = "discount"\nrange = [0.5, {10**400}]\n')
    with pytest.raises(ScenarioError, match=r"range is .*two finite numbers"):
        load_spec(f, load_scenario(SMALL))


# --- sizes that cannot be run ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "samples"),
    [("mc", 10**30), ("morris", 10**9), ("thresholds", 10**7), ("sobol", 2**40)],
)
def test_impossible_sizes_are_refused_up_front(
    tmp_path: Path, spec: Path, method: str, samples: int
) -> None:
    store = tmp_path / "s.sqlite"
    out = relief("--spec", str(spec), "--method", method, "--samples", str(samples),
                 "--workers", "1", "--store", str(store))  # fmt: skip
    assert_bad_input(out, f"--samples is {samples}", "GiB", "or fewer")
    assert not store.exists()


def test_check_size_names_a_size_that_fits(spec: Path) -> None:
    scenario = load_scenario(SMALL)
    s = load_spec(spec, scenario)
    with pytest.raises(ValueError, match=r"use --samples (\d+) or fewer") as err:
        check_size("mc", 10**12, s, scenario)
    most = int(err.value.args[0].rsplit("--samples ", 1)[1].split()[0])
    check_size("mc", most, s, scenario)  # the size it names is accepted
    with pytest.raises(ValueError):
        check_size("mc", 2 * most + 2, s, scenario)
    check_size("mc", 200, s, scenario)


# --- workers are capped at the machine ---------------------------------------------------------


def test_workers_are_capped_at_the_cpus(tmp_path: Path, spec: Path) -> None:
    n = len(os.sched_getaffinity(0))
    assert default_workers() == n
    assert cap_workers(100000) == (n, f"--workers is 100000; this machine has {n} CPUs, so "
                                      f"{n} workers are used")  # fmt: skip
    out = relief("--spec", str(spec), "--method", "oat", "--workers", "100000",
                 "--store", str(tmp_path / "s.sqlite"), "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"note: --workers is 100000; this machine has {n} CPUs" in out.stderr
    assert '"engine": "' + ("inline" if n == 1 else f"processes:{n}") + '"' in out.stdout


# --- Dask schedulers that are not there --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[socket.socket]]]:
    """A local TCP server; the test decides what it answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    conns: list[socket.socket] = []
    yield s, conns
    for c in conns:
        c.close()
    s.close()


def _serve(s: socket.socket, conns: list[socket.socket], reply: bytes | None) -> None:
    def loop() -> None:
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            conns.append(c)
            if reply is not None:
                try:
                    c.recv(1024)
                    c.sendall(reply)
                except OSError:
                    pass

    threading.Thread(target=loop, daemon=True).start()


@pytest.fixture
def distributed() -> None:
    pytest.importorskip("distributed")


@pytest.mark.usefixtures("distributed")
@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("tcp://127.0.0.1:{free}", "connection refused"),
        ("tls://127.0.0.1:{free}", "TLS"),
        ("tcp://127.0.0.1", "missing port"),
    ],
)
def test_unreachable_dask_is_bad_input(
    tmp_path: Path, spec: Path, address: str, words: str
) -> None:
    addr = address.format(free=_free_port())
    store = tmp_path / "s.sqlite"
    out = relief("--spec", str(spec), "--method", "oat", "--dask", addr, "--store", str(store))
    assert_bad_input(out, f"--dask is {addr!r}", "no Dask scheduler", words)
    assert not store.exists()


@pytest.mark.usefixtures("distributed")
def test_an_http_server_is_not_a_scheduler(tmp_path: Path, spec: Path, server) -> None:
    s, conns = server
    _serve(s, conns, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    addr = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    out = relief("--spec", str(spec), "--method", "oat", "--dask", addr,
                 "--store", str(tmp_path / "s.sqlite"))  # fmt: skip
    assert_bad_input(out, f"--dask is {addr!r}", "no Dask scheduler")


@pytest.mark.usefixtures("distributed")
def test_a_silent_server_times_out(server) -> None:
    s, conns = server
    _serve(s, conns, None)  # accepts, never answers the handshake
    addr = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(ValueError, match=r"no Dask scheduler answered there: no answer within"):
        connect_scheduler(addr, timeout=0.5)
