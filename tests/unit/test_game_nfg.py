"""The .nfg reader and the ``relief game`` command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pygambit as gbt
import pytest

from solver.game import NfgError, parse_nfg, read_nfg
from solver.game.cli import add_game_parser

GAMES = Path(__file__).resolve().parents[1] / "fixtures" / "games"


def _gambit_arrays(path):
    g = gbt.read_nfg(str(path))
    p1, p2 = list(g.players)
    s1, s2 = list(p1.strategies), list(p2.strategies)
    A, B = np.zeros((len(s1), len(s2))), np.zeros((len(s1), len(s2)))
    for i, s in enumerate(s1):
        for j, t in enumerate(s2):
            o = g[[s, t]]
            if o is not None:  # the null outcome pays 0
                A[i, j], B[i, j] = float(o[p1]), float(o[p2])
    return A, B


@pytest.mark.parametrize("path", sorted(GAMES.glob("*.nfg")), ids=lambda p: p.stem)
def test_reader_agrees_with_pygambit(path):
    ours = read_nfg(path)
    A, B = _gambit_arrays(path)
    np.testing.assert_array_equal(ours.A, A)
    np.testing.assert_array_equal(ours.B, B)


def test_outcome_variant_labels_and_null_outcome():
    g = read_nfg(GAMES / "battle_of_sexes.nfg")
    assert g.players == ("Row", "Column")
    assert g.strategies == (("Opera", "Football"), ("Opera", "Football"))
    assert g.A.tolist() == [[3.0, 0.0], [0.0, 2.0]]
    assert g.B.tolist() == [[2.0, 0.0], [0.0, 3.0]]


def test_rationals_decimals_commas_and_escaped_quotes():
    text = 'NFG 1 D "say \\"hi\\"" { "a" "b" }\n{ 1 2 }\n"c"\n1/2, -3 .5 1e1'
    g = parse_nfg(text)
    assert g.title == 'say "hi"'
    assert g.A.tolist() == [[0.5, 0.5]]
    assert g.B.tolist() == [[-3.0, 10.0]]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("EFG 2 R", r"line 1: found 'EFG'; a strategic game file starts with 'NFG 1 R'"),
        ('NFG 2 R "x"', r"found '2'; only version 1"),
        ('NFG 1 X "x"', r"found 'X'; the number type must be 'R'"),
        ('NFG 1 R "x" { "a" "b" "c" } { 1 1 1 } 1 2 3', r"3 players; exactly 2 needed"),
        ('NFG 1 R "x" { "a" "b" } { 2 0 }', r"found '0'; strategy counts must be positive"),
        ('NFG 1 R "x" { "a" "b" } { 1 2 }\n1 2 3', r"line 2: unexpected end of file; 4 payoffs"),
        ('NFG 1 R "x" { "a" "b" } { 1 1 }\n1 abc', r"found 'abc'; 2 payoffs are needed"),
        ('NFG 1 R "x" { "a" "b" } { 1 1 } 1 2 3', r"found '3'; nothing may follow"),
        ('NFG 1 R "x" { "a" "b" } { 1 1 } 1/0 2', r"nonzero denominator"),
        ('NFG 1 R "x { "a" "b" }', r"unterminated string"),
        (
            'NFG 1 R "x" { "a" "b" } { { "s" } { "t" } }\n{ { "o" 1 2 } }\n\n2',
            r"line 4: found '2'; an outcome number must be an integer in 0..1",
        ),
        (
            'NFG 1 R "x" { "a" "b" } { { "s" } { "t" } } { { "o" 1 2 3 } } 1',
            r"found '3'; an outcome has exactly two payoffs",
        ),
    ],
)
def test_malformed_files_name_line_token_and_rule(text, match):
    with pytest.raises(NfgError, match=match):
        parse_nfg(text, "g.nfg")


def test_missing_file(tmp_path):
    with pytest.raises(NfgError, match=r"nope\.nfg: file not found"):
        read_nfg(tmp_path / "nope.nfg")


def _run(argv):
    parser = argparse.ArgumentParser()
    add_game_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_json(capsys):
    assert _run(["game", str(GAMES / "coordination_3x3.nfg"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["degenerate"] is False
    assert len(doc["equilibria"]) == 7
    assert all(abs(sum(e["row"]) - 1) < 1e-12 for e in doc["equilibria"])


def test_cli_text_and_degenerate_flag(capsys):
    assert _run(["game", str(GAMES / "degenerate_continuum.nfg")]) == 0
    out = capsys.readouterr().out
    assert "3 extreme equilibria (degenerate game)" in out


def test_cli_bad_input_exit_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.nfg"
    bad.write_text('NFG 1 R "x" { "a" "b" } { 2 2 }\n1 2 3')
    assert _run(["game", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: line 2:")
    assert "Traceback" not in err
    assert _run(["game", str(tmp_path / "none.nfg")]) == 2
    assert "file not found" in capsys.readouterr().err
