"""Places for synthetic identities: communes (INSEE COG code, postal code, name, rough weight),
countries of birth abroad (COG 99xxx, ISO 3166 alpha-2) and street names for addresses.

Weights are rough population sizes in thousands; they only shape the skew. Paris, Lyon and
Marseille are listed by arrondissement, as births and addresses are coded there.
"""
from __future__ import annotations

from typing import NamedTuple


class Commune(NamedTuple):
    cog: str
    postal: str
    name: str
    weight: float


def _communes(text: str) -> tuple[Commune, ...]:
    rows = []
    for line in text.strip().splitlines():
        cog, postal, name, weight = (part.strip() for part in line.split(";"))
        rows.append(Commune(cog, postal, name, float(weight)))
    return tuple(rows)


_PARIS = "\n".join(f"751{n:02d};750{n:02d};Paris;{w}" for n, w in zip(
    range(1, 21), (16, 21, 34, 28, 58, 41, 49, 36, 60, 83, 145, 140, 178, 136, 231, 165, 167, 195, 186, 195)))
_LYON = "\n".join(f"6938{n};6900{n};Lyon;{w}" for n, w in zip(range(1, 10), (29, 30, 103, 36, 48, 50, 85, 86, 50)))
_MARSEILLE = "\n".join(f"132{n:02d};130{n:02d};Marseille;{w}" for n, w in zip(
    range(1, 17), (40, 25, 47, 49, 45, 43, 35, 80, 77, 56, 57, 61, 92, 63, 77, 16)))

COMMUNES = _communes(_PARIS + "\n" + _LYON + "\n" + _MARSEILLE + """
31555;31000;Toulouse;500
06088;06000;Nice;342
44109;44000;Nantes;320
34172;34000;Montpellier;300
67482;67000;Strasbourg;290
33063;33000;Bordeaux;260
59350;59000;Lille;236
35238;35000;Rennes;222
51454;51100;Reims;180
83137;83000;Toulon;178
42218;42000;Saint-Étienne;173
76351;76600;Le Havre;166
38185;38000;Grenoble;158
21231;21000;Dijon;159
49007;49000;Angers;157
30189;30000;Nîmes;149
69266;69100;Villeurbanne;152
63113;63000;Clermont-Ferrand;147
72181;72000;Le Mans;143
13001;13100;Aix-en-Provence;145
29019;29200;Brest;140
37261;37000;Tours;136
80021;80000;Amiens;134
87085;87000;Limoges;130
74010;74000;Annecy;130
66136;66000;Perpignan;120
92012;92100;Boulogne-Billancourt;121
57463;57000;Metz;117
25056;25000;Besançon;117
45234;45000;Orléans;116
93066;93200;Saint-Denis;113
95018;95100;Argenteuil;110
76540;76000;Rouen;111
68224;68100;Mulhouse;108
93048;93100;Montreuil;111
14118;14000;Caen;106
54395;54000;Nancy;104
86194;86000;Poitiers;89
64445;64000;Pau;76
64102;64100;Bayonne;51
17300;17000;La Rochelle;77
84007;84000;Avignon;91
26362;26000;Valence;64
73065;73000;Chambéry;59
10387;10000;Troyes;61
56121;56100;Lorient;57
56260;56000;Vannes;54
29232;29000;Quimper;63
22278;22000;Saint-Brieuc;44
35288;35400;Saint-Malo;47
53130;53000;Laval;49
49099;49300;Cholet;54
79191;79000;Niort;59
16015;16000;Angoulême;42
24322;24000;Périgueux;30
47001;47000;Agen;33
82121;82000;Montauban;61
81004;81000;Albi;49
65440;65000;Tarbes;42
34032;34500;Béziers;78
11262;11100;Narbonne;56
11069;11000;Carcassonne;46
13004;13200;Arles;51
06029;06400;Cannes;74
06004;06600;Antibes;73
05061;05000;Gap;41
01053;01000;Bourg-en-Bresse;41
71270;71000;Mâcon;34
89024;89000;Auxerre;35
58194;58000;Nevers;33
18033;18000;Bourges;64
36044;36000;Châteauroux;43
41018;41000;Blois;46
28085;28000;Chartres;39
27229;27000;Évreux;47
60057;60000;Beauvais;56
62193;62100;Calais;67
59183;59140;Dunkerque;87
59512;59100;Roubaix;98
59599;59200;Tourcoing;98
59606;59300;Valenciennes;43
62041;62000;Arras;41
68066;68000;Colmar;70
88160;88000;Épinal;32
90010;90000;Belfort;46
78646;78000;Versailles;85
92050;92000;Nanterre;96
94028;94000;Créteil;92
95127;95000;Cergy;66
77288;77000;Melun;41
77284;77100;Meaux;56
44184;44600;Saint-Nazaire;71
85191;85000;La Roche-sur-Yon;55
2A004;20000;Ajaccio;72
2B033;20200;Bastia;48
2A247;20137;Porto-Vecchio;12
2B096;20250;Corte;8
2B050;20260;Calvi;6
97411;97400;Saint-Denis;153
97415;97460;Saint-Paul;105
97416;97410;Saint-Pierre;84
97422;97430;Le Tampon;80
97209;97200;Fort-de-France;76
97101;97139;Les Abymes;53
97120;97110;Pointe-à-Pitre;15
97105;97100;Basse-Terre;10
97302;97300;Cayenne;63
97311;97320;Saint-Laurent-du-Maroni;45
97611;97600;Mamoudzou;71
""")


