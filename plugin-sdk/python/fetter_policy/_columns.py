"""The inventory as the host sends it to `columns.evaluate-columns` (see the
WIT contract), decoded into the `Distribution`s iterating an `Inventory`
made from `evaluate`'s records yields: the same fields, in the same order.

A text column is one string per field: the values joined with `\\n`, each
escaped (`\\0` -> `\\0` `0`, `\\n` -> `\\0` `n`, an absent optional value
is `\\0` alone). Decoding is one `str.split` per column, and per-value
work only in a column that holds an escape (which real metadata almost
never does). Everything else runs in C: `zip`, `map`, list repetition.

Pure Python with no bindings, so it also runs (and is tested) in a plain
interpreter.
"""

_ESCAPE = "\0"
_ABSENT = "\0"


class ColumnsError(ValueError):
    """The host's columns do not fit together (a host bug; the run fails closed)."""


def _unescape(value, what):
    parts = value.split(_ESCAPE)
    out = [parts[0]]
    for part in parts[1:]:
        code = part[:1]
        if code == "0":
            out.append(_ESCAPE)
        elif code == "n":
            out.append("\n")
        else:
            raise ColumnsError(f"the {what} column holds a malformed escape")
        out.append(part[1:])
    return "".join(out)


def text_column(column, count, what, optional=False):
    """The `count` values of a text column, unescaped; with `optional`,
    an absent value is None."""
    if count == 0:
        if column:
            raise ColumnsError(f"the {what} column is not empty for 0 distributions")
        return []
    values = column.split("\n")
    if len(values) != count:
        raise ColumnsError(f"the {what} column holds {len(values)} values for {count} distributions")
    if _ESCAPE in column:
        if optional:
            values = [None if v == _ABSENT else _unescape(v, what) for v in values]
        else:
            values = [_unescape(v, what) for v in values]
    return values


def _field(record, index, name):
    # Records arrive as tuples in WIT order (the SDK swaps the bindings'
    # constructors), or as objects with attributes.
    return record[index] if isinstance(record, tuple) else getattr(record, name)


def decode(columns, direct_url, view):
    """`(environments, distributions)` from an `inventory-columns` record:
    the distributions as `view((index, *record))` (the SDK's
    `Distribution`s); `direct_url(record)` makes the SDK's `DirectUrl`
    from the bindings' record."""
    (environments, sites, count, names, normalized, versions, installers, requested, runs,
     direct_urls) = (
        _field(columns, i, n)
        for i, n in enumerate((
            "environments", "sites", "count", "names", "normalized_names", "versions",
            "installers", "requested", "site_runs", "direct_urls"))
    )
    names = text_column(names, count, "names")
    normalized = text_column(normalized, count, "normalized-names")
    versions = text_column(versions, count, "versions")
    installers = text_column(installers, count, "installers", optional=True)
    if len(requested) != count or requested.strip("01"):
        raise ColumnsError(f"the requested column is not {count} characters 0 or 1")
    requested = list(map("1".__eq__, requested))
    site_paths = [_field(s, 0, "path") for s in sites]
    site_envs = [_field(s, 1, "environments") for s in sites]
    site_of, envs_of = [], []
    for run in runs:
        site, n = _field(run, 0, "site"), _field(run, 1, "count")
        if not 0 <= site < len(site_paths):
            raise ColumnsError(f"a site run names site {site} of {len(site_paths)}")
        site_of += [site_paths[site]] * n
        envs_of += [site_envs[site]] * n
    if len(site_of) != count:
        raise ColumnsError(f"the site runs cover {len(site_of)} distributions of {count}")
    # Each distribution its own list, as the record path gives it.
    envs_of = list(map(list, envs_of))
    urls = [None] * count
    for index, record in direct_urls:
        if not 0 <= index < count:
            raise ColumnsError(f"a direct URL names distribution {index} of {count}")
        urls[index] = direct_url(record)
    views = list(map(view, zip(range(count), names, normalized, versions, envs_of, site_of,
                               installers, requested, urls)))
    return environments, views
