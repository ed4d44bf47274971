"""French geography of the synthetic market: departments, their region and weight.

Customers are spread over the 96 departments of metropolitan France in proportion to
their population (INSEE orders of magnitude, thousands of inhabitants, around 2020) and
grouped into the 13 regions created by the 2016 reform. A postcode starts with its
department's code, as in real French postcodes.
"""

from __future__ import annotations

import numpy as np

REGIONS = (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire",
    "Corse", "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie",
    "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire", "Provence-Alpes-Côte d'Azur",
)
_R = {k: i for i, k in enumerate(
    ["ARA", "BFC", "BRE", "CVL", "COR", "GES", "HDF", "IDF", "NOR", "NAQ", "OCC", "PDL", "PAC"])}

# code, name, region, population (thousands)
_DEPARTMENTS = """
01 Ain ARA 650|02 Aisne HDF 530|03 Allier ARA 335|04 Alpes-de-Haute-Provence PAC 165
05 Hautes-Alpes PAC 141|06 Alpes-Maritimes PAC 1090|07 Ardèche ARA 328|08 Ardennes GES 270
09 Ariège OCC 153|10 Aube GES 310|11 Aude OCC 372|12 Aveyron OCC 279
13 Bouches-du-Rhône PAC 2040|14 Calvados NOR 694|15 Cantal ARA 144|16 Charente NAQ 352
17 Charente-Maritime NAQ 651|18 Cher CVL 302|19 Corrèze NAQ 240|2A Corse-du-Sud COR 158
2B Haute-Corse COR 182|21 Côte-d'Or BFC 534|22 Côtes-d'Armor BRE 600|23 Creuse NAQ 116
24 Dordogne NAQ 413|25 Doubs BFC 543|26 Drôme ARA 516|27 Eure NOR 599
28 Eure-et-Loir CVL 431|29 Finistère BRE 915|30 Gard OCC 748|31 Haute-Garonne OCC 1400
32 Gers OCC 191|33 Gironde NAQ 1623|34 Hérault OCC 1176|35 Ille-et-Vilaine BRE 1079
36 Indre CVL 219|37 Indre-et-Loire CVL 610|38 Isère ARA 1271|39 Jura BFC 259
40 Landes NAQ 413|41 Loir-et-Cher CVL 329|42 Loire ARA 765|43 Haute-Loire ARA 227
44 Loire-Atlantique PDL 1429|45 Loiret CVL 680|46 Lot OCC 174|47 Lot-et-Garonne NAQ 331
48 Lozère OCC 76|49 Maine-et-Loire PDL 818|50 Manche NOR 495|51 Marne GES 566
52 Haute-Marne GES 172|53 Mayenne PDL 307|54 Meurthe-et-Moselle GES 733|55 Meuse GES 184
56 Morbihan BRE 759|57 Moselle GES 1044|58 Nièvre BFC 204|59 Nord HDF 2608
60 Oise HDF 829|61 Orne NOR 280|62 Pas-de-Calais HDF 1468|63 Puy-de-Dôme ARA 660
64 Pyrénées-Atlantiques NAQ 682|65 Hautes-Pyrénées OCC 229|66 Pyrénées-Orientales OCC 479
67 Bas-Rhin GES 1133|68 Haut-Rhin GES 764|69 Rhône ARA 1875|70 Haute-Saône BFC 235
71 Saône-et-Loire BFC 551|72 Sarthe PDL 566|73 Savoie ARA 436|74 Haute-Savoie ARA 826
75 Paris IDF 2166|76 Seine-Maritime NOR 1255|77 Seine-et-Marne IDF 1421|78 Yvelines IDF 1448
79 Deux-Sèvres NAQ 375|80 Somme HDF 570|81 Tarn OCC 389|82 Tarn-et-Garonne OCC 260
83 Var PAC 1076|84 Vaucluse PAC 561|85 Vendée PDL 685|86 Vienne NAQ 438
87 Haute-Vienne NAQ 374|88 Vosges GES 364|89 Yonne BFC 335|90 Territoire de Belfort BFC 141
91 Essonne IDF 1301|92 Hauts-de-Seine IDF 1624|93 Seine-Saint-Denis IDF 1644
94 Val-de-Marne IDF 1407|95 Val-d'Oise IDF 1249
"""


def _parse():
    rows = []
    for chunk in _DEPARTMENTS.replace("\n", "|").split("|"):
        parts = chunk.split()
        if not parts:
            continue
        code, region, pop = parts[0], parts[-2], int(parts[-1])
        rows.append((code, " ".join(parts[1:-2]), _R[region], pop))
    return rows


_ROWS = _parse()
DEPT_CODES = np.array([r[0] for r in _ROWS])
DEPT_NAMES = np.array([r[1] for r in _ROWS])
DEPT_REGION = np.array([r[2] for r in _ROWS], dtype=np.int8)
DEPT_WEIGHT = np.array([r[3] for r in _ROWS], dtype=float) / sum(r[3] for r in _ROWS)
DEPT_CUM = np.cumsum(DEPT_WEIGHT)
# the Paris area is denser in digital channel use and in renters
DEPT_URBAN = np.isin(DEPT_REGION, [_R["IDF"]]) | np.isin(DEPT_CODES, ["13", "69", "31", "33", "59", "44", "06", "67", "34"])


def draw_department(u: np.ndarray) -> np.ndarray:
    """Department index (into :data:`DEPT_CODES`) for uniforms ``u``, weighted by population."""
    return np.minimum(np.searchsorted(DEPT_CUM, u, side="right"), len(DEPT_CUM) - 1).astype(np.int16)
