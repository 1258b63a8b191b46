"""The README's command examples stay true: every command exists and takes the options shown."""

import re
import shlex
from pathlib import Path

import click
import pytest

from tests.helpers import run
from tracker.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(), re.DOTALL):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("tracker "):
                commands.append(shlex.split(line)[1:])
    return commands


def command_path(words: list[str]) -> list[str]:
    path, group = [], cli
    for word in words:
        if isinstance(group, click.Group) and word in group.commands:
            path.append(word)
            group = group.commands[word]
        else:
            break
    return path


def test_the_readme_shows_commands():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("words", readme_commands(), ids=lambda w: " ".join(w[:3]))
def test_readme_command_exists_with_its_options(capsys, words):
    path = command_path(words)
    assert path, f"unknown command in README: tracker {' '.join(words)}"
    code, out, _ = run(capsys, *path, "--help")
    assert code == 0
    for option in (w.split("=")[0] for w in words if w.startswith("--")):
        assert option in out, f"README uses {option} but 'tracker {' '.join(path)} --help' does not list it"
