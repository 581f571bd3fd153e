"""``zonesim-bench``: wall time, peak memory and how cost grows with enterprises (issue 7), and
the whole commands a user waits for (issue 20, :mod:`sim.runner.bench_whole`).

Not part of the test suite (timings on shared machines are noisy): run it explicitly,
``zonesim-bench`` (the national region at full scale takes minutes) or ``zonesim-bench --quick``
(small sizes, under half a minute).  Every case runs in a fresh Python process, so that its peak
memory is its own: the peak resident set size (``ru_maxrss``) that the kernel reports for that
child when it is reaped (``os.wait4``), interpreter and imports included.  Wall times are measured
inside the child and exclude interpreter start-up and imports; they include building the region
and the model.  Cases:

* the default Ningxia run (2015–2030): best of three;
* a 50,000-enterprise synthetic region (``region=synthetic``), 2015–2030;
* the national region (``region=national``, ``--national-scale``, default 1.0 = 375,000
  enterprises), 2015–2035 monthly, with the records ``experiment=national`` keeps (its ``output``
  settings: no firm panel, no land-yearly table);
* the scaling curve: the national region, 2015–2035, at five scales (by default 7,500, 18,750,
  50,000 and 150,000 enterprises and the ``--national-scale`` run, reused), written to
  ``<out>/scaling.csv`` and ``<out>/scaling.png``, with time at 375,000 ÷ time at 50,000
  (measured when both sizes are on the curve, else extrapolated from the fitted exponent).

For every case it reports enterprise-months per second (operating enterprises summed over the
months, over the run's wall time) and the ratio of the model's monthly enterprise update to a bare
numpy kernel of the same update, both measured in the child.  The update is the time spent in
``model._produce`` and ``model._exits`` (production, finance, exit probability and draw), timed
by wrappers installed on the model instance; the kernel (:func:`kernel_month`) performs the same
operations on contiguous arrays of the same size (the mean number of operating enterprises):
agglomeration and county protection (bincounts), the AR(1) productivity draw,
the market clearing (Newton steps on the sectors' price indices), accounts and investment plans,
credit and installation of capital, exit probability and the exit draw.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# the kernel and the child-process side live in their own modules; re-exported here, where the
# tests and callers have always found them
from sim.runner import bench_whole
from sim.runner.bench_case import UpdateProbe, case_params, measure  # noqa: F401
from sim.runner.bench_kernel import (  # noqa: F401
    kernel_agglomeration,
    kernel_book,
    kernel_credit_and_capital,
    kernel_exit_probability,
    kernel_market,
    kernel_month,
    kernel_protection,
    kernel_state,
    market_arrays,
    time_kernel,
)
from sim.runner.files import write_text

SMALL, LARGE = 50_000, 375_000  # acceptance c: time at 375k enterprises ÷ time at 50k <= 9
NATIONAL_ENTERPRISES = 375_000  # region.national.enterprises at scale 1
DEFAULT_SCALES = (0.02, 0.05, SMALL / NATIONAL_ENTERPRISES, 0.4)  # + the --national-scale run
QUICK_SCALES = (0.002, 0.004, 0.006, 0.008)
NATIONAL_END = "2035-12"
TARGETS = {
    "ningxia_wall_s": 0.5,
    "national_wall_s": 30.0,
    "national_peak_gib": 4.0,
    "scaling_ratio": 9.0,
    "update_over_kernel": 3.0,
}


# --------------------------------------------------------------------------- parent side
def run_case(spec: dict) -> dict:
    """Run :func:`measure` in a fresh Python process; add its peak RSS and CPU time from ``wait4``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.runner.bench", "--child", json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bench case {spec['case']!r} failed (exit code {proc.returncode}); see its stderr above")
    row = json.loads(out.strip().splitlines()[-1])
    row["peak_rss_mib"] = usage.ru_maxrss / 1024.0
    row["cpu_s"] = usage.ru_utime + usage.ru_stime
    row["process_s"] = time.perf_counter() - t
    return row


