"""Made-up conversations for synthetic calls (calls.history.seeding): summaries and
transcripts.

A handful of topics, each an exchange and its summary with a few details filled in at
random, so that calls read differently but plausibly; transcripts come in Phone.inc's shape,
turns alternating between the caller (speaker "Caller", no employee id) and the employee.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from calls.phoneinc import Employee, TranscriptSegment

CALLER = "Caller"  # Phone.inc's speaker for the other party
TRANSCRIPT_CHARS = 2048  # "about 2 KB" of transcription text

PRODUCTS = ("Standard plan", "Team plan", "wall bracket", "desk phone", "headset")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
TIMES = ("9:30", "11:00", "1:45", "3:15", "4:30")
UNITS = (3, 10, 20, 50)


@dataclass(frozen=True)
class Topic:
    """One reason to call: what is said about it, and its summary."""

    summary: str
    lines: tuple[tuple[str, str], ...]  # ("caller" | "employee", text with {details})
    outbound: bool = False


TOPICS: tuple[Topic, ...] = (
    Topic(
        "Customer asked where order #{order} is; {first} confirmed it ships on {day}.",
        (
            ("caller", "Hello, I'm checking on order {order}. It still hasn't turned up."),
            ("employee", "Sorry to hear that. Let me find the order and see where it is."),
            ("employee", "Here it is. It was held back for one item, and it ships on {day}."),
            ("caller", "Okay. Will I get the tracking details by email?"),
            ("employee", "Yes, the tracking link goes out the moment it leaves us."),
        ),
    ),
    Topic(
        "Caller queried a late fee on invoice {invoice}; {first} waived it.",
        (
            ("caller", "There's a late fee on invoice {invoice}, but we paid it on time."),
            ("employee", "Let me look at the payments on your account for that invoice."),
            ("employee", "I see it. Your payment arrived on the due date, so that fee is wrong."),
            ("caller", "Can you remove it, then?"),
            ("employee", "Done. The fee is waived and a corrected invoice is on its way."),
        ),
    ),
    Topic(
        "Caller booked an appointment for {day} at {time}.",
        (
            ("caller", "I'd like to book an appointment with one of your advisers, please."),
            ("employee", "Of course. Which day suits you best this week?"),
            ("caller", "{day} would be ideal, if you have anything in the afternoon."),
            ("employee", "I can offer {time} on {day}. Shall I put you down for that?"),
            ("caller", "Yes please, {time} on {day} is perfect."),
        ),
    ),
    Topic(
        "Caller was locked out of the account; {first} unlocked it and reset the password.",
        (
            ("caller", "I can't sign in to my account. It says it has been locked."),
            ("employee", "That happens after a few wrong passwords. Can you confirm your email?"),
            ("caller", "It's my work address, the one ending in example dot com."),
            ("employee", "Thanks. I've unlocked it and sent you a link to set a new password."),
            ("caller", "Got it, I'm in now. Thank you."),
        ),
    ),
    Topic(
        "Caller asked for a quote for {units} of the {product}; {first} will send it by {day}.",
        (
            ("caller", "We're thinking of ordering {units} of the {product}. What would it cost?"),
            ("employee", "Happy to help. Is that for one site or several?"),
            ("caller", "One site for now, but we may add a second later this year."),
            ("employee", "Understood. I'll prepare a written quote and send it by {day}."),
            ("caller", "Great, please send it to the email on our account."),
        ),
    ),
    Topic(
        "Customer reported a faulty {product}; {first} arranged a replacement.",
        (
            ("caller", "The {product} we received last week has stopped working."),
            ("employee", "I'm sorry about that. Does it power on at all?"),
            ("caller", "No, nothing happens at all, even after we tried another socket."),
            ("employee", "Then it's faulty. I'm sending a replacement today, with a return label."),
            ("caller", "Thanks. Should we send the old one back before the new one comes?"),
            ("employee", "No need to wait. Send it back whenever suits you."),
        ),
    ),
    Topic(
        "{first} followed up on quote {invoice}; the customer will decide by {day}.",
        (
            ("employee", "I'm following up on the quote we sent you, {invoice}."),
            ("caller", "Thanks for calling. We've looked at it with the team."),
            ("caller", "We just need our finance director to approve it."),
            ("employee", "Of course. Is there anything in it I can explain?"),
            ("caller", "No, it's all clear. You'll have an answer by {day}."),
        ),
        outbound=True,
    ),
    Topic(
        "{first} returned a missed call about order #{order}; it had arrived meanwhile.",
        (
            ("employee", "I'm returning your call from earlier about order {order}."),
            ("caller", "Thanks for getting back to me. It arrived just after I called."),
            ("employee", "Good to hear. Is everything there and in good condition?"),
            ("caller", "Yes, everything is fine."),
        ),
        outbound=True,
    ),
    Topic(
        "{first} confirmed the customer's appointment on {day} at {time}.",
        (
            ("employee", "I'm calling to confirm your appointment on {day} at {time}."),
            ("caller", "Yes, that's still fine for us."),
            ("employee", "Lovely. Please bring your account number with you."),
            ("caller", "Will do. See you on {day}."),
        ),
        outbound=True,
    ),
)
INBOUND_TOPICS = tuple(topic for topic in TOPICS if not topic.outbound)
OUTBOUND_TOPICS = tuple(topic for topic in TOPICS if topic.outbound)

GOODBYE = (
    ("employee", "Is there anything else I can help you with today?"),
    ("caller", "No, that's everything. Thanks for your help."),
    ("employee", "You're welcome. Have a great day."),
)
ONE_MORE_THING = (
    ("employee", "Is there anything else I can help with while I have you?"),
    ("caller", "Actually, yes, one more thing."),
)


def details(rng: random.Random, first: str) -> dict[str, object]:
    """What makes one call about a topic differ from the next."""
    return {
        "first": first,
        "order": rng.randint(10000, 99999),
        "invoice": f"INV-{rng.randint(3000, 8999)}",
        "product": rng.choice(PRODUCTS),
        "units": rng.choice(UNITS),
        "day": rng.choice(DAYS),
        "time": rng.choice(TIMES),
    }


def summary(rng: random.Random, employee: Employee, *, outbound: bool) -> str:
    """A call's summary, for a call without a transcript."""
    topic = rng.choice(OUTBOUND_TOPICS if outbound else INBOUND_TOPICS)
    return topic.summary.format(**details(rng, first_name(employee)))


