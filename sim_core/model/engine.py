"""Engine: the one stateful class. ``reset()``, ``step(dt_s)``, ``set_param()``, ``snapshot()``.

One step sheds cells from the tumours, moves packets (event-driven, exact hazards), updates cells
held in organs and nodes, founds and grows lesions and grows the primary. Transport is resolved
inside the step whatever its length, so the window can step by seconds and a cohort by days with
the same rules. Results depend only on (scenario, seed, sequence of steps).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim_core.kernels import layout as L
from sim_core.kernels.beds import update_beds
from sim_core.kernels.layout import KIND_NODE, KIND_ORGAN, MACRO, MICRO
from sim_core.kernels.lesions import grow_lesions, spawn_lesions, treated_growth
from sim_core.kernels.structs import GraphArrays
from sim_core.kernels.transport import packet_positions, transport_step
from sim_core.model.body_graph import VESSEL_CLASS, BodyGraph, load_body_graph
from sim_core.model.cell_mode import CellTransport
from sim_core.model.errors import InputError
from sim_core.model.params import Params
from sim_core.model.recorder import Recorder
from sim_core.model.scenario import Scenario
from sim_core.model.state import LesionTable, OrganPools, PacketTable, fill_rows

#: Transport resolutions: pooled packets of many cells (fast, the default) or one packet per cell.
RESOLUTIONS = ("packets", "cells")
#: Default ceiling on lesion rows (about 55 bytes each: 33.5 million take 1.8 GB). Measured with
#: no ceiling: the heaviest shedder of 400 breast-preset autopsy patients held 14.9 million lesions
#: at once, so the ceiling leaves the cohorts as they were; sliders at extremes founded 130 million
#: in a day and ran a 24 GB machine out of memory.
MAX_LESIONS = 1 << 25

DAYS_PER_MONTH = 30.44

#: Names of the funnel counters, in ``kernels.layout`` order.
COUNTER_NAMES = (
    "shed",
    "injected",
    "died_anoikis",
    "died_shear",
    "died_immune",
    "arrested",
    "died_arrested",
    "extravasated",
    "died_in_tissue",
    "entered_dormancy",
    "woke",
    "micrometastases_founded",
    "angiogenic_switches",
    "micrometastases_regressed",
    "died_in_regressing_lesions",
    "born_in_lesions",
    "entered_cavity",
    "died_in_cavity",
    "implanted",
    "clusters_shed",
    "founder_cells",
)


@lru_cache(maxsize=4)
def default_graph() -> BodyGraph:
    return load_body_graph()


_ROUTED: dict[tuple[int, float, float], tuple[BodyGraph, BodyGraph]] = {}


#: The fitted routing shares that replace the body graph file's shares (``routed``).
ROUTING_KEYS = ("routing.plexus_share", "routing.duct_node_share")


def routed(graph: BodyGraph, params) -> BodyGraph:
    """``graph`` with the vertebral-plexus and thoracic-duct shares of ``params`` applied (cached:
    engines share read-only graphs)."""
    plexus, duct = (float(params[k]) for k in ROUTING_KEYS)
    key = (id(graph), plexus, duct)
    hit = _ROUTED.get(key)
    if hit is None or hit[0] is not graph:
        if len(_ROUTED) > 64:
            _ROUTED.clear()
        hit = _ROUTED[key] = (graph, graph.with_plexus_share(plexus).with_duct_node_share(duct))
    return hit[1]


def cells_to_mm(cells, cells_per_g: float):
    """Diameter in mm of a spherical lesion of ``cells`` cells at ``cells_per_g`` (1 g per cm3)."""
    return 10.0 * np.cbrt(6.0 * np.asarray(cells, np.float64) / (math.pi * cells_per_g))


def shed_size_factor(cells, params) -> np.ndarray:
    """Shedding per cell of a tumour of ``cells`` cells relative to one of the reference size:
    (cells / reference) ** (exponent - 1), since shedding grows with the tumour's vessels, whose
    extent grows as its mass to the power ``shedding.size_exponent`` [iwata2000]."""
    ref = params["primary.doubling_ref_cells"]
    return (np.maximum(np.asarray(cells, np.float64), 1.0) / ref) ** (params["shedding.size_exponent"] - 1.0)


def cavity_share(params) -> float:
    """Share of shed cells that fall into a body cavity: those leaving from the cavity-facing surface
    (``cavity.exposure``), all of them where that surface is bare (the ovary), else those that cross
    its serosa (``cavity.breach``)."""
    covered = params["cavity.covered"]
    return params["cavity.exposure"] * (1.0 - covered * (1.0 - params["cavity.breach"]))


def mm_to_cells(mm: float, cells_per_g: float) -> float:
    """Cells in a sphere of diameter ``mm`` mm."""
    return math.pi / 6.0 * (mm / 10.0) ** 3 * cells_per_g


@dataclass(frozen=True)
class Snapshot:
    """Read-only copies of what a view needs to draw one frame."""

    t_days: float
    step: int
    packet_xy: np.ndarray  # [k, 2] body-map coordinates
    packet_cells: np.ndarray  # [k]
    packet_nclu: np.ndarray  # [k] 0 = single cells
    packet_kind: np.ndarray  # [k] vessel kind
    packet_id: np.ndarray  # [k]
    packet_vessel: np.ndarray  # [k] vessel index
    packet_frac: np.ndarray  # [k] fraction of the vessel travelled
    lesion_comp: np.ndarray
    lesion_cells: np.ndarray
    lesion_state: np.ndarray
    lesion_route: np.ndarray
    lesion_id: np.ndarray
    held_cells: np.ndarray  # [n] cells held per compartment (not in lesions)
    dormant_cells: np.ndarray  # [n]
    primary_cells: float
    counters: np.ndarray
    died_in_vessel: np.ndarray  # [m, 3] cumulative deaths in transit by vessel and cause
    cleared_at: np.ndarray  # [n] cumulative non-viable cells cleared on arrival


class Engine:
    """A simulated body with one primary site (patient mode) or none (injection experiments)."""

    # tumour state, set by ``reset()``
    primary_cells: float
    primary_res: float
    removed_cells: float
    surgery_day: float | None
    #: the day the tumour burden first reached ``patient.lethal_cells`` (None: not yet)
    death_day: float | None

    def __init__(
        self,
        scenario: Scenario,
        graph: BodyGraph | None = None,
        *,
        shedding: bool = True,
        record_every_days: float = 1.0,
        resolution: str = "packets",
        cell_capacity: int = 1 << 20,
        max_packets: int = 1 << 24,
        max_lesions: int | None = None,
    ):
        """``resolution="cells"`` follows every shed cell (or cluster) as its own packet in a pool
        of ``cell_capacity`` slots that may grow up to ``max_packets`` (then the run stops with a
        clear error); results agree statistically with pooled packets. The lesion table holds at
        most ``max_lesions`` lesions (default ``MAX_LESIONS``; see ``_found_lesions`` for what
        happens past it)."""
        if resolution not in RESOLUTIONS:
            raise InputError("engine", "resolution", f"must be one of {', '.join(RESOLUTIONS)}")
        self.resolution = resolution
        self._cell_capacity = int(cell_capacity)
        self._max_packets = int(max_packets)
        if max_lesions is None:
            max_lesions = MAX_LESIONS
        if not max_lesions >= 1:
            raise InputError("engine", "max_lesions", "must be at least 1")
        self._max_lesions = int(max_lesions)
        self._base_graph = graph or default_graph()
        self.graph = routed(self._base_graph, scenario.params)
        if scenario.primary not in self.graph.index:
            raise InputError(scenario.source, "primary", f"unknown primary site {scenario.primary!r}")
        self.scenario = scenario.copy()
        self.shedding = shedding
        self.record_every_days = record_every_days
        g = self.graph
        self._v_class = VESSEL_CLASS[g.v_kind].astype(np.int8)
        self._graph_key: BodyGraph | None = None
        self._primary = g.index[scenario.primary]
        self.reset()

    # --- parameters ---------------------------------------------------------------------------
    @property
    def params(self) -> Params:
        return self.scenario.params

    @property
    def seed(self) -> int:
        return self.scenario.seed

    def set_param(self, path: str, value: float) -> None:
        """Change one parameter mid-run (validated; takes effect at the next step)."""
        self.scenario.params.set(path, value)
        self._soil = self._soil_vector()
        if path in ROUTING_KEYS:
            self.graph = routed(self._base_graph, self.params)
            if self.cells is not None:
                self.cells.set_graph(self.graph)

    def _graph_arrays(self) -> GraphArrays:
        """The body graph's arrays in the order the transport kernels take them (made anew when
        the routing changes the graph)."""
        g = self.graph
        if self._graph_key is not g:
            self._graph_key = g
            self._graph_group = GraphArrays(
                g.v_dst, g.v_kind, self._v_class, g.v_share, g.v_transit_h, g.out_ptr, g.out_idx, g.arrest_class, g.kind
            )
        return self._graph_group

    def _soil_vector(self) -> np.ndarray:
        """Soil of each organ and node for this seed: (shared soil x this cancer's affinity) to the
        power ``soil.weight`` (0 = anatomy only). The primary's own organ holds no metastasis."""
        return soil_vector(self.graph, self.params, self.scenario.primary)

    def site_soil(self, comp: int) -> float:
        """This seed's effective soil in compartment ``comp`` (0 where no lesion can grow)."""
        return float(self._soil[comp])

    def antiangio_multiplier(self, t_days: float) -> float:
        """Factor on the angiogenic switch and on drug-sensitive cells' vascular growth at ``t_days``."""
        p = self.params
        s = p["antiangio.strength"]
        if s <= 0.0 or not p["antiangio.start_day"] <= t_days < p["antiangio.stop_day"]:
            return 1.0
        return 1.0 - s * (1.0 - p["antiangio.hazard_ratio"])

    def adaptation(self) -> float:
        """Share of drug-sensitive divisions that yield adapted cells, chosen so that at full dose a
        tumour growing at the type's doubling time is half adapted after
        ``antiangio.resistance_months`` (adapted cells R and sensitive S: R/S = mu m (e^((1-m) r t) - 1)
        / (1 - m) for small R, with m the hazard ratio)."""
        p = self.params
        m = p["antiangio.hazard_ratio"]
        if m >= 1.0:
            return 0.0
        r = math.log(2.0) / p["primary.doubling_days"]
        x = (1.0 - m) * r * p["antiangio.resistance_months"] * DAYS_PER_MONTH
        return min(1.0, (1.0 - m) / (m * math.expm1(min(x, 700.0))))

    def treatment_effect(self, days: np.ndarray, adapted: float | None = None) -> np.ndarray:
        """How much (%) full-time treatment at the current dose slows a vascular tumour's growth
        after ``days`` of it, starting from a drug-adapted share ``adapted`` (default: the
        primary's). It fades as adapted cells take over, not by a timer."""
        p = self.params
        s = p["antiangio.strength"]
        m = 1.0 - s * (1.0 - p["antiangio.hazard_ratio"])
        days = np.asarray(days, np.float64)
        if m >= 1.0:
            return np.zeros_like(days)
        r = math.log(2.0) / p["primary.doubling_days"]
        mu = self.adaptation()
        f = self.primary_res if adapted is None else adapted
        cells = p["primary.doubling_ref_cells"]
        out = np.empty_like(days)
        t = 0.0
        for i, d in enumerate(days):
            while t < d - 1e-9:
                dt = min(7.0, d - t)
                cells, f = treated_growth(
                    cells, f, r, m, mu, p["primary.doubling_ref_cells"], p["primary.max_cells"], dt
                )
                t += dt
            out[i] = 100.0 * (1.0 - m) * (1.0 - f)
        return out

    def surgery_boost(self, t_days: float) -> float:
        """Factor on waking and switching while the wake-up after surgery lasts (1 otherwise)."""
        p = self.params
        if self.surgery_day is None or p["surgery.wake_factor"] <= 1.0:
            return 1.0
        if t_days - self.surgery_day < p["surgery.boost_months"] * DAYS_PER_MONTH:
            return p["surgery.wake_factor"]
        return 1.0

    def primary_mm(self) -> float:
        """Diameter of the primary in mm (0 once removed)."""
        return float(cells_to_mm(self.primary_cells, self.params["primary.cells_per_g"]))

    def remove_primary(self) -> None:
        """Surgery: the primary is gone (its cells are not counted as deaths: they left the body)."""
        if self.primary_cells > 0.0:
            self.removed_cells += self.primary_cells
            self.primary_cells = 0.0
            self.surgery_day = self.t_days

    def _surgery_due(self) -> bool:
        p = self.params
        if self.primary_cells <= 0.0:
            return False
        if p["surgery.at_day"] > 0.0 and self.t_days >= p["surgery.at_day"] - 1e-9:
            return True
        return p["surgery.at_mm"] > 0.0 and self.primary_mm() >= p["surgery.at_mm"]

    def rates(self, t_days: float | None = None) -> np.ndarray:
        """The rate vector the kernels read (see ``kernels.layout``)."""
        p = self.params
        t = self.t_days if t_days is None else t_days
        att = p["transit.attrition"]
        imm = p["immune.surveillance"]
        chemo = p["chemo.lung_factor"]
        aa = self.antiangio_multiplier(t)
        boost = self.surgery_boost(t)
        growth = math.log(2.0) / p["primary.doubling_days"]
        r = np.zeros(L.N_RATES)
        r[L.R_ANOIKIS] = p["transit.anoikis_per_h"] * att
        r[L.R_ANOIKIS_NONVIABLE] = p["transit.nonviable_death_per_h"]
        r[L.R_SHEAR] = p["transit.shear_per_h"] * att
        r[L.R_IMMUNE] = p["transit.immune_per_h"] * att * imm
        r[L.R_CLUSTER_PROT] = p["transit.cluster_protection"]
        r[L.R_ARREST_LUNG] = 1.0 - (1.0 - p["arrest.lung"]) / chemo
        r[L.R_ARREST_LIVER] = p["arrest.liver"]
        r[L.R_ARREST_BED] = p["arrest.bed"]
        r[L.R_ARREST_NODE] = p["arrest.node"]
        r[L.R_KILL_LUNG] = p["bed.kill_lung_per_h"] * att / chemo
        r[L.R_KILL_LIVER] = p["bed.kill_liver_per_h"] * att
        r[L.R_KILL_BED] = p["bed.kill_per_h"] * att
        r[L.R_KILL_NODE] = p["bed.kill_node_per_h"] * att * imm
        r[L.R_EX] = p["bed.extravasation_per_h"]
        r[L.R_EX_LUNG] = p["bed.extravasation_lung_per_h"]
        r[L.R_W_PROLIF] = p["fate.proliferate"] * (1.0 - p["suppressor.strength"])
        r[L.R_W_DORMANT] = p["fate.dormant"] * p["dormancy.entry"]
        r[L.R_W_DIE] = p["fate.die"]
        r[L.R_DOOMED_DEATH] = p["fate.death_per_day"]
        r[L.R_WAKE] = p["dormancy.wake_per_year"] / 365.25 * boost
        r[L.R_IMPLANT] = p["cavity.implant_per_day"]
        r[L.R_CAVITY_DEATH] = p["cavity.death_per_day"] * att
        r[L.R_OMENTUM] = p["cavity.omentum_share"]
        r[L.R_REGRESS] = p["micro.regress_per_doubling"] / math.log(2.0)
        r[L.R_REGRESS_UNTIL] = p["micro.regress_until_cells"]
        r[L.R_SWITCH] = p["micro.switch_per_doubling"] * growth / math.log(2.0) * aa * boost
        r[L.R_CAP] = p["micro.cap_cells"]
        r[L.R_GROWTH] = growth
        r[L.R_AA_MULT] = aa
        r[L.R_ADAPT] = self.adaptation() if aa < 1.0 else 0.0
        r[L.R_MAX_CELLS] = p["primary.max_cells"]
        r[L.R_DOUBLING_REF] = p["primary.doubling_ref_cells"]
        r[L.R_SHED_PER_CELL] = p["shedding.rate_per_g_day"] / p["primary.cells_per_g"]
        r[L.R_VIABLE] = p["shedding.viable_fraction"]
        r[L.R_LYMPH_FRAC] = p["shedding.lymph_fraction"]
        r[L.R_CAVITY_FRAC] = cavity_share(p)
        r[L.R_CLUSTER_FRAC] = p["shedding.cluster_fraction"]
        r[L.R_CLUSTER_CELLS] = p["shedding.cluster_cells"]
        r[L.R_FROM_METS] = p["shedding.from_metastases"]
        return r

    # --- lifecycle ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Back to time zero with the current parameters (and optionally a new seed)."""
        if seed is not None:
            self.scenario.seed = int(seed)
        n = self.graph.n
        self.t_days = 0.0
        self.step_index = 0
        self.packets = PacketTable(4096)
        self.graph = routed(self._base_graph, self.params)
        self.cells = (
            CellTransport(self.graph, self._cell_capacity, self._max_packets) if self.resolution == "cells" else None
        )
        self.lesions = LesionTable(min(1024, self._max_lesions))
        self.pools = OrganPools(n)
        self.counters = np.zeros(L.N_COUNTERS)
        #: cumulative deaths in transit per vessel and cause (anoikis, shear, immune)
        self.died_in_vessel = np.zeros((self.graph.m, 3))
        self._soil = self._soil_vector()
        self.primary_cells = self.params["primary.initial_cells"] if self.shedding else 0.0
        self.primary_res = 0.0  # share of drug-adapted cells in the primary
        self.removed_cells = 0.0  # cells taken out by surgery
        self.surgery_day = None
        self.death_day = None  # not yet
        self.recorder = Recorder(n)
        self._next_record = 0.0
        self._record()

    def fork(self) -> Engine:
        """An independent copy of the whole state (sharing only the read-only body graph).

        The copy draws the same counter-based random numbers as the original, so two forks stepped
        alike stay identical until a parameter is changed in one of them."""
        return copy.deepcopy(self, memo={id(self.graph): self.graph})

    def set_resolution(self, resolution: str) -> None:
        """Switch transport resolution mid-run (between steps); every cell in transit is kept.

        Pooled packets -> one packet per cell or cluster, in the same vessel at the same place
        (positions rounded to the cell pool's float32), of the same kind, route and cluster size;
        cells -> pooled packets grouping identical states. Counters, organ pools, lesions and the
        clock are untouched, so ``accounting()`` still balances; from the next step on the other
        transport's rules and random draws apply. A full cell pool raises ``MemoryError`` and
        leaves the engine as it was."""
        from sim_core.model.cell_mode import expand_pooled, group_cells

        if resolution not in RESOLUTIONS:
            raise InputError("engine", "resolution", f"must be one of {', '.join(RESOLUTIONS)}")
        if resolution == self.resolution:
            return
        g = self.graph
        if resolution == "cells":
            pk = self.packets
            on = pk.active == 1
            ct = CellTransport(g, self._cell_capacity, self._max_packets)
            start_id = max(int(pk.next_id[0]), ct.pool.next_id)
            v, pos, cells, kind, route, pid, next_id = expand_pooled(
                pk.cells[on],
                pk.nclu[on],
                pk.vessel[on],
                pk.pos_h[on],
                pk.route[on],
                pk.pid[on],
                g.v_transit_h,
                start_id,
            )
            ct.add_units(v, pos, cells, kind, route, pid)
            ct.pool.next_id = max(ct.pool.next_id, next_id)
            self.packets = PacketTable(4096)
            self.packets.next_id[0] = ct.pool.next_id
            self.cells = ct
        else:
            cur = self.cells
            # the resolution was "cells" (checked above), so there is a cell transport
            assert cur is not None
            cells, nclu, vessel, pos_h, route, pid = group_cells(*cur.units())
            pk = PacketTable(max(4096, 2 * cells.shape[0]))
            k = cells.shape[0]
            rows = pk.free_stack[pk.n_free[0] - k : pk.n_free[0]][::-1]
            pk.n_free[0] -= k
            fill_rows(pk, rows, active=1, cells=cells, nclu=nclu, vessel=vessel, pos_h=pos_h, route=route, pid=pid)
            pk.next_id[0] = max(int(self.packets.next_id[0]), cur.pool.next_id)
            self.packets = pk
            self.cells = None
        self.resolution = resolution

    def inject(self, vessel: str, cells: int, cluster_cells: int = 1) -> None:
        """Put ``cells`` cells at the start of ``vessel`` (as clusters of ``cluster_cells`` if > 1)."""
        g = self.graph
        if vessel not in g.v_index:
            raise InputError("inject", "vessel", f"unknown vessel {vessel!r}")
        if cells < 1:
            raise InputError("inject", "cells", "must be at least 1")
        if self.cells is not None:
            self.cells.inject(g.v_index[vessel], int(cells), int(cluster_cells))
            self.counters[L.C_INJECTED] += cells
            return
        pk = self.packets
        if pk.n_free[0] < 1:
            pk.grow()
        i = int(pk.free_stack[pk.n_free[0] - 1])
        pk.n_free[0] -= 1
        v = g.v_index[vessel]
        nclu = cells // cluster_cells if cluster_cells > 1 else 0
        route = 1 << int(g.v_kind[v])
        fill_rows(
            pk, i, active=1, cells=cells, nclu=nclu, vessel=v, pos_h=0.0, clock_h=0.0, route=route, pid=pk.next_id[0]
        )
        pk.next_id[0] += 1
        self.counters[L.C_INJECTED] += cells

    def step(self, dt_s: float) -> None:
        """Advance the body by ``dt_s`` seconds.

        Long: most of its lines are the kernels' argument lists (a numba kernel takes its arrays one
        by one, and ruff puts one per line); the rest reads in the order a step runs (primary
        growth, shedding, transport, beds, new lesions, lesion growth)."""
        if not (dt_s > 0 and math.isfinite(dt_s)):
            raise InputError("step", "dt_s", "must be a positive number of seconds")
        g, pk, po, les = self.graph, self.packets, self.pools, self.lesions
        dt_h = dt_s / 3600.0
        dt_d = dt_h / 24.0
        rates = self.rates(self.t_days + 0.5 * dt_d)
        seed, step = self.seed, self.step_index
        pk.clock_h[:] = 0.0
        if self._surgery_due():
            self.remove_primary()
            rates = self.rates(self.t_days + 0.5 * dt_d)
        primary_next, primary_res = self.primary_cells, self.primary_res
        if self.primary_cells > 0:
            primary_next, primary_res = treated_growth(
                self.primary_cells,
                self.primary_res,
                rates[L.R_GROWTH],
                rates[L.R_AA_MULT],
                rates[L.R_ADAPT],
                rates[L.R_DOUBLING_REF],
                rates[L.R_MAX_CELLS],
                dt_d,
            )
        if self.cells is not None:
            src, cells, per_h = self._shedding(primary_next, rates)
            self.cells.step(dt_h, rates, src, cells, per_h, seed, step, self.counters, self.pools, self.died_in_vessel)
        else:
            self._move_packets(dt_h, rates, primary_next)
        update_beds(
            dt_h,
            g.kind,
            g.arrest_class,
            g.implants_into,
            g.implants_also,
            self._soil,
            po.arr_s,
            po.arr_c,
            po.doomed,
            po.dormant,
            po.floating,
            po.extravasated_cum,
            po.spawn,
            self.counters,
            rates,
            seed,
            step,
        )
        self._found_lesions(dt_d, step)
        grow_lesions(
            dt_d,
            self.t_days,
            les.state,
            les.comp,
            les.cells,
            les.switch_day,
            les.res,
            les.lid,
            les.free_stack,
            les.n_free,
            self._soil,
            self.counters,
            rates,
            seed,
            step,
        )
        self.primary_cells = primary_next
        self.primary_res = primary_res
        self.t_days += dt_d
        if self.death_day is None and self.shedding and self.burden() >= self.params["patient.lethal_cells"]:
            self.death_day = self.t_days
        self.step_index += 1
        if self.t_days >= self._next_record - 1e-9:
            self._record()

    def _found_lesions(self, dt_d: float, step: int) -> None:
        """Turn the dividing cells in ``pools.spawn`` into micrometastases, one per cell.

        The table grows as needed up to ``max_lesions`` rows. Past that (only where shedding, fate
        and regression sliders all sit at extremes: the body would be flooded long before) the free
        rows are shared among the compartments in proportion to their waiting cells, and the rest
        stay in ``pools.spawn``: alive and counted, neither growing nor dying, and founded at a
        later step once lesions regress. So memory stays bounded and no cell is lost."""
        po, les = self.pools, self.lesions
        waiting = int(po.spawn.sum())
        if waiting > les.n_free[0]:
            les.grow(waiting - int(les.n_free[0]), limit=self._max_lesions)
        room = int(les.n_free[0])
        held = None
        if waiting > room:
            # in Python integers: waiting cells (up to ~1e12) times rows (up to ~3e7) overflow int64
            shares = [int(x) * room // waiting for x in po.spawn.ravel().tolist()]
            placed = np.array(shares, np.int64).reshape(po.spawn.shape)
            held = po.spawn - placed
            po.spawn[:] = placed
        status = spawn_lesions(
            po.spawn,
            self.t_days,
            dt_d,
            les.state,
            les.comp,
            les.route,
            les.cells,
            les.born_day,
            les.switch_day,
            les.res,
            les.lid,
            les.free_stack,
            les.n_free,
            les.next_id,
            self.counters,
            self.seed,
            step,
        )
        assert status == L.OK  # the cells to place never outnumber the free rows here
        if held is not None:
            po.spawn += held

    def _move_packets(self, dt_h: float, rates: np.ndarray, primary_next: float) -> None:
        """Pooled transport for one step (``transport_step``): shedding, then every packet moved. A
        call that runs out of packet slots returns; the table grows and the step goes on where it
        stopped."""
        g, pk = self.graph, self.packets
        src, cells, per_h = self._shedding(primary_next, rates)
        shed, drawn = self.shedding, 0
        while True:
            status, shed, drawn = transport_step(
                dt_h,
                src,
                cells,
                per_h,
                *self._graph_arrays(),
                *pk.kernel_arrays(),
                *self.pools.kernel_arrays(),
                self.died_in_vessel,
                self.counters,
                rates,
                self.seed,
                self.step_index,
                shed,
                drawn,
            )
            if status == L.OK:
                return
            pk.grow(6 * g.m * src.shape[0] + 16 if shed else 3 * L.N_ROUTES * g.m)

    def advance(self, days: float, dt_days: float) -> None:
        """Step with ``dt_days`` until ``days`` more days have passed (the last step may be shorter)."""
        end = self.t_days + days
        while self.t_days < end - 1e-9:
            self.step(min(dt_days, end - self.t_days) * 86400.0)

    def _shedding(self, primary_next: float, rates: np.ndarray):
        """Shedding sources, their sizes and shedding rate per cell-hour (none without shedding)."""
        if not self.shedding:
            return np.zeros(0, np.int32), np.zeros(0), np.zeros(0)
        src, cells = self._shedding_sources(_log_mean(self.primary_cells, primary_next))
        return src, cells, self._shed_per_cell_day(cells, rates) / 24.0

    def _shed_per_cell_day(self, cells: np.ndarray, rates: np.ndarray) -> np.ndarray:
        """Cells shed per tumour cell and day by shedding sources of ``cells`` cells (the primary
        first, then metastases at ``shedding.from_metastases`` of its rate)."""
        per = rates[L.R_SHED_PER_CELL] * shed_size_factor(cells, self.params)
        per[1:] *= rates[L.R_FROM_METS]
        return per

    def shed_per_day(self) -> float:
        """Cells all shedding tumours release per day at their present sizes, by the same rule as
        a step (before anoikis and the viable share); 0 once nothing sheds."""
        if not self.shedding:
            return 0.0
        _, cells = self._shedding_sources(self.primary_cells)
        per = cells * self._shed_per_cell_day(cells, self.rates())
        if self.primary_cells <= 0.0:
            per[0] = 0.0
        return float(per.sum())

    def _shedding_sources(self, primary_cells: float) -> tuple[np.ndarray, np.ndarray]:
        """Shedding tumours and their sizes: the primary at its mean size over the step (so the
        amount shed does not depend on the step length), then metastases if they shed."""
        src = [self._primary]
        cells = [primary_cells]
        if self.params["shedding.from_metastases"] > 0.0:
            les = self.lesions
            macro = les.state == MACRO
            if macro.any():
                per = np.bincount(les.comp[macro], weights=les.cells[macro], minlength=self.graph.n)
                for c in np.nonzero(per)[0]:
                    src.append(int(c))
                    cells.append(float(per[c]))
        return np.array(src, np.int32), np.array(cells, np.float64)

    def _record(self) -> None:
        self.recorder.record(self.t_days, self.counters, self.cells_per_compartment(), self.primary_cells)
        self._next_record = self.t_days + self.record_every_days

    # --- read-outs ----------------------------------------------------------------------------
    def cells_per_compartment(self) -> np.ndarray:
        """Living disseminated cells per compartment: held cells plus lesion cells."""
        les = self.lesions
        used = les.state > 0
        per = np.bincount(les.comp[used], weights=les.cells[used], minlength=self.graph.n)
        return self.pools.alive() + per

    def burden(self) -> float:
        """Tumour cells in the body: the primary and every lesion."""
        les = self.lesions
        return float(self.primary_cells + les.cells[les.state > 0].sum())

    def alive_in_transit(self) -> int:
        if self.cells is not None:
            return self.cells.alive()
        pk = self.packets
        return int(pk.cells[pk.active == 1].sum())

    def accounting(self) -> dict[str, float]:
        """Every disseminated cell, alive somewhere or dead by one cause (the conservation check)."""
        c = self.counters
        les = self.lesions
        alive = self.alive_in_transit() + float(self.pools.alive().sum()) + float(les.cells[les.state > 0].sum())
        dead = (
            c[L.C_DIED_ANOIKIS]
            + c[L.C_DIED_SHEAR]
            + c[L.C_DIED_IMMUNE]
            + c[L.C_DIED_ARRESTED]
            + c[L.C_DIED_TISSUE]
            + c[L.C_DIED_LESION]
            + c[L.C_DIED_CAVITY]
        )
        came = c[L.C_SHED] + c[L.C_INJECTED] + c[L.C_BORN]
        return {"came": float(came), "alive": float(alive), "dead": float(dead)}

    def funnel(self) -> dict[str, float]:
        c = self.counters
        les = self.lesions
        out = {name: float(c[i]) for i, name in enumerate(COUNTER_NAMES)}
        out["died_in_transit"] = float(c[L.C_DIED_ANOIKIS] + c[L.C_DIED_SHEAR] + c[L.C_DIED_IMMUNE])
        out["dormant_now"] = float(self.pools.dormant.sum())
        out["micrometastases_now"] = int((les.state == MICRO).sum())
        out["macrometastases_now"] = int((les.state == MACRO).sum())
        out["in_transit_now"] = self.alive_in_transit()
        return out

    def site_table(self) -> dict[str, dict[str, float]]:
        """Per organ or node: dormant cells, lesion counts and the largest lesion."""
        g, les, po = self.graph, self.lesions, self.pools
        dormant = po.dormant.sum(axis=1)
        micro = np.bincount(les.comp[les.state == MICRO], minlength=g.n)
        macro = np.bincount(les.comp[les.state == MACRO], minlength=g.n)
        largest = np.zeros(g.n)
        used = les.state > 0
        np.maximum.at(largest, les.comp[used], les.cells[used])
        out = {}
        for c in range(g.n):
            if g.kind[c] not in (KIND_ORGAN, KIND_NODE):
                continue
            out[g.ids[c]] = {
                "dormant_cells": int(dormant[c]),
                "micrometastases": int(micro[c]),
                "macrometastases": int(macro[c]),
                "largest_lesion_cells": float(largest[c]),
            }
        return out

    def _packet_view(self):
        """(cells, nclu, vessel, pos_h, pid) of every packet in a vessel, as fresh arrays."""
        if self.cells is not None:
            return self.cells.packet_view()
        pk = self.packets
        on = pk.active == 1
        return pk.cells[on].copy(), pk.nclu[on].copy(), pk.vessel[on].copy(), pk.pos_h[on].copy(), pk.pid[on].copy()

    def snapshot(self) -> Snapshot:
        g, les = self.graph, self.lesions
        cells, nclu, vessel, pos_h, pid = self._packet_view()
        xy = np.empty((cells.shape[0], 2))
        packet_positions(
            np.ones(cells.shape[0], np.int8), vessel, pos_h, g.v_transit_h, g.path_ptr, g.path_xy, g.path_cum, xy
        )
        used = les.state > 0
        return Snapshot(
            t_days=self.t_days,
            step=self.step_index,
            packet_xy=xy,
            packet_cells=cells,
            packet_nclu=nclu,
            packet_kind=g.v_kind[vessel].copy(),
            packet_id=pid,
            packet_vessel=vessel,
            packet_frac=np.minimum(pos_h / g.v_transit_h[vessel], 1.0),
            lesion_comp=les.comp[used].copy(),
            lesion_cells=les.cells[used].copy(),
            lesion_state=les.state[used].copy(),
            lesion_route=les.route[used].copy(),
            lesion_id=les.lid[used].copy(),
            held_cells=self.pools.alive().astype(np.float64),
            dormant_cells=self.pools.dormant.sum(axis=1).astype(np.float64),
            primary_cells=float(self.primary_cells),
            counters=self.counters.copy(),
            died_in_vessel=self.died_in_vessel.copy(),
            cleared_at=self.pools.cleared_cum.copy(),
        )


def soil_vector(graph: BodyGraph, params: Params, primary: str) -> np.ndarray:
    """Effective soil of every compartment for a seed growing in ``primary`` (0 where no lesion
    can grow): (``soil.<key>`` x ``affinity.<key>``) ** ``soil.weight``."""
    w = params["soil.weight"]
    soil = np.zeros(graph.n)
    own = graph.own_organ.get(primary, "")
    for c in range(graph.n):
        key = graph.soil_key[c]
        if not key or graph.ids[c] == own:
            continue
        soil[c] = (params[f"soil.{key}"] * params[f"affinity.{key}"]) ** w
    return soil


def _log_mean(a: float, b: float) -> float:
    """Mean of an exponentially changing quantity going from a to b: (b - a) / ln(b / a)."""
    if a <= 0.0 or b <= 0.0 or abs(b - a) <= 1e-12 * a:
        return 0.5 * (a + b)
    return (b - a) / math.log(b / a)
