"""The sources behind the model's numbers, one entry each, cited by key (``[coumans2013]``).

Every parameter's ``source`` in ``params.py`` names its references by key in square brackets; a
test checks that each key resolves here, and ``sim_core/README.md`` prints this table
(``seedsoil-sim params --references``). ``conf`` says how the figure was read: H = in the primary
abstract or table, M = in a secondary source or by simple arithmetic on primary figures, L = the
value usually quoted, not re-read (check it before relying on it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    key: str
    citation: str  # authors, year, journal volume:pages
    used: str  # the figure the model takes from it
    conf: str  # H, M or L


_R = [
    Reference(
        "aceto2014",
        "Aceto N et al. 2014, Cell 158:1110-1122",
        "circulating clusters are oligoclonal and have 23-50x the metastatic potential of single cells",
        "H",
    ),
    Reference(
        "ajcc",
        "AJCC Cancer Staging Manual, N categories (as tabulated in the NCI PDQ breast summary)",
        "isolated tumour cells <= 0.2 mm, micrometastasis 0.2-2 mm, macrometastasis > 2 mm",
        "H",
    ),
    Reference(
        "allard2004",
        "Allard WJ et al. 2004, Clin Cancer Res 10:6897-6904",
        "tumour cells per 7.5 mL of blood in 964 patients with metastatic carcinomas: 0 to 23,618, mean 60, "
        ">= 2 in 36 % of samples; a log-normal with that mean and that share has a log standard deviation "
        "of about 3",
        "M",
    ),
    Reference(
        "batson1940",
        "Batson OV 1940, Ann Surg 112:138-149",
        "the valveless vertebral venous plexus joins pelvic veins to the spine and pelvis (a route, no flow figure)",
        "H",
    ),
    Reference(
        "bergers2008",
        "Bergers G, Hanahan D 2008, Nat Rev Cancer 8:592-603",
        "benefit of VEGF-pathway inhibitors is transitory: tumours adapt (evasive resistance)",
        "H",
    ),
    Reference(
        "bubendorf2000",
        "Bubendorf L et al. 2000, Hum Pathol 31:578-583",
        "1,589 prostate-cancer autopsies: bone in 90 % of patients with blood-borne metastases",
        "H",
    ),
    Reference(
        "b16growth",
        "B16 melanoma growth: about 17-24 h per doubling in culture (usual figure); "
        "Luzzi 1998 saw macroscopic liver tumours 13 days after injection",
        "B16 doubles in about a day",
        "L",
    ),
    Reference(
        "bross1975",
        "Bross IDJ, Viadana E, Pickren JW 1975, J Chronic Dis 28:149-159",
        "in autopsy series, metastases beyond the first filtering organ (lung, or liver for portal "
        "primaries) seldom occur without metastases in it: the cascade of spread from metastases",
        "M",
    ),
    Reference(
        "gundem2015",
        "Gundem G et al. 2015, Nature 520:353-357",
        "whole-genome sequencing of lethal prostate cancer in 10 men: metastases were commonly seeded by "
        "other metastases, not only by the primary",
        "H",
    ),
    Reference(
        "butler1975",
        "Butler TP, Gullino PM 1975, Cancer Res 35:512-516",
        "rat MTW9 carcinoma sheds 3.2-4.1e6 cells per g per day; arterial count 1/12 of efferent",
        "H",
    ),
    Reference(
        "carmel1977",
        "Carmel RJ, Brown JM 1977, Cancer Res 37:145-151",
        "cyclophosphamide before i.v. cells: about 100x more lung colonies",
        "H",
    ),
    Reference(
        "chambers2002",
        "Chambers AF, Groom AC, MacDonald IC 2002, Nat Rev Cancer 2:563-572",
        "cells arrest in the first capillary bed they meet; the inefficiency lies in growth at the site",
        "H",
    ),
    Reference(
        "coumans2013",
        "Coumans FAW, Siesling S, Terstappen LWMM 2013, BMC Cancer 13:283",
        "breast volume doubling 1.7 +/- 0.9 months; 1 metastasis per 6e7 disseminated cells; "
        "removal below 2.7 mm for a 1 % 5-year risk; N_max 1e12 cells",
        "H",
    ),
    Reference(
        "deboer1982",
        "de Boer AG, Moolenaar F, de Leede LGJ, Breimer DD 1982, Clin Pharmacokinet 7:285-311",
        "about 57 % of a rectal lidocaine dose escapes hepatic first pass (share of rectal blood to the caval system)",
        "M",
    ),
    Reference(
        "delmonte2009",
        "Del Monte U 2009, Cell Cycle 8:505-506",
        "about 1e8 cells per cm3 in epithelial tumours (1e9 is the classical figure)",
        "H",
    ),
    Reference(
        "colleoni2016",
        "Colleoni M et al. (IBCSG) 2016, J Clin Oncol 34:927-935",
        "4,105 operable breast cancers followed 24 years: yearly recurrence hazard 10.4 % over the first five "
        "years, peaking at 15.2 % between years 1 and 2",
        "H",
    ),
    Reference(
        "demicheli2004",
        "Demicheli R et al. 2004, Breast Cancer Res 6:R689-R696",
        "recurrence hazard after mastectomy peaks at about 18 months and again later; surgery may wake dormant disease",
        "H",
    ),
    Reference(
        "disibio2008",
        "DiSibio G, French SW 2008, Arch Pathol Lab Med 132:931-939 (per-site counts as "
        "transcribed by Font-Clos et al. 2020)",
        "3,827 autopsies 1914-1943: % of patients with a metastasis at each site, metastases per patient",
        "M",
    ),
    Reference(
        "eisenhauer2009",
        "Eisenhauer EA et al. 2009 (RECIST 1.1), Eur J Cancer 45:228-247",
        "a lesion is measurable on CT from 10 mm",
        "H",
    ),
    Reference(
        "fidler1970",
        "Fidler IJ 1970, J Natl Cancer Inst 45:773-782",
        "B16 i.v.: about 1 % of cells alive at 24 h; about 400 cells in the lung at day 14 and a mean of 78 metastases",
        "H",
    ),
    Reference(
        "folkman2000",
        "Folkman J 2000, J Natl Cancer Inst 92:94-95",
        "without new vessels a tumour stops at about 0.2-2 mm (1e5-1e6 cells)",
        "H",
    ),
    Reference(
        "fong1993",
        "Fong Y et al. 1993, Ann Surg 217:72-77",
        "2.6 % of 1,772 adult soft-tissue sarcomas had lymph-node metastases",
        "H",
    ),
    Reference(
        "fontclos2020",
        "Font-Clos F, Zapperi S, La Porta CAM 2020, iScience 23:101073",
        "blood flow alone explains about 40 % of the variance of metastatic sites (0.09-0.82 per primary)",
        "H",
    ),
    Reference(
        "holmgren1995",
        "Holmgren L, O'Reilly MS, Folkman J 1995, Nat Med 1:149-153",
        "dormant micrometastases: proliferation as in growing ones, apoptosis > 3x; grow when inhibition stops",
        "H",
    ),
    Reference(
        "hurwitz2004",
        "Hurwitz H et al. 2004, N Engl J Med 350:2335-2342",
        "bevacizumab in colorectal cancer: progression-free survival 10.6 vs 6.2 months, HR 0.54",
        "H",
    ),
    Reference(
        "koop1995",
        "Koop S et al. 1995, Cancer Res 55:2520-2523",
        "over 80 % of B16F10 cells survive the circulation and extravasate by 24 h (chick membrane)",
        "H",
    ),
    Reference(
        "troisier1889",
        "Troisier CE 1889, Arch Gen Med 1:129-138 (Virchow 1848 before him)",
        "an enlarged left supraclavicular node signals an abdominal cancer: the thoracic duct's "
        "lymph passes those nodes before it reaches the venous angle (a route, no flow figure)",
        "L",
    ),
    Reference(
        "iwata2000",
        "Iwata K, Kawasaki K, Shigesada N 2000, J Theor Biol 203:177-186",
        "metastases are founded at m x^alpha per day by a tumour of x cells; alpha = 0.663 for one "
        "hepatocellular carcinoma (the fractal dimension of its vessels)",
        "M",
    ),
    Reference(
        "kendall1948",
        "Kendall DG 1948, Ann Math Stat 19:1-15",
        "a birth-death process started from n cells dies out with probability (death/birth rate)^n: "
        "extinction threatens small colonies, hardly large ones",
        "L",
    ),
    Reference(
        "willis2010",
        "Willis L et al. 2010, Cancer Res 70:4310-4317",
        "late breast-cancer relapse fits a few growth-restricted micrometastases per patient that "
        "escape with a half-life of 12 to 69 years (model fit to long follow-up, not a measurement)",
        "M",
    ),
    Reference(
        "coleman2006",
        "Coleman RE 2006, Clin Cancer Res 12:6243s-6249s",
        "bone metastases in 65-75 % of advanced breast and prostate, 30-40 % of lung and 20-25 % of renal cancers",
        "M",
    ),
    Reference(
        "barnholtz2004",
        "Barnholtz-Sloan JS et al. 2004, J Clin Oncol 22:2865-2872",
        "brain metastases in 19.9 % of lung, 6.9 % of melanoma, 6.5 % of renal and 5.1 % of breast "
        "cancer patients (Detroit registry)",
        "M",
    ),
    Reference(
        "glomset1938",
        "Glomset DA 1938, Am J Cancer 32:57-61",
        "adrenal metastases most frequent from lung carcinomas (20-30 % after Willis) and melanoma; "
        "50 of 162 breast-carcinoma autopsies (Warren and Witham)",
        "M",
    ),
    Reference(
        "luzzi1998",
        "Luzzi KJ et al. 1998, Am J Pathol 153:865-873",
        "B16F1 into the mesenteric vein: 87 % arrested in liver at 90 min, 83 % extravasated by day 3, "
        "1 in 40 form micrometastases by day 3, 1 in 100 of those macrometastases by day 13, 36 % solitary at day 13",
        "L",
    ),
    Reference(
        "meng2004",
        "Meng S et al. 2004, Clin Cancer Res 10:8152-8162",
        "CTC half-life 1-2.4 h; CTCs found 7-22 years after mastectomy (dormant disease persists)",
        "H",
    ),
    Reference(
        "miller2007",
        "Miller K et al. 2007, N Engl J Med 357:2666-2676",
        "bevacizumab in breast cancer: progression-free survival 11.8 vs 5.9 months, HR 0.60",
        "H",
    ),
    Reference(
        "newton2012",
        "Newton PK et al. 2012, PLoS ONE 7:e34637",
        "lung-cancer chain from DiSibio's counts: skeletal muscle holds 2 of 619 metastases",
        "H",
    ),
    Reference(
        "nrc1999",
        "National Research Council 1999, Risk Assessment of Radon in Drinking Water, table A-1 "
        "(reference values of Williams & Leggett 1989, Clin Phys Physiol Meas 10:187-217)",
        "resting blood flow by organ, % of cardiac output (brain 12, kidneys 19, muscle 17, ...)",
        "H",
    ),
    Reference(
        "paget1889",
        "Paget S 1889, Lancet 133:571-573",
        "735 fatal breast cancers: bone and liver hold more metastases than their blood supply predicts",
        "M",
    ),
    Reference(
        "pan2017",
        "Pan H et al. (EBCTCG) 2017, N Engl J Med 377:1836-1846",
        "ER+ breast cancer, distant recurrence in years 5-20 at a steady rate: T1N0 13 %, T1N1-3 20 %, T1N4-9 34 %",
        "H",
    ),
    Reference(
        "pearson_cervix",
        "Pearson B, Factors in the cause of death in carcinoma of the cervix: a study of fifty-seven cases "
        "coming to necropsy. Cancer Institute and Department of Pathology, University of Minnesota (1930s; "
        "journal volume not verified)",
        "ureters strictured by the growth in 42 of 57 autopsies (75 %); uraemia a leading cause of death",
        "M",
    ),
    Reference(
        "lookingbill1993",
        "Lookingbill DP, Spangler N, Helm KF 1993, J Am Acad Dermatol 29:228-236",
        "4020 patients with metastatic carcinoma or melanoma: skin metastases in 10 %; melanoma 77 of 172 (45 %), "
        "breast 212 of 707 (30 %), colorectal 4.5 %, lung 2.5 %, prostate 0 of 207",
        "H",
    ),
    Reference(
        "patel1978",
        "Patel JK, Didolkar MS, Pickren JW, Moore RH 1978, Am J Surg 135:807-810",
        "216 melanoma autopsies: brain metastases in 49 %",
        "H",
    ),
    Reference(
        "peer1993",
        "Peer PG et al. 1993, Cancer 71:3547-3551",
        "breast cancer volume doubling: median 80 d (< 50 y), 157 d (50-70 y), 188 d (> 70 y)",
        "H",
    ),
    Reference(
        "riihimaki2014",
        "Riihimaki M et al. 2014, Lung Cancer 86:78-84; Milovanovic IS et al. 2017, Ann Thorac Med 12:191-198",
        "lung cancer spreads characteristically to brain and adrenal glands",
        "H",
    ),
    Reference(
        "riihimaki2016",
        "Riihimaki M et al. 2016, Sci Rep 6:29765",
        "rectal vs colon cancer: thoracic metastases odds ratio 2.4 (caval drainage)",
        "H",
    ),
    Reference(
        "saphner1996",
        "Saphner T, Tormey DC, Gray R 1996, J Clin Oncol 14:2738-2746",
        "breast recurrence hazard peaks in years 1-2 after surgery",
        "H",
    ),
    Reference(
        "schmid1993",
        "Schmid HP, McNeal JE, Stamey TA 1993, Cancer 71:2031-2040",
        "prostate cancer doubling times mostly over 24 months (serial PSA)",
        "H",
    ),
    Reference(
        "strang_t1",
        "Cornell/Strang series of 592 T1 breast carcinomas (via KoreaMed 2324940); "
        "Rosen PP et al. 1981, Ann Surg 194:576-584",
        "T1 breast cancer: 24-27 % node-positive at surgery",
        "M",
    ),
    Reference(
        "surov2010",
        "Surov A et al. 2010, Eur Radiol 20:649-658",
        "skeletal-muscle metastases are rare: 1.2 % of patients with metastatic cancer on CT",
        "H",
    ),
    Reference(
        "vollmer1984",
        "Vollmer TL, Conley FK 1984, Cancer Res 44:3902-3906",
        "cyclophosphamide raised lung implants only; no effect in brain, heart, kidney, adrenal, ovary",
        "H",
    ),
]

REFERENCES: dict[str, Reference] = {r.key: r for r in _R}


def markdown_table() -> str:
    """The reference table of ``sim_core/README.md``."""
    rows = ["| key | source | figure used | conf. |", "|---|---|---|---|"]
    for r in sorted(_R, key=lambda r: r.key):
        rows.append(f"| `{r.key}` | {r.citation} | {r.used} | {r.conf} |")
    return "\n".join(rows)
