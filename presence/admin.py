"""Django admin's live view (README "Live view"): per game, the online players and the open
connections on every server process, with disconnect actions (close code 4000, docs/socket.md §3)."""

import threading
import uuid
from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from players.models import Player
from presence import selectors, services
from presence.models import LiveGame
from sockets import live

_request = threading.local()  # the changelist's connection counts, per request thread


@admin.register(LiveGame)
class LiveGameAdmin(admin.ModelAdmin):
    list_display = ["name", "online_players", "open_connections"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(online=Count("players", filter=Q(players__presence__online=True)))

    @admin.display(description="online players", ordering="online")
    def online_players(self, game):
        return game.online

    @admin.display(description="open connections (all processes)")
    def open_connections(self, game):
        counts = getattr(_request, "counts", None)
        return "unknown" if counts is None else counts[game.id]

    def changelist_view(self, request, extra_context=None):
        connections = live.connections()
        _request.counts = None if connections is None else Counter(entry["game_id"] for entry in connections)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        game = self.get_object(request, unquote(object_id))
        if game is None:
            raise Http404("No such game")
        if not self.has_view_or_change_permission(request, game):
            return redirect("admin:index")
        if request.method == "POST" and self.has_change_permission(request, game):
            self._disconnect(request, game)
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Live view: {game.name}",
            "game": game,
            "players": selectors.online_players(game),
            "connections": selectors.live_connections(game),
            "processes": selectors.running_processes(),
            "process": live.PROCESS,
            "can_disconnect": self.has_change_permission(request, game),
        }
        return TemplateResponse(request, "admin/presence/live_game.html", context)

    def _disconnect(self, request, game):
        connection_id = request.POST.get("connection", "")
        player_id = request.POST.get("player", "")
        if connection_id:
            services.disconnect_connection(game_id=game.id, connection_id=connection_id)
            messages.success(request, f"Connection {connection_id} disconnected (close code 4000).")
        elif player_id:
            player = Player.objects.filter(game=game, id=player_id).first() if _is_uuid(player_id) else None
            if player is None:
                messages.error(request, "No such player in this game.")
                return
            services.disconnect_player(player=player)
            messages.success(request, f"Every connection of player {player.id} disconnected (close code 4000).")


def _is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
