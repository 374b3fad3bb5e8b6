"""Models for content/texts/clubs.yaml: every word the coach says about club runs, and
the words it reads in "/club run sat 08:00 Europe/London 30"."""

from __future__ import annotations

from pydantic import Field

from bot.core.content import ButtonLabel, Frozen, NonEmpty, Template, Word, Words


class ClubVocabulary(Frozen):
    """What admins may type; the first word of each list is the one the coach shows."""

    weekdays: tuple[Words, ...] = Field(min_length=7, max_length=7)
    run: Words = Field(min_length=1)
    delete: Words = Field(min_length=1)
    edit: Words = Field(min_length=1)
    weekly: Words = Field(min_length=1)
    form_filler: Words = ()
    form_next: Words = ()
    am: Words = ()
    pm: Words = ()
    minutes: Words = ()
    role: Words = Field(min_length=1)
    name: Words = Field(min_length=1)
    on: Words = Field(min_length=1)
    off: Words = Field(min_length=1)


class ClubOptionTexts(Frozen):
    """Discord's structured /club options: a description each."""

    action: NonEmpty
    days: NonEmpty
    time: NonEmpty
    zone: NonEmpty
    minutes: NonEmpty
    value: NonEmpty
    actions: dict[Word, NonEmpty] = Field(min_length=1)  # action word -> label


class ClubTexts(Frozen):
    vocabulary: ClubVocabulary
    options: ClubOptionTexts
    day_names: tuple[NonEmpty, ...] = Field(min_length=7, max_length=7)  # Monday first
    groups_only: NonEmpty
    not_admin_telegram: NonEmpty
    not_admin_discord: NonEmpty
    not_admin_role: Template  # {role}
    admin_unknown: NonEmpty
    usage: NonEmpty
    bad_days: NonEmpty
    bad_time: Template  # {value}
    bad_zone: Template  # {value}
    bad_lead: Template  # {most}
    too_many: Template  # {most}
    saved: Template  # {run}
    listed_title: NonEmpty
    none_yet: NonEmpty
    run_line: Template  # {number}, {days}, {time}, {zone}, {lead}
    weekly_is_on: NonEmpty
    weekly_is_off: NonEmpty
    weekly_on: NonEmpty
    weekly_off: NonEmpty
    role_set: Template  # {role}
    role_bad: NonEmpty
    deleted: Template  # {run}
    no_such_run: Template  # {number}
    delete_button: ButtonLabel  # {number}
    resumed: NonEmpty
    # The group's messages: neutral words, never a member's name or health.
    invite: Template  # {day}, {time}, {zone}
    invite_button: ButtonLabel
    invite_late: Template  # {minutes}
    invite_repeat: NonEmpty
    after_none: Template  # {day}
    after_one: Template  # {day}
    after_many: Template  # {count}, {day}
    after_named: Template  # {names}
    named: Template  # {name}
    not_named: NonEmpty
    name_bad: NonEmpty
    weekly_summary: Template  # {runs}, {warmups}
    weekly_quiet: NonEmpty
    # The member's own message, in private.
    private_start: Template  # {day}, {time}
    start_button: ButtonLabel
    already_pressed: Template  # {day}
    invite_over: NonEmpty
    # The guided form (/club run alone).
    form_days: NonEmpty
    form_next: ButtonLabel
    form_hour: NonEmpty
    form_minute: NonEmpty
    form_zone: NonEmpty
    form_lead: NonEmpty
    form_lead_button: ButtonLabel  # {minutes}
    form_use_buttons: NonEmpty
    edited: Template  # {run}
