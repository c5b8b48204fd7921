"""Errors and small validation helpers shared by every bracket module.

Two kinds of failure are kept apart on purpose:

* :class:`BracketError` -- the organizer asked for something impossible
  (too few entrants, a duplicate entrant, a result naming someone who is not
  in the match...). The message always says what to change, because it is
  meant to be shown in the admin UI as-is.
* :class:`BracketInvariantError` -- the engine broke one of its own promises
  (a plan whose feeds do not line up). That is a bug, never user input, so it
  derives from ``RuntimeError`` and should not be caught by UI code.

:class:`OptionError` is a :class:`BracketError` that is *also* a
``ValueError``: bad option names/values are configuration mistakes the
organizer can fix, and callers validating forms commonly catch ``ValueError``.
"""
from __future__ import annotations

import functools
import inspect


class BracketError(Exception):
    """The organizer can fix this; the message says what to change."""


class OptionError(BracketError, ValueError):
    """An unknown option name or an invalid option value."""


class BracketInvariantError(RuntimeError):
    """Something that cannot happen happened (an engine bug, not user input)."""


def options(func):
    """Turn unknown keyword options into a helpful ``ValueError``.

    Python would raise ``TypeError: unexpected keyword argument`` which does
    not tell the caller what *is* allowed; the brief asks for a ValueError
    listing the allowed options, so forms can surface it verbatim.
    """
    params = inspect.signature(func).parameters
    allowed = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY]
    positional = {n for n, p in params.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)}

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        unknown = sorted(k for k in kwargs if k not in allowed and k not in positional)
        if unknown:
            raise OptionError(
                f"{func.__name__}() got unknown option(s): {', '.join(unknown)}. "
                f"Allowed options: {', '.join(allowed) or '(none)'}."
            )
        return func(*args, **kwargs)

    wrapper.allowed_options = tuple(allowed)
    return wrapper


def check_choice(name, value, choices):
    """Reject an option value that is not one of ``choices``."""
    if value not in choices:
        raise OptionError(
            f"{name}={value!r} is not supported; choose one of: "
            + ", ".join(repr(c) for c in choices) + "."
        )
    return value


def check_best_of(value, name="best_of"):
    """A series length must be a positive odd int so that someone always wins."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value % 2 == 0:
        raise OptionError(
            f"{name} must be a positive odd number of games (1, 3, 5...); got {value!r}."
        )
    return value


def check_positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OptionError(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return value


def normalize_entrants(entrants, *, minimum, what):
    """Return entrants as a tuple after checking they are usable ids.

    Ids may be ints, strings or any other hashable value (the playoff stage
    uses placeholder tuples such as ``("group", "A", 1)``). ``None`` is
    refused because the engine uses it to mean "not known yet".
    """
    if isinstance(entrants, (str, bytes)):
        raise BracketError("Entrants must be a list of ids, not a single string.")
    ents = tuple(entrants)
    try:  # fast path: hashable, distinct, no None and no bool (True/False also match 1/0: slow path)
        distinct = set(ents)
        if (len(distinct) == len(ents) >= minimum and None not in distinct
                and True not in distinct and False not in distinct):
            return ents
    except TypeError:
        pass
    seen = set()
    for e in ents:
        if e is None or isinstance(e, bool):
            raise BracketError(f"Entrant ids must be ints or strings; got {e!r}. Remove it.")
        try:
            hash(e)
        except TypeError:
            raise BracketError(
                f"Entrant ids must be ints or strings; got {e!r} of type {type(e).__name__}."
            ) from None
        if e in seen:
            raise BracketError(
                f"Entrant {e!r} is listed more than once; each entrant may appear only once."
            )
        seen.add(e)
    if len(ents) < minimum:
        raise BracketError(f"{what} needs at least {minimum} entrants; you have {len(ents)}.")
    return ents
