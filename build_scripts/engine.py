"""The static-site engine the site is built with: ProperDocs or MkDocs, chosen once per process.

ProperDocs is the maintained continuation of MkDocs 1.x, from MkDocs' own maintainers: the
same configuration, plugins and themes (Material included). Once it is chosen, every
``mkdocs.*`` import of this process (ours, Material's, other plugins') loads its
``properdocs.*`` module instead, which is how ProperDocs itself runs MkDocs plugins. The
choice is made before anything imports either engine, and kept in the environment so that
the child process of a large build makes the same one.
"""

from __future__ import annotations

import importlib.util
import os
import sys

ENGINES = ("properdocs", "mkdocs")
#: The environment variable that names the engine (``--engine`` of ``briefings build`` sets it).
ENV = "BRIEFINGS_ENGINE"


class EngineMissing(Exception):
    """The engine asked for is not installed; the message says how to install it."""


def installed(name: str) -> bool:
    """Whether the engine ``name`` can be imported (a real installation, not an alias)."""
    if name in sys.modules:
        return sys.modules[name].__name__ == name
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def default() -> str:
    """ProperDocs when it is installed (it is maintained), else MkDocs."""
    return "properdocs" if installed("properdocs") else "mkdocs"


def current() -> str | None:
    """The engine already loaded in this process, if any."""
    module = sys.modules.get("mkdocs")
    return None if module is None else module.__name__


def select(name: str | None = None) -> str:
    """Load engine ``name`` (default: ``$BRIEFINGS_ENGINE``, else :func:`default`) and return it.

    Once an engine is loaded it stays: asking for the other one then is an error.
    """
    wanted = name or os.environ.get(ENV) or None
    loaded = current()
    if loaded is not None:
        if wanted and wanted != loaded:
            raise EngineMissing(f"this process already runs {loaded}; run {wanted} in a process of its own")
        os.environ[ENV] = loaded
        return loaded
    wanted = wanted or default()
    if wanted not in ENGINES:
        raise EngineMissing(f"unknown engine {wanted!r} (in ${ENV}): use one of {', '.join(ENGINES)}")
    if not installed(wanted):
        raise EngineMissing(f"{wanted} is not installed: install it with 'python3 -m pip install {wanted}', "
                            f"or build with --engine {'mkdocs' if wanted == 'properdocs' else 'properdocs'}")
    if wanted == "properdocs":
        import properdocs.replacement  # noqa: F401  (mkdocs.* imports now load properdocs.*)
    else:
        import mkdocs  # noqa: F401
    os.environ[ENV] = wanted
    return wanted


def version() -> str:
    """The loaded engine and its version, such as ``properdocs 1.6.7``."""
    from importlib.metadata import version as installed_version

    name = current() or select()
    return f"{name} {installed_version(name)}"
