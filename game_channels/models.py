from django.db import models

from players.models import Game, PlayerAlias


class GameChannel(models.Model):
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=255)
    owner = models.ForeignKey(
        PlayerAlias, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_channels"
    )
    # Counted in memory by each server process and added here every few seconds (docs/socket.md §9.2).
    total_messages = models.PositiveBigIntegerField(default=0)
    auto_cleanup = models.BooleanField(default=False)
    private = models.BooleanField(default=False)
    temporary_membership = models.BooleanField(default=False)
    members = models.ManyToManyField(PlayerAlias, through="ChannelMembership", related_name="channels")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["game", "-total_messages", "id"])]

    def __str__(self):
        return self.name


class ChannelMembership(models.Model):
    channel = models.ForeignKey(GameChannel, on_delete=models.CASCADE, related_name="memberships")
    alias = models.ForeignKey(PlayerAlias, on_delete=models.CASCADE, related_name="channel_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["channel", "alias"], name="unique_channel_member")]

    def __str__(self):
        return f"{self.alias} in {self.channel}"


class ChannelProp(models.Model):
    """One channel prop, in stored order; an array key (`x[]`) has one row per value."""

    channel = models.ForeignKey(GameChannel, on_delete=models.CASCADE, related_name="props")
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=512)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["key", "value"])]

    def __str__(self):
        return f"{self.key}={self.value}"


class ChannelStorageProp(models.Model):
    """Shared channel storage (docs/rest.md §6.11–6.13); an array key has one row per value."""

    channel = models.ForeignKey(GameChannel, on_delete=models.CASCADE, related_name="storage_props")
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=512)
    created_by = models.ForeignKey(PlayerAlias, on_delete=models.CASCADE, related_name="+")
    last_updated_by = models.ForeignKey(PlayerAlias, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["channel", "key"])]

    def __str__(self):
        return f"{self.key}={self.value}"
