"""More dev material: the dev half of the independent templates rendered with other seeds, never the held-out half.

The dev split (`independent_dev.jsonl`, 900 sentences) is saturated; tuning on it alone overfits its values. This
pool re-renders only the dev templates (the split is always the one of `independent.SEED`) with fresh Faker values,
so rules can be checked on new names, dates and addresses in the same shapes, while the held-out templates stay
unseen. `python -m evals.pii.dev_pool [--seed N] [--count N] [--misses]` scores Warden on it and, with
`--misses`, prints the values it left in clear and the hard negatives it touched.
"""
from __future__ import annotations

import random
from typing import Sequence

from evals.pii.independent import SEED, _render, _Values, split_templates, templates

POOL_SEED = 777  # anything but independent.SEED and SEED + 1000 (the shipped files' value seeds)


def dev_pool(seed: int = POOL_SEED, count: int = 3000) -> list[dict]:
    """`count` records from the dev templates only, with values drawn from `seed`."""
    if seed in (SEED, SEED + 1000):
        raise ValueError("use another seed than the shipped files'")
    dev_ids, _ = split_templates(SEED)
    all_templates = templates()
    values = _Values(seed)
    rng = random.Random(seed + 7)
    out = []
    for i in range(count):
        tid = rng.choice(dev_ids)
        out.append({"id": f"pool-{seed}-{i + 1:05d}", "template_id": tid, **_render(all_templates[tid], values)})
    return out


def print_misses(records: Sequence[dict], finder) -> None:
    """Each labelled value left in clear (less than half covered by its type) and each hard negative touched."""
    for r in records:
        text = r["text"]
        pred = finder(text)
        for s in r["spans"]:
            cov = sum(1 for i in range(s["start"], s["end"]) if any(
                t == s["type"] and a <= i < b for t, a, b in pred))
            if cov < (s["end"] - s["start"]) / 2:
                print(f"MISS {s['type']}: {text[s['start']:s['end']]!r} in {text!r} "
                      f"got {[(t, text[a:b]) for t, a, b in pred]}")
        for n in r["negatives"]:
            hit = [(t, text[a:b]) for t, a, b in pred if a < n["end"] and n["start"] < b]
            if hit:
                print(f"FP {n['kind']}: {text[n['start']:n['end']]!r} hit {hit} in {text!r}")


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from evals.pii.scorer import format_table, ours_finder, score

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=POOL_SEED)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--misses", action="store_true", help="print missed values and touched negatives")
    args = parser.parse_args(argv)
    records = dev_pool(args.seed, args.count)
    finder = ours_finder()
    print(format_table([score(finder, records, "warden")]))
    if args.misses:
        print_misses(records, finder)

if __name__ == "__main__":
    main()
