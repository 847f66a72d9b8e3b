"""Business dialogue for seeded calls: summaries, transcripts and speaker segments.

Templates rather than canned transcripts, so a few dozen lines give hundreds of calls that
read differently but plausibly, always in the vendor's shape (`speaker`, `text`,
`employee_id`; the remote party is "Caller" with a null employee id).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

CALLER = "Caller"


@dataclass(frozen=True)
class Topic:
    """One reason to call: the exchange in the middle of a call and its summary."""

    summary: str
    lines: tuple[tuple[str, str], ...]  # ("caller" | "employee", text template)
    outbound: bool = False


TOPICS: tuple[Topic, ...] = (
    Topic(
        "Customer asked about the status of order #{order}; {first} confirmed it ships on {day}.",
        (
            ("caller", "Hi, I'm calling about order {order}. It hasn't arrived yet."),
            ("employee", "Sorry about the wait. Let me pull that order up for you."),
            ("employee", "I can see it here. It was packed this morning and ships on {day}."),
            ("caller", "Great. Will I get a tracking number?"),
            ("employee", "Yes, you'll get an email with tracking as soon as it leaves."),
        ),
    ),
    Topic(
        "Caller disputed a charge on invoice {invoice}; {first} issued a credit of ${amount}.",
        (
            ("caller", "I think I was charged twice on invoice {invoice}."),
            ("employee", "Let me check the billing history on your account."),
            ("employee", "You're right, there is a duplicate line for ${amount}."),
            ("caller", "Can you take that off?"),
            ("employee", "I've issued a credit for ${amount}. It will show within five days."),
        ),
    ),
    Topic(
        "Prospect requested a demo of the {product}; {first} booked one for {day}.",
        (
            ("caller", "We're evaluating the {product} and would like to see a demo."),
            ("employee", "Happy to set that up. How many people are on your team?"),
            ("caller", "About {seats} people across two offices."),
            ("employee", "Perfect. Does {day} at ten work for a thirty minute demo?"),
            ("caller", "That works. Please send the invite to my email."),
        ),
    ),
    Topic(
        "Caller could not log in after a password reset; {first} unlocked the account.",
        (
            ("caller", "I reset my password but I still can't log in."),
            ("employee", "Sorry about that. Can you confirm the email on the account?"),
            ("caller", "Sure, it's the one ending in example dot com."),
            ("employee", "Thanks. The account was locked after several attempts."),
            ("employee", "I've unlocked it now. Could you try logging in again?"),
            ("caller", "Yes, that worked. I'm in."),
        ),
    ),
    Topic(
        "Customer rescheduled delivery of order #{order} to {day}.",
        (
            ("caller", "I won't be home for the delivery of order {order}."),
            ("employee", "No problem. When would suit you better?"),
            ("caller", "Could it come on {day} instead?"),
            ("employee", "Done. I've moved the delivery to {day} between nine and twelve."),
        ),
    ),
    Topic(
        "Customer returned a damaged {product}; {first} sent a prepaid return label.",
        (
            ("caller", "The {product} I received is damaged. The casing is cracked."),
            ("employee", "I'm sorry to hear that. We'll replace it right away."),
            ("employee", "I'm emailing you a prepaid return label now."),
            ("caller", "Thank you. Do I need the original box?"),
            ("employee", "Any sturdy box is fine. The replacement ships once it's scanned."),
        ),
    ),
    Topic(
        "Caller asked for a quote for {seats} units of the {product}; quote to follow on {day}.",
        (
            ("caller", "We'd like pricing for {seats} units of the {product}."),
            ("employee", "Sure. Are you looking at annual billing?"),
            ("caller", "Annual, yes, if there's a discount for volume."),
            ("employee", "There is. I'll put together a formal quote and send it on {day}."),
        ),
    ),
    Topic(
        "Caller booked an appointment for {day} at {time}.",
        (
            ("caller", "I'd like to book an appointment, please."),
            ("employee", "Of course. Is there a day that works best?"),
            ("caller", "Is {day} possible, maybe in the afternoon?"),
            ("employee", "I have {time} available on {day}. Shall I book that?"),
            ("caller", "Yes please, {time} is great."),
        ),
    ),
    Topic(
        "{first} followed up on quote {invoice}; the customer will sign off by {day}.",
        (
            ("employee", "I'm following up on the quote we sent last week, {invoice}."),
            ("caller", "Yes, we've reviewed it internally."),
            ("caller", "Finance just needs to approve the annual amount."),
            ("employee", "Understood. Is there anything I can clarify for them?"),
            ("caller", "No, it's clear. We should sign off by {day}."),
        ),
        outbound=True,
    ),
    Topic(
        "{first} reminded the customer that their contract renews on {day}; they will renew.",
        (
            ("employee", "I'm calling because your contract renews on {day}."),
            ("caller", "Right, thanks for the reminder."),
            ("employee", "Would you like to keep the same plan or review the options?"),
            ("caller", "Same plan is fine, we're happy with it."),
            ("employee", "Great, I'll make a note. You don't need to do anything else."),
        ),
        outbound=True,
    ),
    Topic(
        "{first} returned a missed call about order #{order}; the issue was already solved.",
        (
            ("employee", "I'm returning your call from earlier about order {order}."),
            ("caller", "Oh thanks, it turned up an hour after I called."),
            ("employee", "Glad to hear it. Is everything in good condition?"),
            ("caller", "Yes, all good."),
        ),
        outbound=True,
    ),
)

PRODUCTS = ("Rocket Skates", "Portable Hole", "Anvil Pro", "Model X200", "Starter Kit")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
TIMES = ("9:30", "11:00", "2:15", "3:45", "4:30")

LONG_CALL_LINES = (
    ("caller", "Next on the list is item {n}, the {product}."),
    ("employee", "Got it. How many of those do you need?"),
    ("caller", "Let's say {seats} for now, we may add more later."),
    ("employee", "Noted, {seats} units of the {product}. Same delivery address?"),
    ("caller", "Yes, same address, but mark it for the warehouse team."),
    ("employee", "Done. Anything special about packaging for that one?"),
    ("caller", "No, standard packaging is fine."),
    ("employee", "Okay, line {n} is in. What's next?"),
)


def _fill(template: str, slots: dict[str, Any]) -> str:
    return template.format(**slots)


def slots_for(rng: random.Random, first: str) -> dict[str, Any]:
    """Random details that make one call differ from the next."""
    return {
        "first": first,
        "order": rng.randint(1000, 9999),
        "invoice": f"INV-{rng.randint(20000, 29999)}",
        "amount": rng.choice((49, 89, 120, 249, 312, 480)),
        "product": rng.choice(PRODUCTS),
        "day": rng.choice(DAYS),
        "time": rng.choice(TIMES),
        "seats": rng.choice((5, 12, 25, 40, 120)),
    }


def pick_topic(rng: random.Random, outbound: bool) -> Topic:
    return rng.choice([topic for topic in TOPICS if topic.outbound == outbound])


def conversation(
    rng: random.Random,
    *,
    topic: Topic,
    company: str,
    line: str,
    employee: dict[str, str],
    outbound: bool,
    long_items: int = 0,
) -> tuple[str, list[dict[str, Any]]]:
    """A call's summary and its speaker segments, greeting to goodbye."""
    first = employee["name"].split()[0]
    slots = slots_for(rng, first)
    if outbound:
        script = [
            ("employee", f"Hi, this is {first} from {company}. Is now a good time?"),
            ("caller", "Sure, go ahead."),
        ]
    else:
        script = [
            ("employee", f"Thanks for calling {company} {line}, this is {first}. How can I help?"),
        ]
    script += [(who, _fill(text, slots)) for who, text in topic.lines]
    for n in range(1, long_items + 1):
        item = {**slots, "n": n, "product": rng.choice(PRODUCTS)}
        script += [(who, _fill(text, item)) for who, text in LONG_CALL_LINES]
    script += [
        ("employee", "Is there anything else I can help you with today?"),
        ("caller", "No, that's everything. Thanks for your help."),
        ("employee", "You're welcome. Have a great day."),
    ]
    segments = [
        {
            "speaker": employee["name"] if who == "employee" else CALLER,
            "text": text,
            "employee_id": employee["id"] if who == "employee" else None,
        }
        for who, text in script
    ]
    return _fill(topic.summary, slots), segments


def full_text(segments: list[dict[str, Any]]) -> str:
    """The flat `transcription` the vendor sends next to the segments."""
    return " ".join(segment["text"] for segment in segments)
