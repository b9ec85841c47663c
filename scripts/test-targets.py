#!/usr/bin/env python3
"""Prints the ninja targets that the tests `meson test ARGS` would run depend on.

Usage: scripts/test-targets.py BUILD_DIR [meson test args...]

scripts/test --sanitize builds only these: the sanitized run covers a few suites, and building
every integration test under ASan as well would cost CI ~15 minutes for nothing it runs.
"""
import json
import os
import subprocess
import sys


def meson(build_dir: str, *args: str) -> str:
    return subprocess.run(["meson", *args], cwd=build_dir, check=True,
                          capture_output=True, text=True).stdout


def listed_name(test: dict) -> str:
    """The test as `meson test --list` prints it: PROJECT:SUITE[+SUITE...] / NAME."""
    project = test["suite"][0].split(":", 1)[0]
    suites = "+".join(suite.split(":", 1)[1] for suite in test["suite"])
    return f"{project}:{suites} / {test['name']}"


def main() -> int:
    build_dir, test_args = sys.argv[1], sys.argv[2:]
    # `meson test --list` applies the suite and name filters exactly as the run will.
    listed = meson(build_dir, "test", "--list", "--no-rebuild", *test_args).splitlines()
    wanted = {line.strip() for line in listed if " / " in line}
    targets = {t["id"]: t for t in json.loads(meson(build_dir, "introspect", "--targets"))}
    depends = set()
    for test in json.loads(meson(build_dir, "introspect", "--tests")):
        if listed_name(test) in wanted:
            depends.update(test["depends"])
    for target_id in sorted(depends):
        for filename in targets[target_id]["filename"]:
            print(os.path.relpath(filename, os.path.abspath(build_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
