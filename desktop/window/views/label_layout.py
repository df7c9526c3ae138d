"""Callout layout for the organ names on the body map: the names stand in a column left and one
right of the drawn figure, each joined to its organ by a leader line, stacked so that no two names
and no obstacle (the primary tumour's label, the legend, the organ card, the buttons) share a pixel.

Qt-free: everything is in screen pixels (``Rect`` is ``(x0, y0, x1, y1)`` with y down), so the
caller maps organ positions and obstacles to the scene first, and this module can be tested on its
own. The caller ranks the callouts biggest lesion first: when the columns cannot hold them all,
the smallest ones give way to a single "+N more" entry rather than overlapping.

Which column: the one the organ's leader reaches soonest (across the figure, then up or down to
where the column has room). How a column is filled: its free height is the view's height less the
obstacles that reach into
the column; the names sit in the free stretches, in the order of their organs from top to bottom
(so leaders do not cross), each stretch taking a run of them (least squared distance from where
each organ is), and inside a stretch overlapping names are merged into blocks centred on their
organs (the classic one-dimensional label layout).
"""

from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[float, float, float, float]
Point = tuple[float, float]

LEFT, RIGHT = -1, 1
#: Key of the "+N more" entry in a ``Layout`` (organ keys are never negative).
MORE = -1


@dataclass(frozen=True)
class Callout:
    """One name to place: ``key`` (the caller's id), the organ's position on screen and the
    label's size (px)."""

    key: int
    anchor: Point
    width: float
    height: float


@dataclass(frozen=True)
class Placed:
    """Where a name went: its rectangle, its column (``LEFT`` or ``RIGHT``) and the leader from
    the organ to the label's inner edge (empty for the "+N more" entry)."""

    key: int
    rect: Rect
    side: int
    leader: tuple[Point, ...]


@dataclass(frozen=True)
class Layout:
    placed: tuple[Placed, ...]  # shown names, biggest lesion first (no "+N more")
    more: Placed | None  # the "+N more" entry, if some names found no room
    hidden: tuple[int, ...]  # keys of the names that found no room (counted by ``more``)

    @property
    def more_count(self) -> int:
        return len(self.hidden)


