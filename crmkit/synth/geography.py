"""French geography of the synthetic market: departments, their region and weight.

Customers are spread over the 96 departments of metropolitan France in proportion to
their population (``parameters.yaml``, ``geography.department_population``: INSEE orders
of magnitude, thousands of inhabitants, around 2020) and
grouped into the 13 regions created by the 2016 reform. A postcode starts with its
department's code, as in real French postcodes.
"""

from __future__ import annotations

import numpy as np

from crmkit.synth.parameters import PARAMS as PR

REGIONS = (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire",
    "Corse", "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie",
    "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire", "Provence-Alpes-Côte d'Azur",
)
_R = {k: i for i, k in enumerate(
    ["ARA", "BFC", "BRE", "CVL", "COR", "GES", "HDF", "IDF", "NOR", "NAQ", "OCC", "PDL", "PAC"])}

# code, name, region
_DEPARTMENTS = """
01 Ain ARA|02 Aisne HDF|03 Allier ARA|04 Alpes-de-Haute-Provence PAC
05 Hautes-Alpes PAC|06 Alpes-Maritimes PAC|07 Ardèche ARA|08 Ardennes GES
09 Ariège OCC|10 Aube GES|11 Aude OCC|12 Aveyron OCC
13 Bouches-du-Rhône PAC|14 Calvados NOR|15 Cantal ARA|16 Charente NAQ
17 Charente-Maritime NAQ|18 Cher CVL|19 Corrèze NAQ|2A Corse-du-Sud COR
2B Haute-Corse COR|21 Côte-d'Or BFC|22 Côtes-d'Armor BRE|23 Creuse NAQ
24 Dordogne NAQ|25 Doubs BFC|26 Drôme ARA|27 Eure NOR
28 Eure-et-Loir CVL|29 Finistère BRE|30 Gard OCC|31 Haute-Garonne OCC
32 Gers OCC|33 Gironde NAQ|34 Hérault OCC|35 Ille-et-Vilaine BRE
36 Indre CVL|37 Indre-et-Loire CVL|38 Isère ARA|39 Jura BFC
40 Landes NAQ|41 Loir-et-Cher CVL|42 Loire ARA|43 Haute-Loire ARA
44 Loire-Atlantique PDL|45 Loiret CVL|46 Lot OCC|47 Lot-et-Garonne NAQ
48 Lozère OCC|49 Maine-et-Loire PDL|50 Manche NOR|51 Marne GES
52 Haute-Marne GES|53 Mayenne PDL|54 Meurthe-et-Moselle GES|55 Meuse GES
56 Morbihan BRE|57 Moselle GES|58 Nièvre BFC|59 Nord HDF
60 Oise HDF|61 Orne NOR|62 Pas-de-Calais HDF|63 Puy-de-Dôme ARA
64 Pyrénées-Atlantiques NAQ|65 Hautes-Pyrénées OCC|66 Pyrénées-Orientales OCC
67 Bas-Rhin GES|68 Haut-Rhin GES|69 Rhône ARA|70 Haute-Saône BFC
71 Saône-et-Loire BFC|72 Sarthe PDL|73 Savoie ARA|74 Haute-Savoie ARA
75 Paris IDF|76 Seine-Maritime NOR|77 Seine-et-Marne IDF|78 Yvelines IDF
79 Deux-Sèvres NAQ|80 Somme HDF|81 Tarn OCC|82 Tarn-et-Garonne OCC
83 Var PAC|84 Vaucluse PAC|85 Vendée PDL|86 Vienne NAQ
87 Haute-Vienne NAQ|88 Vosges GES|89 Yonne BFC|90 Territoire de Belfort BFC
91 Essonne IDF|92 Hauts-de-Seine IDF|93 Seine-Saint-Denis IDF
94 Val-de-Marne IDF|95 Val-d'Oise IDF
"""


def _parse():
    rows = []
    for chunk in _DEPARTMENTS.replace("\n", "|").split("|"):
        parts = chunk.split()
        if not parts:
            continue
        code, region = parts[0], parts[-1]
        rows.append((code, " ".join(parts[1:-1]), _R[region], PR.geography.department_population[code]))
    return rows


_ROWS = _parse()
DEPT_CODES = np.array([r[0] for r in _ROWS])
DEPT_NAMES = np.array([r[1] for r in _ROWS])
DEPT_REGION = np.array([r[2] for r in _ROWS], dtype=np.int8)
DEPT_WEIGHT = np.array([r[3] for r in _ROWS], dtype=float) / sum(r[3] for r in _ROWS)
DEPT_CUM = np.cumsum(DEPT_WEIGHT)
# the Paris area is denser in digital channel use and in renters
_DENSE = PR.geography.dense_departments
DEPT_URBAN = np.isin(DEPT_REGION, [_R[r] for r in _DENSE["regions"]]) | np.isin(DEPT_CODES, list(_DENSE["departments"]))


def draw_department(u: np.ndarray) -> np.ndarray:
    """Department index (into :data:`DEPT_CODES`) for uniforms ``u``, weighted by population."""
    return np.minimum(np.searchsorted(DEPT_CUM, u, side="right"), len(DEPT_CUM) - 1).astype(np.int16)
