"""Phone.inc answers for the client's unit tests: the vendor doc's examples and a minimal call."""

from __future__ import annotations

# The call's fields as the vendor documents them, in the doc's order (initiated_by only on
# outbound calls), and those it says may be null (or leaves out).
FIELDS = (
    "id",
    "from",
    "to",
    "direction",
    "state",
    "started_at",
    "answered_at",
    "duration",
    "summary",
    "transcription",
    "transcription_segments",
    "recording_url",
    "main_number_id",
    "main_number_name",
    "main_number",
    "main_number_formatted",
    "employees",
    "initiated_by",
)
NULLABLE = tuple(name for name in FIELDS if name not in ("id", "direction", "state"))

# The two example answers in docs/phone-inc-calls-api.txt, verbatim.
LIST_EXAMPLE = """{
  "calls": [
    {
      "id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
      "from": "+14085550199",
      "to": "+14155551234",
      "direction": "inbound",
      "state": "ended",
      "started_at": "2026-05-11T14:02:11Z",
      "answered_at": "2026-05-11T14:02:14Z",
      "duration": 187,
      "summary": "Customer asked about the status of order #1042.",
      "transcription": "Hello, I'm calling about order 1042...",
      "transcription_segments": [
        { "speaker": "Caller", "text": "Hello, I'm calling about order 1042.", "employee_id": null },
        { "speaker": "Alex Wong", "text": "Sure, let me look that up for you.", "employee_id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20" }
      ],
      "recording_url": "https://app.phone.inc/rails/active_storage/blobs/redirect/.../recording.mp3",
      "main_number_id": "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
      "main_number_name": "Sales",
      "main_number": "+14155551234",
      "main_number_formatted": "+1 415-555-1234",
      "employees": [
        {
          "id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
          "name": "Alex Wong"
        }
      ]
    }
  ]
}"""  # noqa: E501

RETRIEVE_EXAMPLE = """{
  "id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
  "from": "+14085550199",
  "to": "+14155551234",
  "direction": "inbound",
  "state": "bridged",
  "started_at": "2026-05-11T14:02:11Z",
  "answered_at": "2026-05-11T14:02:14Z",
  "duration": null,
  "summary": null,
  "transcription": null,
  "transcription_segments": null,
  "recording_url": null,
  "main_number_id": "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
  "main_number_name": "Sales",
  "main_number": "+14155551234",
  "main_number_formatted": "+1 415-555-1234",
  "employees": [
    {
      "id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
      "name": "Alex Wong"
    }
  ]
}"""

CALL_ID = "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11"


def minimal(**fields: object) -> dict[str, object]:
    """The smallest call object Phone.inc could send, with `fields` on top."""
    data: dict[str, object] = {
        "id": "c1",
        "from": "+14085550199",
        "to": "+14155551234",
        "direction": "inbound",
        "state": "ended",
    }
    data.update(fields)
    return data
