"""Tenancy: a Company holds one Phone.inc API key; every member belongs to one company."""

from __future__ import annotations

import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from calls.models import encryption
from phonedash.redaction import register_secret


def validate_region(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            f"{value!r} is not a region phone numbers can be read in; "
            "use an ISO 3166 alpha-2 code such as US, GB or DE."
        )


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{value!r} is not an IANA time zone such as America/New_York or Europe/Berlin."
        ) from None


class Company(models.Model):
    # What the call history keeps of each call (calls.models.history), from nothing up.
    OFF = "off"
    METADATA = "metadata"
    SUMMARIES = "summaries"
    TRANSCRIPTS = "transcripts"
    HISTORY_LEVELS = [
        (OFF, "Off: only Phone.inc's most recent calls"),
        (METADATA, "Calls: who, when, how long, which line and who took them"),
        (SUMMARIES, "Calls and their summaries"),
        (TRANSCRIPTS, "Calls, summaries and transcripts"),
    ]
    KEEPING = (METADATA, SUMMARIES, TRANSCRIPTS)  # the levels that keep a history
    MIN_HISTORY_DAYS, MAX_HISTORY_DAYS, DEFAULT_HISTORY_DAYS = 1, 3650, 90

    name = models.CharField(max_length=100, unique=True)
    api_key_encrypted = models.TextField(
        editable=False, help_text="The Phone.inc API key, encrypted; never shown."
    )
    region = models.CharField(
        max_length=2,
        default="US",
        validators=[validate_region],
        help_text="ISO 3166 alpha-2 code used to read local phone numbers, e.g. US.",
    )
    timezone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_timezone],
        help_text="IANA time zone for displaying times, e.g. America/New_York.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on with every note added or deleted (calls.callbacks.notes): what is worked out from
    # the company's notes is kept under the version it was read at.
    notes_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Moves on with every change to the company's stored calls (calls.history): pages kept from
    # the history are kept under the version they were read at.
    history_version = models.PositiveBigIntegerField(default=0, editable=False)
    history = models.CharField(
        "call history",
        max_length=16,
        choices=HISTORY_LEVELS,
        default=OFF,
        help_text="What phonedash keeps of every call; off shows Phone.inc's latest calls only.",
    )
    history_days = models.PositiveSmallIntegerField(
        "days of history kept",
        default=DEFAULT_HISTORY_DAYS,
        validators=[MinValueValidator(MIN_HISTORY_DAYS), MaxValueValidator(MAX_HISTORY_DAYS)],
        help_text="Calls that started before the last this many days (today included) go.",
    )
    # The webhook's token (calls.history.hook): kept encrypted, found by its digest.
    hook_token_encrypted = models.TextField(blank=True, editable=False)
    hook_token_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the key, not even encrypted
        return f"<Company {self.pk}: {self.name}>"

    @property
    def api_key(self) -> str:
        key = encryption.decrypt(self.api_key_encrypted)
        register_secret(key)
        return key

    def set_api_key(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValidationError("The API key cannot be empty.")
        register_secret(value)
        self.api_key_encrypted = encryption.encrypt(value)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def keeps_history(self) -> bool:
        return self.history != self.OFF

    def keeps(self, level: str) -> bool:
        """Whether the history keeps what `level` keeps (transcripts keep summaries too)."""
        order = [value for value, _ in self.HISTORY_LEVELS]
        return order.index(self.history) >= order.index(level)


class Membership(models.Model):
    """Ties a user to exactly one company (a user without one sees a page saying so), with the
    member's role, the lines they may see and whether they may hear and read calls."""

    ADMIN = "admin"
    MANAGER = "manager"
    ROLES = [(ADMIN, "Admin"), (MANAGER, "Manager")]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=16,
        choices=ROLES,
        default=MANAGER,
        help_text="Admins run the team and read the audit log; managers browse calls.",
    )
    lines = models.JSONField(
        default=list,
        blank=True,
        help_text="Main numbers (E.164) this member sees; empty means every line.",
    )
    can_access_content = models.BooleanField(
        "may play recordings and read transcripts",
        default=True,
    )
    must_change_password = models.BooleanField(
        default=False,
        help_text="Set when the password was shown once on the Team page; cleared once changed.",
    )

    def __str__(self) -> str:
        return f"{self.user} at {self.company}"

    @property
    def is_admin(self) -> bool:
        return self.role == self.ADMIN


def company_of(user) -> Company | None:
    """The user's company, or None (anonymous users and users without a membership)."""
    if not user.is_authenticated:
        return None
    relation = Membership._meta.get_field("user").remote_field  # user.membership
    if not relation.is_cached(user):  # one query for both, cached as user.membership would be
        membership = Membership.objects.select_related("company").filter(user=user).first()
        relation.set_cached_value(user, membership)
    try:
        return user.membership.company
    except Membership.DoesNotExist:
        return None
