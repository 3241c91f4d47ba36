"""One command at a time through a real server: what the command path costs, by revision.

    .venv/bin/python bench/command_path.py                                # this tree
    .venv/bin/python bench/command_path.py --against /path/to/checkout --runs 6

What runs: a throwaway PostgreSQL cluster (`bench/city.py`'s), `--offices`
offices with their kiosks and keypads and a few citizens waiting; then, in
turns, one `antrean server` process from this tree and one from `--against`'s
(the code before a change, say), each sent the same `--commands` kiosk
issues and keypad call-nexts over keep-alive REST, one after another, after
a warm-up. One at a time, with no sockets open, a command's figure is the
path's own price: no lock hand-overs between busy threads, no fanout, and
far less of the host's noise than `bench/city.py`'s loaded runs, whose
figures drift with the machine's other work more than most changes move
them. Per run: the server's CPU per command (from /proc), PostgreSQL's, and
the statements PostgreSQL ran per command (pg_stat_statements, which leaves
out the empty query that checks a pooled connection); with `--profile`,
where this tree's server spent its CPU in its last run (py-spy); at the end each
code's median and their ratio, and the engine alone in this process
(`Operations.execute`, no HTTP) on the same cluster as the common baseline.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.city import (
    COUNTERS,
    ISSUED_SERVICES,
    HttpPool,
    Office,
    breakdown,
    cpu_seconds,
    engine_baseline,
    postgres_cluster,
    prepare_city,
    profile,
    statement_stats,
)
from bench.fanout import free_port, port_open, process, run_loop

WARM_UP = 200
SPY_SECONDS = 8  # shorter than a run's measured commands


@dataclass
class Run:
    code: str
    server_ms: float
    postgres_ms: float
    statements: float


def _requests(
    city: list[Office], count: int, seed: int, tag: str
) -> list[tuple[str, str, dict[str, str]]]:
    """Half kiosk issues, half keypad call-nexts, to random offices (the same for the
    same seed); request ids never sent before (a repeated one is answered from the log)."""
    chooser = random.Random(seed)
    sent = []
    for n in range(count):
        office = chooser.choice(city)
        body = {"request_id": f"{tag}-{n}"}
        if n % 2 == 0:
            body["service"] = chooser.choice(ISSUED_SERVICES)
            sent.append((f"/api/v1/sites/{office.code}/tickets", office.kiosk, body))
        else:
            counter = chooser.randint(1, COUNTERS)
            path = f"/api/v1/sites/{office.code}/counters/{counter}/call-next"
            sent.append((path, office.counters[counter - 1], body))
    return sent


async def _send(port: int, requests: list[tuple[str, str, dict[str, str]]]) -> int:
    pool = HttpPool(port)
    failed = 0
    try:
        for path, token, body in requests:
            status, _ = await pool.post(path, token, dict(body))
            failed += status >= 400
    finally:
        pool.close()
    return failed


def one_run(cluster_url: str, postmaster_cpu: Callable[[], float], code: Path | None, label: str,
            city: list[Office], commands: int, seed: int, tag: str,
            spy_folder: Path | None = None) -> Run:
    port = free_port()
    env = {"ANTREAN_DATABASE_URL": cluster_url, "ANTREAN_LOG_LEVEL": "warning"}
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
        env["PYTHONSAFEPATH"] = "1"  # not this folder first
    with tempfile.TemporaryDirectory() as data:
        command = [sys.executable, "-m", "launcher", "server", "--port", str(port)]
        with process(command, {**env, "ANTREAN_DATA_DIR": data}, port_open(port)) as pid:
            run_loop(_send(port, _requests(city, WARM_UP, seed * 1000, f"warm-{tag}")))
            statement_stats(cluster_url, reset=True)
            server_before = cpu_seconds([pid])
            postgres_before = postmaster_cpu()
            spies = [] if spy_folder is None else profile([pid], SPY_SECONDS, spy_folder)
            failed = run_loop(_send(port, _requests(city, commands, seed, tag)))
            server = cpu_seconds([pid]) - server_before
            for spy in spies:
                spy.wait()
            postgres = postmaster_cpu() - postgres_before
            statements = sum(calls for _, calls, _ in statement_stats(cluster_url))
    if failed:
        print(f"    {failed} commands refused unexpectedly")
    return Run(label, server / commands * 1000, postgres / commands * 1000,
               statements / commands)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", type=Path, help="a checkout whose server runs in turns")
    parser.add_argument("--runs", type=int, default=4, help="runs per code")
    parser.add_argument("--commands", type=int, default=1000, help="per run")
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--profile", action="store_true",
                        help="sample this tree's server in its last run with py-spy, and say "
                        "where its CPU went")
    args = parser.parse_args(argv)
    codes: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.against is not None:
        codes.append((str(args.against), args.against))
    with postgres_cluster(max_connections=100) as cluster:
        city = prepare_city(cluster.url, args.offices, 0)
        baseline = engine_baseline(cluster.url, city, 600, 1) * 1000
        print(f"  engine alone: {baseline:.2f} ms of CPU per command (Operations.execute, "
              "no HTTP)")
        runs: list[Run] = []
        for n in range(args.runs):
            for k, (label, code) in enumerate(codes):
                started = time.monotonic()
                spying = args.profile and code is None and n == args.runs - 1
                spy_folder = Path(tempfile.mkdtemp(prefix="antrean-path-spy-")) if spying else None
                run = one_run(cluster.url, cluster.cpu_seconds, code, label, city,
                              args.commands, seed=n + 2, tag=f"run{n}-code{k}",
                              spy_folder=spy_folder)
                runs.append(run)
                print(f"  run {n + 1} {label}: server {run.server_ms:.2f} ms, PostgreSQL "
                      f"{run.postgres_ms:.2f} ms, {run.statements:.1f} statements per command "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
                if spy_folder is not None:
                    shares = breakdown(spy_folder)
                    print(f"  where it went (py-spy, {spy_folder}):")
                    for name, share in shares.items():
                        print(f"    {name:<46} {share * 100:5.1f} %  "
                              f"{share * run.server_ms:5.2f} ms")
    print("code                      server ms  ratio to engine   PostgreSQL ms  statements")
    medians = {}
    for label, _ in codes:
        mine = [r for r in runs if r.code == label]
        server = statistics.median(r.server_ms for r in mine)
        medians[label] = server
        print(f"{label[-24:]:<24}  {server:9.2f}  {server / baseline:14.2f}x  "
              f"{statistics.median(r.postgres_ms for r in mine):13.2f}  "
              f"{statistics.median(r.statements for r in mine):10.1f}")
    if len(codes) == 2:
        this, other = (medians[label] for label, _ in codes)
        print(f"this tree against {codes[1][0]}: {this / other:.2f}x the server CPU per command")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
