"""The command line as a command line: help for everything, and messages that name commands."""

from __future__ import annotations

import argparse

import pytest

from addin import api
from addin.cli import main, parser
from addin.cli_text import COMMANDS, said
from tests.test_report import served  # noqa: F401  (the real files behind the local server)


def _commands() -> dict[str, argparse.ArgumentParser]:
    top = parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_parser__every_command_has_a_description_an_example_and_help_per_argument():
    commands = _commands()
    assert {"report", "show", "info", "search", "refresh", "doctor"} <= commands.keys()
    lacking = []
    for name, command in commands.items():
        if not (command.description or "").strip() or "example:" not in (command.epilog or ""):
            lacking.append(f"{name}: description or example")
        lacking += [f"{name} {action.dest}: help" for action in command._actions
                    if not (action.help or "").strip() or action.help == argparse.SUPPRESS]
    assert lacking == []


def test_parser__each_example_is_a_command_line_the_parser_accepts():
    for name, command in _commands().items():
        example = command.epilog.split("example:", 1)[1].split()
        assert example[:2] == ["jpflows", name], name
        args, extra = parser().parse_known_args(example[1:])
        assert args.command == name and (not extra or name == "bench"), name


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help__each_command_prints_what_it_does(name, capsys):
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert _commands()[name].description.split()[0] in out and f"jpflows {name}" in out


def test_said__excel_functions_become_commands():
    assert said('try JP_SEARCH("JGB")') == "try jpflows search JGB"
    assert said('try JP_SEARCH("foreign equity")') == 'try jpflows search "foreign equity"'
    assert said("(JP_INFO USDJPY)") == "(jpflows info USDJPY)"
    assert said('JP_INFO("JGB10Y","last_fetch")') == "jpflows info JGB10Y"
    assert said("see JP_STATUS") == "see jpflows status"


def test_said__a_function_without_a_command_is_left_as_it_is():
    text = 'level -3 is not positive; use JP_CHANGE(…,"diff") instead'
    assert said(text) == text


def test_said__every_command_named_exists():
    names = set(_commands())
    assert {command.split()[1] for command in COMMANDS.values()} <= names


@pytest.fixture
def nothing_served(engine_env):
    api.use(None)
    yield engine_env
    api.use(None)


def test_show__unknown_id_suggests_the_search_command(nothing_served, capsys):
    with pytest.raises(Exception, match=r'JP_SEARCH\("XYZQ"\)'):
        api.spec("XYZQ")  # what the engine says (and Excel shows)...
    assert main(["show", "XYZQ"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == 'jpflows: Unknown series "XYZQ"; try jpflows search XYZQ'  # ...here


def test_show__empty_id_and_unknown_investor_name_commands(nothing_served, capsys):
    from tests.fixtures import jpx

    for url, body in jpx.sample_site().items():
        nothing_served.serve(url, body)
    assert main(["show", " "]) == 2
    assert main(["show", "JPX:Nobody"]) == 2  # a JPX id, but no such investor in the file
    err = capsys.readouterr().err
    assert "JP_" not in err, err
    assert err.splitlines() == ["jpflows: Series id is empty; try jpflows search JGB",
                                'jpflows: Unknown flow "JPX:Nobody"; try jpflows search JPX']


def test_search__descriptions_shown_through_the_translation(nothing_served, capsys):
    assert main(["search", "JGB10Y"]) == 0
    out = capsys.readouterr().out
    assert "JGB10Y" in out and "JP_" not in out


def test_info__a_flow_note_points_at_the_info_command(served, capsys):
    assert "(JP_INFO USDJPY)" in api.info("BOP:Foreign:Equity")["note"]
    assert main(["info", "BOP:Foreign:Equity"]) == 0
    out = capsys.readouterr().out
    assert "(jpflows info USDJPY)" in out and "JP_INFO" not in out
