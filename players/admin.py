from django import forms
from django.contrib import admin, messages

from players.services import keys, live_config, verification
from players.models import AccessKey, Game, Player, PlayerAlias, PlayerGroup, PlayerProp, VerificationKey
from players.scopes import ALL_SCOPES, FULL_ACCESS


class VerificationKeyForm(forms.ModelForm):
    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Stored encrypted and never shown again; enter it again to replace it.",
    )

    class Meta:
        model = VerificationKey
        fields = ["version", "secret"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("secret"):
            self.add_error("secret", "A new verification key needs its secret.")
        return cleaned

    def save(self, commit=True):
        if not self.cleaned_data.get("secret"):
            return super().save(commit=commit)
        return verification.add_verification_key(
            game=self.instance.game,
            version=self.cleaned_data["version"],
            secret=self.cleaned_data["secret"],
            replace=self.instance.pk is not None,  # the form says: enter it again to replace it
        )


class VerificationKeyInline(admin.TabularInline):
    model = VerificationKey
    form = VerificationKeyForm
    fields = ["version", "secret", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


def parse_key_value_lines(text):
    """`KEY=VALUE` lines as (key, value) pairs, blank lines ignored: how the admin edits props."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(f"Line {number}: expected KEY=VALUE")
        pairs.append((key.strip(), value))
    return pairs


class GameForm(forms.ModelForm):
    """The live config is edited as `KEY=VALUE` lines; saving replaces it and pushes
    `v1.live-config.updated` through live_config.set_live_config (docs/rest.md §9)."""

    live_config = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        required=False,
        help_text="One KEY=VALUE per line. Keys starting with META_ are reserved. Saving pushes "
        "v1.live-config.updated to every connection of the game with read:gameConfig.",
    )

    class Meta:
        model = Game
        fields = [
            "name",
            "verify_requests",
            "display_name_prop_key",
            "block_props_profanity",
            "block_alias_identifier_profanity",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["live_config"] = "\n".join(
            f"{prop['key']}={prop['value']}" for prop in self.instance.props if not prop["key"].startswith("META_")
        )

    def clean_live_config(self):
        wanted = [{"key": key, "value": value} for key, value in parse_key_value_lines(self.cleaned_data["live_config"])]
        wanted_keys = {prop["key"] for prop in wanted}
        removed = [
            {"key": prop["key"], "value": None}
            for prop in self.instance.props
            if prop["key"] not in wanted_keys and not prop["key"].startswith("META_")
        ]
        changes = wanted + removed
        try:
            live_config.check_live_config(changes)
        except live_config.LiveConfigInvalid as exc:
            raise forms.ValidationError(exc.message) from None
        return changes


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    form = GameForm
    list_display = ["name", "verify_requests", "created_at"]
    search_fields = ["name"]
    inlines = [VerificationKeyInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "verify_requests" in form.changed_data:
            keys.forget_cached_keys(game_id=obj.id)
        if change and "live_config" not in form.changed_data:
            return
        live_config.set_live_config(game=obj, props=form.cleaned_data["live_config"])


class AccessKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(FULL_ACCESS, "* (full access)")] + [(scope, scope) for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AccessKey
        fields = ["game", "name", "scopes"]


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin):
    form = AccessKeyForm
    list_display = ["__str__", "game", "scope_list", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["game", "revoked_at"]
    readonly_fields = ["token_hint", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, key):
        return ", ".join(key.scopes)

    def get_readonly_fields(self, request, obj=None):
        # A key's game never changes once it exists; scopes may (open sockets keep their snapshot).
        return self.readonly_fields + (["game"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            keys.forget_cached_keys(key_id=obj.id)  # new scopes apply to new requests and sockets
            return
        key, token = keys.create_access_key(game=obj.game, scopes=obj.scopes, name=obj.name)
        obj.pk = key.pk
        obj.refresh_from_db()
        messages.warning(request, f"Copy this token now; it is not stored and will not be shown again: {token}")

    @admin.action(description="Revoke the selected keys (their sockets close)")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            keys.revoke_access_key(key=key)
        self.message_user(request, "Revoked.")


class PlayerAliasInline(admin.TabularInline):
    model = PlayerAlias
    fields = ["service", "identifier", "created_at", "last_seen_at"]
    readonly_fields = ["created_at", "last_seen_at"]
    extra = 0


class PlayerPropInline(admin.TabularInline):
    model = PlayerProp
    fields = ["key", "value"]
    extra = 0


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    list_display = ["id", "alias_names", "game", "presence_state", "group_names", "dev_build", "last_seen_at"]
    list_filter = ["game", "presence__online", "dev_build"]
    search_fields = ["aliases__identifier", "=id"]
    readonly_fields = ["presence_state", "group_names"]
    inlines = [PlayerAliasInline, PlayerPropInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("game", "presence").prefetch_related("aliases", "groups")

    @admin.display(description="aliases")
    def alias_names(self, player):
        return ", ".join(f"{alias.service}:{alias.identifier}" for alias in player.aliases.all()) or "—"

    @admin.display(description="presence")
    def presence_state(self, player):
        presence = getattr(player, "presence", None)
        if presence is None:
            return "never online"
        state = "online" if presence.online else "offline"
        status = f" “{presence.custom_status}”" if presence.custom_status else ""
        return f"{state}{status} since {presence.updated_at:%Y-%m-%d %H:%M:%S}"

    @admin.display(description="groups")
    def group_names(self, player):
        return ", ".join(group.name for group in player.groups.all()) or "—"

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, PlayerAlias):
                instance.game_id = form.instance.game_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(PlayerGroup)
class PlayerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "game", "rule_mode", "created_at"]
    list_filter = ["game"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
