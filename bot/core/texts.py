"""The core's own words (content/texts/core.yaml): the bot, its commands, the menu, the
safety note's acceptance, and what any step may need to say."""

from __future__ import annotations

from pydantic import Field

from bot.core.content import ButtonLabel, Frozen, NonEmpty, Template


class BotTexts(Frozen):
    name: NonEmpty
    description: Template
    short_description: Template


class CommonTexts(Frozen):
    menu_prompt: Template
    cancelled: Template
    nothing_to_cancel: Template
    unknown_command: Template
    free_text: Template
    empty_text: Template
    too_long: Template
    expired_button: Template
    foreign_button: Template
    unknown_button: Template
    idle_reset: Template
    use_buttons: Template
    # The terminal, when a destructive button is named by its number: press it?
    confirm_press: Template
    error: Template
    # A personal command used in a group that can't whisper: the neutral line the group
    # sees, and the label of the button that opens a private chat to carry on there.
    go_private: Template
    go_private_button: ButtonLabel
    not_saved: Template
    not_saved_unreachable: Template
    count_restarted: Template


class StartTexts(Frozen):
    welcome: Template
    accept: ButtonLabel
    accepted: Template
    already_accepted: Template
    must_accept: Template


class RequestWords(Frozen):
    """A request in plain words, handed to ``command`` as if it had been typed.

    ``phrases``: the whole message, or a close variant of it ("show my reminders").
    ``starts``: the message begins so, and the words after go to the command as its
    arguments ("remind me mon wed fri at 6:30", "set my timezone to Toronto").
    ``args``: given to the command first ("stop my reminders" is /reminders stop).
    """

    command: NonEmpty
    phrases: tuple[NonEmpty, ...] = ()
    starts: tuple[NonEmpty, ...] = ()
    args: str = ""


class IdleAnswers(Frozen):
    """A bare yes or no typed when no step is waiting for one. ``menu``: the coach's last
    message was the menu; ``warmup_done``: a finished warm-up; ``nothing``: anything else."""

    yes_menu: Template
    yes_warmup_done: Template
    yes_nothing: Template
    no_menu: Template
    no_warmup_done: Template
    no_nothing: Template


class UnderstandingTexts(Frozen):
    """What any step can hear: greetings, thanks, commands typed without the slash."""

    greetings: tuple[NonEmpty, ...]
    thanks: tuple[NonEmpty, ...]
    # Everyday ways of saying yes, for a step that asks for agreement.
    agree: tuple[NonEmpty, ...]
    # What may follow a yes and keep it one ("yep sure", "yes that's right").
    agree_more: tuple[NonEmpty, ...] = ()
    # And of saying no, for a question the runner may turn down.
    disagree: tuple[NonEmpty, ...]
    # What may follow a no and still be a plain no ("nope, all good").
    reassured: tuple[NonEmpty, ...] = ()
    # "the first one", "second": which of the offered buttons, first first.
    ordinals: tuple[tuple[NonEmpty, ...], ...] = ()
    # Numbers in words ("seven": 7) and what may come around one ("about 6", "6ish").
    number_words: dict[NonEmpty, int] = Field(default_factory=dict)
    number_hedges: tuple[NonEmpty, ...] = ()
    number_after: tuple[NonEmpty, ...] = ()
    greeting_reply: Template
    thanks_reply: Template
    did_you_mean: Template
    did_you_mean_either: Template
    cant_help_yet: Template
    # An FAQ question the coach is unsure of, asked back with the likely ones as buttons.
    faq_did_you_mean: Template
    # Openers dropped before a request is read ("can you", "please").
    request_openers: tuple[NonEmpty, ...] = ()
    request_closers: tuple[NonEmpty, ...] = ()
    requests: tuple[RequestWords, ...] = ()
    # Bare agreement said at idle beyond ``agree`` ("go", "let's do it").
    idle_agree: tuple[NonEmpty, ...] = ()
    idle: IdleAnswers


class CoreWords(Frozen):
    """The sections of core.yaml the core reads; features add their own sections."""

    bot: BotTexts
    commands: dict[str, NonEmpty]
    menu: dict[str, ButtonLabel]
    common: CommonTexts
    start: StartTexts
    understanding: UnderstandingTexts
