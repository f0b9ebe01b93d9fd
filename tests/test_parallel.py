"""Reading in several processes (portlint.parallel): the same bytes as one process, and a child
that dies or hangs becomes errors on its files while the rest is still checked."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_tree, run_cli
from portlint import parallel

DEMO = ROOT / "examples" / "genai-monorepo"
pytestmark = pytest.mark.skipif(not parallel.available(), reason="reading in processes needs fork")


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_two_processes_give_the_bytes_of_one(tmp_path: Path, fmt: str) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    serial = run_cli("check", "--format", fmt, "--jobs", "1", ".", cwd=tree)
    outputs = {run_cli("check", "--format", fmt, "--jobs", "2", ".", cwd=tree,
                       env={"PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "12345")}
    assert serial.returncode == 1 and outputs == {serial.stdout}


def test_a_cache_primed_by_two_processes_serves_one(tmp_path: Path) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    env = {"PORTLINT_NO_CACHE": "", "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    cold = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tree, env=env).stdout
    assert run_cli("check", "--format", "json", "--jobs", "2", ".", cwd=tree, env=env).stdout == cold
    assert run_cli("check", "--format", "json", "--jobs", "1", ".", cwd=tree, env=env).stdout == cold
    (tree / "README.md").write_text("edited\n")
    assert run_cli("check", "--format", "json", "--jobs", "2", ".", cwd=tree, env=env).stdout == cold
    assert not list((tree / ".portlint_cache").glob(".*.tmp"))


def test_jobs_is_checked_on_the_command_line_and_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("PORT = 8080\n")
    assert run_cli("check", "--jobs", "-3", ".", cwd=tmp_path).returncode == 2
    (tmp_path / ".portlint.toml").write_text("jobs = 'many'\n")
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "jobs" in result.stderr
    (tmp_path / ".portlint.toml").write_text("jobs = 1\n")
    assert run_cli("check", ".", cwd=tmp_path).returncode in (0, 1)


def _scan(tree: Path, jobs: int):
    from portlint.config import load_config
    from portlint.engine import scan

    config = load_config(tree, None)
    config.jobs = jobs
    return scan([tree], tree, config)


def _sabotaged(monkeypatch, how) -> None:
    """The Dockerfile reader, in a child process only, does ``how()``."""
    from portlint.readers import dockerfile

    parent, real = os.getpid(), dockerfile.read

    def read(files, ctx):
        if os.getpid() != parent:
            how()
        return real(files, ctx)

    monkeypatch.setattr(dockerfile, "read", read)
    monkeypatch.setattr(dockerfile, "WEIGHT", 1e9, raising=False)  # the costliest job...
    _only_in_the_child(monkeypatch, parent)


def _only_in_the_child(monkeypatch, parent: int) -> None:
    """The costliest job is left in the queue, and only a child takes from it."""

    def plan(costs, processes, transfer=None):
        top = max(range(len(costs)), key=costs.__getitem__)
        return [i for i in range(len(costs)) if i != top], [top]

    real_take = parallel._Queue.take
    monkeypatch.setattr(parallel, "plan", plan)
    monkeypatch.setattr(parallel._Queue, "take", lambda self: real_take(self) if os.getpid() != parent else None)


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "svc").mkdir(parents=True)
    (tree / "svc" / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 8080\n")
    (tree / "svc" / "app.py").write_text("import os\nPORT = int(os.environ.get('PORT', '8080'))\n")
    (tree / "compose.yaml").write_text('services:\n  svc:\n    build: svc\n    ports:\n      - "8080:8080"\n')
    return tree


def test_a_child_that_dies_becomes_errors_on_its_files(tmp_path: Path, monkeypatch) -> None:
    tree = _tree(tmp_path)
    _sabotaged(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    result = _scan(tree, 2)
    notes = [f for f in result.graph.failures if f.location.path == "svc/Dockerfile"]
    assert notes and "died (SIGKILL)" in notes[0].message and notes[0].severity.value == "error"
    assert any(f.location.path == "compose.yaml" for f in result.graph.facts()), "the rest is still read"
    assert any(f.location.path == "svc/app.py" for f in result.graph.facts())


def test_a_child_that_hangs_is_stopped(tmp_path: Path, monkeypatch) -> None:
    tree = _tree(tmp_path)

    def hang() -> None:  # deaf to the time budget's signals: only the parent can stop it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGPROF})
        time.sleep(60)

    _sabotaged(monkeypatch, hang)
    monkeypatch.setattr(parallel, "GRACE_SECONDS", 0.5)
    from portlint.config import load_config
    from portlint.engine import scan

    config = load_config(tree, None)
    config.jobs, config.max_file_seconds = 2, 0.2
    started = time.monotonic()
    result = scan([tree], tree, config)
    assert time.monotonic() - started < 20
    notes = [f for f in result.graph.failures if f.location.path == "svc/Dockerfile"]
    assert notes and "did not finish in time" in notes[0].message
    assert any(f.location.path == "compose.yaml" for f in result.graph.facts())


def test_small_trees_read_in_one_process_large_ones_in_more() -> None:
    assert parallel.processes_for(0, parallel.MIN_BYTES - 1) == 1
    assert parallel.processes_for(1, 10 * parallel.MIN_BYTES) == 1
    assert parallel.processes_for(3, 0) == 3
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.processes_for(0, 10 * parallel.MIN_BYTES) == min(cores, 4)


def test_jobs_are_queued_costliest_first_and_kept_in_order() -> None:
    assert parallel.plan([5, 1, 4, 1], 2) == ([], [0, 2, 1, 3])
    assert parallel.run(list(range(5)), [1.0] * 5, lambda x: x * x, 3, state=lambda: None,
                        merge=lambda s: None, failed=lambda j, r: None, wall_budget=lambda j: 30.0) == [0, 1, 4, 9, 16]


def test_the_jobs_go_to_whichever_process_is_free() -> None:
    """Costs are estimates: a job that takes far longer than said does not hold back the others,
    which the other process takes from the queue; results come back in job order."""
    parent = os.getpid()
    seconds = [0.0, 1.0] + [0.05] * 6  # job 1 is slow; shared by estimates, job 2 and more would follow it

    def work(job: int) -> tuple[int, int]:
        time.sleep(seconds[job])
        return job, os.getpid() == parent

    results = parallel.run(list(range(8)), [10.0, 9.0] + [1.0] * 6, work, 2, state=lambda: None,
                           merge=lambda s: None, failed=lambda j, r: None, wall_budget=lambda j: 30.0)
    assert [job for job, _ in results] == list(range(8))
    slow = results[1][1]
    assert all(here != slow for _, here in results[2:]), results


def test_a_child_that_sends_garbage_fails_only_its_jobs(monkeypatch) -> None:
    parent = os.getpid()
    real_send = parallel._send

    def send(fd: int, index: int, value) -> None:
        if index == 1:  # the job the child takes: an answer that does not unpickle
            os.write(fd, parallel._FRAME.pack(index, 3) + b"\x80\x05!")
        else:
            real_send(fd, index, value)

    monkeypatch.setattr(parallel, "_send", send)
    _only_in_the_child(monkeypatch, parent)
    results = parallel.run([0, 1, 2], [1.0, 9.0, 1.0], lambda job: job * 10, 2, state=lambda: None,
                           merge=lambda s: None, failed=lambda job, reason: reason, wall_budget=lambda j: 30.0)
    assert results == [0, "sent an unreadable answer", 20]


def test_files_the_cache_knows_unchanged_cost_nothing(tmp_path: Path) -> None:
    """An edit run loads cached results: it is not worth a second process."""
    from portlint.cache import FileHashes
    from portlint.discover import SourceFile
    from portlint.reading import _cost
    from portlint.readers import dockerfile, kubernetes

    files = []
    for name in ("a", "b"):
        path = tmp_path / name
        path.write_text("x" * 1000)
        stat = path.stat()
        files.append(SourceFile(path, name, 1000, signature=(stat.st_size, stat.st_mtime_ns - 10**10,
                                                               stat.st_ctime_ns - 10**10, stat.st_ino, stat.st_dev)))

    class Cache:
        hashes = FileHashes()

    Cache.hashes.of(files[0])
    assert _cost(kubernetes, files, None) == 2000 * kubernetes.WEIGHT
    assert _cost(dockerfile, files, Cache) == 1000 * dockerfile.WEIGHT, "a per-file reader reads the unknown file"
    assert _cost(kubernetes, files, Cache) == 2000 * kubernetes.WEIGHT, "a batch reader reads all again"
    Cache.hashes.of(files[1])
    assert _cost(kubernetes, files, Cache) == 0.0


def test_a_per_file_reader_is_cut_into_runs_that_join_back_in_order() -> None:
    """Per-file readers are shared out in pieces (so the processes balance); the pieces' results
    join back into the one job's, in file order."""
    from types import SimpleNamespace

    from portlint.discover import SourceFile
    from portlint.reading import PIECES, _joined, _pieces

    per_file = SimpleNamespace(NAME="per-file", PER_FILE=True, WEIGHT=1.0)
    batch = SimpleNamespace(NAME="batch", WEIGHT=1.0)
    files = [SourceFile(Path(f"/x/{i}.py"), f"{i}.py", size) for i, size in enumerate([10, 10, 10, 10, 40])]
    pieces, owners, _ = _pieces([(batch, files[:2]), (per_file, files)], [20.0, 80.0], None, 1)
    assert owners == [0, 1] and pieces == [(batch, files[:2]), (per_file, files)]  # one process: no cut
    pieces, owners, _ = _pieces([(batch, files[:2]), (per_file, files)], [20.0, 80.0], None, 2)
    runs = [[f.rel for f in run] for _, run in pieces]
    assert runs[0] == ["0.py", "1.py"] and owners[0] == 0  # a batch reader is never cut
    assert [rel for run in runs[1:] for rel in run] == [f.rel for f in files] and set(owners[1:]) == {1}
    assert 2 < len(runs) - 1 <= 2 * PIECES and runs[-1] == ["4.py"]  # the big file alone
    results = [(["b"], ["0.py", "1.py"], 1.0, [], [], ["0.py"]), (["p1"], ["0.py"], 2.0, ["t1"], [], []),
               (["p2"], ["4.py"], 3.0, ["t2"], ["n"], ["4.py"])]
    assert _joined(results, [0, 1, 1], 2) == [(["b"], ["0.py", "1.py"], 1.0, [], [], ["0.py"]),
                                              (["p1", "p2"], ["0.py", "4.py"], 5.0, ["t1", "t2"], ["n"], ["4.py"])]


