"""Reliability of experiment folders (issue 17): concurrent sweeps, interrupted and corrupt runs,
a full disk, data edits and a hostile report.

The sweeps are three short runs (``seed=0,1,2``, to 2016-12) under Hydra's basic launcher; a
module fixture starts the serial reference and two identical sweeps into one folder at once.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pyarrow.parquet
import pytest

from sim.analysis import report
from sim.data.loader import embedded_dir
from sim.experiments.aggregate import aggregate, discover_runs
from sim.experiments.aggregate import main as aggregate_main
from sim.runner.files import DONE, check_done, private_name, write_done
from sim.runner.jobs import FAILURES, RUNS, run_job
from sim.runner.run import run, run_key
from tests.conftest import compose_params

SWEEP = ["-m", "seed=0,1,2", "time.end=2016-12", "hydra/launcher=basic"]
TIMEOUT = 300
# ``python -c`` that runs ``zonesim <args>`` with a full disk simulated at one writer (argv[1]):
# ``table`` (a run's tables), ``aggregate`` (the aggregate's tables) or ``manifest``.  The patched
# writer (pyarrow.parquet.write_table, which writes every Parquet table) leaves half a file
# behind, as a write that runs out of space does, then raises ENOSPC.
FULL_DISK = """
import errno, pathlib, sys
import pandas as pd
where = sys.argv[1]
def full(path, data):
    pathlib.Path(path).write_bytes(data[: len(data) // 2])
    raise OSError(errno.ENOSPC, "No space left on device", str(path))
import pyarrow.parquet as pq
write_table = pq.write_table
def patched_write_table(table, path, *args, **kwargs):
    if where == ("aggregate" if "aggregate" in str(path) else "table"):
        full(path, b"PAR1" + bytes(4096))
    return write_table(table, path, *args, **kwargs)
pq.write_table = patched_write_table
write_text = pathlib.Path.write_text
def patched_write_text(self, text, *args, **kwargs):
    if where == "manifest" and "manifest.json" in self.name:
        full(self, text.encode())
    return write_text(self, text, *args, **kwargs)
pathlib.Path.write_text = patched_write_text
from sim.runner.cli import main
main(sys.argv[2:])
"""


def zonesim(args: list[str], cwd: Path, full_disk: str | None = None) -> subprocess.Popen:
    """Start ``zonesim <args>`` in ``cwd`` (with ``full_disk``: the ENOSPC writer of FULL_DISK)."""
    cmd = [sys.executable, "-c", FULL_DISK, full_disk] if full_disk else [sys.executable, "-m", "sim.runner.cli"]
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.Popen(cmd + args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"zonesim did not finish in {TIMEOUT} s:\n{out[-5000:]}")
    return proc.returncode, out


def completed(sweep: Path) -> dict[str, Path]:
    return {d.parent.name: d.parent for d in (sweep / RUNS).glob(f"*/{DONE}")}


def hidden_leftovers(folder: Path) -> list[Path]:
    """Private staging folders and temporary files anywhere under ``folder``."""
    return [p for p in folder.rglob(".*") if p.name.endswith((".partial", ".tmp", ".old"))]


def assert_same_tables(sweep: Path, reference: Path) -> None:
    runs, expected = completed(sweep), completed(reference)
    assert runs.keys() == expected.keys(), (sorted(runs), sorted(expected))
    for key, folder in expected.items():
        assert check_done(runs[key]) is None, key
        names = sorted(p.name for p in folder.glob("*.parquet"))
        assert "monthly.parquet" in names and names == sorted(p.name for p in runs[key].glob("*.parquet"))
        for name in names:
            pd.testing.assert_frame_equal(
                pd.read_parquet(runs[key] / name), pd.read_parquet(folder / name), check_exact=True, obj=f"{key}/{name}"
            )


def dead_pid() -> int:
    """The id of a process of this host that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict:
    """The serial reference sweep and two identical sweeps into one folder, all started at once."""
    base = tmp_path_factory.mktemp("sweeps")
    procs = {
        "serial": zonesim([*SWEEP, "hydra.sweep.dir=serial"], base),
        "first": zonesim([*SWEEP, "hydra.sweep.dir=shared"], base),
        "second": zonesim([*SWEEP, "hydra.sweep.dir=shared"], base),
    }
    done = {name: finish(p) for name, p in procs.items()}
    return {"serial": base / "serial", "shared": base / "shared", "results": done}


# --------------------------------------------------------------------------- (b) concurrency
def test_two_identical_sweeps_into_one_folder_end_complete_and_equal_to_a_serial_sweep(sweeps):
    for name, (status, out) in sweeps["results"].items():
        assert status == 0, f"{name}:\n{out[-4000:]}"
    shared = sweeps["shared"]
    assert len(completed(sweeps["serial"])) == 3
    assert_same_tables(shared, sweeps["serial"])
    assert not (shared / FAILURES).exists() or not any((shared / FAILURES).iterdir())
    assert not hidden_leftovers(shared)
    outs = [out for _, out in sweeps["results"].values()]
    assert sum("is writing into" in out and "waiting for it to finish" in out for out in outs) == 1
    # the sweep that waited reused the other one's runs: every run verified and skipped
    waited = next(out for out in outs if "waiting for it to finish" in out)
    assert waited.count("complete, skipped") == 3 and "recomputed" not in waited
    manifest = json.loads((shared / "manifest.json").read_text())
    assert sorted(r["key"] for r in manifest["runs"]) == sorted(completed(shared)) and not manifest["failures"]


def test_one_run_finished_twice_at_once_lands_once_whole(tmp_path):
    """Two jobs of the same run at the same time (no lock between them): each stages privately,
    one rename wins, the other's equal result is dropped; the folder verifies, nothing is left over."""
    params = compose_params("seed=4", "time.end=2015-06")
    barrier = threading.Barrier(2)

    def job():
        barrier.wait()
        return run_job(params, None, tmp_path, [f"seed={params.seed}"])

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    folder = tmp_path / RUNS / run_key(params)
    assert check_done(folder) is None
    assert [p.name for p in (tmp_path / RUNS).iterdir()] == [folder.name]
    assert not (tmp_path / FAILURES).exists()


# --------------------------------------------------------------------------- (c) corrupt and interrupted runs
def test_truncated_table_and_interrupted_staging_are_not_trusted(sweeps, tmp_path, capsys):
    """A truncated table in a complete run: the next re-run recomputes that run.  A run whose
    staging was interrupted (its complete-looking staging folder left behind by a dead process,
    no run folder): computed again, and the leftover removed."""
    sweep = tmp_path / "sweep"
    shutil.copytree(sweeps["serial"], sweep)
    runs = completed(sweep)
    truncated, interrupted, intact = sorted(runs)
    table = runs[truncated] / "monthly.parquet"
    table.write_bytes(table.read_bytes()[:1000])
    assert "monthly.parquet has 1000 bytes" in check_done(runs[truncated])
    stage = sweep / RUNS / private_name(interrupted, "partial").replace(f".{os.getpid()}.", f".{dead_pid()}.")
    runs[interrupted].rename(stage)  # everything written, DONE too, but never renamed into place
    records, incomplete = discover_runs(sweep)
    assert {r.key for r in records} == {intact} and truncated in incomplete  # the aggregate does not read them
    with pytest.raises(SystemExit) as exc:  # nor does it leave one out silently
        aggregate_main([str(sweep), "--no-figures"])
    assert exc.value.code == 1 and truncated in capsys.readouterr().err

    status, out = finish(zonesim([*SWEEP, f"hydra.sweep.dir={sweep}"], tmp_path))
    assert status == 0, out[-4000:]
    assert f"run {truncated} " in out and "monthly.parquet has 1000 bytes, " in out and ": recomputed" in out
    assert out.count("complete, skipped") == 1  # only the intact run was reused
    assert not stage.exists() and not hidden_leftovers(sweep)
    assert_same_tables(sweep, sweeps["serial"])


def test_a_folder_without_a_valid_done_record_is_not_complete(tmp_path):
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    (run_dir / "monthly.parquet").write_bytes(b"x" * 10)
    assert "no DONE" in check_done(run_dir)
    (run_dir / DONE).touch()  # the empty marker of older versions: a resume does not trust it
    assert "lists no files" in check_done(run_dir) and check_done(run_dir, legacy=True) is None
    write_done(run_dir)
    assert check_done(run_dir) is None
    (run_dir / "monthly.parquet").write_bytes(b"y" * 10)  # same size, other content
    assert "SHA-256 differs" in check_done(run_dir) and check_done(run_dir, hashes=False) is None


# --------------------------------------------------------------------------- (d) full disk
def test_full_disk_in_the_table_writer_fails_the_run_and_leaves_nothing_to_trust(tmp_path, monkeypatch):
    params = compose_params("seed=5", "time.end=2015-06")

    def full(table, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1" + bytes(100))
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pyarrow.parquet, "write_table", full)  # every documented table goes through it
    out_dir = tmp_path / RUNS / run_key(params)
    with pytest.raises(OSError) as exc:
        run(params, out_dir, own_folder=True)
    assert exc.value.errno == errno.ENOSPC
    assert not out_dir.exists() and not any((tmp_path / RUNS).iterdir())  # no staging folder either
    # as a job of a sweep: recorded as a failure, no run folder
    assert run_job(params, None, tmp_path, ["seed=5"]) is None
    assert json.loads((tmp_path / FAILURES / f"{out_dir.name}.json").read_text())["error"].startswith("OSError")
    assert not any((tmp_path / RUNS).iterdir())


@pytest.mark.parametrize("where", ["table", "aggregate", "manifest"])
def test_full_disk_exits_non_zero_without_half_written_files(where, sweeps, tmp_path):
    """ENOSPC in a run's tables, the aggregate's tables or the manifest: the command exits 1, no
    run without all its tables verifies, no half-written aggregate table or manifest is left."""
    sweep = tmp_path / "sweep"
    if where == "manifest":  # a re-run of a complete sweep: its earlier manifest stays whole
        shutil.copytree(sweeps["serial"], sweep)
        before = (sweep / "manifest.json").read_text()
    status, out = finish(zonesim([*SWEEP, f"hydra.sweep.dir={sweep}"], tmp_path, full_disk=where))
    assert status == 1, out[-4000:]
    assert "Traceback" not in out  # one line says what failed
    assert not hidden_leftovers(sweep)
    for folder in (sweep / RUNS).iterdir():
        assert check_done(folder) is None  # every run folder there is whole
    if where == "table":
        assert not completed(sweep) and len(list((sweep / FAILURES).glob("*.json"))) == 3
        assert len(json.loads((sweep / "manifest.json").read_text())["failures"]) == 3
        assert "3 of 3 runs failed" in out
    elif where == "aggregate":
        assert len(completed(sweep)) == 3 and "aggregation of" in out
        assert not (sweep / "aggregate" / "runs.parquet").exists()
    else:
        assert (sweep / "manifest.json").read_text() == before
        assert "ending the experiment" in out and "No space left on device" in out


# --------------------------------------------------------------------------- (e) data edits
def test_editing_a_data_file_changes_the_run_key(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(embedded_dir(), data)
    params = compose_params(f"region.data_dir={data}")
    embedded = compose_params()
    key = run_key(params)
    assert key == run_key(compose_params(f"region.data_dir={data}"))  # stable
    zones = data / "zones.csv"
    original = zones.read_bytes()
    table = pd.read_csv(zones, dtype=str, keep_default_na=False)
    table.loc[0, "firms"] = str(int(table.loc[0, "firms"]) + 1)  # one more firm in the first zone
    table.to_csv(zones, index=False)
    edited = run_key(params)
    assert edited != key
    zones.write_bytes(original)  # the same contents again: the same key
    assert run_key(params) == key and run_key(embedded) != key
    # another copy of the same files elsewhere keeps its own key (the folder is part of the config)
    assert dataclasses.asdict(params)["region"]["data_dir"] == str(data)


# --------------------------------------------------------------------------- (f) hostile names in the report
HOSTILE_SCENARIO = '<script>alert("scenario")</script>'
HOSTILE_VALUE = "<img src=x onerror=alert(1)>"


def test_report_escapes_a_hostile_scenario_name_and_swept_value(sweeps, tmp_path):
    """Runs named ``<script>…`` with a swept value ``<img …>``: the report holds them as text only
    (the reference label, with the scenario name, is the effects table's caption)."""
    exp = tmp_path / "hostile"
    (exp / RUNS).mkdir(parents=True)
    for key, folder in completed(sweeps["serial"]).items():
        for value in (HOSTILE_VALUE, "20"):
            new = exp / RUNS / f"{key}{'h' if value == HOSTILE_VALUE else 'n'}"
            shutil.copytree(folder, new)
            meta = json.loads((new / "run.json").read_text())
            meta.update(
                key=new.name,
                scenario=HOSTILE_SCENARIO,
                overrides=[f"seed={meta['seed']}", f"policy.devolution.powers={value}"],
            )
            (new / "run.json").write_text(json.dumps(meta))
            (new / DONE).unlink()
            write_done(new)
    aggregate(exp, figures=False)
    html = report.build_report(exp)
    assert "<script" not in html and "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    caption = html.split('id="T_effects"', 1)[1].split("</caption>", 1)[0]
    assert "&lt;script&gt;" in caption
