import os
import time

import pytest
from django.db import OperationalError
from django.db.backends.base.operations import BaseDatabaseOperations

from tests.servers import ServerProcess
from tests.support import api_on

_execute_sql_flush = BaseDatabaseOperations.execute_sql_flush


def _execute_sql_flush_retrying(self, sql_list):
    """The servers under test keep working (sweeps, presence refreshes) while the test database
    is flushed between tests; PostgreSQL may then pick the flush's TRUNCATE as a deadlock victim.
    Try again rather than fail the next test's setup."""
    for attempt in range(5):
        try:
            return _execute_sql_flush(self, sql_list)
        except OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.2)


BaseDatabaseOperations.execute_sql_flush = _execute_sql_flush_retrying


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REDIS_URL"):
        return
    if os.environ.get("TALO_TESTS_DESELECT_REDIS"):
        # .ci/run: these run in its PostgreSQL + Redis suite.
        selected = [item for item in items if "redis" not in item.keywords]
        config.hook.pytest_deselected(items=[item for item in items if "redis" in item.keywords])
        items[:] = selected
        return
    skip = pytest.mark.skip(reason="NEEDS REDIS: set REDIS_URL=redis://127.0.0.1:6379/0 to run this test")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"WARNING: {len(skipped)} test(s) SKIPPED — they did not run here.", red=True, bold=True
        )


@pytest.fixture(scope="session")
def server(django_db_setup, django_db_blocker):
    if os.environ.get("REDIS_URL"):
        # Tickets and socket tokens of an earlier run must not leak into this one (the test
        # database's ids start again at 1). The tests own the Redis database they are given.
        from django.core.cache import cache

        cache.clear()
    # TALO_TEST_SERVER=uvicorn runs the suite against uvicorn instead of daphne.
    process = ServerProcess("main", server=os.environ.get("TALO_TEST_SERVER", "daphne")).start()
    yield process
    process.stop()


@pytest.fixture
def api(transactional_db, server):
    with api_on(server) as client:
        yield client
