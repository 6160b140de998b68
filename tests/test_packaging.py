"""The wheel's configuration: every folder that ships is a listed package, every data file in it
is package data, and the build backend is new enough for the metadata written here."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def shipped_folders(packages: list[str]) -> dict[str, list[Path]]:
    """Each folder under the top-level packages, with the files in it (caches left out)."""
    folders: dict[str, list[Path]] = {}
    for top in {name.split(".")[0] for name in packages}:
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]:
            if not folder.is_dir() or folder.name == "__pycache__":
                continue
            files = [f for f in folder.iterdir() if f.is_file() and f.suffix != ".pyc"]
            if files:
                folders[".".join(folder.relative_to(ROOT).parts)] = files
    return folders


def test_every_folder_and_data_file_is_in_the_packages_configuration() -> None:
    # A folder left out (emulator/static) made setuptools warn on every install, and a data
    # file not matched by package-data is missing from the wheel.
    setuptools = pyproject()["tool"]["setuptools"]
    packages: list[str] = setuptools["packages"]
    package_data: dict[str, list[str]] = setuptools.get("package-data", {})
    for name, files in shipped_folders(packages).items():
        assert name in packages, f"{name} holds files but is not in [tool.setuptools] packages"
        for data in (f for f in files if f.suffix != ".py"):
            patterns = package_data.get(name, [])
            assert any(fnmatch.fnmatch(data.name, p) for p in patterns), (
                f"{data.relative_to(ROOT)} is not matched by package-data for {name}"
            )


def test_the_build_backend_understands_the_license_expression() -> None:
    # `license = "AGPL-3.0-or-later"` (an SPDX expression) needs setuptools 77 or newer: an
    # older one, allowed by "setuptools>=68", stops the build with a configuration error.
    config = pyproject()
    assert isinstance(config["project"]["license"], str)
    [setuptools] = [r for r in config["build-system"]["requires"] if r.startswith("setuptools")]
    minimum = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)
    assert minimum is not None, setuptools
    assert int(minimum[1]) >= 77
