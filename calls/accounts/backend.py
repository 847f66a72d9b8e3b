"""The authentication backend: Django's own, loading the signed-in user with their company.

Every page needs the user's company (to scope what it shows) and the layout names it, so the
user, their membership and the company come in the one query that loads the user anyway,
instead of one more query per page. Passwords, permissions and `is_active` are ModelBackend's.

That query runs on every page, and building it through the ORM took twice as long as the rest
of loading the user: it is written out once per database connection's kind (the same join
`select_related("membership__company")` makes, every column of the three tables), and its row
is turned into the three objects as the ORM does (each column through the converters the
ORM would apply, each object cached where select_related caches it).

Kept because the budget needs it: with this statement and the session's (phonedash.sessions)
written out, the warm 50-call list measured 0.67 of the bare login-required view; through the
ORM, 0.45, under its budget of 0.5 (and the callbacks board 0.29, under 0.4).
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from calls.models import Company, Membership


class CompanyUserBackend(ModelBackend):
    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def load_user(user_id):
    """The user with this id, with `user.membership` and its company loaded; None if none."""
    User = get_user_model()
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, tables = _statement(alias, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user, membership, company = _objects(alias, connection, tables, row)
    Membership._meta.get_field("user").remote_field.set_cached_value(user, membership)
    if membership is not None:
        Membership._meta.get_field("user").set_cached_value(membership, user)
        Membership._meta.get_field("company").set_cached_value(membership, company)
    return user


@functools.cache
def _statement(alias: str, vendor: str) -> tuple[str, tuple]:
    """The join, and for each table its model and fields in the order of its columns."""
    quote = connections[alias].ops.quote_name
    User = get_user_model()
    tables = tuple(
        (model, tuple(model._meta.concrete_fields), name)
        for model, name in ((User, "u"), (Membership, "m"), (Company, "c"))
    )
    columns = ", ".join(
        f"{name}.{quote(field.column)}" for _, fields, name in tables for field in fields
    )
    user_pk = quote(User._meta.pk.column)
    of_user = quote(Membership._meta.get_field("user").column)
    of_company = quote(Membership._meta.get_field("company").column)
    company_pk = quote(Company._meta.pk.column)
    users, members, companies = (
        quote(model._meta.db_table) for model in (User, Membership, Company)
    )
    sql = (
        f"SELECT {columns} FROM {users} u "
        f"LEFT OUTER JOIN {members} m ON m.{of_user} = u.{user_pk} "
        f"LEFT OUTER JOIN {companies} c ON c.{company_pk} = m.{of_company} "
        f"WHERE u.{user_pk} = %s"
    )
    return sql, tables


def _objects(alias: str, connection, tables: tuple, row: tuple) -> list:
    """The row as the three model instances (None for a table the join found no row in)."""
    found, start = [], 0
    for model, fields, name in tables:
        values = list(row[start : start + len(fields)])
        start += len(fields)
        if values[0] is None and fields[0].primary_key:
            found.append(None)
            continue
        for index, (column, converters) in enumerate(_converters(connection, model, name)):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        found.append(model.from_db(alias, [field.attname for field in fields], values))
    return found


@functools.lru_cache(maxsize=64)  # per connection object (one per thread) and table
def _converters(connection, model, name: str) -> tuple:
    """What the ORM passes each column's value through: the backend's converters and the
    field's own (from_db_value), with the column expression they are given."""
    found = []
    for field in model._meta.concrete_fields:
        column = field.get_col(name)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        found.append((column, tuple(converters)))
    return tuple(found)
