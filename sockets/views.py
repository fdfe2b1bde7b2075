from rest_framework.response import Response
from rest_framework.views import APIView

from players.api import header_flag
from sockets.tickets import create_ticket


class SocketTicketView(APIView):
    """POST /v1/socket-tickets: any valid key, no scope, body ignored (rest.md §4)."""

    def post(self, request):
        ticket = create_ticket(access_key=request.auth, dev_build=header_flag(request, "x-talo-dev-build"))
        return Response({"ticket": ticket})
