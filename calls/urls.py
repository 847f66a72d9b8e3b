from __future__ import annotations

from django.urls import path, register_converter

from calls.call_detail import recording
from calls.call_detail import views as call_detail
from calls.call_list import views as call_list
from calls.callbacks import note_views as notes
from calls.callbacks import views as callbacks
from calls.history import hook
from calls.history import views as history
from calls.insights import export
from calls.insights import views as insights
from calls.phoneinc import CALL_ID_PATTERN
from calls.search import views as search


class CallIdConverter:
    """Only ids Phone.inc could have issued reach a view, and from there an upstream URL."""

    regex = CALL_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CallIdConverter, "call_id")

app_name = "calls"
urlpatterns = [
    path("calls/", call_list.call_list, name="list"),
    # Before the call routes: "callbacks", "insights", "search" would read as call ids.
    path("calls/callbacks/", callbacks.callbacks_board, name="callbacks"),
    path("calls/insights/", insights.call_insights, name="insights"),
    path("calls/export.csv", export.call_export, name="export"),
    path("calls/search/", search.search, name="search"),
    path("calls/<call_id:call_id>/", call_detail.call_detail, name="detail"),
    path("calls/<call_id:call_id>/recording/", recording.call_recording, name="recording"),
    path(
        "calls/<call_id:call_id>/transcript.txt",
        call_detail.call_transcript_text,
        name="transcript",
    ),
    path("calls/<call_id:call_id>/notes/", notes.add_note, name="notes"),
    path("calls/<call_id:call_id>/notes/all/", notes.all_notes, name="notes_all"),
    path(
        "calls/<call_id:call_id>/notes/<int:note_id>/delete/",
        notes.delete_note,
        name="note_delete",
    ),
    path("team/history/", history.history_settings, name="history_settings"),
    path("team/history/token/", history.replace_token, name="history_token"),
    path("hooks/phoneinc/<str:token>/", hook.nudge, name="hook"),
]
