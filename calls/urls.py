from __future__ import annotations

from django.urls import path, register_converter

from calls import views
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
    path("", views.call_list, name="list"),
    path("<call_id:call_id>/", views.call_detail, name="detail"),
    path("<call_id:call_id>/recording/", views.call_recording, name="recording"),
    path("<call_id:call_id>/transcript.txt", views.call_transcript_text, name="transcript"),
]
