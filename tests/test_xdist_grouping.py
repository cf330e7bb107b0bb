"""make test's distribution (tests/xdist_grouping.py): run pytest with two xdist workers and
``--dist loadgroup``, as make test does, on three small modules, and read from its verbose
report which worker ran each test. A module's tests share a worker, a test with its own
xdist_group joins that group across modules, a ``spread`` module's tests carry no group."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections import defaultdict

from sitekit import ROOT

MODULES = {
    "test_alpha.py": """
        import pytest

        @pytest.mark.parametrize("i", range(6))
        def test_a(i):
            pass

        @pytest.mark.xdist_group("shared")
        def test_shared_alpha():
            pass
        """,
    "test_beta.py": """
        import pytest

        @pytest.mark.parametrize("i", range(6))
        def test_b(i):
            pass

        @pytest.mark.xdist_group("shared")
        def test_shared_beta():
            pass
        """,
    "test_gamma.py": """
        import pytest

        pytestmark = pytest.mark.spread

        @pytest.mark.parametrize("i", range(6))
        def test_c(i):
            pass
        """,
}
INI = """
    [pytest]
    markers =
        spread: independent tests
        xdist_group: tests that share a worker
    """
RESULT = re.compile(r"^\[(gw\d+)\] .*?PASSED (\S+)")


def test_loadgroup_keeps_modules_and_groups_on_one_worker(tmp_path):
    for name, text in {**MODULES, "pytest.ini": INI}.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "xdist_grouping",
         "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [m.groups() for m in map(RESULT.match, done.stdout.splitlines()) if m]
    assert len(ran) == 6 + 1 + 6 + 1 + 6, done.stdout
    workers = defaultdict(set)
    for worker, nodeid in ran:
        test, _, group = nodeid.rpartition("@") if "@" in nodeid.rpartition("]")[2] else (nodeid, "", "")
        module = test.split("::", 1)[0]
        if "shared" in test:
            assert group == "shared", nodeid
            workers["shared"].add(worker)
        elif module == "test_gamma.py":
            assert group == "", nodeid  # spread: a work unit of its own
        else:
            assert group == module, nodeid  # the module's group, added by tests/xdist_grouping.py
            workers[module].add(worker)
    assert {name: len(w) for name, w in workers.items()} == {"test_alpha.py": 1, "test_beta.py": 1, "shared": 1}
