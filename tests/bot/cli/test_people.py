"""`feedbot people import` through main() on both databases: rows stored under the keyed pseudonym only, extra
columns named once, every bad file refused by its line with nothing stored, a second import updating in place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text

from bot.cli import main
from bot.domain.person_key import person_key
from storage.db import sync_url
from storage.models import PersonSegment

KEY = Fernet.generate_key().decode()
OLD_KEY = Fernet.generate_key().decode()


@pytest.fixture
def keyed(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", f"{KEY},{OLD_KEY}")  # the first key makes the pseudonyms
    return cli_env


def stored(database_url: str) -> dict[str, tuple[str | None, str | None, date | None, str]]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(PersonSegment)).all()
    engine.dispose()
    return {row.person: (row.department, row.location, row.start_date, row.source) for row in rows}


def write(tmp_path: Path, content: str, name: str = "people.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode())
    return str(path)


def test_an_import_stores_each_person_under_their_pseudonym_and_warns_once_about_extra_columns(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(
        tmp_path,
        "User,Department,Location,start_date,Manager,Phone\r\n"
        "U0AAA1,Engineering,Berlin,2024-03-18,Ann,1\r\n"
        '"Ada@Example.com","Sales, EMEA",,2023-01-02,Bob,2\r\n'
        "\r\n"
        "29:1abcDEF,Support,Lisbon,,,\r\n",
    )

    assert main(["people", "import", file]) == 0

    out, err = capsys.readouterr()
    assert out.strip() == "Imported 3 people (0 updated)"
    assert err.count("warning") == 1 and "Manager, Phone" in err
    assert stored(keyed) == {
        person_key(KEY, "U0AAA1"): ("Engineering", "Berlin", date(2024, 3, 18), "import"),
        person_key(KEY, "ada@example.com"): ("Sales, EMEA", None, date(2023, 1, 2), "import"),
        person_key(KEY, "29:1abcDEF"): ("Support", "Lisbon", None, "import"),
    }
    engine = create_engine(sync_url(keyed))
    with engine.connect() as connection:
        everything = str(connection.execute(text("SELECT * FROM people")).all())
    engine.dispose()
    assert "U0AAA1" not in everything and "Ada" not in everything.replace("ada", "") and "29:" not in everything


def test_a_second_import_updates_and_a_missing_column_keeps_what_is_stored(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["people", "import", write(tmp_path, "user,department,location\nU0AAA1,Engineering,Berlin\n")]) == 0
    capsys.readouterr()

    moved = write(tmp_path, "user,location\nU0AAA1,Paris\nW0BBB2,Oslo\n", "moved.csv")
    assert main(["people", "import", moved]) == 0

    assert capsys.readouterr().out.strip() == "Imported 2 people (1 updated)"
    assert stored(keyed)[person_key(KEY, "U0AAA1")] == ("Engineering", "Paris", None, "import")
    assert stored(keyed)[person_key(KEY, "W0BBB2")] == (None, "Oslo", None, "import")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("department,location\nEngineering,Berlin\n", "line 1: the header has no column “user”"),
        ("user,manager\nU0AAA1,Ann\n", "line 1: the header has none of the columns department, location"),
        ("user,department\nU0AAA1,Eng\n,Sales\n", "line 3: the user is empty"),
        ("user,department\nU0AAA1,Eng\nU0AAA1,Sales\n", "line 3: user 'U0AAA1' is already on line 2"),
        ("user,department\nada@x.org,Eng\nADA@X.org,Sales\n", "line 3: user 'ADA@X.org' is already on line 2"),
        ("user,start_date\nU0AAA1,2024-02-30\n", "line 2: start_date '2024-02-30' is not a date like"),
        ("user,start_date\nU0AAA1,18/03/2024\n", "line 2: start_date '18/03/2024' is not a date like"),
        ("user,start_date\nU0AAA1,20240318\n", "line 2: start_date '20240318' is not a date like"),
        ("user,department\nAda Lovelace,Eng\n", "line 2: 'Ada Lovelace' is not a Slack user id"),
        ("user,department\nU0AAA1,Eng,extra\n", "line 2 has 3 cells but the header names 2"),
        ("user,department\nU0AAA1," + "x" * 101 + "\n", "line 2: the department is longer than 100"),
        ("user,department\nU0AAA1,Eng\x07\n", "line 2: the department holds a control character"),
        ("user,department,Department\nU0AAA1,a,b\n", "line 1: the column “department” appears twice"),
        ("user,department\n", "the file has a header but no people"),
        ("", "the file is empty"),
        ('user,department\nU0AAA1,"Eng\n', "not valid CSV"),
    ],
)
def test_a_bad_file_is_refused_by_its_line_and_nothing_is_imported(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    file = write(tmp_path, content)  # the good lines before a bad one are not stored either

    assert main(["people", "import", file]) == 1

    err = capsys.readouterr().err
    assert problem in err and "nothing was imported" in err and "Traceback" not in err, err
    assert stored(keyed) == {}


def test_a_file_that_is_not_utf8_is_refused_by_its_line(
    keyed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("user,department\nU0AAA1,Eng\nU0BBB2,Müller\n".encode("latin-1"))

    assert main(["people", "import", str(path)]) == 1

    assert "line 3 is not UTF-8 text" in capsys.readouterr().err and stored(keyed) == {}


def test_without_a_secret_key_or_a_readable_file_nothing_happens(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FEEDBOT_SECRET_KEY", raising=False)
    file = write(tmp_path, "user,department\nU0AAA1,Eng\n")

    assert main(["people", "import", file]) == 1
    assert "FEEDBOT_SECRET_KEY is not set" in capsys.readouterr().err

    monkeypatch.setenv("FEEDBOT_SECRET_KEY", KEY)
    assert main(["people", "import", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert stored(cli_env) == {}
