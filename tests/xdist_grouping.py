"""Which tests share a pytest-xdist worker under ``--dist loadgroup`` (``make test``).

pytest-xdist sends the tests with the same ``xdist_group`` mark to one worker. This hook gives
every test without one the group of its module, so a module's tests stay together and its
module fixtures are built once, as ``--dist loadfile`` would; a test keeps its own group
(every check of one shared desktop load: sitekit.desktop_loads), and a test marked ``spread``
gets none, so it runs wherever a worker is free. Public means only: marks added before
pytest-xdist's own collection hook reads them.

Pinned: pytest < 9.2 in pyproject.toml. With pytest 9.2, pytest-xdist 3.8's loadgroup silently
stops grouping (pytest-dev/pytest-xdist issue 1386); tests/test_xdist_grouping.py fails then.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's hook, which reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("xdist_group") is None and item.get_closest_marker("spread") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
