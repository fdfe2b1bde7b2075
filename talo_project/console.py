"""The socket console for client developers (README "Socket console"): one static page, plain
HTML and JavaScript, served at /console when TALO_SOCKET_CONSOLE is on. It talks to this server as
a game client does — REST identify, a socket ticket, the socket — with the access key pasted into
it, which stays in the browser's memory."""

from pathlib import Path

from django.http import HttpResponse

PAGE = Path(__file__).with_name("console.html")


def console_view(request):
    if request.method != "GET":
        return HttpResponse(status=405)
    return HttpResponse(PAGE.read_text(), content_type="text/html; charset=utf-8")
