"""Migration 0002 gives members who existed before roles the least surprising access: a
manager of every line who may play recordings and read transcripts, as everyone was."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("calls", "0001_initial")]
AFTER = [("calls", "0002_roles_notes_audit")]


@pytest.mark.django_db(transaction=True)
def test_it_makes_existing_members_managers_of_every_line_with_content():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    company = old.get_model("calls", "Company").objects.create(
        name="Old Co", api_key_encrypted="x", region="US", timezone="UTC"
    )
    user = old.get_model("auth", "User").objects.create(username="old-timer")
    old.get_model("calls", "Membership").objects.create(user=user, company=company)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    member = new.get_model("calls", "Membership").objects.get(user__username="old-timer")

    assert member.role == "manager"
    assert member.lines == []
    assert member.can_access_content is True
    assert member.must_change_password is False

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as it was
