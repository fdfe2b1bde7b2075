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


# marker: (the variable that names the real service, why a test is skipped without it)
NEEDS = {
    "redis": ("REDIS_URL", "NEEDS REDIS: set REDIS_URL=redis://127.0.0.1:6379/0 to run this test"),
    "postgres": (
        "DATABASE_URL",
        "NEEDS POSTGRESQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run this test",
    ),
}


def pytest_collection_modifyitems(config, items):
    missing = {marker: reason for marker, (variable, reason) in NEEDS.items() if not os.environ.get(variable)}
    needing = [item for item in items if any(marker in item.keywords for marker in missing)]
    if not needing:
        return
    if os.environ.get("TALO_TESTS_DESELECT_REDIS"):
        # .ci/run: these run in its PostgreSQL + Redis suite.
        config.hook.pytest_deselected(items=needing)
        items[:] = [item for item in items if item not in needing]
        return
    for item in needing:
        marker = next(marker for marker in missing if marker in item.keywords)
        item.add_marker(pytest.mark.skip(reason=missing[marker]))


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
