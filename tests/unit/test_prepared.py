"""talo_project.prepared.PreparedQuery, through the loads that use it (players.selectors): the
same objects and the same JSON as the ORM query it replaces, on the database the run uses
(SQLite, or PostgreSQL in CI's second run); misses and other games' rows find nothing; on
PostgreSQL, the statements are prepared."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from game_channels.selectors import MEMBER_CHANNEL_IDS, member_channel_ids
from players import selectors
from players.models import Game, Player, PlayerAlias, PlayerAuth, PlayerGroup, PlayerPresence, PlayerProp
from players.serializers import serialize_alias

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    game = Game.objects.create(name="prepared")
    other = Game.objects.create(name="prepared-other")
    player = Player.objects.create(game=game)
    alias = PlayerAlias.objects.create(player=player, game=game, service="steam", identifier="it's \"quoted\" ü")
    PlayerProp.objects.create(player=player, key="level", value="7")
    PlayerProp.objects.create(player=player, key="class", value="mage")
    group = PlayerGroup.objects.create(game=game, name="mages", rules=[])
    group.members.add(player)
    PlayerPresence.objects.create(player=player, player_alias=alias, online=True, custom_status="away")
    PlayerAuth.objects.create(player=player, password="x", email="a@example.com")
    bare = PlayerAlias.objects.create(player=Player.objects.create(game=game), game=game, service="s", identifier="bare")
    return game, other, alias, bare


def orm_json(alias_id):
    return serialize_alias(selectors.aliases_with_players().get(id=alias_id))


def test_alias_loads_give_the_orm_json(world):
    game, _, alias, bare = world
    for loaded, expected in (
        (selectors.get_alias(game_id=game.id, alias_id=alias.id), alias),
        (selectors.find_alias(game_id=game.id, service="steam", identifier=alias.identifier), alias),
        (selectors.get_alias(game_id=game.id, alias_id=bare.id), bare),
    ):
        assert serialize_alias(loaded) == orm_json(expected.id)
    loaded = selectors.get_alias(game_id=game.id, alias_id=alias.id)
    assert (loaded.player.presence.custom_status, loaded.player.auth.email, loaded.player.game.name) == ("away", "a@example.com", "prepared")
    assert [(p.key, p.value) for p in loaded.player.props.all()] == [("level", "7"), ("class", "mage")]
    assert [g.name for g in loaded.player.groups.all()] == ["mages"]


def _fields(obj):
    """Each concrete field's value with its type and, for a time stamp, its time zone."""
    return {
        f.attname: (value, type(value), getattr(value, "tzinfo", None))
        for f in obj._meta.concrete_fields
        for value in [getattr(obj, f.attname)]
    }


def test_loaded_objects_hold_the_orm_values_type_for_type(world):
    """On PostgreSQL the path's rows come in binary format (talo_project/prepared.py): the alias,
    its player, game, presence and auth hold the values the ORM gives, of the same types, JSON
    decoded the same way and time stamps in the same time zone."""
    game, _, alias, _ = world
    Game.objects.filter(id=game.id).update(props=[{"key": "motd", "value": "hi ü"}])
    loaded = selectors.get_alias(game_id=game.id, alias_id=alias.id)
    orm = selectors.aliases_with_players().get(id=alias.id)
    for mine, theirs in (
        (loaded, orm),
        (loaded.player, orm.player),
        (loaded.player.game, orm.player.game),
        (loaded.player.presence, orm.player.presence),
        (loaded.player.auth, orm.player.auth),
    ):
        assert _fields(mine) == _fields(theirs)
    assert loaded.player.game.props == [{"key": "motd", "value": "hi ü"}]


def test_misses_and_other_games_find_nothing(world):
    game, other, alias, _ = world
    assert selectors.get_alias(game_id=other.id, alias_id=alias.id) is None
    assert selectors.get_alias(game_id=game.id, alias_id=alias.id + 1000) is None
    assert selectors.find_alias(game_id=game.id, service="steam", identifier="it's") is None
    assert selectors.find_alias(game_id=other.id, service="steam", identifier=alias.identifier) is None


def test_presence_for_update(world):
    _, _, alias, bare = world
    with transaction.atomic():
        presence = selectors.get_presence_for_update(player_id=alias.player_id)
        assert (presence.online, presence.custom_status, presence.player_alias_id) == (True, "away", alias.id)
        assert selectors.get_presence_for_update(player_id=bare.player_id) is None


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return cursor.fetchall()


@pytest.mark.postgres
def test_the_connection_path_statements_are_prepared_and_django_queries_are_not(world):
    """PostgreSQL planned the alias load afresh for every identify (~1.3 ms a run, ~0.4 ms of it
    running it): the path's statements are prepared once per connection
    (talo_project/prepared.py), Django's own queries keep their values in the text."""
    game, _, alias, _ = world
    for _ in range(3):
        selectors.get_alias(game_id=game.id, alias_id=alias.id)
        member_channel_ids(alias.id)
        list(Player.objects.filter(game=game))
    runs = {statement: count for statement, count in _prepared_statements()}
    alias_load = [count for statement, count in runs.items() if '"players_playeralias"."identifier"' in statement]
    channel_ids = [count for statement, count in runs.items() if statement == MEMBER_CHANNEL_IDS.replace("%s", "$1")]
    assert alias_load == [3] and channel_ids == [3], runs
    assert not [statement for statement in runs if statement.startswith('SELECT "players_player"."id"')], runs


def test_logged_queries_show_their_statements_with_the_values(world):
    """While queries are logged (DEBUG, a test capturing them), the path's statements are sent the
    usual way, so that the log shows each one (psycopg keeps no text of a prepared statement)."""
    game, _, alias, _ = world
    with CaptureQueriesContext(connection) as captured:
        selectors.get_alias(game_id=game.id, alias_id=alias.id)
        member_channel_ids(alias.id)
    assert [query["sql"] is not None and str(alias.id) in query["sql"] for query in captured.captured_queries] == [True, True]
