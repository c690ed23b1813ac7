"""The Teams app package: the zip an admin uploads in Teams ("Upload a custom app") to install feedbot.

It holds manifest.json, with the bot's Microsoft App ID in place of the {{MICROSOFT_APP_ID}} placeholders, and
the two icons it names, all at the zip's root as Teams requires. The files ship inside the `handlers` package
(handlers/teams/app_package/).
"""

from __future__ import annotations

import io
import re
import zipfile
from importlib import resources

PLACEHOLDER = "{{MICROSOFT_APP_ID}}"
FILES = ("manifest.json", "color.png", "outline.png")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # the same input gives the same bytes


def package_file(name: str) -> bytes:
    """One file of the app package as it is kept in the source (the manifest still has its placeholders)."""
    return resources.files("handlers").joinpath("teams", "app_package", name).read_bytes()


def manifest_text(app_id: str) -> str:
    """manifest.json with the app id in place of every placeholder."""
    if not _GUID.fullmatch(app_id.strip()):
        raise ValueError(
            f"the Microsoft App ID must be a GUID such as 00000000-0000-0000-0000-000000000000, not {app_id!r}: "
            "use the Application (client) ID of the bot's Azure app registration"
        )
    return package_file("manifest.json").decode("utf-8").replace(PLACEHOLDER, app_id.strip())


def build_package(app_id: str) -> bytes:
    """The zip to upload to Teams, in memory. Raises ValueError if `app_id` is not a GUID."""
    manifest = manifest_text(app_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name in FILES:
            content = manifest.encode("utf-8") if name == "manifest.json" else package_file(name)
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, content)
    return buffer.getvalue()
