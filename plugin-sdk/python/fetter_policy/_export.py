"""The bridge between the generated WIT bindings and a plugin's `@rule`:
the `Evaluator` class componentize-py exports. `fetter plugin build`
writes the entry module that imports this, the plugin and its metadata.

Every exception is caught here and returned as the call's error, with its
type, message and location, so the host fails the run closed with a reason
instead of a trap. Locations come from the traceback's code objects (file
name and line number), never from reading source files (there are none in
the sandbox).
"""

import gc
import os
from operator import attrgetter

from componentize_py_types import Err
from wit_world.exports import columns as wit_columns
from wit_world.exports import evaluator as wit

from . import DirectUrl, Inventory, Settings, SettingsError, _columns, _host, _sandbox
import fetter_policy


def _fields(*values):
    """A record as the tuple of its fields, in WIT order."""
    return values


# componentize-py builds each incoming record by calling the class its
# bindings module names, looked up once this module has been imported (at
# build time). Generated dataclasses run a Python `__init__` per record:
# for 30,000 distributions that was most of a plugin's time. Tuples cost
# one allocation; the SDK's views read them by position.
wit.Inventory = wit.Environment = wit.Distribution = _fields
wit.DirectUrl = DirectUrl
# The columns path (`Columns.evaluate_columns`): a handful of records and
# long strings, decoded by `_columns` with one `str.split` per field.
wit_columns.InventoryColumns = wit_columns.Site = wit_columns.SiteRun = _fields

_DIST_FIELDS = attrgetter(
    "name", "normalized_name", "version", "environments", "site", "installer", "requested", "direct_url"
)
_ENV_FIELDS = attrgetter("prefix", "kind", "python_version", "externally_managed")
_URL_FIELDS = attrgetter("url", "vcs", "commit_id", "editable")


def _inventory(inventory):
    """The SDK's `Inventory` over the records the bindings passed: tuples,
    or (should a toolchain build records itself) objects, copied to tuples."""
    if isinstance(inventory, tuple):
        return Inventory(*inventory)
    dists = []
    for d in inventory.distributions:
        d = _DIST_FIELDS(d)
        if d[7] is not None and not isinstance(d[7], DirectUrl):
            d = d[:7] + (DirectUrl(*_URL_FIELDS(d[7])),)
        dists.append(d)
    return Inventory([_ENV_FIELDS(e) for e in inventory.environments], dists)


def _direct_url(record):
    return record if isinstance(record, DirectUrl) else DirectUrl(*_URL_FIELDS(record))


def _columns_inventory(columns):
    """The SDK's `Inventory` over the host's columns: the same
    distributions as `_inventory` gives from `evaluate`'s argument."""
    environments, views = _columns.decode(columns, _direct_url, fetter_policy._distribution)
    if not isinstance(environments, list) or (environments and not isinstance(environments[0], tuple)):
        environments = [_ENV_FIELDS(e) for e in environments]
    return Inventory._of_views(environments, views)

_SEVERITY = {s: getattr(wit.Severity, s.upper()) for s in fetter_policy.SEVERITIES}
_ACTION = {"deny": wit.Action.DENY, "warn": wit.Action.WARN}
_SDK_DIR = os.path.dirname(__file__)


def describe(exc):
    """`ValueError: bad thing (at policy.py:12 in evaluate)`: the exception
    and the innermost frame outside the SDK."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(_SDK_DIR):
            where = f"{os.path.basename(code.co_filename)}:{tb.tb_lineno} in {code.co_name}"
        tb = tb.tb_next
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{text} (at {where})" if where else text


def _verdict(v):
    if not isinstance(v, fetter_policy.Verdict):
        raise TypeError(f"the rule returned {type(v).__name__}, not a Verdict (use deny() or warn())")
    return wit.Verdict(
        distribution=v.distribution,
        rule=v.rule,
        severity=_SEVERITY[v.severity],
        action=_ACTION[v.action],
        message=str(v.message),
        suggestion=None if v.suggestion is None else str(v.suggestion),
    )


def _flush():
    for stream in (_sandbox.sys.stdout, _sandbox.sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def make(meta):
    """The `Evaluator` class for a plugin described by `meta` (name,
    version, description, settings-help: what the build embedded)."""

    _sandbox.prepare()
    # Built once, at build time, into the component's memory image. What
    # exists now (modules, the SDK, the plugin) lives as long as the
    # plugin: frozen, the collector never scans it again. Collection stays
    # off until `evaluate` starts, so the 100,000+ objects the bindings
    # make from the inventory are not scanned while they arrive.
    gc.collect()
    gc.freeze()
    gc.disable()

    class Evaluator:
        settings = Settings()

        def info(self):
            _sandbox.install()
            return wit.PluginInfo(
                name=meta["name"],
                version=meta["version"],
                description=meta.get("description", ""),
                settings_help=meta.get("settings-help", ""),
            )

        def configure(self, settings):
            _sandbox.install()
            try:
                s = Settings.parse(settings)
                if fetter_policy._CONFIGURE is not None:
                    fetter_policy._CONFIGURE(s)
                Evaluator.settings = s
            except SettingsError as e:
                raise Err(str(e))
            except BaseException as e:
                _host.log(_host.ERROR, describe(e))
                raise Err(describe(e))
            finally:
                _flush()

        def evaluate(self, inventory):
            return _evaluate(_inventory, inventory)

    def _evaluate(decode, inventory):
        _sandbox.install()
        try:
            if fetter_policy._RULE is None:
                raise RuntimeError("no function is marked with @fetter_policy.rule")
            # Still without the collector: decoding columns makes ~100,000
            # objects, none of them garbage.
            inv = decode(inventory)
            gc.enable()
            return [_verdict(v) for v in (fetter_policy._RULE(inv, Evaluator.settings) or ())]
        except BaseException as e:
            raise Err(describe(e))
        finally:
            _flush()

    class Columns:
        """The `columns` export: `evaluate` over the inventory in columns
        (what the host calls when a plugin has it)."""

        def evaluate_columns(self, inventory):
            return _evaluate(_columns_inventory, inventory)

    Evaluator.Columns = Columns
    return Evaluator
