"""Write fetter policy plugins in Python.

A plugin is a module with one function decorated with `@rule`: it gets the
inventory (every installed distribution fetter found) and the settings, and
returns or yields verdicts made with `deny` and `warn`::

    from fetter_policy import deny, rule

    @rule
    def evaluate(inventory, settings):
        for dist in inventory:
            if dist.vcs == "git":
                yield deny(dist, "example-custom/git-url",
                           f"{dist.name} {dist.version} was installed from a git URL")

`fetter plugin build DIR` turns it into a sandboxed WebAssembly component
(with componentize-py). Inside the sandbox there are no files, network,
clock or environment: trying one raises `SandboxError`, `print` and
`sys.stderr` go to fetter's log, and an uncaught exception fails the run
closed with its type, message and line.

The module also works in a plain interpreter, so a plugin's own tests can
call its rule on `Inventory.of([...])` without building anything.
"""

import json
import re
from collections import namedtuple
from functools import partial
from operator import add, itemgetter

from ._host import DEBUG, ERROR, INFO, WARN, log
from ._sandbox import SandboxError

__all__ = [
    "DirectUrl", "Distribution", "Environment", "Inventory", "SandboxError", "Settings",
    "SettingsError", "Verdict", "deny", "warn", "normalize", "rule", "configure",
    "log", "DEBUG", "INFO", "WARN", "ERROR", "SEVERITIES",
]

SEVERITIES = ("info", "low", "medium", "high", "critical")
"""Verdict severities, least to most serious."""

_NORMALIZE = re.compile(r"[-_.]+")


def normalize(name):
    """PEP 503 normalised name: `Jaraco.Classes` -> `jaraco-classes`."""
    return _NORMALIZE.sub("-", name).lower()


def _enum_name(value):
    # WIT enums arrive as Python `Enum`s; plain test data as strings.
    return value.name.lower() if hasattr(value, "name") else str(value)


# Records arrive as plain tuples, in the WIT contract's field order: the
# build swaps the bindings' dataclass constructors for `_export._fields`,
# so 30,000 distributions cost 30,000 tuples and no Python `__init__`.
# The classes below are views that read fields by position when asked.

DirectUrl = namedtuple("DirectUrl", "url vcs commit_id editable")
DirectUrl.__doc__ = "PEP 610 `direct_url.json`: `url`, `vcs`, `commit_id`, `editable`."


class Environment:
    """One Python environment (a view over the host's record)."""

    __slots__ = ("_r",)

    def __init__(self, record):
        self._r = record

    prefix = property(lambda self: self._r[0], doc="The environment's prefix directory.")
    kind = property(lambda self: _enum_name(self._r[1]), doc="`system`, `venv`, `conda`, `pyenv` or `uv`.")
    python_version = property(lambda self: self._r[2], doc="`X.Y` or `X.Y.Z`, or None.")
    externally_managed = property(lambda self: self._r[3], doc="PEP 668 marker present.")

    def __repr__(self):
        return f"Environment({self.prefix!r}, {self.kind})"


class Distribution(tuple):
    """One installed distribution: a view over the host's record, made
    when iterated (nothing is copied up front).

    It is a tuple `(index, *record)` so that making one and reading a
    field run no Python code; it compares and hashes by identity, like any
    object."""

    __slots__ = ()

    def __new__(cls, index, record):
        return tuple.__new__(cls, (index, *record))

    index = property(itemgetter(0), doc="Its index in the inventory: what a verdict names.")
    name = property(itemgetter(1), doc="The name as its metadata spells it.")
    normalized_name = property(itemgetter(2), doc="PEP 503 normalised name.")
    version = property(itemgetter(3), doc="The version as written (may not be PEP 440).")
    environments = property(itemgetter(4), doc="Indices of the environments that see it.")
    site = property(itemgetter(5), doc="The site directory holding its metadata.")
    installer = property(itemgetter(6), doc="Contents of INSTALLER, or None.")
    requested = property(itemgetter(7), doc="Installed on purpose (REQUESTED).")
    direct_url = property(itemgetter(8), doc="PEP 610 `DirectUrl` (url, vcs, commit_id, editable) or None.")

    @property
    def vcs(self):
        """`git`, `hg`, … when installed from version control, else None."""
        d = self[8]
        return None if d is None else d[1]

    @property
    def editable(self):
        """True for an editable install."""
        d = self[8]
        return d is not None and bool(d[3])

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __repr__(self):
        return f"Distribution(#{self[0]} {self[1]} {self[3]})"


# `(index, *record)` -> Distribution, in C (no `__new__` frame).
_distribution = partial(tuple.__new__, Distribution)