def scaling_ratio(curve: pd.DataFrame, small: int = SMALL, large: int = LARGE, tol: float = 0.02) -> dict:
    """Time at ``large`` enterprises ÷ time at ``small`` from a curve (columns enterprises, wall_s).

    Measured when both sizes are on the curve (within ``tol``); otherwise extrapolated as
    ``(large/small)**b``, ``b`` the log-log slope fitted to the points >= ``small`` (all points if
    fewer than two are: then ``judged`` is False, fixed costs make small sizes look sublinear).
    """
    x = curve["enterprises"].to_numpy(dtype=float)
    y = curve["wall_s"].to_numpy(dtype=float)
    use = x >= small * (1 - tol)
    if use.sum() < 2:
        use = np.ones_like(x, dtype=bool)
    b = float(np.polyfit(np.log(x[use]), np.log(y[use]), 1)[0]) if use.sum() >= 2 else float("nan")
    at = {n: np.flatnonzero(np.abs(x / n - 1) <= tol) for n in (small, large)}
    if at[small].size and at[large].size:
        return {"ratio": float(y[at[large][0]] / y[at[small][0]]), "how": "measured", "exponent": b, "judged": True}
    judged = bool((x >= small * (1 - tol)).sum() >= 2)
    how = f"extrapolated (t ~ n^{b:.2f}{'' if judged else f' from sizes below {small:,}'})"
    return {"ratio": float((large / small) ** b), "how": how, "exponent": b, "judged": judged}


