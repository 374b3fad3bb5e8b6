"""The guided /club run form, for an admin who types just "/club run": buttons for the
days, the hour, the minutes and the lead; the zone from a button (the club's or the
admin's own) or typed in a reply. Every answer is saved with the step."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time

from bot.core.calendar import known_zone
from bot.core.messages import Tone
from bot.core.state import FlowData
from bot.core.texts import UnderstandingTexts
from bot.core.turn import Turn
from bot.core.understanding import read_amount, spell_numbers, typed_phrase
from bot.features.clubs.parsing import RunRequest, read_clock, read_days
from bot.features.clubs.texts import ClubTexts, ClubVocabulary

FLOW = "clubs"
DAYS, HOUR, MINUTE, ZONE, LEAD = "form_days", "form_hour", "form_minute", "form_zone", "form_lead"
HOURS = tuple(range(5, 22))
MINUTES = (0, 15, 30, 45)
LEADS = (15, 30, 45, 60)


@dataclass(frozen=True, slots=True)
class RunForm(FlowData):
    days: tuple[int, ...] = ()
    hour: int | None = None
    minute: int | None = None
    zone: str | None = None


STEPS = {DAYS: RunForm, HOUR: RunForm, MINUTE: RunForm, ZONE: RunForm, LEAD: RunForm}


def ask_days(turn: Turn, texts: ClubTexts, form: RunForm) -> None:
    turn.goto(FLOW, DAYS, form)
    names = texts.day_names
    choices = [
        turn.choice(("✓ " if day in form.days else "") + names[day][:3], f"f.day.{day}")
        for day in range(7)
    ]
    if form.days:
        choices.append(turn.choice(texts.form_next, "f.next", Tone.GO))
    turn.say(texts.form_days, choices=choices)


def ask_hour(turn: Turn, texts: ClubTexts, form: RunForm) -> None:
    turn.goto(FLOW, HOUR, form)
    choices = [turn.choice(f"{hour:02d}", f"f.hour.{hour}") for hour in HOURS]
    turn.say(texts.form_hour, choices=choices)


def ask_minute(turn: Turn, texts: ClubTexts, form: RunForm) -> None:
    turn.goto(FLOW, MINUTE, form)
    choices = [turn.choice(f"{form.hour:02d}:{m:02d}", f"f.min.{m}") for m in MINUTES]
    turn.say(texts.form_minute, choices=choices)


def ask_zone(turn: Turn, texts: ClubTexts, form: RunForm, known: tuple[str, ...]) -> None:
    turn.goto(FLOW, ZONE, form)
    offered = [z for z in dict.fromkeys(known) if known_zone(z)][:3]
    choices = [turn.choice(z, f"f.zone.{i}") for i, z in enumerate(offered)]
    turn.say(texts.form_zone, choices=choices)


def ask_lead(turn: Turn, texts: ClubTexts, form: RunForm) -> None:
    turn.goto(FLOW, LEAD, form)
    choices = [turn.choice(texts.form_lead_button.format(minutes=m), f"f.lead.{m}") for m in LEADS]
    turn.say(texts.form_lead, choices=choices)


def pressed(turn: Turn, texts: ClubTexts, action: str, known: tuple[str, ...]) -> RunRequest | None:
    """Move the form on for a press; the finished request once the lead is chosen."""
    form = turn.data(RunForm)
    kind, _, value = action.removeprefix("f.").partition(".")
    if kind == "day" and value.isdigit() and int(value) < 7:
        day = int(value)
        days = tuple(sorted(set(form.days) ^ {day}))
        ask_days(turn, texts, replace(form, days=days))
    elif kind == "next" and form.days:
        ask_hour(turn, texts, form)
    elif kind == "hour" and value.isdigit() and int(value) in HOURS:
        ask_minute(turn, texts, replace(form, hour=int(value)))
    elif kind == "min" and value.isdigit() and int(value) in MINUTES and form.hour is not None:
        ask_zone(turn, texts, replace(form, minute=int(value)), known)
    elif kind == "zone" and value.isdigit():
        offered = [z for z in dict.fromkeys(known) if known_zone(z)][:3]
        if int(value) < len(offered):
            ask_lead(turn, texts, replace(form, zone=offered[int(value)]))
        else:
            ask_zone(turn, texts, form, known)
    elif kind == "lead" and value.isdigit() and int(value) in LEADS:
        if form.hour is None or form.minute is None or form.zone is None or not form.days:
            ask_days(turn, texts, RunForm())
            return None
        return RunRequest(frozenset(form.days), time(form.hour, form.minute), form.zone, int(value))
    else:
        turn.say(texts.form_use_buttons)
    return None


def typed_action(turn: Turn, texts: ClubTexts, text: str, heard: UnderstandingTexts) -> str | None:
    """The press a typed answer stands for at the form's step ("tue and thu", "7am",
    "7:30", "30 min", "next"); ``None`` when it is none, or at the zone step."""
    words = texts.vocabulary
    form = turn.data(RunForm)
    said = spell_numbers(text, heard).strip().casefold()
    for phrase in sorted(words.form_filler, key=len, reverse=True):
        said = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", said)
    said = " ".join(said.replace(",", " ").split())
    step = turn.state.step
    if step == DAYS:
        if form.days and typed_phrase(said, [words.form_next]) is not None:
            return "f.next"
        days = read_days(said, words)
        if days is None:
            return None
        # All the days typed at once: chosen, and on to the hour.
        turn.goto(FLOW, DAYS, replace(form, days=tuple(sorted(set(form.days) | days))))
        return "f.next"
    clock = read_clock(said.replace(" ", ""))
    if step in (HOUR, MINUTE) and clock is not None:
        if clock.hour not in HOURS or clock.minute not in MINUTES:
            return None
        if step == HOUR:  # "7:30" at the hour: both at once
            turn.goto(FLOW, MINUTE, replace(form, hour=clock.hour))
        return f"f.min.{clock.minute}"
    if step == HOUR:
        hour = _typed_hour(said, words)
        return f"f.hour.{hour}" if hour in HOURS else None
    if step == MINUTE:
        minute = read_amount(said.lstrip(":"), 0, 59, heard, out_of=False)
        return f"f.min.{minute}" if minute in MINUTES else None
    if step == LEAD:
        for unit in sorted(words.minutes, key=len, reverse=True):
            said = re.sub(rf"(?<=\d)\s*{re.escape(unit)}\b", "", said)
        lead = read_amount(said.strip(), 0, max(LEADS), heard, out_of=False)
        return f"f.lead.{lead}" if lead in LEADS else None
    return None


def _typed_hour(said: str, words: ClubVocabulary) -> int | None:
    """ "7", "07", "7am", "7 pm", "18": the hour, on a 24-hour clock."""
    meridiem = None
    for kind, suffixes in (("am", words.am), ("pm", words.pm)):
        for suffix in sorted(suffixes, key=len, reverse=True):
            if said.endswith(suffix) and said[: -len(suffix)].strip().isdecimal():
                said, meridiem = said[: -len(suffix)].strip(), kind
                break
    if not said.isdecimal() or len(said) > 2:
        return None
    hour = int(said)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return hour if hour <= 23 else None


def typed_zone(turn: Turn, texts: ClubTexts, text: str) -> bool:
    """A zone typed (in a reply) at the zone step."""
    if turn.state.step != ZONE:
        return False
    name = text.strip()
    if known_zone(name) is None:
        turn.say(texts.bad_zone.format(value=name[:40]))
        return True
    ask_lead(turn, texts, replace(turn.data(RunForm), zone=name))
    return True
