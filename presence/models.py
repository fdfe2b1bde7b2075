from django.db import models

from players.models import Game


class LiveGame(Game):
    """A game as the admin's live view shows it (presence.admin): its online players and open
    connections. A proxy: no table of its own."""

    class Meta:
        proxy = True
        verbose_name = "live view of a game"
        verbose_name_plural = "live view (online players, connections)"


class ServerProcess(models.Model):
    """Each running server process, seen within the last few seconds (presence.realtime): the live
    view lists them, and a second process without Redis on one database is warned about."""

    name = models.CharField(max_length=255, unique=True)  # host:pid (sockets.live.PROCESS)
    with_redis = models.BooleanField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return self.name
