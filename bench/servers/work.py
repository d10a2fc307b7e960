"""The per-request work of every scenario, shared by the siphon script and the
ASGI app so both servers run the very same Python."""
import json
import platform
import time

HELLO = b"ok"

# Loop count for the `cpu` scenario: about 1 ms of pure-Python work on this
# machine's CPython 3.11. Fixed (not timed) so every server does equal work;
# /calibrate reports what it actually costs in each interpreter.
CPU_LOOPS = 15_000


def json_body(item_id, q):
    return json.dumps({"id": item_id, "q": q}).encode()


def spin(n=CPU_LOOPS):
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) & 0xFFFF
    return acc


def cpu_body():
    return b"%d" % spin()


def calibrate_body(repeat=100):
    """This interpreter's version and the time of one spin() in ms (best of
    5 batches), as JSON: siphon and uvicorn may run different CPython builds."""
    best = min(_time_spins(repeat) for _ in range(5))
    return json.dumps({"python": platform.python_version(), "spin_ms": best * 1e3}).encode()


def _time_spins(repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        spin()
    return (time.perf_counter() - start) / repeat
