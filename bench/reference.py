"""The figures each configuration is compared to (issue 13): main as measured on 2026-11-29
(PostgreSQL + Redis, `manage.py serve`, this benchmark's client) and real Talo 0.127 measured with
the same client on the same kind of machine, beside the targets."""

# (scenario, scopes, server) -> what to print beside a row of that configuration
REFERENCE = {
    ("connection storm", "chat", "uvicorn"): "before: 19.1 s wall, 16.0 ms CPU/connection, identify p50 1.7 s",
    ("connection storm", "chat", "daphne"): "before: 26.8 s wall, 23.8 ms CPU/connection, identify p50 2.3 s",
    ("connection storm", "chat", "daphne-plain"): "before (serve): 26.8 s wall, 23.8 ms CPU/connection",
    ("connection storm", "*", "uvicorn"): "before: 26.6 s wall, 22.9 ms CPU/connection, identify p50 2.5 s",
    ("connection storm", "*", "daphne"): "before: 45.9 s wall, 45.1 ms CPU/connection, identify p50 4.2 s",
    ("connection storm", "*", "daphne-plain"): "before (serve): 45.9 s wall, 45.1 ms CPU/connection",
    ("close storm", None, None): "real Talo: 6–7 ms per disconnect",
}
TALO = {
    ("connection storm", "chat"): "real Talo: 8.2–9.2 s wall, 8.4–9.1 ms CPU/connection",
    ("connection storm", "*"): "real Talo: 17.6 s wall, 17.6 ms CPU/connection",
}
TARGET = {
    ("connection storm", "chat"): "target: ≤ 5 s wall, ≤ 3 ms CPU/connection, no failure",
    ("connection storm", "*"): "target: ≤ 10 s wall, no failure",
    ("close storm", None): "target: ≤ 3 ms CPU/disconnect, settled ≤ 5 s",
    "fan-out": "target: daphne ≤ 1.5× baseline per delivery (uvicorn ≤ 1.1×), paced p50 ≤ 20 ms, no loss; "
    "before: daphne 3.2× (34.5–39.4 µs/delivery at N=1000), uvicorn 1.0× (9.5 µs)",
}


def beside(row):
    """The reference and target text for a storm row."""
    scenario, scopes, server = row["scenario"], row.get("scopes"), row["server"]
    parts = [
        REFERENCE.get((scenario, scopes, server)) or REFERENCE.get((scenario, None, None)),
        TALO.get((scenario, scopes)),
        TARGET.get((scenario, scopes)),
    ]
    return "; ".join(part for part in parts if part)
