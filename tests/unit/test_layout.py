"""Each plugin package is the folder under plugins/, never an installed namesake.

The packages have short top-level names (``comments``, ``reading``, ``feeds``,
``intake``); a distribution with the same name installed into the venv would
silently shadow ours in the tests, in tasks.py and in Pelican.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "sitekit", "sitecheck", "comments", "pullquotes", "reading", "themekit", "feeds", "intake",
    "importers",
)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_resolves_to_its_folder_under_plugins(name: str) -> None:
    spec = importlib.util.find_spec(name)
    assert spec is not None, f"{name} is not importable: is the project installed (pip install -e .)?"
    assert spec.origin is not None
    origin = Path(spec.origin).resolve()
    assert origin == (ROOT / "plugins" / name / "__init__.py").resolve(), (
        f"{name} resolves to {origin}, not to plugins/{name}/"
    )


@pytest.mark.parametrize("name", PACKAGES)
def test_no_other_distribution_provides_the_name(name: str) -> None:
    owners = importlib.metadata.packages_distributions().get(name, [])
    assert set(owners) <= {"diskurs"}, f"{name} is also provided by {owners}"


def test_every_plugin_in_the_settings_has_register() -> None:
    """PLUGINS in pelicanconf.py names modules that exist here and expose register()."""
    namespace: dict[str, object] = {}
    exec(compile((ROOT / "pelicanconf.py").read_text(encoding="utf-8"), "pelicanconf.py", "exec"), namespace)  # noqa: S102
    plugins = namespace["PLUGINS"]
    assert isinstance(plugins, list)
    assert plugins[0] == "sitecheck.plugin", "sitecheck opens the problem log: it must come first"
    for dotted in plugins:
        module = importlib.import_module(dotted)
        assert callable(getattr(module, "register", None)), f"{dotted} has no register()"
        assert Path(module.__file__ or "").resolve().is_relative_to(ROOT / "plugins")
