"""The shipped models cite docs/sources.md, and nothing points outside the project.

(a) No text file of the repository contains an absolute machine path or a
    reference to the domain notes that only the developers' machine has.
(b) Every source tag in a comment of ``models/**/*.toml`` names an entry that
    exists in ``docs/sources.md``: exact string equality against the labels that
    open table rows there (rule in the "How the models cite this file" section).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "docs" / "sources.md"
MODELS = REPO / "models"

# Tag kinds of docs/sources.md; a bracketed "[word: ...]" with another kind is a typo.
KINDS = ("econ", "est", "steps", "unsc", "us", "deal", "policy", "snapback")

# Built from pieces so that this file does not match its own patterns.
_SLASH = "/"
FORBIDDEN = [
    _SLASH + "work" + _SLASH,
    _SLASH + "root" + _SLASH,
    _SLASH + "home" + _SLASH,
    _SLASH + "Users" + _SLASH,
    "shared" + _SLASH + "domain",
]

# Fallback when git is unavailable (a source archive): the project's own folders.
WALK = ("models", "docs", "solver", "tests", "benchmarks", "scripts")
WALK_FILES = ("README.md", "Makefile", "pyproject.toml")

# An entry: a table row whose first cell is the label in backticks.
ENTRY = re.compile(r"^\|\s*`([^`]+)`\s*\|")
# A tag in a model comment: [kind] or [kind: label]; the label ends at "]".
TAG = re.compile(r"\[(" + "|".join(KINDS) + r")(?::([^\]]*))?\]")
# Anything that looks like a tag, "[word:" ..., to catch unknown kinds.
TAG_LIKE = re.compile(r"\[([A-Za-z][\w-]*)\s*:")


def repo_text_files() -> list[Path]:
    """Tracked files plus untracked files that are not ignored (new work)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        paths = [REPO / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for d in WALK for p in (REPO / d).rglob("*") if p.is_file()]
        paths += [REPO / f for f in WALK_FILES]
    files = []
    for p in paths:
        if not p.is_file():  # deleted in the work tree, not yet committed
            continue
        data = p.read_bytes()
        if b"\0" in data:  # binary
            continue
        files.append(p)
    return files


def forbidden_hits(text: str) -> list[tuple[int, str]]:
    hits = []
    for n, line in enumerate(text.splitlines(), 1):
        for needle in FORBIDDEN:
            if needle in line:
                hits.append((n, needle))
    return hits


def toml_comments(text: str) -> list[tuple[int, str]]:
    """(line number, comment text) for every TOML comment, skipping '#' in strings."""
    comments = []
    in_multi = None  # the delimiter of the open multi-line string, if any
    for n, line in enumerate(text.splitlines(), 1):
        i = 0
        while i < len(line):
            if in_multi:
                end = line.find(in_multi, i)
                if end < 0:
                    break
                i = end + 3
                in_multi = None
                continue
            c = line[i]
            if line.startswith('"""', i) or line.startswith("'''", i):
                in_multi = line[i : i + 3]
                i += 3
            elif c == '"':  # basic string, with escapes
                i += 1
                while i < len(line) and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
            elif c == "'":  # literal string, no escapes
                end = line.find("'", i + 1)
                i = len(line) if end < 0 else end + 1
            elif c == "#":
                comments.append((n, line[i + 1 :]))
                break
            else:
                i += 1
    return comments


def source_labels(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := ENTRY.match(line))]


def tags_in(comment: str) -> list[str]:
    """Labels named by the tags of one comment, normalised to 'kind: label'."""
    out = []
    for m in TAG.finditer(comment):
        kind, label = m.group(1), m.group(2)
        out.append(kind if label is None else f"{kind}: {label.strip()}")
    return out


def model_files() -> list[Path]:
    return sorted(MODELS.rglob("*.toml"))


# --- (a) no machine paths -------------------------------------------------------


def test_no_machine_paths_or_domain_notes_in_repository():
    files = repo_text_files()
    assert SOURCES in files and len(files) > 20  # the walk really saw the project
    bad = []
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        bad += [f"{p.relative_to(REPO)}:{n}: {needle}" for n, needle in forbidden_hits(text)]
    assert not bad, "machine paths or domain-note references:\n" + "\n".join(bad)


@pytest.mark.parametrize("needle", FORBIDDEN)
def test_forbidden_patterns_are_detected(needle):
    assert forbidden_hits(f"x = 1  # see {needle}notes.md\n") == [(1, needle)]
    assert forbidden_hits("relief data at shared/data/psplib/j30\n") == []


# --- (b) every model tag names an entry of docs/sources.md ---------------------


def test_sources_labels_are_unique_and_of_known_kinds():
    labels = source_labels(SOURCES.read_text(encoding="utf-8"))
    assert len(labels) > 40
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    assert not dupes, f"labels defined twice in docs/sources.md: {dupes}"
    odd = [x for x in labels if x.split(":")[0] not in KINDS]
    assert not odd, f"labels of unknown kind in docs/sources.md: {odd}"


def test_every_model_tag_names_an_entry():
    labels = set(source_labels(SOURCES.read_text(encoding="utf-8")))
    used = 0
    missing, unknown = [], []
    for p in model_files():
        for n, comment in toml_comments(p.read_text(encoding="utf-8")):
            for tag in tags_in(comment):
                used += 1
                if tag not in labels:
                    missing.append(f"{p.relative_to(REPO)}:{n}: [{tag}]")
            for m in TAG_LIKE.finditer(comment):
                if m.group(1) not in KINDS:
                    unknown.append(f"{p.relative_to(REPO)}:{n}: [{m.group(1)}: ...]")
    assert used > 100  # the default models are tagged throughout
    assert not missing, "tags with no entry in docs/sources.md:\n" + "\n".join(missing)
    assert not unknown, "tags of unknown kind:\n" + "\n".join(unknown)


def test_every_deal_is_documented():
    labels = set(source_labels(SOURCES.read_text(encoding="utf-8")))
    for label in (
        "deal: agreed framework 1994",
        "deal: agreed framework HFO",
        "deal: agreed framework LWR",
        "deal: six-party initial actions 2007",
        "deal: six-party second-phase actions 2007",
        "deal: six-party HFO price",
        "deal: six-party disablement reversal",
        "deal: leap day 2012",
        "deal: singapore 2018",
        "deal: hanoi 2019",
    ):
        assert label in labels


def test_comment_scanner_and_tag_parser():
    text = (
        'name = "a # not a comment [econ: nope]"\n'
        "value = 1  # [econ: seafood] 295 m; [snapback]\n"
        'description = """\n'
        "# inside a string [est: nope]\n"
        '"""\n'
        "x = 'lit # [us: nope]'  # [steps:  Yongbyon freeze ] and [us: ROK note]\n"
    )
    comments = toml_comments(text)
    assert [n for n, _ in comments] == [2, 6]
    assert tags_in(comments[0][1]) == ["econ: seafood", "snapback"]
    assert tags_in(comments[1][1]) == ["steps: Yongbyon freeze", "us: ROK note"]
    # exact matching: a near-miss label is not an entry
    labels = set(source_labels(SOURCES.read_text(encoding="utf-8")))
    assert "econ: seafood" in labels and "econ: Seafood" not in labels
    assert "steps" not in labels  # a bare [steps] tag would fail
