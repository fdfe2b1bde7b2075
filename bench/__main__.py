"""python -m bench [--quick] [--only fanout,storm,close,idle,scaleout,history] [--servers daphne,daphne-plain,uvicorn]

Servers: `daphne` and `uvicorn` are `manage.py serve --server …`; `daphne-plain` is daphne started
as `daphne talo_project.asgi:application`.

Runs the scenarios against our server on production settings (PostgreSQL + Redis, a fresh
database `talo_bench`) beside the in-run baseline (fan-out, bench/baseline.py) and floor (the chat
storm, bench/storm_floor.py), and writes bench/results/latest.json and
bench/results/latest.md. Loopback only; every phase is bounded in time."""

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

from bench.connections import STORM_IN_FLIGHT
from bench.reference import TARGET, beside
from bench.setup import set_up

RESULTS = Path(__file__).resolve().parent / "results"
FANOUT_ROUNDS = 3  # bench/fanout.py run_fanout: each server against the baseline of its round
STORM_ROUNDS = 3  # bench/connections.py run_storm: the median storm of three


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="short phases, smaller counts (a smoke run)")
    parser.add_argument("--only", default="fanout,storm,close,idle,scaleout,history")
    parser.add_argument("--servers", default="daphne,daphne-plain,uvicorn")
    args = parser.parse_args(argv)

    env = set_up()

    from bench import scenarios

    server_env = scenarios.bench_env(env)
    quick = args.quick
    seconds = 4 if quick else 10
    only = set(args.only.split(","))
    ours = [s for s in args.servers.split(",") if s]
    rows = []

    meta = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "quick": quick,
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
    }
    phases = []
    if "fanout" in only:
        for members, rate in ((100, 100), (1000, 20)):
            for mode in ("throughput", "paced"):
                kwargs = {"rate": rate} if mode == "paced" else {"window": 32}
                kwargs["rounds"] = 1 if quick else FANOUT_ROUNDS
                phases.append((f"fan-out N={members} {mode}", scenarios.run_fanout,
                               (["baseline", *ours], server_env, members, mode, seconds), kwargs))
    # One phase per server: one server's failure must not lose the other's figures.
    storm = 200 if quick else 1000
    rounds = 1 if quick else STORM_ROUNDS
    chat_storm = (storm, scenarios.CHAT_SCOPES, "chat", rounds)
    per_server = (
        ("storm", "connection storm, chat scopes", scenarios.run_storm, chat_storm),
        ("storm", "connection storm, *", scenarios.run_storm, (storm, ["*"], "*", rounds)),
        ("close", "close storm", scenarios.run_close_storm, (storm,)),
        ("idle", "idle connections", scenarios.run_idle, (1000 if quick else 10000,)),
        ("scaleout", "scale-out", scenarios.run_scaleout, (1000, seconds, 20)),
    )
    if "storm" in only:  # the chat storm's floor, before our servers' (bench/storm_floor.py)
        phases.append(("connection storm, chat scopes (floor)", scenarios.run_storm,
                       (["floor"], server_env, *chat_storm), {}))
    for name, label, run, run_args in per_server:
        if name in only:
            phases += [(f"{label} ({kind})", run, ([kind], server_env, *run_args), {}) for kind in ours]
    if "history" in only:
        phases.append(("history off/on, fan-out N=1000", scenarios.run_history_fanout,
                       (ours, server_env, 1000, seconds, 20, 1 if quick else 2), {}))
        phases.append(("history request latency", scenarios.run_history_latency,
                       (ours, server_env, 100, 200 if quick else 1000), {}))
    for label, run, run_args, kwargs in phases:
        print(label, file=sys.stderr, flush=True)
        try:
            rows += run(*run_args, **kwargs)
        except Exception as exc:  # one failed phase must not lose the others' figures
            rows.append({"scenario": label, "error": repr(exc)})
        add_ratios(rows)
        write(meta, rows)  # after every phase: an interrupted run keeps what it measured
    print(markdown(meta, rows))


def write(meta, rows):
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(meta, rows))


def add_ratios(rows):
    """CPU per delivery relative to the baseline measured in the same run, same N and mode; a chat
    storm's CPU per connection relative to the floor's."""
    floor = next((r["cpu_ms_per_connection"] for r in rows
                  if r.get("scenario") == "connection storm" and r.get("server") == "floor"), None)
    for row in rows:
        if floor and row.get("scenario") == "connection storm" and row.get("scopes") == "chat" and row["server"] != "floor":
            row["cpu_ratio_to_floor"] = round(row["cpu_ms_per_connection"] / floor, 2)
    baselines = {
        (r["members"], r["mode"]): r["cpu_us_per_delivery"]
        for r in rows
        if r.get("server") == "baseline" and r.get("cpu_us_per_delivery")
    }
    for row in rows:
        base = baselines.get((row.get("members"), row.get("mode")))
        if base and "cpu_ratio_rounds" not in row and row.get("cpu_us_per_delivery") is not None:
            row["cpu_ratio_to_baseline"] = round(row["cpu_us_per_delivery"] / base, 2)