def test_jobs_whose_results_cost_much_to_send_back_stay_in_this_process() -> None:
    """Without transfer costs every job is queued; a job costly to send back is done here first,
    while this process stays within half its share."""
    assert parallel.plan([10.0, 10.0], 2) == ([], [0, 1])
    assert parallel.plan([10.0, 10.0, 20.0], 2, transfer=[0.05, 0.9, 0.0]) == ([1], [2, 0])
    assert parallel.plan([30.0, 10.0, 10.0], 2, transfer=[0.1, 0.9, 0.9]) == ([1], [0, 2])


def test_suppressions_in_files_a_child_read_are_honoured(tmp_path: Path) -> None:
    """The child says which of its files hold no suppression comment (so they are not opened
    again); those that do are still read for their comments: the same findings and the same
    suppressions with one process or two."""
    import json

    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    for rel, number, comment in (("deploy/kubernetes/ingress.yaml", 33, "# portlint: ignore[PL105] -- a test"),
                                 ("infrastructure/terraform/alb.tf", 4, "# portlint: ignore[PL209] -- a test")):
        path = tree / rel
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[number - 1] += f"  {comment}"
        path.write_text("\n".join(lines), encoding="utf-8")
    runs = [run_cli("check", "--format", "json", "--no-cache", "--jobs", jobs, ".", cwd=tree) for jobs in ("1", "2")]
    assert runs[0].stdout == runs[1].stdout
    suppressed = json.loads(runs[1].stdout)["suppressed"]
    assert sorted(s["rule_id"] for s in suppressed) == ["PL105", "PL209"], suppressed
