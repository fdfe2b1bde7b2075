"""Django admin for game channels. Every change goes through game_channels.services, so the
admin's create/update/delete/membership changes emit the same socket messages as REST
(docs/rest.md §10); a create names an owner or none. A channel's page shows its recent messages
from the history store, for moderation (docs/extensions.md §X1)."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from game_channels import history, services
from game_channels.models import ChannelMembership, ChannelStorageProp, GameChannel
from game_channels.props import channel_prop_rejections
from players.admin import parse_key_value_lines


class GameChannelForm(forms.ModelForm):
    props_text = forms.CharField(
        label="Props", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One key=value per line; repeat an array key (items[]) once per value.",
    )

    class Meta:
        model = GameChannel
        fields = ["game", "name", "owner", "auto_cleanup", "private", "temporary_membership"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["props_text"].initial = "\n".join(f"{p.key}={p.value}" for p in self.instance.props.all())

    def clean(self):
        cleaned = super().clean()
        game = cleaned.get("game") or (self.instance.game if self.instance.pk else None)
        owner = cleaned.get("owner")
        if game is not None and owner is not None and owner.game_id != game.id:
            self.add_error("owner", "The owner must be a player alias of the channel's game.")
        try:
            cleaned["props"] = parse_key_value_lines(cleaned.get("props_text", ""))
        except forms.ValidationError as exc:
            self.add_error("props_text", exc)
            return cleaned
        if game is not None:
            rejected = channel_prop_rejections(cleaned["props"], block_profanity=game.block_props_profanity)
            for item in rejected:
                self.add_error("props_text", f"{item['key']}: {item['message']}")
        return cleaned


class MembershipInline(admin.TabularInline):
    model = ChannelMembership
    fields = ["alias", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["alias"]
    extra = 0


class StorageInline(admin.TabularInline):
    model = ChannelStorageProp
    fields = ["key", "value", "created_by", "last_updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GameChannel)
class GameChannelAdmin(admin.ModelAdmin):
    form = GameChannelForm
    list_display = [
        "name", "game", "owner", "member_count", "total_messages", "private", "temporary_membership", "created_at",
    ]
    list_filter = ["game", "private", "temporary_membership"]
    search_fields = ["name", "owner__identifier"]
    raw_id_fields = ["owner"]
    readonly_fields = ["total_messages", "created_at", "updated_at", "recent_messages"]
    inlines = [MembershipInline, StorageInline]

    RECENT_MESSAGES = 50

    @admin.display(description="Recent messages")
    def recent_messages(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        messages = history.store().read(obj.pk, limit=self.RECENT_MESSAGES).messages()
        if not messages:
            return "No messages in history."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{} ({} #{})</td><td>{}</td><td>{}</td></tr>",
            (
                (m["offset"], m["playerAlias"]["identifier"], m["playerAlias"]["service"], m["playerAlias"]["id"],
                 m["sentAt"], m["message"])
                for m in messages
            ),
        )
        return format_html(
            '<table class="recent-messages"><thead><tr><th>offset</th><th>sender</th><th>sent at</th>'
            "<th>message</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["game"] if obj else [])

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, channel):
        return channel.member_total

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            channel = services.create_channel(
                game=data["game"], name=data["name"], owner=data["owner"], props=data["props"],
                auto_cleanup=data["auto_cleanup"], private=data["private"],
                temporary_membership=data["temporary_membership"], announce_owner=False,
            )
            obj.pk = channel.pk
            obj.refresh_from_db()
            return
        changes = {}
        if "name" in form.changed_data:
            changes["name"] = data["name"]
        if "props_text" in form.changed_data:
            old_keys = {prop.key for prop in GameChannel.objects.get(pk=obj.pk).props.all()}
            changes["props"] = data["props"] + [(key, None) for key in old_keys - {k for k, _ in data["props"]}]
        if "owner" in form.changed_data:
            changes["owner_alias_id"] = data["owner"].id if data["owner"] else None
        for field in ("auto_cleanup", "private", "temporary_membership"):
            if field in form.changed_data:
                changes[field] = data[field]
        services.update_channel(channel=obj, **changes)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not ChannelMembership:
            return super().save_formset(request, form, formset, change)
        channel = form.instance
        for membership in formset.save(commit=False):
            if membership.pk is None:
                services.join_channel(channel=channel, alias=membership.alias)
        for membership in formset.deleted_objects:
            services.leave_channel(channel=channel, alias=membership.alias)

    def delete_model(self, request, obj):
        services.delete_channel(channel=obj)

    def delete_queryset(self, request, queryset):
        for channel in queryset:
            services.delete_channel(channel=channel)
