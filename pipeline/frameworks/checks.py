"""Reading a framework file key by key: every error names the file, the key path and the value."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.config import ConfigError

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ROUNDING = ("half_up", "half_even", "down", "up")


@dataclass(frozen=True)
class At:
    """Where a value sits: the file's name and the key path inside it (``models[0].domains[1]``)."""

    file: str
    path: str = ""

    def __truediv__(self, key: str | int) -> At:
        step = f"[{key}]" if isinstance(key, int) else (f".{key}" if self.path else str(key))
        return At(self.file, self.path + step)

    def error(self, message: str, value: object = ...) -> ConfigError:
        shown = "" if value is ... else f" (got {value!r})"
        return ConfigError(f"{self.file}: {self.path or '(top)'}: {message}{shown}")


def need(d: object, key: str, at: At) -> object:
    if not isinstance(d, dict):
        raise at.error("must be a mapping", d)
    if key not in d:
        raise (at / key).error("missing key")
    return d[key]


def only(d: dict, allowed: set[str], at: At) -> None:
    """No key outside ``allowed``: a misspelt key is an error, not silently ignored."""
    extra = sorted(set(d) - allowed)
    if extra:
        raise (at / extra[0]).error(f"unknown key; known: {', '.join(sorted(allowed))}")


def number(value: object, at: At, *, positive: bool = False, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise at.error("must be a number", value)
    if positive and value <= 0:
        raise at.error("must be positive", value)
    if minimum is not None and value < minimum:
        raise at.error(f"must be at least {minimum:g}", value)
    return float(value)


def integer(value: object, at: At, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum is not None and value > maximum):
        bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise at.error(f"must be a whole number {bound}", value)
    return value


def text(value: object, at: At) -> str:
    if not isinstance(value, str) or not value.strip():
        raise at.error("must be a non-empty text", value)
    return value


def identifier(value: object, at: At) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise at.error("must be a name of letters, digits and _", value)
    return value


def choice(value: object, options: tuple[str, ...], at: At) -> str:
    if value not in options:
        raise at.error(f"must be one of {', '.join(options)}", value)
    return value  # type: ignore[return-value]


def flag(value: object, at: At) -> bool:
    if not isinstance(value, bool):
        raise at.error("must be true or false", value)
    return value


def rounding(d: object, at: At, default: tuple[int, str] | None = None) -> tuple[int | None, str | None]:
    """``round: {decimals: 1, rule: half_up}`` -> (decimals, rule); absent -> ``default`` or no rounding."""
    if d is None:
        return default or (None, None)
    if not isinstance(d, dict):
        raise at.error("must be {decimals: N, rule: half_up|half_even|down|up}", d)
    only(d, {"decimals", "rule"}, at)
    return (integer(need(d, "decimals", at), at / "decimals", maximum=4),
            choice(d.get("rule", "half_up"), ROUNDING, at / "rule"))


def labels(d: dict, at: At, key: str = "label", default: str | None = None) -> tuple[str, str | None]:
    """``label`` (English) and ``label_es`` (Spanish, optional)."""
    en = d.get(key, default)
    if en is None:
        raise (at / key).error("missing key")
    es = d.get(f"{key}_es")
    return text(en, at / key), (text(es, at / f"{key}_es") if es is not None else None)
