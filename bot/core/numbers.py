"""Reading a whole number the runner typed on its own: "7", " 7 ", "7/10"."""

from __future__ import annotations


def read_number(text: str, low: int, high: int, *, out_of: bool = True) -> int | None:
    """The number ``text`` says, if it is one whole number from ``low`` to ``high``.

    Anything else gives ``None``, never an exception. Digits are decimal digits of any
    script (as ``\\d`` and ``int()`` read them: "7", "７", "٧"), with spaces around;
    superscripts and circled digits ("²", "①") are refused, though ``str.isdigit``
    passes them and ``int()`` then raises. With ``out_of``, a score written out of the
    top of the range counts too: "7/10" and "7 / 10" are 7 when ``high`` is 10.

    At most as many digits as ``high`` has are read ("07" is 7 on a 0-10 scale, "007"
    is not a score), so a pasted wall of digits never reaches ``int()``, which refuses
    more than 4,300 of them.
    """
    number, slash, scale = text.partition("/")
    if slash and not (out_of and scale.strip() == str(high)):
        return None
    digits = number.strip()
    if not digits.isdecimal() or len(digits) > len(str(high)):
        return None
    value = int(digits)
    return value if low <= value <= high else None
