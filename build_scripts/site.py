"""Build and serve the site through MkDocs: ``briefings build`` and ``briefings serve``.

A build never leaves a half-written or unchecked site behind: the repository is
checked first, the site is built into a folder beside ``site/``, and only a complete
build replaces the previous one.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .checks import Result
from .repo import Repository

OFFLINE_PLUGIN = "material/offline"


class BuildFailed(Exception):
    """MkDocs could not build the site; the message says why."""


@contextmanager
def mkdocs_logging(verbose: bool = False):
    """Show MkDocs' messages as its own command line does (warnings and errors by default)."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's notice about its successor
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def load_config(root: Path, *, max_marking: str | None = None, offline: bool = False,
                checked: tuple[Repository, Result] | None = None, **overrides):
    """The MkDocs configuration of the repository at ``root``, adjusted for this build."""
    from mkdocs.config import load_config as mkdocs_load_config
    from mkdocs.exceptions import ConfigurationError

    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise BuildFailed(f"{config_file} does not exist: the site needs an mkdocs.yml")
    try:
        config = mkdocs_load_config(str(config_file), **overrides)
    except ConfigurationError as exc:
        raise BuildFailed(f"{config_file}: {exc}") from None
    plugin = config.plugins.get("briefings")
    if plugin is None:
        raise BuildFailed(f"{config_file}: the 'briefings' plugin is not enabled under 'plugins:'")
    if max_marking is not None:
        plugin.config.max_marking = max_marking
    plugin.checked = checked
    if offline:
        offline_plugin = config.plugins.get(OFFLINE_PLUGIN)
        if offline_plugin is None:
            raise BuildFailed(f"{config_file}: --offline needs Material's 'offline' plugin under 'plugins:'")
        offline_plugin.config.enabled = True
    return config


def build(root: Path, *, site_dir: Path | None = None, max_marking: str | None = None,
          offline: bool = False, checked: tuple[Repository, Result] | None = None,
          verbose: bool = False) -> Path:
    """Build the site into ``site_dir`` (default: the config's), replacing it only on success."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    with mkdocs_logging(verbose):
        config = load_config(root, max_marking=max_marking, offline=offline, checked=checked)
        target = Path(site_dir) if site_dir else Path(config.site_dir)
        target = target if target.is_absolute() else root / target
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        config.site_dir = str(staging)
        try:
            mkdocs_build(config)
        except (MkDocsException, OSError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildFailed(str(exc) or type(exc).__name__) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _swap(staging, target)
    return target


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames; the old site is removed last."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    staging.chmod(0o755)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def serve(root: Path, *, dev_addr: str | None = None, max_marking: str | None = None,
          open_in_browser: bool = False) -> None:
    """Serve the site and rebuild it on every change to briefings/, sources/ or templates/."""
    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise BuildFailed(f"{config_file} does not exist: the site needs an mkdocs.yml")
    overrides = {"dev_addr": dev_addr} if dev_addr else {}
    if max_marking:
        os.environ["BRIEFINGS_MAX_MARKING"] = max_marking
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    with mkdocs_logging(verbose=False):
        logging.getLogger("mkdocs").setLevel(logging.INFO)
        try:
            mkdocs_serve(str(config_file), livereload=True, open_in_browser=open_in_browser, **overrides)
        except MkDocsException as exc:
            raise BuildFailed(str(exc)) from None
