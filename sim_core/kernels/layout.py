"""Index constants shared by the engine and the kernels: the body graph's kinds and classes, the
rate vector, counters and route kinds. Each is defined here once (the lowest layer, which the
kernels may import); ``body_graph`` and the public API re-export the graph's.

The engine fills one float64 ``rates`` vector from the parameters (and the treatment clock); kernels
read it by these indices. Counters are one float64 vector of cumulative cell (and lesion) counts.
"""

# --- the body graph's enums (the names, in index order, are what its TOML file spells) ----------------
COMPARTMENT_KINDS = ("primary", "organ", "node", "hub", "cavity")
KIND_PRIMARY, KIND_ORGAN, KIND_NODE, KIND_HUB, KIND_CAVITY = range(5)

VESSEL_KINDS = ("artery", "vein", "portal", "lymph", "cavity", "plexus")
V_ARTERY, V_VEIN, V_PORTAL, V_LYMPH, V_CAVITY, V_PLEXUS = range(6)
#: Flow classes: blood, lymph, body cavity.
CLASS_BLOOD, CLASS_LYMPH, CLASS_CAVITY = 0, 1, 2
#: The flow class of each vessel kind, in ``VESSEL_KINDS`` order. Cells that pass a compartment
#: leave on a vessel of the class they came in on when there is one.
VESSEL_CLASS_OF = (CLASS_BLOOD, CLASS_BLOOD, CLASS_BLOOD, CLASS_LYMPH, CLASS_CAVITY, CLASS_BLOOD)
#: Vessel kinds that carry blood.
BLOOD_KINDS = tuple(k for k, c in enumerate(VESSEL_CLASS_OF) if c == CLASS_BLOOD)

ARREST_CLASSES = ("none", "lung", "liver", "bed", "node")
ARREST_NONE, ARREST_LUNG, ARREST_LIVER, ARREST_BED, ARREST_NODE = range(5)

#: Lesion states: a micrometastasis (avascular) and a macrometastasis (its own vessels); 0 is a free row.
MICRO, MACRO = 1, 2

# --- packets: what one travelling unit is, and what arriving in a compartment does to it --------------
KIND_SINGLE = 0  # one viable cell (or a pooled packet of them)
KIND_CLUSTER = 1  # a cluster of viable cells
KIND_NONVIABLE = 2  # a shed cell that is already dying
#: ``rules.arrival`` below zero: what happens instead of an arrest draw.
ARRIVE_CLEAR = -1.0  # a non-viable cell reaches a capillary bed, a node or a cavity: cleared
ARRIVE_DEPOSIT = -2.0  # a viable cell or cluster reaches a cavity: deposited in its fluid

# --- rates ---------------------------------------------------------------------------------------
R_ANOIKIS = 0  # 1/h, single cell in a vessel, times attrition
R_SHEAR = 1  # 1/h, blood only, times attrition
R_IMMUNE = 2  # 1/h, times attrition and immune surveillance
R_CLUSTER_PROT = 3  # multiplier on anoikis and immune hazards (and bed death) for cluster cells
R_ARREST_LUNG = 4
R_ARREST_LIVER = 5
R_ARREST_BED = 6
R_ARREST_NODE = 7
R_KILL_LUNG = 8  # 1/h, arrested cells, times attrition, divided by chemo factor
R_KILL_LIVER = 9
R_KILL_BED = 10
R_KILL_NODE = 11
R_EX = 12  # 1/h extravasation
R_EX_LUNG = 13
R_W_PROLIF = 14  # fate weights after extravasation (soil applied per compartment)
R_W_DORMANT = 15
R_W_DIE = 16
R_DOOMED_DEATH = 17  # 1/day
R_WAKE = 18  # 1/day
R_IMPLANT = 19  # 1/day
R_CAVITY_DEATH = 20  # 1/day
R_REGRESS = 21  # regression hazard of a micrometastasis per e-fold of its growth
R_SWITCH = 22  # 1/day, angiogenic switch (times soil in the kernel, anti-angiogenic multiplier here)
R_CAP = 23  # cells: balanced size of an avascular micrometastasis
R_GROWTH = 24  # 1/day (ln 2 / doubling time): net growth of small and vascular tumours
R_AA_MULT = 25  # anti-angiogenic multiplier on sensitive cells' vascular growth (1 = none)
R_MAX_CELLS = 26
R_SHED_PER_CELL = 27  # cells shed per tumour cell per day
R_VIABLE = 28
R_LYMPH_FRAC = 29
R_CAVITY_FRAC = 30
R_CLUSTER_FRAC = 31
R_CLUSTER_CELLS = 32
R_FROM_METS = 33
R_ANOIKIS_NONVIABLE = 34  # 1/h, shed cells that were not viable
R_ADAPT = 35  # share of sensitive divisions that produce drug-adapted cells under treatment
R_OMENTUM = 36  # share of cells implanting from a cavity that land on its second lining
R_DOUBLING_REF = 37  # cells: size at which a vascular tumour doubles in the type's doubling time
R_REGRESS_UNTIL = 38  # cells: above this size a micrometastasis' regression hazard falls as 1/size
N_RATES = 39

# --- counters (cumulative) ------------------------------------------------------------------------
C_SHED = 0  # cells shed by the primary (and metastases), viable or not
C_INJECTED = 1
C_DIED_ANOIKIS = 2  # in transit (including non-viable cells at shedding)
C_DIED_SHEAR = 3
C_DIED_IMMUNE = 4
C_ARRESTED = 5  # cells held in a capillary bed or lymph node
C_DIED_ARRESTED = 6  # died while arrested (intravascular)
C_EXTRAVASATED = 7  # entered tissue (incl. implanted from a cavity)
C_DIED_TISSUE = 8  # extravasated cells that died
C_DORMANT = 9  # extravasated cells that fell dormant
C_WOKE = 10
C_MICRO = 11  # micrometastases founded (lesions)
C_MACRO = 12  # angiogenic switches (lesions)
C_MICRO_REGRESSED = 13  # micrometastases that died out (lesions)
C_DIED_LESION = 14  # cells lost with regressing micrometastases
C_BORN = 15  # cells added by division inside lesions
C_CAVITY = 16  # cells that entered a body cavity
C_DIED_CAVITY = 17
C_IMPLANTED = 18
C_CLUSTERS_SHED = 19  # clusters (not cells)
C_FOUNDER_CELLS = 20  # cells that started a micrometastasis (each lesion's founder)
N_COUNTERS = 21

# --- kinds of route by which cells reached a compartment (= vessel kinds) ------------------------
N_ROUTES = 6

# --- kernel status -------------------------------------------------------------------------------
OK = 0
NEED_PACKETS = 1
NEED_LESIONS = 2

#: Counter values reserved per distribution call in a stream (binomial with n < 40 uses n).
STRIDE = 64