class Inventory:
    """Everything a plugin judges. Iterating yields `Distribution`s."""

    __slots__ = ("_envs", "_dists", "_views")

    def __init__(self, environments, distributions):
        self._envs = environments
        self._dists = distributions
        # `Distribution`s made up front (the columns path decodes straight
        # into them), else None: made from `_dists` when iterated.
        self._views = None

    @classmethod
    def _of_views(cls, environments, views):
        inv = cls(environments, views)
        inv._views = views
        return inv

    def __iter__(self):
        if self._views is not None:
            return iter(self._views)
        # (i,) + record, then the view: all in C.
        return map(_distribution, map(add, zip(range(len(self._dists))), self._dists))

    def __len__(self):
        return len(self._dists)

    def __getitem__(self, index):
        if self._views is not None:
            return self._views[index]
        record = self._dists[index]
        if index < 0:
            index += len(self._dists)
        return _distribution((index, *record))

    @property
    def environments(self):
        """The environments, in the order `Distribution.environments` indexes."""
        return [Environment(e) for e in self._envs]

    @classmethod
    def of(cls, distributions, environments=None):
        """An inventory from plain dicts, for a plugin's own tests:
        `Inventory.of([{"name": "requests", "version": "2.0"}])`. Missing
        fields get defaults; `direct_url` may be a dict."""
        envs = [
            (e.get("prefix", "/venv"), e.get("kind", "venv"), e.get("python_version"),
             e.get("externally_managed", False))
            for e in (environments or [{}])
        ]
        dists = []
        for d in distributions:
            du = d.get("direct_url")
            if du is not None:
                du = DirectUrl(du.get("url", ""), du.get("vcs"), du.get("commit_id"), du.get("editable", False))
            dists.append((
                d["name"], normalize(d["name"]), d.get("version", "0"), d.get("environments", [0]),
                d.get("site", "/venv/site-packages"), d.get("installer", "pip"), d.get("requested", True), du))
        return cls(envs, dists)


class Verdict:
    """A judgement of one distribution. Make them with `deny` and `warn`."""

    __slots__ = ("distribution", "rule", "severity", "action", "message", "suggestion")

    def __init__(self, distribution, rule, severity, action, message, suggestion=None):
        if severity not in SEVERITIES:
            raise ValueError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        self.distribution = distribution.index if isinstance(distribution, Distribution) else int(distribution)
        self.rule = rule
        self.severity = severity
        self.action = action
        self.message = message
        self.suggestion = suggestion

    def __repr__(self):
        return f"Verdict({self.action} #{self.distribution} {self.rule} {self.severity}: {self.message})"

    def __eq__(self, other):
        return isinstance(other, Verdict) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)


def deny(dist, rule, message, *, severity="high", suggestion=None):
    """A violation (validation fails, purge may remove it). `rule` is
    `<plugin>/<rule>`, lowercase."""
    return Verdict(dist, rule, severity, "deny", message, suggestion)


def warn(dist, rule, message, *, severity="medium", suggestion=None):
    """A report-only verdict."""
    return Verdict(dist, rule, severity, "warn", message, suggestion)


class SettingsError(ValueError):
    """Settings the plugin rejects; the message names the problem."""


class Settings:
    """The plugin's settings (a JSON object), with typed getters that
    reject a wrong type with a message naming the key."""

    def __init__(self, data=None):
        self.data = dict(data or {})

    @classmethod
    def parse(cls, text):
        """Parse the JSON the host passes to `configure`."""
        try:
            data = json.loads(text)
        except ValueError as e:
            raise SettingsError(f"settings are not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise SettingsError(f"settings must be a JSON object, not {type(data).__name__}")
        return cls(data)

    def _get(self, key, default, types, what):
        value = self.data.get(key, default)
        if value is not default and not isinstance(value, types):
            raise SettingsError(f"setting `{key}` must be {what}, not {json.dumps(value)}")
        return value

    def str(self, key, default=None):
        """A string setting."""
        return self._get(key, default, str, "a string")

    def bool(self, key, default=False):
        """A boolean setting."""
        return self._get(key, default, bool, "true or false")

    def int(self, key, default=None):
        """An integer setting."""
        value = self._get(key, default, int, "an integer")
        if isinstance(value, bool):
            raise SettingsError(f"setting `{key}` must be an integer, not {json.dumps(value)}")
        return value

    def str_list(self, key, default=()):
        """A list of strings."""
        value = self._get(key, default, list, "a list of strings")
        if any(not isinstance(v, str) for v in value):
            raise SettingsError(f"setting `{key}` must be a list of strings")
        return list(value)

    def names(self, key, default=()):
        """A list of package names, PEP 503 normalised."""
        return [normalize(n) for n in self.str_list(key, default)]

    def only(self, *keys):
        """Reject any key not in `keys` (a typo would otherwise be ignored)."""
        unknown = sorted(set(self.data) - set(keys))
        if unknown:
            known = ", ".join(f"`{k}`" for k in keys) or "none"
            raise SettingsError(f"unknown setting `{unknown[0]}` (known: {known})")


_RULE = None
_CONFIGURE = None


def rule(function):
    """Mark `function(inventory, settings)` as the plugin's rule. It returns
    or yields `Verdict`s; raising fails the run closed."""
    global _RULE
    _RULE = function
    return function


def configure(function):
    """Optionally mark `function(settings)` to check the settings before any
    evaluation (raise `SettingsError` to reject them). Without it, settings
    are only parsed."""
    global _CONFIGURE
    _CONFIGURE = function
    return function


def run(inventory, settings=None):
    """Run the plugin's rule as the host would (for a plugin's own tests):
    a list of verdicts."""
    if _RULE is None:
        raise RuntimeError("no function is marked with @fetter_policy.rule")
    s = settings if isinstance(settings, Settings) else Settings(settings)
    if _CONFIGURE is not None:
        _CONFIGURE(s)
    return list(_RULE(inventory, s) or ())
