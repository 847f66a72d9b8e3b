"""Static URLs as deployed: the manifest's hashed names, each worked out once per process."""

from __future__ import annotations

import json

import pytest

from phonedash.static_files import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    manifest = {"paths": {"css/site.css": "css/site.0123abcd.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_it_names_the_hashed_file_and_keeps_the_answer(storage, monkeypatch):
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    monkeypatch.setattr(storage, "hashed_files", {})  # the manifest is not read again
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"


def test_it_still_refuses_a_file_the_manifest_does_not_list(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