def conversation(
    rng: random.Random, company: str, line_name: str, employee: Employee, *, outbound: bool
) -> tuple[str, tuple[TranscriptSegment, ...]]:
    """A summary and a transcript of about TRANSCRIPT_CHARS characters: a greeting, as many
    topics as come closest to that length, and a goodbye, in turns that alternate between the
    caller and the employee."""
    first = first_name(employee)
    if outbound:
        turns = [("employee", f"Hi, this is {first} from {company}."), ("caller", "Hi, go ahead.")]
        first_topic = rng.choice(OUTBOUND_TOPICS)
    else:
        greeting = f"Thanks for calling {company} {line_name.lower()}, this is {first}."
        turns = [("employee", f"{greeting} How can I help?")]
        first_topic = rng.choice(INBOUND_TOPICS)
    others = [topic for topic in INBOUND_TOPICS if topic is not first_topic]
    rng.shuffle(others)
    length = sum(len(text) + 1 for _, text in [*turns, *GOODBYE])
    summaries: list[str] = []
    for topic in (first_topic, *others):
        filled = details(rng, first)
        said = [*(ONE_MORE_THING if summaries else ()), *topic.lines]
        said = [(who, text.format(**filled)) for who, text in said]
        added = sum(len(text) + 1 for _, text in said)
        if summaries and abs(length + added - TRANSCRIPT_CHARS) >= abs(length - TRANSCRIPT_CHARS):
            break
        turns += said
        length += added
        summaries.append(topic.summary.format(**filled))
    segments = []
    for who, group in itertools.groupby([*turns, *GOODBYE], key=lambda turn: turn[0]):
        text = " ".join(text for _, text in group)
        if who == "employee":
            segments.append(TranscriptSegment(employee.name or "Employee", text, employee.id))
        else:
            segments.append(TranscriptSegment(CALLER, text))
    return " ".join(summaries), tuple(segments)


def first_name(employee: Employee) -> str:
    return employee.name.split()[0] if employee.name.strip() else "your agent"
