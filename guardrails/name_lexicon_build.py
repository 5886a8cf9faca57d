"""Builds `name_lexicon.json`, the given names and surnames the name rules consult, from `names-dataset`.

Source: the PyPI package `names-dataset` 3.3.1 (Philippe Remy; Apache License 2.0; its lists were counted from
public social-network profiles in 105 countries). It is 56 MB and takes seconds to load, so it is not a
dependency: this script keeps, per list, every name ranked in the top `TOP` of at least one country (lower-cased,
NFKC), about 120,000 names in 1 MB. Run it by hand in a throwaway environment:

    pip install --target /tmp/nd names-dataset==3.3.1 --no-deps
    PYTHONPATH=/tmp/nd python -m guardrails.name_lexicon_build

Faker's name lists are deliberately not used: Faker generates the evaluation sets (evals/pii/independent.py).
"""
from __future__ import annotations

import gzip
import json
import pickle
import unicodedata
from pathlib import Path

TOP = 1000
OUT = Path(__file__).with_name("name_lexicon.json")


def _names(path: Path) -> list[str]:
    with gzip.open(path) as f:
        table = pickle.load(f)  # the package's own data file: {name: {"rank": {country: rank}, ...}}
    return sorted(
        {
            unicodedata.normalize("NFKC", name).lower()
            for name, info in table.items()
            if info.get("rank") and min(info["rank"].values()) <= TOP and len(name) >= 2
            and all(c.isalpha() or c in "-'" for c in name)
        }
    )


def main() -> None:
    import importlib.util

    spec = importlib.util.find_spec("names_dataset")  # located, not imported: its __init__ needs pycountry
    if spec is None or spec.origin is None:
        raise SystemExit("names-dataset is not installed; see this module's docstring")
    data = Path(spec.origin).parent / "v3"
    lexicon = {
        "source": f"names-dataset 3.3.1 (PyPI), Apache License 2.0, Copyright Philippe Remy; top {TOP} per country",
        "given": _names(data / "first_names.pkl.gz"),
        "surnames": _names(data / "last_names.pkl.gz"),
    }
    OUT.write_text(json.dumps(lexicon, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
