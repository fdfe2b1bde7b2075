"""Frames written straight to the server's transport (sockets/server_socket.py) are the bytes a
WebSocket library writes for the same text, at every length encoding of RFC 6455 §5.2."""

import pytest
from websockets.frames import Frame, Opcode

from sockets.server_socket import text_frame


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 300_000])
def test_text_frame_matches_websockets_framing(length):
    text = ("é" + "x" * length)[:length]  # multi-byte characters count as their UTF-8 bytes
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert text_frame(text) == expected
