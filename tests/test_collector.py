"""The server process tunes the garbage collector once the application is loaded
(talo_project/collector.py): whatever ASGI server imports the application, plain daphne included."""

import subprocess
import sys

from talo_project.collector import YOUNG_THRESHOLD
from tests.servers import ROOT, server_env

# os._exit: the process's heartbeat thread would keep it alive.
PROBE = (
    "import gc, os; from talo_project import asgi; "
    "print(gc.get_freeze_count(), *gc.get_threshold(), flush=True); os._exit(0)"
)


def test_the_application_freezes_its_start_up_objects_and_collects_young_objects_less_often(db):
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=server_env(DJANGO_SECRET_KEY="s" * 50, ALLOWED_HOSTS="127.0.0.1"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    frozen, young, older, oldest = map(int, result.stdout.split()[-4:])
    # Django and the project loaded: far more than a bare interpreter's objects are frozen.
    assert frozen > 50_000
    assert (young, older, oldest) == (YOUNG_THRESHOLD, 10, 10)
