"""For test/41: the messages siphon.testing gives canned client errors, as JSON on stdout.

    python3 canned_errors.py SLOW_BASE_URL DEAD_BASE_URL
"""
import json
import os
import sys

from siphon import http
from siphon.testing import HttpTestHarness

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "canned_error_routes.py")
clients = {"slow": {"base_url": sys.argv[1], "timeout_ms": 300}, "dead": sys.argv[2]}
seen = {}
for name, error in (("slow", http.ClientTimeoutError), ("dead", http.ConnectError)):
    with HttpTestHarness(SCRIPT, clients=clients) as harness:
        harness.add_response(error=error)
        seen[error.__name__] = harness.get(f"/x/{name}").body.decode()
print(json.dumps(seen))
