"""Reader for Gambit's strategic-form ``.nfg`` files (two players).

Both variants of the format are accepted:

* payoff list: ``NFG 1 R "title" { "P1" "P2" } { 3 2 }``, an optional comment
  string, then one payoff per player for every pure profile;
* outcome list: ``NFG 1 R "title" { "P1" "P2" } { { "a" "b" } { "c" "d" } }``,
  an optional comment, a brace list of outcomes ``{ "name" u1, u2 }`` and then
  one outcome number per profile (``0`` is the null outcome, all zeros).

Profiles run with the first player's strategy changing fastest.  Numbers may
be integers, decimals, exponents or rationals such as ``3/2``.  Errors name
the file, the line, the offending token and the rule broken.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{},])|([^\s{},"]+)|(\s+)|(")', re.S)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?$")


_LARGEST_FLOAT = Fraction(sys.float_info.max)

MAX_FILE_BYTES = 64 * 2**20
"""Largest ``.nfg`` file read (bytes)."""

_CHEAP_PROFILES = 4096
"""Profiles a game may declare beyond the tokens its file holds before it is refused
at once (below it, the payoff reader names the line where the payoffs run out)."""


class NfgError(ValueError):
    """A malformed ``.nfg`` file; the message names file, line, token and rule."""


@dataclass(frozen=True)
class NfgGame:
    """A two-player strategic game read from a ``.nfg`` file.

    Attributes
    ----------
    title : str
        The game's title.
    players : tuple of str
        The two player names.
    strategies : tuple of tuple of str
        Strategy labels per player (numbers when the file gives only counts).
    A, B : numpy.ndarray
        Row and column player's payoffs, shape ``(m, n)``.
    """

    title: str
    players: tuple[str, str]
    strategies: tuple[tuple[str, ...], tuple[str, ...]]
    A: np.ndarray
    B: np.ndarray


@dataclass(frozen=True)
class _Tok:
    kind: str  # "str", "punct" or "word"
    text: str
    line: int


class _Stream:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.toks = _tokenize(text, source)
        self.pos = 0

    def error(self, tok: _Tok | None, rule: str) -> NfgError:
        if tok is None:
            last = self.toks[-1].line if self.toks else 1
            return NfgError(f"{self.source}: line {last}: unexpected end of file; {rule}")
        shown = tok.text if len(tok.text) <= 60 else tok.text[:57] + "..."
        return NfgError(f"{self.source}: line {tok.line}: found {shown!r}; {rule}")

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def next(self, rule: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise self.error(None, rule)
        self.pos += 1
        return tok

    def expect(self, text: str, rule: str) -> None:
        tok = self.next(rule)
        if tok.text != text or tok.kind == "str":
            raise self.error(tok, rule)

    def string(self, rule: str) -> str:
        tok = self.next(rule)
        if tok.kind != "str":
            raise self.error(tok, rule)
        return tok.text

    def number(self, rule: str) -> Fraction:
        tok = self.next(rule)
        if tok.kind != "word" or not _NUMBER.match(tok.text):
            raise self.error(tok, rule)
        num, _, den = tok.text.partition("/")
        # float() of the text first: "1e999999999" must not become a 10**999999999 Fraction
        if len(tok.text) > 100 or not all(math.isfinite(float(x)) for x in (num, den or "1")):
            raise self.error(tok, "a payoff must be a number within floating-point range")
        if den and int(den) == 0:
            raise self.error(tok, "a rational payoff needs a nonzero denominator")
        value = Fraction(num) / (Fraction(den) if den else 1)
        if abs(value) > _LARGEST_FLOAT:
            raise self.error(tok, "a payoff must be a number within floating-point range")
        return value

    def skip(self, text: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "punct" and tok.text == text:
            self.pos += 1
            return True
        return False


def _tokenize(text: str, source: str) -> list[_Tok]:
    toks: list[_Tok] = []
    line, last = 1, 0
    for mt in _TOKEN.finditer(text):
        line += text.count("\n", last, mt.start())
        last = mt.start()
        if mt.group(5):
            raise NfgError(f"{source}: line {line}: unterminated string; quotes must be closed")
        if mt.group(1) is not None:
            toks.append(_Tok("str", mt.group(1).replace('\\"', '"'), line))
        elif mt.group(2):
            toks.append(_Tok("punct", mt.group(2), line))
        elif mt.group(3):
            toks.append(_Tok("word", mt.group(3), line))
    return toks


def _header(s: _Stream) -> tuple[str, list[str]]:
    s.expect("NFG", "a strategic game file starts with 'NFG 1 R'")
    tok = s.next("the format version must follow 'NFG'")
    if tok.text != "1":
        raise s.error(tok, "only version 1 of the .nfg format is supported")
    tok = s.next("the number type 'R' or 'D' must follow the version")
    if tok.text not in ("R", "D"):
        raise s.error(tok, "the number type must be 'R' (rational) or 'D' (double)")
    title = s.string("the game title must be a quoted string")
    s.expect("{", "the player list must be a brace list of quoted names")
    players: list[str] = []
    while not s.skip("}"):
        players.append(s.string("player names must be quoted strings"))
    if len(players) != 2:
        raise s.error(s.toks[s.pos - 1], f"the game has {len(players)} players; exactly 2 needed")
    return title, players


def _strategies(s: _Stream) -> tuple[list[list[str]], bool]:
    s.expect("{", "the strategy counts or names must be a brace list")
    if s.peek() is not None and s.peek().text == "{" and s.peek().kind == "punct":  # type: ignore[union-attr]
        names: list[list[str]] = []
        while not s.skip("}"):
            s.expect("{", "each player's strategy names must be a brace list")
            own: list[str] = []
            while not s.skip("}"):
                own.append(s.string("strategy names must be quoted strings"))
            names.append(own)
        return names, True
    counts: list[int] = []
    last = None
    while not s.skip("}"):
        last = tok = s.next("strategy counts must be positive integers")
        if not tok.text.isdigit() or len(tok.text) > 18 or int(tok.text) < 1:
            raise s.error(tok, "strategy counts must be positive integers")
        counts.append(int(tok.text))
    profiles = int(np.prod(counts, dtype=object)) if counts else 0
    left = len(s.toks) - s.pos
    if last is not None and profiles > max(left, _CHEAP_PROFILES):
        # checked before any label or matrix is made: a two-line file declaring
        # { 1000000000 1 } strategies must not allocate a billion of anything
        # (a small game short of payoffs is reported where its payoffs end)
        raise s.error(
            last,
            f"{' x '.join(map(str, counts))} strategies make {profiles} profiles, but only "
            f"{left} tokens follow; every profile needs its payoffs",
        )
    return [[str(k + 1) for k in range(c)] for c in counts], False


def _outcome_payoffs(s: _Stream, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    s.expect("{", 'the outcome list must be a brace list of { "name" u1 u2 }')
    outcomes: list[tuple[Fraction, Fraction]] = [(Fraction(0), Fraction(0))]
    while not s.skip("}"):
        s.expect("{", 'each outcome must be { "name" u1 u2 }')
        s.string("an outcome starts with its quoted name")
        u1 = s.number("outcome payoffs must be numbers")
        s.skip(",")
        u2 = s.number("outcome payoffs must be numbers")
        s.skip(",")
        s.expect("}", "an outcome has exactly two payoffs (two players)")
        outcomes.append((u1, u2))
    a, b = np.zeros((m, n)), np.zeros((m, n))
    for t in range(m * n):
        tok = s.next(f"{m * n} outcome numbers are needed, one per profile")
        if not tok.text.isdigit() or int(tok.text) >= len(outcomes):
            raise s.error(tok, f"an outcome number must be an integer in 0..{len(outcomes) - 1}")
        u1, u2 = outcomes[int(tok.text)]
        a[t % m, t // m], b[t % m, t // m] = float(u1), float(u2)
    return a, b


def _listed_payoffs(s: _Stream, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.zeros((m, n)), np.zeros((m, n))
    for t in range(m * n):
        rule = f"{2 * m * n} payoffs are needed, two per profile"
        a[t % m, t // m] = float(s.number(rule))
        s.skip(",")
        b[t % m, t // m] = float(s.number(rule))
        s.skip(",")
    return a, b


def parse_nfg(text: str, source: str = "<string>") -> NfgGame:
    """Parse the text of a two-player ``.nfg`` file.

    Parameters
    ----------
    text : str
        File contents.
    source : str, optional
        File name used in error messages.

    Returns
    -------
    NfgGame
        Title, players, strategy labels and the payoff matrices.

    Raises
    ------
    NfgError
        Naming the source, the line, the token found and the rule broken.

    Examples
    --------
    >>> g = parse_nfg('NFG 1 R "PD" { "1" "2" } { 2 2 } 3 3 5 0 0 5 1 1')
    >>> g.A.tolist(), g.B.tolist()
    ([[3.0, 0.0], [5.0, 1.0]], [[3.0, 5.0], [0.0, 1.0]])
    """
    s = _Stream(text, source)
    title, players = _header(s)
    strategies, named = _strategies(s)
    if len(strategies) != 2:
        raise s.error(s.toks[s.pos - 1], f"{len(strategies)} strategy sets for 2 players")
    m, n = len(strategies[0]), len(strategies[1])
    if m == 0 or n == 0:
        raise s.error(s.toks[s.pos - 1], "every player needs at least one strategy")
    tok = s.peek()
    if tok is not None and tok.kind == "str":
        s.pos += 1  # the optional comment
    a, b = _outcome_payoffs(s, m, n) if named else _listed_payoffs(s, m, n)
    extra = s.peek()
    if extra is not None:
        raise s.error(extra, "nothing may follow the last payoff or outcome number")
    return NfgGame(
        title, (players[0], players[1]), (tuple(strategies[0]), tuple(strategies[1])), a, b
    )


def read_nfg(path: str | Path) -> NfgGame:
    """Read a ``.nfg`` file; see :func:`parse_nfg`.

    Raises
    ------
    NfgError
        If the file cannot be read or is malformed.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:  # bounded: a device such as /dev/zero never ends
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise NfgError(f"{p}: the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise NfgError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NfgError(f"{p}: cannot read file ({exc})") from None
    return parse_nfg(text, str(p))
