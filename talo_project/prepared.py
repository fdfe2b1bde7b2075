"""Querysets compiled once, run many times: the loads on the connection path (docs/architecture.md,
"One connection, ticket to identified").

Compiling a queryset to SQL costs Django more CPU than PostgreSQL spends answering it: the alias
load of an identify (alias, player, game, presence, auth, props and groups in one statement) took
~2.5 ms to compile and ~0.3 ms to run. A PreparedQuery builds its queryset once per database
vendor with placeholder values, keeps the SQL and what the compiler worked out (columns,
converters, related objects), and each call only swaps in the values and turns the row into
model instances the way Django's own ModelIterable does — the objects are the ones the queryset
would give.

PostgreSQL then spent more CPU planning them than running them (the alias load took ~1.3 ms a run,
of which ~0.4 ms was execution): Django sends every query with its values written into the text,
so the server parses and plans each one afresh. `cursor()` runs these statements, and the other
plain SQL of the path, as prepared statements instead: on a PostgreSQL connection each is parsed
and planned once and then executed with its values bound, and its rows come back in binary format
(`_BinaryResultsCursor`). Only these statements: Django's own queries (and the REST API's) keep
Django's default, values written into the text, never prepared. `DATABASE_PREPARED_STATEMENTS=0`
turns preparing off for a connection pooler that cannot keep prepared statements (PgBouncer
before 1.21, or without `max_prepared_statements`).
"""

import uuid
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models.query import get_related_populators
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.pq import Format

# Placeholder values no caller passes, found again among the compiled parameters.
_INT_PLACEHOLDER = 7_370_000_000_000_000_000
_STR_PLACEHOLDER = "\x1fprepared-placeholder-{}"


def _compared(field):
    """The field whose values a filter on `field` compares (a foreign key's target)."""
    return getattr(field, "target_field", None) or field


def _placeholder(field, index):
    kind = _compared(field).get_internal_type()
    if kind == "UUIDField":
        return uuid.UUID(int=_INT_PLACEHOLDER + index)
    if kind in ("CharField", "TextField"):
        return _STR_PLACEHOLDER.format(index)
    return _INT_PLACEHOLDER + index


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: dict  # parameter name -> (the field it is compared with, its positions in params)
    model: type
    model_columns: slice
    init_list: list
    converters: list  # (position, converters, expression)
    populators: list
    annotations: dict  # attribute -> position


class PreparedQuery:
    """`build(**values)` returns a queryset of one model filtered by the named parameters, each
    compared with the model field `fields` names for it (an integer, UUID or text column, or a
    foreign key to one); `first(**values)` is `build(**values).first()` without an ORDER BY
    (a unique filter selects one row) and without compiling again."""

    def __init__(self, build, **fields):
        self._build = build
        self._fields = fields
        self._compiled = {}  # database vendor -> _Compiled

    def _compile(self, connection):
        placeholders = {name: _placeholder(field, i) for i, (name, field) in enumerate(self._fields.items())}
        queryset = self._build(**placeholders).order_by()[:1]
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = {}
        for name, value in placeholders.items():
            compared = _compared(self._fields[name])
            stored = compared.get_db_prep_value(value, connection)
            positions = tuple(i for i, p in enumerate(params) if p == stored)
            if not positions:
                raise ValueError(f"{name} is not among the compiled query's parameters")
            slots[name] = (compared, positions)
        select, klass_info = compiler.select, compiler.klass_info
        columns = klass_info["select_fields"]
        model_columns = slice(columns[0], columns[-1] + 1)
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            model=klass_info["model"],
            model_columns=model_columns,
            init_list=[column[0].target.attname for column in select[model_columns]],
            converters=[(position, convs, expression) for position, (convs, expression) in converters.items()],
            populators=get_related_populators(klass_info, select, connection.alias),
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def first(self, **values):
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        params = list(compiled.params)
        for name, (compared, positions) in compiled.slots.items():
            stored = compared.get_db_prep_value(values[name], connection)
            for position in positions:
                params[position] = stored
        with cursor(connection) as rows:
            rows.execute(compiled.sql, params)
            row = rows.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, convs, expression in compiled.converters:
            value = row[position]
            for convert in convs:
                value = convert(value, expression, connection)
            row[position] = value
        obj = compiled.model.from_db(connection.alias, compiled.init_list, row[compiled.model_columns])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for attribute, position in compiled.annotations.items():
            setattr(obj, attribute, row[position])
        return obj


class _JsonAsText(Loader):
    """A json column in binary format is its text; Django decodes JSON itself."""

    format = Format.BINARY

    def load(self, data):
        return bytes(data).decode()


class _JsonbAsText(_JsonAsText):
    def load(self, data):
        return bytes(data[1:]).decode()  # a version byte (1), then the text


_JSONB = adapters.types["jsonb"].oid


class _BinaryResultsCursor(ServerBindingCursor):
    """Rows come back in PostgreSQL's binary format, which psycopg turns into Python values in C:
    in text format the time stamps went through Django's time-zone loader, a Python subclass of
    psycopg's (~5 % of an identify), and every integer was parsed from its digits. The values are
    the ones the text format gives (time stamps in UTC, the connections' time zone), JSON as text."""

    def __init__(self, connection):
        if connection.adapters.get_loader(_JSONB, Format.BINARY) is not _JsonbAsText:
            connection.adapters.register_loader("jsonb", _JsonbAsText)
            connection.adapters.register_loader("json", _JsonAsText)
        super().__init__(connection)

    def execute(self, query, params=None, *, prepare=None, binary=True):
        return super().execute(query, params, prepare=prepare, binary=binary)


def cursor(connection=None):
    """A cursor of `connection` (the default database's) that sends the values apart from the
    statement: on PostgreSQL each statement is then prepared once per connection (the pool's
    connections are opened with `prepare_threshold` 0, which only such a cursor uses). On another
    database, or while queries are logged (DEBUG, a test or `bench.costs` capturing them: psycopg
    keeps no text of a prepared statement for the log to show), the usual cursor. Django's wrapper
    is kept: errors and execute wrappers are as usual."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # Django's own cursor() differs only in its class (and in registering a time-zone loader
        # on the cursor when the connection's disagrees, which cannot happen here: its connections
        # are opened with Django's time zone).
        raw = _BinaryResultsCursor(connection.connection)
    return connection.make_cursor(raw)
