"""Runs the differential test's table through siphon.testing.HttpTestHarness.

    python3 harness_driver.py SCRIPT CASES_JSON  > results.json

Prints one JSON object per case, in table order: the status, headers and body
a client would see, plus the log lines the request produced, in the shape
test/50.harness-differential.test.mjs reads from the real server.
"""
import base64
import json
import sys

from siphon.testing import HttpTestHarness


def run(script, cases):
    results = []
    with HttpTestHarness(script) as harness:
        for case in cases:
            harness.logs.clear()
            response = harness.request(case["method"], case["path"], headers=case.get("headers"),
                                       body=case.get("body"))
            results.append({
                "status": response.status,
                "headers": response.headers,
                "body": base64.b64encode(response.body).decode("ascii"),
                "logs": [[line.level.lower(), line.target, line.message.split("\n", 1)[0]] for line in harness.logs],
            })
    return results


if __name__ == "__main__":
    script_path, cases_path = sys.argv[1:3]
    with open(cases_path, encoding="utf-8") as f:
        table = json.load(f)
    json.dump(run(script_path, table), sys.stdout)
