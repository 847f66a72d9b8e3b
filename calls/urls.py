from __future__ import annotations

from django.urls import path, register_converter

from calls.call_detail import recording
from calls.call_detail import views as call_detail
from calls.call_list import views as call_list
from calls.callbacks import note_views as notes
from calls.callbacks import views as callbacks
from calls.insights import export
from calls.insights import views as insights
from calls.phoneinc import CALL_ID_PATTERN


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
    path("", call_list.call_list, name="list"),
    # Before the call routes: "callbacks" would read as a call id.
    path("callbacks/", callbacks.callbacks_board, name="callbacks"),
    # Before the call ids: "insights" is one Phone.inc could issue.
    path("insights/", insights.call_insights, name="insights"),
    path("export.csv", export.call_export, name="export"),
    path("<call_id:call_id>/", call_detail.call_detail, name="detail"),
    path("<call_id:call_id>/recording/", recording.call_recording, name="recording"),
    path("<call_id:call_id>/transcript.txt", call_detail.call_transcript_text, name="transcript"),
    path("<call_id:call_id>/notes/", notes.add_note, name="notes"),
    path("<call_id:call_id>/notes/<int:note_id>/delete/", notes.delete_note, name="note_delete"),
]
