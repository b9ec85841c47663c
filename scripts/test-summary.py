#!/usr/bin/env python3
"""Counts gtest cases from meson's testlog.json and prints 'N passed, N failed, N skipped'.

A test executable that crashed or timed out before reporting its cases counts as one failure.
"""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
failures = []
log = Path(sys.argv[1])
if not log.exists():
    print("no test log: did the tests run?")
    print("0 passed, 1 failed")
    sys.exit(1)
for line in log.read_text().splitlines():
    entry = json.loads(line)
    name = entry.get("name", "?")
    result = entry.get("result", "FAIL")
    xml_path = None
    for arg in entry.get("command", []):
        if arg.startswith("--gtest_output=xml:"):
            xml_path = arg.split(":", 1)[1]
    cases = 0
    if xml_path and Path(xml_path).exists():
        try:
            root = ET.parse(xml_path).getroot()
        except ET.ParseError:
            root = None
        for case in (root.iter("testcase") if root is not None else []):
            cases += 1
            if case.find("failure") is not None:
                failed += 1
                failures.append(f"{name}: {case.get('classname')}.{case.get('name')}")
            elif case.get("result") == "skipped" or case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    if cases == 0 or (result not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(
            f.startswith(name + ":") for f in failures)):
        if result in ("OK",):
            passed += 1 if cases == 0 else 0
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append(f"{name}: {result}")
for f in failures:
    print(f"FAILED {f}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
