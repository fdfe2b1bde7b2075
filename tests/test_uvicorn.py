"""The behaviours that hang on the ASGI server, run on uvicorn as well: the README recommends it
for production (issue 6) while the rest of the suite runs on daphne, the default.
(`TALO_TEST_SERVER=uvicorn python -m pytest` runs the whole suite on uvicorn.)

The tests are the suite's own, imported here: the `server` fixture below replaces the session's
daphne process for them."""

import pytest

from tests.game_channels.conftest import world  # noqa: F401 (a fixture)
from tests.game_channels.test_messages import (  # noqa: F401
    test_empty_and_large_messages,
    test_f30_member_message_reaches_every_member_connection_exactly,
    test_f33_messages_arrive_in_order,
)
from tests.servers import serving
from tests.sockets.test_connection import (  # noqa: F401
    test_a1_valid_ticket_first_frame_is_connected,
    test_a2_no_ticket_closes_3000,
    test_a3_unknown_ticket_closes_3000,
)
from tests.sockets.test_router import (  # noqa: F401
    game,
    test_invalid_utf8_text_frame_fails_that_socket_only,
    test_large_frame_under_the_limit_is_answered,
    test_one_mib_frame_is_refused_with_1009_and_server_stays_up,
)


@pytest.fixture(scope="module")
def server(django_db_setup):
    with serving("uvicorn", server="uvicorn") as process:
        yield process
