"""Which graph packages Warden runs: the ones listed in PACKAGES, and any installed package that declares an
entry point in the group `warden.graphs` (so a graph outside this repository registers without touching it).

An entry point names a `GraphPackage` (`my_pkg:PACKAGE`) or a module that exports one as `PACKAGE`:

    [project.entry-points."warden.graphs"]
    toy = "toy_graph:PACKAGE"
"""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Iterable

from graphs.spec import GraphPackage, PackageError

PACKAGES: tuple[str, ...] = ("graphs.claims", "graphs.leads", "graphs.replenishment", "graphs.capacity")
"""The graph packages shipped in this repository (module paths, each exporting `PACKAGE`)."""

ENTRY_POINT_GROUP = "warden.graphs"


def load(ref: str) -> GraphPackage:
    """The package `ref` names: `module` (its `PACKAGE`) or `module:attribute`."""
    module_name, _, attr = ref.partition(":")
    found = getattr(importlib.import_module(module_name), attr or "PACKAGE", None)
    return _checked(found, ref)


def _checked(found: object, ref: str) -> GraphPackage:
    if hasattr(found, "PACKAGE") and not isinstance(found, GraphPackage):  # an entry point naming the module
        found = found.PACKAGE
    if not isinstance(found, GraphPackage):
        raise PackageError(f"{ref} is not a GraphPackage")
    return found


def packages(extra: Iterable[GraphPackage] = ()) -> dict[str, GraphPackage]:
    """Every registered graph package by name: PACKAGES, then entry points, then `extra`. Two packages with one
    name or one trigger subject are refused (a run id and a trigger must each name exactly one graph)."""
    found = [load(ref) for ref in PACKAGES]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found.append(_checked(ep.load(), f"entry point {ep.name} ({ep.value})"))
        except PackageError:
            raise
        except Exception as exc:  # a broken registration must not start a partial deployment silently
            raise PackageError(f"entry point {ep.name} ({ep.value}) of {ENTRY_POINT_GROUP} cannot load: {exc}") from exc
    found += list(extra)
    out: dict[str, GraphPackage] = {}
    triggers: dict[str, str] = {}
    for package in found:
        if package.name in out:
            if out[package.name] is package:
                continue
            raise PackageError(f"two graph packages are named {package.name!r}")
        if package.trigger in triggers:
            raise PackageError(f"graphs {triggers[package.trigger]!r} and {package.name!r} share trigger {package.trigger}")
        out[package.name] = package
        triggers[package.trigger] = package.name
    return out


def select(names: Iterable[str | GraphPackage] | None = None) -> dict[str, GraphPackage]:
    """The packages a deployment runs: all registered ones, or those `names` lists (a name, or a package itself)."""
    given = [n for n in names or () if isinstance(n, GraphPackage)]
    registered = packages(given)
    if names is None:
        return registered
    wanted = [n.name if isinstance(n, GraphPackage) else n for n in names]
    unknown = [n for n in wanted if n not in registered]
    if unknown:
        raise PackageError(f"no graph package named {', '.join(unknown)} (registered: {', '.join(registered)})")
    return {n: registered[n] for n in wanted}


def triggers(selected: dict[str, GraphPackage]) -> dict[str, str]:
    """Graph name -> the subject that starts its runs (what the operator step, ingest and the gate need)."""
    return {name: package.trigger for name, package in selected.items()}
