#!/usr/bin/env python3
"""Counts gtest cases in meson's testlog.json and prints 'N passed, N failed, N skipped'.

Each gtest case counts once, read from the "[ OK ]"/"[ FAILED ]"/"[ SKIPPED ]" lines of its
executable's output. An executable that failed without a failing case (a crash, a timeout,
a sanitizer report after the last case) counts as one more failure, so nothing is hidden.

Several logs (LABEL=PATH, or PATH) are summed into one line, as .ci/run does for its plain
and sanitized runs; failures are then prefixed with the label. `--failed=WHAT` counts one
more failure named WHAT (a check that is not a test log, such as the format check).
"""
import json
import re
import sys
from pathlib import Path

CASE = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+)(?:, where .*)? \(\d+ ms\)$")
GOOD = {"OK", "SKIP", "EXPECTEDFAIL"}


def count(log: Path, label: str, counts: dict, failures: list) -> None:
    prefix = f"{label}: " if label else ""
    if not log.exists():
        print(f"no test log at {log}: did the tests run?")
        counts["FAILED"] += 1
        failures.append(f"{prefix}no test log")
        return
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
                failures.append(f"{prefix}{name}: {m.group(2)}")
        if result not in GOOD and failed_cases == 0:
            counts["FAILED"] += 1
            failures.append(f"{prefix}{name}: {result} (exit without a failing case)")


def main(args: list) -> int:
    counts = {"OK": 0, "FAILED": 0, "SKIPPED": 0}
    failures = []
    for arg in args:
        if arg.startswith("--failed="):
            counts["FAILED"] += 1
            failures.append(arg.removeprefix("--failed="))
            continue
        label, _, path = arg.partition("=") if "=" in arg else ("", "", arg)
        count(Path(path), label, counts, failures)
    for f in failures:
        print(f"FAILED {f}")
    print(f"{counts['OK']} passed, {counts['FAILED']} failed, {counts['SKIPPED']} skipped")
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test-summary.py [LABEL=]testlog.json...")
    sys.exit(main(sys.argv[1:]))
