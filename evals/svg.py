"""Small inline SVG charts for the static report: no plotting library, no network, no script."""
from __future__ import annotations

from html import escape


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'
            f'<title>{escape(title)}</title>' + "".join(body) + "</svg>")


def metric_bars(rows: list[tuple[str, float, float, float, float | None]], title: str) -> str:
    """Horizontal bars of shares in [0, 1] with their 95% interval as a whisker and the baseline as a tick.
    rows: (label, value, ci_low, ci_high, baseline or None)."""
    left, width, bar_h, gap = 190, 300, 14, 8
    height = 30 + len(rows) * (bar_h + gap)
    body = [f'<text x="4" y="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, value, lo, hi, base) in enumerate(rows):
        y = 24 + i * (bar_h + gap)
        body.append(f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{escape(label[:30])}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#eee"/>')
        colour = "#2b7a3d" if base is None or value >= base - 1e-12 else "#b8860b"
        body.append(f'<rect x="{left}" y="{y}" width="{value * width:.1f}" height="{bar_h}" fill="{colour}"/>')
        body.append(f'<line x1="{left + lo * width:.1f}" x2="{left + hi * width:.1f}" y1="{y + bar_h / 2}" '
                    f'y2="{y + bar_h / 2}" stroke="#000" stroke-width="1.5"/>')
        if base is not None:
            body.append(f'<line x1="{left + base * width:.1f}" x2="{left + base * width:.1f}" y1="{y - 3}" '
                        f'y2="{y + bar_h + 3}" stroke="#c00" stroke-width="2"/>')
        body.append(f'<text x="{left + width + 6}" y="{y + 11}">{value:.3f}</text>')
    return _svg(left + width + 60, height, body, title)


def heatmap(rows: list[str], cols: list[str], counts: dict[str, dict[str, int]], title: str) -> str:
    """A confusion matrix: rows are labels, columns what happened; the diagonal is right."""
    cell, left, top = 56, 130, 110
    peak = max([v for r in counts.values() for v in r.values()] or [1])
    body = [f'<text x="4" y="14" font-weight="bold">{escape(title)}</text>',
            f'<text x="{left}" y="30">actual →</text><text x="4" y="{top - 6}">label ↓</text>']
    for j, c in enumerate(cols):
        x = left + j * cell + cell / 2
        body.append(f'<text x="{x}" y="{top - 8}" transform="rotate(-40 {x} {top - 8})">{escape(c)}</text>')
    for i, r in enumerate(rows):
        y = top + i * cell
        body.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4}" text-anchor="end">{escape(r)}</text>')
        for j, c in enumerate(cols):
            n = counts.get(r, {}).get(c, 0)
            shade = int(235 - 110 * n / peak) if n else 248
            fill = f"rgb({shade - 40},{min(255, shade + 15)},{shade - 40})" if r == c and n else f"rgb(250,{shade},{shade})"
            body.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}" stroke="#ccc"/>')
            body.append(f'<text x="{left + j * cell + cell / 2 - 4}" y="{y + cell / 2 + 4}">{n}</text>')
    return _svg(left + len(cols) * cell + 10, top + len(rows) * cell + 10, body, title)


def histogram(values: list[float], title: str, unit: str = "ms", bins: int = 20) -> str:
    """Distribution of values (e.g. gate latency), with p50 and p99 marked."""
    width, height, left, bottom = 420, 170, 40, 140
    body = [f'<text x="4" y="14" font-weight="bold">{escape(title)}</text>']
    if not values:
        return _svg(width, 40, body + ['<text x="4" y="32">no data</text>'], title)
    ordered = sorted(values)
    lo, hi = ordered[0], ordered[-1] if ordered[-1] > ordered[0] else ordered[0] + 1
    counts = [0] * bins
    for v in ordered:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    peak = max(counts)
    bw = (width - left - 10) / bins
    for i, n in enumerate(counts):
        h = (bottom - 30) * n / peak
        body.append(f'<rect x="{left + i * bw:.1f}" y="{bottom - h:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" fill="#4a6fa5"/>')
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        v = ordered[min(len(ordered) - 1, int(q * len(ordered)))]
        x = left + (v - lo) / (hi - lo) * (width - left - 10)
        anchor, dx = ("end", -3) if x > width - 90 else ("start", 3)
        y_text = 34 if name == "p50" else 48
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="24" y2="{bottom}" stroke="#c00"/>'
                    f'<text x="{x + dx:.1f}" y="{y_text}" fill="#c00" text-anchor="{anchor}">{name} {v:.1f}{unit}</text>')
    body.append(f'<text x="{left}" y="{bottom + 14}">{lo:.1f}</text>'
                f'<text x="{width - 10}" y="{bottom + 14}" text-anchor="end">{hi:.1f} {unit}</text>'
                f'<text x="4" y="{bottom + 28}">n = {len(values)}</text>')
    return _svg(width, height, body, title)


def stacked(rows: dict[str, dict[str, int]], keys: tuple[str, str], title: str) -> str:
    """Per-row counts of two outcomes (e.g. denied / not denied per tool) as stacked bars."""
    left, width, bar_h, gap = 170, 260, 14, 6
    peak = max([sum(v.values()) for v in rows.values()] or [1])
    body = [f'<text x="4" y="14" font-weight="bold">{escape(title)}</text>',
            f'<text x="{left}" y="28" fill="#2b7a3d">{escape(keys[0])}</text>'
            f'<text x="{left + 90}" y="28" fill="#c00">{escape(keys[1])}</text>']
    for i, (label, v) in enumerate(rows.items()):
        y = 36 + i * (bar_h + gap)
        a, b = v.get(keys[0], 0), v.get(keys[1], 0)
        body.append(f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{escape(label[:26])}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{a / peak * width:.1f}" height="{bar_h}" fill="#2b7a3d"/>')
        body.append(f'<rect x="{left + a / peak * width:.1f}" y="{y}" width="{b / peak * width:.1f}" height="{bar_h}" fill="#c00"/>')
        body.append(f'<text x="{left + (a + b) / peak * width + 4:.1f}" y="{y + 11}">{a}/{a + b}</text>')
    return _svg(left + width + 60, 40 + len(rows) * (bar_h + gap), body, title)
