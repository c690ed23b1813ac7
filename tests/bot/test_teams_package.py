"""The Teams app package: a manifest within Teams' limits and schema, the right icons, and the zip Teams takes."""

from __future__ import annotations

import fnmatch
import io
import json
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from bot.commands import TEAMS, commands_on
from bot.domain.answers import BUG_FROM_MESSAGE, FEEDBACK_FROM_MESSAGE
from bot.teams_package import FILES, PLACEHOLDER, build_package, package_file

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "handlers" / "teams" / "app_package"
SCHEMA = ROOT / "tests" / "fixtures" / "teams-manifest-schema" / "MicrosoftTeams.schema.json"
APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def source_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(package_file("manifest.json"))
    return manifest


def built(app_id: str = APP_ID) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(build_package(app_id)))


def built_manifest(app_id: str = APP_ID) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(built(app_id).read("manifest.json"))
    return manifest


def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_the_manifest_parses_and_names_a_recent_schema() -> None:
    manifest = source_manifest()

    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 16)
    assert manifest["$schema"].endswith(f"/teams/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    assert manifest["id"] == PLACEHOLDER
    assert [bot["botId"] for bot in manifest["bots"]] == [PLACEHOLDER]


def test_every_string_is_within_teams_limits() -> None:
    manifest = source_manifest()

    assert 0 < len(manifest["name"]["short"]) <= 30
    assert 0 < len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert 0 < len(manifest["description"]["full"]) <= 4000
    assert len(manifest["developer"]["name"]) <= 32
    for url in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][url].startswith("https://")
    [bot] = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    for command_list in bot["commandLists"]:
        assert len(command_list["commands"]) <= 10
        for command in command_list["commands"]:
            assert 0 < len(command["title"]) <= 32
            assert 0 < len(command["description"]) <= 128


def test_the_commands_are_the_teams_commands_of_the_table() -> None:
    [bot] = source_manifest()["bots"]
    in_table = [{"title": command.name, "description": command.description} for command in commands_on(TEAMS)]

    assert [command.name for command in commands_on(TEAMS)] == [
        "feedback",
        "bug",
        "status",
        "stakeholders",
        "release",
        "vote",
        "pulse",
        "digest",
        "kpi",
        "help",
    ]
    for command_list in bot["commandLists"]:
        assert command_list["commands"] == in_table
    assert {scope for command_list in bot["commandLists"] for scope in command_list["scopes"]} == set(bot["scopes"])


def test_the_built_manifest_validates_against_the_teams_schema() -> None:
    errors = sorted(validator().iter_errors(built_manifest()), key=str)

    assert errors == []


def test_the_schema_check_catches_a_broken_manifest() -> None:
    # The placeholders are not GUIDs: the manifest as kept in the source is not one Teams would take.
    assert list(validator().iter_errors(source_manifest())) != []
    broken = built_manifest()
    del broken["developer"]["privacyUrl"]
    broken["bots"][0]["commandLists"][0]["commands"][0]["title"] = "x" * 33
    assert len(list(validator().iter_errors(broken))) >= 2


def test_the_icons_are_pngs_of_the_sizes_teams_wants() -> None:
    manifest = source_manifest()
    color = Image.open(io.BytesIO(package_file(manifest["icons"]["color"])))
    outline = Image.open(io.BytesIO(package_file(manifest["icons"]["outline"])))

    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    white = [pixel for pixel in pixels if pixel == (255, 255, 255, 255)]
    transparent = [pixel for pixel in pixels if isinstance(pixel, tuple) and pixel[3] == 0]
    assert len(white) + len(transparent) == 32 * 32  # nothing grey, coloured or half transparent
    assert white and transparent


def test_the_package_has_exactly_the_three_files_at_its_root() -> None:
    package = built()

    assert sorted(package.namelist()) == sorted(FILES) == ["color.png", "manifest.json", "outline.png"]
    assert package.testzip() is None
    assert package.read("color.png") == package_file("color.png")
    assert package.read("outline.png") == package_file("outline.png")


def test_the_app_id_is_put_everywhere() -> None:
    text = built().read("manifest.json").decode("utf-8")
    manifest = json.loads(text)

    assert "{{" not in text and "}}" not in text
    assert manifest["id"] == APP_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [APP_ID]
    assert [extension["botId"] for extension in manifest["composeExtensions"]] == [APP_ID]
    assert build_package(APP_ID) == build_package(APP_ID)  # the same app id gives the same bytes


def test_the_message_actions_are_action_commands_on_messages_that_fetch_their_form() -> None:
    [extension] = built_manifest()["composeExtensions"]

    assert [command["id"] for command in extension["commands"]] == [FEEDBACK_FROM_MESSAGE, BUG_FROM_MESSAGE]
    assert [command["title"] for command in extension["commands"]] == ["Turn into feedback", "Report as a bug"]
    for command in extension["commands"]:
        assert (command["type"], command["context"], command["fetchTask"]) == ("action", ["message"], True)
        assert 0 < len(command["description"]) <= 128


def test_the_schema_check_catches_a_broken_message_action() -> None:
    broken = built_manifest()
    broken["composeExtensions"][0]["commands"][0]["context"] = ["message", "everywhere"]
    broken["composeExtensions"][0]["commands"][1]["type"] = "button"

    assert len(list(validator().iter_errors(broken))) >= 2


@pytest.mark.parametrize(
    "app_id",
    ["", "feedbot-app-id", "28:3f2504e0-4f89-41d3-9a0c-0305e82c3301", "3f2504e0-4f89-41d3-9a0c-0305e82c330", "{{x}}"],
)
def test_an_app_id_that_is_not_a_guid_is_refused(app_id: str) -> None:
    with pytest.raises(ValueError, match="must be a GUID"):
        build_package(app_id)


def test_the_package_files_ship_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["handlers"]
    shipped = {
        path.name
        for path in PACKAGE_DIR.iterdir()
        if any(fnmatch.fnmatch(f"teams/app_package/{path.name}", pattern) for pattern in patterns)
    }

    assert shipped >= set(FILES)
    assert {path.name for path in PACKAGE_DIR.iterdir() if path.is_file()} == set(FILES)


def test_the_cli_writes_the_package_and_refuses_without_a_valid_app_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / "feedbot-teams.zip"
    assert main(["teams", "package", "--output", str(output)]) == 1
    assert "needs the bot's Microsoft App ID" in capsys.readouterr().err
    assert main(["teams", "package", "--app-id", "not-a-guid", "--output", str(output)]) == 1
    assert not output.exists()

    assert main(["teams", "package", "--app-id", APP_ID, "--output", str(output)]) == 0
    with zipfile.ZipFile(output) as package:
        assert sorted(package.namelist()) == sorted(FILES)
        assert json.loads(package.read("manifest.json"))["bots"][0]["botId"] == APP_ID
