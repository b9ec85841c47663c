#!/usr/bin/env python3
"""Counts gtest cases in meson's testlog.json and prints 'N passed, N failed, N skipped'.

Each gtest case counts once, read from the "[ OK ]"/"[ FAILED ]"/"[ SKIPPED ]" lines of its
executable's output. An executable that failed without a failing case (a crash, a timeout,
a sanitizer report after the last case) counts as one more failure, so nothing is hidden.
"""
import json
import re
import sys
from pathlib import Path

CASE = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+)(?:, where .*)? \(\d+ ms\)$")
GOOD = {"OK", "SKIP", "EXPECTEDFAIL"}


def main(log: Path) -> int:
    if not log.exists():
        print(f"no test log at {log}: did the tests run?")
        print("0 passed, 1 failed")
        return 1
    counts = {"OK": 0, "FAILED": 0, "SKIPPED": 0}
    failures = []
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        name, result = entry.get("name", "?"), entry.get("result", "FAIL")
        failed_cases = 0
        for out in entry.get("stdout", "").splitlines():
            m = CASE.match(out.strip())
            if not m:
                continue
            counts[m.group(1)] += 1
            if m.group(1) == "FAILED":
                failed_cases += 1
                failures.append(f"{name}: {m.group(2)}")
        if result not in GOOD and failed_cases == 0:
            counts["FAILED"] += 1
            failures.append(f"{name}: {result} (exit without a failing case)")
    for f in failures:
        print(f"FAILED {f}")
    print(f"{counts['OK']} passed, {counts['FAILED']} failed, {counts['SKIPPED']} skipped")
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