class Country(NamedTuple):
    cog: str     # INSEE code of the country, as in a NIR of someone born abroad
    iso: str     # ISO 3166 alpha-2
    weight: float


def _countries(text: str) -> dict[str, tuple[Country, ...]]:
    by_origin: dict[str, list[Country]] = {}
    for line in text.strip().splitlines():
        origin, cog, iso, weight = (part.strip() for part in line.split(";"))
        by_origin.setdefault(origin, []).append(Country(cog, iso, float(weight)))
    return {k: tuple(v) for k, v in by_origin.items()}


# Where people of each origin group were born when born abroad.
COUNTRIES_BY_ORIGIN = _countries("""
fr;99131;BE;3
fr;99140;CH;2
fr;99109;DE;2
fr;99132;GB;1
fr;99404;US;1
fr;99401;CA;1
fr;99352;DZ;3
fr;99350;MA;1
maghreb;99352;DZ;5
maghreb;99350;MA;4
maghreb;99351;TN;2
south_europe;99139;PT;5
south_europe;99134;ES;3
south_europe;99127;IT;3
africa;99341;SN;3
africa;99335;ML;2
africa;99326;CI;2
africa;99322;CM;2
asia;99243;VN;4
asia;99216;CN;3
asia;99234;KH;1
other;99122;PL;2
other;99114;RO;3
other;99208;TR;3
other;99252;AM;1
other;99132;GB;1
""")

STREET_TYPES = ("rue", "rue", "rue", "avenue", "boulevard", "place", "allée", "impasse", "chemin", "route",
                "quai", "cours", "square", "résidence")
STREET_NAMES = (
    "de la République", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "Pasteur", "des Lilas",
    "de la Gare", "du Moulin", "des Écoles", "de l'Église", "Gambetta", "Voltaire", "Jean Moulin", "de Verdun",
    "des Tilleuls", "du Château", "de la Paix", "Carnot", "Foch", "Émile Zola", "Anatole France", "de Paris",
    "des Acacias", "du Stade", "Saint-Exupéry", "Molière", "de la Liberté", "Paul Bert", "des Peupliers",
    "du Port", "de la Mairie", "des Roses", "Marcel Pagnol", "Louis Pasteur", "Jules Ferry", "du Commerce",
    "de Bretagne", "des Vignes", "de la Fontaine", "du Marché", "Condorcet", "Aristide Briand",
    "Pierre Curie", "Marie Curie", "des Jardins", "du 8 Mai 1945", "du 11 Novembre", "de Lattre de Tassigny",
    "Clemenceau", "des Prés", "de la Forêt", "du Levant", "Lamartine", "Alsace-Lorraine", "Saint-Michel",
    "des Cerisiers", "de l'Océan", "des Mimosas", "Frédéric Mistral", "Jean-Jacques Rousseau",
)
SECOND_LINES = ("Bâtiment A", "Bâtiment B", "Bâtiment C", "Appartement {n}", "Résidence Les Pins",
                "Résidence du Parc", "Escalier {n}", "Lieu-dit La Croix", "BP {n}")
