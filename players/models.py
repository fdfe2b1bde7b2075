import uuid

from django.db import models

from players.scopes import missing_scopes


class Game(models.Model):
    name = models.CharField(max_length=255, unique=True)
    # Live config (docs/rest.md §9): a list of {"key", "value"} in stored order.
    props = models.JSONField(default=list, blank=True)
    verify_requests = models.BooleanField(default=False)
    display_name_prop_key = models.CharField(max_length=128, blank=True, default="")
    block_props_profanity = models.BooleanField(default=False)
    block_alias_identifier_profanity = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class AccessKey(models.Model):
    """A game's API key. Only a SHA-256 hash of the token is stored; the token is shown once."""

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="access_keys")
    name = models.CharField(max_length=255, blank=True, default="")
    scopes = models.JSONField(default=list, blank=True)
    token_hash = models.CharField(max_length=64, editable=False)
    token_hint = models.CharField(max_length=16, editable=False, help_text="The token's last characters")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "access key"

    def __str__(self):
        return f"{self.name or 'key'} …{self.token_hint} ({self.game})"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def missing_scopes(self, required):
        return missing_scopes(self.scopes, required)


class Player(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="players")
    dev_build = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.id)


class PlayerProp(models.Model):
    """One prop value; an array key (`items[]`) has one row per value."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="props")
    key = models.CharField(max_length=128)
    value = models.CharField(max_length=512)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["key", "value"])]

    def __str__(self):
        return f"{self.key}={self.value}"


TALO_SERVICE = "talo"  # the alias service of Talo's own player auth (docs/rest.md §5.4)


class PlayerAlias(models.Model):
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="aliases")
    # Denormalised from player.game so that (game, service, identifier) can be unique.
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="aliases")
    service = models.CharField(max_length=255)
    identifier = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "player aliases"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["game", "service", "identifier"], name="unique_alias_per_game"),
        ]

    def __str__(self):
        return f"{self.service}:{self.identifier}"


class VerificationKey(models.Model):
    """A game's request-signing secret (docs/socket.md §8). The secret is stored encrypted
    (players.secrets) and never shown again after it is entered."""

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="verification_keys")
    version = models.CharField(max_length=64)
    encrypted_secret = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["game", "version"], name="unique_verification_key_version")]

    def __str__(self):
        return f"{self.game} v{self.version}"


class PlayerGroup(models.Model):
    """A segment of a game's players defined by rules (players.groups), re-evaluated when a
    player identifies. Serialised in Player.groups as {id, name}."""

    ALL = "$and"
    ANY = "$or"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="player_groups")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    rule_mode = models.CharField(max_length=4, choices=[(ALL, "all rules"), (ANY, "any rule")], default=ALL)
    rules = models.JSONField(default=list, blank=True, help_text=(
        'A list of {"name": EQUALS|SET|GT|GTE|LT|LTE, "negate": false, "field": "props.<key>"|"lastSeenAt"|'
        '"createdAt", "operands": [...], "castType": "CHAR"|"NUMBER"|"DATETIME"}'
    ))
    members = models.ManyToManyField(Player, related_name="groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class PlayerPresence(models.Model):
    """One per player (docs/socket.md §12): written by socket identify/close and REST PUT."""

    player = models.OneToOneField(Player, on_delete=models.CASCADE, related_name="presence")
    # The alias that last wrote the presence.
    player_alias = models.ForeignKey(PlayerAlias, on_delete=models.SET_NULL, null=True, related_name="+")
    online = models.BooleanField(default=False)
    custom_status = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "player presence"
        indexes = [models.Index(fields=["online"])]

    def __str__(self):
        return f"{self.player_id}: {'online' if self.online else 'offline'}"


class PlayerAuth(models.Model):
    """Talo player authentication (docs/rest.md §5.4) of a player with a `talo` alias. The session key
    signs the player's session tokens; replacing or clearing it invalidates every older token."""

    player = models.OneToOneField(Player, on_delete=models.CASCADE, related_name="auth")
    password = models.CharField(max_length=255)
    email = models.CharField(max_length=255, null=True, blank=True)
    verification_enabled = models.BooleanField(default=False)
    session_key = models.CharField(max_length=128, null=True, blank=True, editable=False)
    session_created_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "player authentication"

    def __str__(self):
        return str(self.player_id)


class PlayerAliasSubscription(models.Model):
    """A player relationship (docs/rest.md §8): `subscriber` follows `subscribed_to`."""

    UNIDIRECTIONAL = "unidirectional"
    BIDIRECTIONAL = "bidirectional"
    RELATIONSHIP_TYPES = [(UNIDIRECTIONAL, UNIDIRECTIONAL), (BIDIRECTIONAL, BIDIRECTIONAL)]

    subscriber = models.ForeignKey(PlayerAlias, on_delete=models.CASCADE, related_name="subscriptions")
    subscribed_to = models.ForeignKey(PlayerAlias, on_delete=models.CASCADE, related_name="subscribers")
    confirmed = models.BooleanField(default=False)
    relationship_type = models.CharField(max_length=16, choices=RELATIONSHIP_TYPES)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "subscribed_to"], name="unique_subscription_direction"),
        ]
        indexes = [models.Index(fields=["subscribed_to", "confirmed"])]

    def __str__(self):
        return f"{self.subscriber_id} -> {self.subscribed_to_id}"