def write_scaling(curve: pd.DataFrame, out: Path, ratio: dict | None = None) -> tuple[Path, Path]:
    """Write ``scaling.csv`` and ``scaling.png`` (time and cost per enterprise-month vs enterprises)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    curve = curve.sort_values("enterprises")
    csv, png = out / "scaling.csv", out / "scaling.png"
    curve.to_csv(csv, index=False)
    x, y = curve["enterprises"].to_numpy(dtype=float), curve["wall_s"].to_numpy(dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.loglog(x, y, "o-", label="measured")
    ref = np.flatnonzero(x >= SMALL * 0.98)
    i = int(ref[0]) if ref.size else 0
    xs = np.array([x.min(), LARGE if x.max() >= SMALL * 0.98 else x.max()])
    ax1.loglog(xs, y[i] * xs / x[i], "--", color="grey", label=f"linear through {int(x[i]):,}")
    ax1.set_xlabel("enterprises at start")
    ax1.set_ylabel("wall time (s)")
    ax1.legend()
    title = "wall time vs enterprises"
    if ratio:
        title += f"\nt(375k)/t(50k) = {ratio['ratio']:.2f} ({ratio['how']}; target <= 9)"
    ax1.set_title(title, fontsize=9)
    if "enterprise_months_per_s" in curve:
        ax2.semilogx(x, 1e6 / curve["enterprise_months_per_s"].to_numpy(dtype=float), "o-")
        ax2.set_ylim(bottom=0)
    ax2.set_xlabel("enterprises at start")
    ax2.set_ylabel("µs per enterprise-month")
    ax2.set_title("cost per enterprise-month (flat = linear)", fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return csv, png


TABLE_COLUMNS = {
    "case": "case",
    "enterprises": "enterprises",
    "zones": "zones",
    "months": "months",
    "setup_s": "setup s",
    "run_s": "run s",
    "wall_s": "wall s",
    "process_s": "process s",
    "cpu_s": "cpu s",
    "peak_rss_mib": "peak MiB",
    "enterprise_months_per_s": "ent-months/s",
    "update_ms_per_month": "update ms/mo",
    "kernel_ms_per_month": "kernel ms/mo",
    "update_over_kernel": "update/kernel",
}


def format_table(rows: pd.DataFrame) -> str:
    t = rows[[c for c in TABLE_COLUMNS if c in rows]].rename(columns=TABLE_COLUMNS)
    fmt = {
        "setup s": "{:.2f}",
        "run s": "{:.2f}",
        "wall s": "{:.2f}",
        "process s": "{:.1f}",
        "cpu s": "{:.1f}",
        "peak MiB": "{:.0f}",
        "ent-months/s": "{:,.0f}",
        "update ms/mo": "{:.3f}",
        "kernel ms/mo": "{:.3f}",
        "update/kernel": "{:.2f}",
        "enterprises": "{:,}",
    }
    for c, f in fmt.items():
        if c in t:
            t[c] = t[c].map(f.format)
    return t.to_string(index=False)


def _progress(r: dict) -> str:
    return (
        f"{r['case']:<18} {r['enterprises']:>8,} enterprises, {r['months']} months: wall {r['wall_s']:.2f} s, "
        f"peak {r['peak_rss_mib']:.0f} MiB, {r['enterprise_months_per_s']:,.0f} ent-months/s, "
        f"update/kernel {r['update_over_kernel']:.2f}"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "NOT MET"


def summary(cases: pd.DataFrame, curve: pd.DataFrame, ratio: dict, nat_scale: float) -> str:
    """The closing report: both tables, the two ratios and the issue's acceptance targets."""
    T = TARGETS
    nx, nat = cases.iloc[0], cases.iloc[2]
    gib = nat["peak_rss_mib"] / 1024
    head = (
        "cases (wall = region + model construction + run; process = the child's whole life; "
        "peak = child's max RSS, imports included):"
    )
    out = [
        "",
        head,
        format_table(cases),
        "",
        "scaling curve (national region, 2015-2035 monthly, records as experiment=national):",
        format_table(curve),
        "",
    ]
    out.append(
        f"time at {LARGE:,} / time at {SMALL:,} = {ratio['ratio']:.2f} ({ratio['how']}; "
        f"target <= {T['scaling_ratio']:g}; linear = {LARGE / SMALL:.1f})"
    )
    out.append(
        f"update / kernel = {nat['update_over_kernel']:.2f} (target <= {T['update_over_kernel']:g}; "
        f"{nat['case']}: {nat['update_ms_per_month']:.3f} vs {nat['kernel_ms_per_month']:.3f} ms/month "
        f"at {nat['mean_operating']:,.0f} operating enterprises)"
    )
    out += ["", "acceptance (issue 7):"]
    out.append(
        f"  a. Ningxia default run {nx['wall_s']:.2f} s wall (target <= {T['ningxia_wall_s']:g}): "
        f"{_verdict(nx['wall_s'] <= T['ningxia_wall_s'])}"
    )
    if math.isclose(nat_scale, 1.0):
        verdict = _verdict(nat["wall_s"] <= T["national_wall_s"] and gib <= T["national_peak_gib"])
    else:
        verdict = "not judged: not the full-scale run (--national-scale 1)"
    out.append(
        f"  b. {nat['case']} ({nat['enterprises']:,} enterprises), 2015-2035: {nat['wall_s']:.1f} s wall "
        f"(target <= {T['national_wall_s']:g}), peak {gib:.2f} GiB (target <= {T['national_peak_gib']:g}), "
        f"cpu {nat['cpu_s']:.1f} s in {nat['process_s']:.1f} s: {verdict}"
    )
    if ratio["judged"]:
        verdict = _verdict(ratio["ratio"] <= T["scaling_ratio"])
        verdict += "" if ratio["how"] == "measured" else " [extrapolated]"
    else:
        verdict = f"not judged: fewer than two curve sizes >= {SMALL:,}"
    out.append(f"  c. time ratio 375k/50k {ratio['ratio']:.2f} (target <= {T['scaling_ratio']:g}): {verdict}")
    out.append(
        f"  d. update / kernel {nat['update_over_kernel']:.2f} (target <= {T['update_over_kernel']:g}): "
        f"{_verdict(nat['update_over_kernel'] <= T['update_over_kernel'])}"
    )
    return "\n".join(out)


