"""Reference answers from `packaging` and pip for tests/differential.rs.

One process per category: `python oracle.py MODE < cases.json > answers.json`.
Every answer is computed by code fetter's authors did not write (PyPA's
`packaging`, pip's own requirements-file parser), so agreement is evidence.
"""

import json
import os
import sys

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


def versions(case):
    parsed = []
    for s in case["versions"]:
        try:
            parsed.append(str(Version(s)))
        except InvalidVersion:
            parsed.append(None)
    cmp = []
    for a, b in case["pairs"]:
        va, vb = Version(a), Version(b)
        cmp.append(-1 if va < vb else (1 if va > vb else 0))
    return {"parsed": parsed, "cmp": cmp}


def specifiers(case):
    """[packaging's answer, pip's vendored packaging's answer] per case: the
    two PyPA implementations disagree on a few edges (`<1.0.post1` and
    1.0rc1), and pip's is the one installs are checked with."""
    from pip._vendor.packaging import specifiers as pip_specifiers

    out = []
    for spec, version in case:
        row = []
        for impl in (SpecifierSet, pip_specifiers.SpecifierSet):
            try:
                row.append(impl(spec).contains(version, prereleases=True))
            except Exception:  # InvalidSpecifier, from either module
                row.append(None)
        out.append(row)
    return out


def markers(case):
    envs = case["envs"]
    out = []
    for m in case["markers"]:
        try:
            marker = Marker(m)
        except Exception:
            out.append(None)
            continue
        row = []
        for env in envs:
            try:
                row.append(marker.evaluate(env))
            except Exception as e:  # packaging raises on some comparisons
                row.append("error: " + type(e).__name__)
        out.append(row)
    return out


def names(case):
    return [canonicalize_name(n) for n in case]


def canonical(req_text, envs):
    """A requirement in a form both sides can produce: canonical name,
    normalized specifiers, URL, and the marker as its truth values in
    `envs` (marker spellings differ between writers; meaning must not)."""
    try:
        r = Requirement(req_text)
    except Exception:
        return {"unnamed": req_text}
    specs = []
    for s in r.specifier:
        v = s.version
        if s.operator != "===":
            wild = v.endswith(".*")
            try:
                v = str(Version(v[:-2] if wild else v)) + (".*" if wild else "")
            except InvalidVersion:
                pass
        specs.append(s.operator + v)
    marker = [r.marker.evaluate(e) if r.marker else True for e in envs]
    return {
        "name": canonicalize_name(r.name),
        "extras": sorted(canonicalize_name(e) for e in r.extras),
        "specs": sorted(specs),
        "url": r.url,
        "marker": marker,
    }


def reqfiles(case):
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    envs = case["envs"]
    out = []
    for path in case["files"]:
        try:
            reqs = []
            parsed = list(parse_requirements(path, session=PipSession()))
            built(parsed, path)
            for p in parsed:
                c = canonical(p.requirement, envs)
                c["editable"] = p.is_editable
                c["constraint"] = p.constraint
                reqs.append(c)
            out.append({"reqs": reqs})
        except Exception as e:
            out.append({"error": f"{type(e).__name__}: {e}"})
    return out


def built(parsed, path):
    """Build pip's InstallRequirement of each line, as `pip install` does
    before anything else: that is where pip refuses an editable that is
    neither a directory nor a VCS URL, and an invalid wheel file name.
    Relative paths resolve against the working directory there (fetter:
    against the file), so build from the file's directory."""
    from pip._internal.req.constructors import install_req_from_parsed_requirement

    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.abspath(path)))
    try:
        for p in parsed:
            install_req_from_parsed_requirement(p)
    finally:
        os.chdir(cwd)


def canon(case):
    return [canonical(t, case["envs"]) for t in case["reqs"]]


MODES = {
    "versions": versions,
    "specifiers": specifiers,
    "markers": markers,
    "names": names,
    "reqfiles": reqfiles,
    "canon": canon,
}

if __name__ == "__main__":
    json.dump(MODES[sys.argv[1]](json.load(sys.stdin)), sys.stdout)