def intersects(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share an area (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def free_spans(lo: float, hi: float, blocked: list[tuple[float, float]], min_len: float) -> list[tuple[float, float]]:
    """The parts of ``[lo, hi]`` outside every ``blocked`` interval, at least ``min_len`` long."""
    spans, y = [], lo
    for b0, b1 in sorted(blocked):
        if b0 > y:
            spans.append((y, min(b0, hi)))
        y = max(y, b1)
        if y >= hi:
            break
    if y < hi:
        spans.append((y, hi))
    return [(a, b) for a, b in spans if b - a >= min_len]


def capacity(span: tuple[float, float], height: float, spacing: float) -> int:
    """How many labels of ``height`` stack in ``span`` with ``spacing`` between them."""
    return max(0, int((span[1] - span[0] + spacing) // (height + spacing)))


def _assign_runs(tops: list[float], spans: list[tuple[float, float]], height: float, spacing: float) -> list[int]:
    """The span of each label (``tops`` sorted), so that runs keep their order, no span holds more
    than it can, and the squared distance from each wanted top to its span is least."""
    n, m = len(tops), len(spans)
    caps = [capacity(s, height, spacing) for s in spans]
    inf = float("inf")
    # best[j][i]: least cost of putting the first i labels into the first j spans
    best = [[inf] * (n + 1) for _ in range(m + 1)]
    cut = [[0] * (n + 1) for _ in range(m + 1)]
    best[0][0] = 0.0
    for j, (a, b) in enumerate(spans):
        lo, hi = a, b - height
        for i in range(n + 1):
            if best[j][i] == inf:
                continue
            cost = best[j][i]
            for k in range(0, min(caps[j], n - i) + 1):
                if k:
                    t = tops[i + k - 1]
                    cost += (lo - t) ** 2 if t < lo else (t - hi) ** 2 if t > hi else 0.0
                if cost < best[j + 1][i + k]:
                    best[j + 1][i + k], cut[j + 1][i + k] = cost, i
    if best[m][n] == inf:
        raise ValueError("more labels than the spans hold")
    out, i = [0] * n, n
    for j in range(m, 0, -1):
        i0 = cut[j][i]
        for k in range(i0, i):
            out[k] = j - 1
        i = i0
    return out


def _stack(tops: list[float], span: tuple[float, float], height: float, spacing: float) -> list[float]:
    """Tops for labels wanting ``tops`` (sorted) inside ``span``: overlapping labels merge into
    blocks centred where their members want to be, each block kept inside the span."""
    pitch = height + spacing
    lo = span[0]
    blocks: list[list] = []  # [first index, count, top]
    for i in range(len(tops)):
        blocks.append([i, 1, 0.0])
        while True:
            first, count, _ = blocks[-1]
            hi = span[1] - (count * pitch - spacing)
            want = sum(tops[first + k] - k * pitch for k in range(count)) / count
            blocks[-1][2] = min(max(want, lo), hi)
            if len(blocks) < 2:
                break
            pf, pc, pt = blocks[-2]
            if pt + pc * pitch <= blocks[-1][2] + 1e-9:
                break
            blocks.pop()
            blocks[-1][1] = pc + count
    out = []
    for _, count, top in blocks:
        out += [top + k * pitch for k in range(count)]
    return out


def layout_callouts(  # noqa: C901  (one pass over the columns; see the docstring)
    callouts: list[Callout],
    view: Rect,
    figure: Rect,
    obstacles: list[Rect],
    more_size: tuple[float, float],
    gap: float,
    spacing: float,
    elbow: float,
) -> Layout:
    """Place ``callouts`` (biggest lesion first) in two columns beside ``figure``, inside ``view``.

    ``gap``: between the figure and a column, a column and the view's edge; ``spacing``: between
    two stacked labels (twice that from an obstacle); ``elbow``: the leader's last, horizontal
    piece. ``more_size``: the size of the "+N more" label (its widest text). Names whose organ is
    outside ``view`` are not placed and not counted.

    Long: one pass over the columns, in which each placement depends on the ones before it in the
    same column and every stage reads the same spans, capacities and edges."""
    vx0, vy0, vx1, vy1 = view
    cands = [
        c
        for c in callouts
        if vx0 <= c.anchor[0] <= vx1 and vy0 <= c.anchor[1] <= vy1 and c.width <= vx1 - vx0 - 2 * gap
    ]
    if not cands:
        return Layout((), None, ())
    height = max([c.height for c in cands] + [more_size[1]])
    wmax = max([c.width for c in cands] + [more_size[0]])
    left_in, right_in = figure[0] - gap, figure[2] + gap
    lo_x, hi_x = vx0 + gap, vx1 - gap
    # where the names of a column can reach: pinned by their inner edge next to the figure, or
    # pushed in from the view's edge where the space beside the figure is narrower than a name
    extent = {
        LEFT: (max(left_in - wmax, lo_x), max(left_in, lo_x + wmax)),
        RIGHT: (min(right_in, hi_x - wmax), min(right_in + wmax, hi_x)),
    }
    pad = 2 * spacing  # around an obstacle
    spans: dict[int, list[tuple[float, float]]] = {}
    for side, (x0, x1) in extent.items():
        blocked = [(o[1] - pad, o[3] + pad) for o in obstacles if o[0] - pad < x1 and x0 < o[2] + pad]
        spans[side] = free_spans(vy0 + gap, vy1 - gap, blocked, height)
    caps = {side: sum(capacity(s, height, spacing) for s in sp) for side, sp in spans.items()}
    if extent[LEFT][1] > extent[RIGHT][0]:  # too narrow for two columns: keep the roomier one
        caps[LEFT if caps[LEFT] < caps[RIGHT] else RIGHT] = 0
    room = caps[LEFT] + caps[RIGHT]
    if len(cands) <= room:
        shown, hidden = cands, []
    else:
        keep = max(room - 1, 0)
        shown, hidden = cands[:keep], cands[keep:]

    # each name in the column its leader reaches soonest (across the figure, and up or down to
    # where the column has room); a full column's overflow crosses to the other one, the names
    # that lose least by it first
    def reach(c: Callout, side: int) -> float:
        if not caps[side]:
            return float("inf")
        across = max(0.0, c.anchor[0] - left_in) if side == LEFT else max(0.0, right_in - c.anchor[0])
        y = c.anchor[1]
        return across + min(max(0.0, a + height / 2 - y, y - (b - height / 2)) for a, b in spans[side])

    cost = {c.key: {side: reach(c, side) for side in (LEFT, RIGHT)} for c in shown}
    side_of = {k: (LEFT if v[LEFT] < v[RIGHT] else RIGHT) for k, v in cost.items()}
    for side in (LEFT, RIGHT):
        mine = sorted((c.key for c in shown if side_of[c.key] == side), key=lambda k: cost[k][-side] - cost[k][side])
        for k in mine[: max(0, len(mine) - caps[side])]:
            side_of[k] = -side
    more_side = 0
    if hidden and room:
        used = {s: sum(1 for c in shown if side_of[c.key] == s) for s in (LEFT, RIGHT)}
        more_side = max((RIGHT, LEFT), key=lambda s: caps[s] - used[s])
    placed: dict[int, Placed] = {}
    more = None
    for side in (LEFT, RIGHT):
        col = sorted((c for c in shown if side_of[c.key] == side), key=lambda c: c.anchor[1])
        entries = [(c.key, c.anchor[1] - height / 2, c.width) for c in col]
        if more_side == side:  # the count sits last, just under the names
            entries.append((MORE, max([t for _, t, _ in entries] + [vy0]) + height + spacing, more_size[0]))
        if not entries:
            continue
        tops = [t for _, t, _ in entries]
        where = _assign_runs(tops, spans[side], height, spacing)
        ys: list[float] = [0.0] * len(entries)
        for j, span in enumerate(spans[side]):
            idx = [i for i, w in enumerate(where) if w == j]
            for i, y in zip(idx, _stack([tops[i] for i in idx], span, height, spacing), strict=False):
                ys[i] = y
        for (key, _, w), y in zip(entries, ys, strict=False):
            if side == LEFT:
                x1 = max(left_in, lo_x + w)
                rect = (x1 - w, y, x1, y + height)
                edge = rect[2]
            else:
                x0 = min(right_in, hi_x - w)
                rect = (x0, y, x0 + w, y + height)
                edge = rect[0]
            if key == MORE:
                more = Placed(MORE, rect, side, ())
                continue
            c = next(c for c in col if c.key == key)
            yc = y + height / 2
            bend = edge - side * elbow
            # an organ outside the bend runs level, then bends; a name pushed in over the figure goes straight
            outside = (c.anchor[0] - bend) * side < 0
            leader = (c.anchor, (bend, yc), (edge, yc)) if outside else (c.anchor, (edge, yc))
            placed[key] = Placed(key, rect, side, leader)
    return Layout(tuple(placed[c.key] for c in shown), more, tuple(c.key for c in hidden))