def whole_processes(out: Path, clone: bool) -> list[dict]:
    """Issue 20's whole-process rows (:mod:`sim.runner.bench_whole`), in a private scratch folder."""
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory(prefix="whole-", dir=out) as scratch:
        tmp = Path(scratch)
        single = bench_whole.single_run(tmp)
        steps = [
            ("zonesim seed=1", lambda t: [single]),
            ("first run after install", lambda t: bench_whole.first_run(t, single["value"])),
            ("20-run sweep", bench_whole.sweep_speedup),
            ("zonesim-sensitivity", bench_whole.sensitivity),
            ("main job", bench_whole.main_job),
        ]
        if clone:
            steps.append(("main job from a fresh clone", lambda t: bench_whole.fresh_clone(t, Path.cwd())))
        for name, step in steps:
            try:
                got = step(tmp)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:  # the other rows still count
                got = bench_whole.failed_row(name, exc)
            for row in got if isinstance(got, list) else [got]:
                rows.append(row)
                print(f"  {row['row']}: {row['value']:.2f}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small sizes (under ~30 s): Ningxia once, 3,000 "
        "synthetic enterprises, national scale 0.01 and a curve up to it",
    )
    ap.add_argument(
        "--national-scale",
        type=float,
        default=None,
        help="scale of the national region case (default 1.0 = 375,000 enterprises; 0.01 with --quick)",
    )
    ap.add_argument(
        "--scales",
        type=str,
        default=None,
        help="comma-separated national scales of the scaling curve (default: 0.02,0.05,0.1333,0.4 "
        "and --national-scale, whose run is reused)",
    )
    ap.add_argument("--synthetic", type=int, default=None, help="enterprises of the synthetic case (default 50000)")
    ap.add_argument("--out", type=Path, default=Path("multirun/bench"), help="folder for the CSVs and the plot")
    ap.add_argument(
        "--whole",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="time whole commands too (single run, main job, sensitivity, sweep speed-up, first run; "
        "several minutes): on by default, off with --quick",
    )
    ap.add_argument(
        "--fresh-clone",
        action="store_true",
        help="also time make run in a fresh clone of this checkout, the install included (needs the registries)",
    )
    ap.add_argument("--child", type=str, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:  # one case, in a fresh process: print its measurements as JSON
        print(json.dumps(measure(json.loads(args.child))), flush=True)
        return

    quick = args.quick
    nat_scale = args.national_scale if args.national_scale is not None else (0.01 if quick else 1.0)
    n_synth = args.synthetic if args.synthetic is not None else (3_000 if quick else SMALL)
    if args.scales:
        scales = [float(s) for s in args.scales.split(",") if s.strip()]
    else:
        scales = [*(QUICK_SCALES if quick else DEFAULT_SCALES), nat_scale]
    scales = sorted({round(s, 6) for s in scales})
    national = {"kind": "national", "scale": nat_scale, "end": NATIONAL_END}
    cases = [
        {"case": "ningxia default", "kind": "ningxia", "repeats": 1 if quick else 3},
        {"case": f"synthetic {n_synth:,}", "kind": "synthetic", "enterprises": n_synth},
        {"case": f"national x{nat_scale:g}", **national},
    ]
    print(
        f"zonesim-bench: each case in a fresh process ({os.cpu_count()} CPUs seen; numpy threads limited to 1)",
        flush=True,
    )
    rows, extra = [], {}
    for spec in cases[:2]:
        rows.append(run_case(spec))
        print(f"  {_progress(rows[-1])}", flush=True)
    for s in scales:  # the curve before the national case: the largest run comes last
        if not math.isclose(s, nat_scale, rel_tol=1e-6):
            extra[s] = run_case({"case": f"national x{s:g}", "kind": "national", "scale": s, "end": NATIONAL_END})
            print(f"  curve: {_progress(extra[s])}", flush=True)
    rows.append(run_case(cases[2]))
    print(f"  {_progress(rows[-1])}", flush=True)
    curve_rows = [extra.get(s, rows[2]) for s in scales]
    cases_df, curve = pd.DataFrame(rows), pd.DataFrame(curve_rows).sort_values("enterprises")
    ratio = scaling_ratio(curve)
    args.out.mkdir(parents=True, exist_ok=True)
    cases_df.to_csv(args.out / "cases.csv", index=False)
    csv, png = write_scaling(curve, args.out, ratio)

    text = summary(cases_df, curve, ratio, nat_scale)
    whole_rows = [bench_whole.national_over_kernel(rows[2])]
    if args.whole if args.whole is not None else not quick:
        whole_rows += whole_processes(args.out, args.fresh_clone)
    text += "\n\n" + bench_whole.report(whole_rows)
    print(bench_whole.kernel_line(whole_rows[0]))
    text += f"\n\nwritten: {args.out / 'cases.csv'}, {csv}, {png}, {args.out / 'summary.txt'}"
    write_text(args.out / "summary.txt", text.lstrip() + "\n")  # whole or not at all
    print(text)
    failed = [r["row"] for r in whole_rows if r.get("failed")]
    if failed:
        print(f"zonesim-bench: {len(failed)} command(s) failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
