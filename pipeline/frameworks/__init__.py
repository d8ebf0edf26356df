"""School rating frameworks as configuration: the language, read and checked when loaded.

``config/framework.yaml`` names the frameworks in use (``rating:`` the overall rating on the
scorecard, ``accountability:`` the state's system); each is a file under ``config/frameworks/``.
Switching frameworks is changing that one setting. :mod:`pipeline.frameworks.rating` reads a
points-based framework, :mod:`pipeline.frameworks.accountability` California's colours and
support criteria. Errors name the file, the key and the value. Nothing here touches the warehouse:
the engines are ``pipeline/scoring/framework.py`` and ``pipeline/scoring/accountability.py``.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.config import CONFIG_DIR, ConfigError, read_yaml
from pipeline.frameworks.rating import RatingFramework, parse_rating

__all__ = ["RatingFramework", "load_framework", "selected", "framework_file"]

SELECTION_KEYS = ("rating", "accountability")


def selected(config_dir: str | Path = CONFIG_DIR) -> dict[str, str | None]:
    """``{rating: name, accountability: name or None}`` from ``config/framework.yaml``."""
    path = Path(config_dir) / "framework.yaml"
    raw = read_yaml(path)
    if not isinstance(raw, dict) or "rating" not in raw:
        raise ConfigError(f"{path.name}: rating: missing key (the file under config/frameworks/ that rates schools)")
    extra = sorted(set(raw) - set(SELECTION_KEYS))
    if extra:
        raise ConfigError(f"{path.name}: {extra[0]}: unknown key; known: {', '.join(SELECTION_KEYS)}")
    return {k: raw.get(k) for k in SELECTION_KEYS}


def framework_file(name: str, config_dir: str | Path = CONFIG_DIR, key: str = "rating") -> Path:
    path = Path(config_dir) / "frameworks" / f"{name}.yaml"
    if not isinstance(name, str) or not path.exists():
        known = sorted(p.stem for p in (Path(config_dir) / "frameworks").glob("*.yaml"))
        raise ConfigError(f"framework.yaml: {key}: no framework {name!r} in config/frameworks/ "
                          f"(known: {', '.join(known)})")
    return path


def load_framework(path: str | Path | None = None, config_dir: str | Path = CONFIG_DIR) -> RatingFramework:
    """The rating framework at ``path``, or the one ``config/framework.yaml`` selects."""
    if path is None:
        path = framework_file(selected(config_dir)["rating"], config_dir)
    path = Path(path)
    return parse_rating(read_yaml(path), path)