def storm_rounds(row):
    """With rounds, the figures above are the median round's; every round's beside them."""
    if row.get("rounds", 1) < 2:
        return ""
    cpu = ", ".join(f"{c} ms" for c in row["cpu_ms_rounds"])
    wall = ", ".join(f"{w} s" for w in row["wall_s_rounds"])
    return f" The median of {row['rounds']} storms (failures: all of them): CPU per connection {cpu}; wall {wall}."


def floor_ratio(row):
    return f" **{row['cpu_ratio_to_floor']}× the floor's CPU per connection.**" if "cpu_ratio_to_floor" in row else ""


def ratio_cell(row):
    """The ratio to the baseline; with rounds, their median and then each round's."""
    rounds = row.get("cpu_ratio_rounds")
    if rounds and len(rounds) > 1:
        return f"{row['cpu_ratio_to_baseline']} ({', '.join(str(r) for r in rounds)})"
    return row.get("cpu_ratio_to_baseline", "")


def markdown(meta, rows):
    lines = [f"Benchmark run {meta['date']} — `{meta['command']}`, {meta['cpus']} cores, Python {meta['python']}, loopback.", ""]
    fan = [r for r in rows if "deliveries" in r]
    if fan:
        lines += [
            "| scenario | server | N | mode | msgs | deliveries/s | lost | dup | CPU µs/delivery | × baseline | p50 ms | p99 ms | max ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in fan:
            lines.append(
                f"| {r['scenario']} | {r['server']} | {r['members']} | {r['mode']} | {r['messages']} | {r['deliveries_per_s']} "
                f"| {r['lost']} | {r['duplicates']} | {r['cpu_us_per_delivery']} | {ratio_cell(r)} "
                f"| {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |"
            )
        if any(r.get("rounds", 1) > 1 for r in fan):
            lines += ["", "× baseline: the median of the rounds' ratios, each to the baseline measured in the same round "
                          "(the rounds' own in parentheses); the other figures are the median round's, lost and dup all rounds'."]
        lines.append("")
    for r in rows:
        if "error" in r:
            lines.append(f"{r['scenario']}: FAILED — {r['error']}")
            continue
        if r["scenario"] == "connection storm" and r["server"] == "floor":
            lines.append(
                f"Connection storm floor (uvicorn and a bare ASGI application, bench/storm_floor.py): "
                f"{r['succeeded']}/{r['clients']} connected and identified, {r['failed']} failed, {r['wall_s']} s wall, "
                f"server CPU {r['cpu_ms_per_connection']} ms per connection.{storm_rounds(r)}"
            )
        elif r["scenario"] == "connection storm":
            lines.append(
                f"Connection storm ({r['server']}, scopes {r['scopes']}, PostgreSQL + Redis): {r['succeeded']}/{r['clients']} "
                f"connected and identified ({STORM_IN_FLIGHT} in flight), {r['failed']} failed, {r['wall_s']} s wall, "
                f"server CPU {r['server_cpu_s']} s = {r['cpu_ms_per_connection']} ms per connection, ticket→identified p50 "
                f"{r['p50_connect_ms']} ms, p99 {r['p99_connect_ms']} ms, identify p50 {r['p50_identify_ms']} ms.{floor_ratio(r)}{storm_rounds(r)} "
                f"({beside(r)})"
            )
        if r["scenario"] == "close storm":
            lines.append(
                f"Close storm ({r['server']}): {r['clients']} identified sockets closed at once, presence settled in "
                f"{r['settled_s']} s ({r['still_online']} still online), server CPU {r['server_cpu_s']} s = "
                f"{r['cpu_ms_per_disconnect']} ms per disconnect. ({beside(r)})"
            )
        if r["scenario"] == "history cost":
            lines.append(
                f"History cost ({r['server']}, paced fan-out N={r['members']}, median of {r['rounds']} round(s)): "
                f"{r['cpu_us_off']} µs CPU/delivery off, {r['cpu_us_on']} on: **{r['ratio_on_to_off']}×** (bound 1.15×)."
            )
        if r["scenario"] == "history request":
            lines.append(
                f"History request ({r['server']}, {r['held']} messages held, limit 100, {r['requests']} requests one at a "
                f"time): p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms, server CPU "
                f"{r['cpu_us_per_request']} µs/request."
            )
        if r["scenario"] == "idle identified connections":
            lines.append(
                f"Idle ({r['server']}): {r['connections']} identified connections on one process, RSS {r['rss_before_mib']} → "
                f"{r['rss_after_mib']} MiB: {r['rss_per_connection_kib']} KiB per connection."
            )
    if fan:
        lines.append(f"Fan-out {TARGET['fan-out']}.")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
