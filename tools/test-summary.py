#!/usr/bin/env python3
"""Print one closing line, 'tests: N passed, N failed, N skipped', over the
meson test logs of the build directories given (testlog.json, one JSON
object per test)."""
import json
import sys

counts = {"passed": 0, "failed": 0, "skipped": 0}
for build in sys.argv[1:]:
    try:
        with open(f"{build}/meson-logs/testlog.json") as log:
            for line in log:
                result = json.loads(line).get("result", "")
                if result in ("OK", "EXPECTEDFAIL"):
                    counts["passed"] += 1
                elif result == "SKIP":
                    counts["skipped"] += 1
                else:
                    counts["failed"] += 1
    except FileNotFoundError:
        counts["failed"] += 1
        print(f"{build}: no test log (build failed?)", file=sys.stderr)
print(f"tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
