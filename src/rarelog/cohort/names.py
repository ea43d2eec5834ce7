"""Name and code lists for synthetic French-looking patients. Invented combinations: any
resemblance to a real person is chance."""

SURNAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller", "Lefebvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Le Gall", "Le Goff", "de la Fontaine", "D'Almeida", "Saint-Martin", "N'Diaye", "Ben Saïd", "Nguyen",
    "Œuvray", "Hoarau", "Da Silva", "Lopez", "Le Bihan", "Kerouac", "Ferré", "Besançon", "Thébault",
]
FEMALE_GIVEN = [
    "Marie", "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Jade", "Louise", "Zoé", "Lina", "Anaïs",
    "Sarah", "Juliette", "Clémence", "Océane", "Maëlle", "Hélène", "Françoise", "Nathalie", "Isabelle",
    "Sophie", "Cécile", "Élodie", "Aurélie", "Mélanie", "Anne-Sophie", "Marie-Claire", "Noémie", "Agathe",
]
MALE_GIVEN = [
    "Jean", "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Raphaël", "Jules", "Adam", "Nathan", "Théo",
    "Mathéo", "Noé", "Éric", "François", "Jérôme", "Stéphane", "Benoît", "Cédric", "Grégoire", "Loïc",
    "Jean-Pierre", "Pierre-Louis", "Joël", "Gaël", "Maël", "Anthony", "Mathis", "Timothée", "Sébastien",
]
# COG codes of birth communes (Paris arrondissements, Lyon, Marseille, Lille, Toulouse, Nantes, Réunion,
# Corsica, and abroad as 99xxx).
BIRTH_PLACES = ["75115", "75112", "75120", "69123", "13055", "59350", "31555", "44109", "33063", "67482",
                "97411", "2A004", "2B033", "35238", "06088", "34172", "99350", "99109", "99134", "29019"]
# ORPHAcodes with a long tail: the first few are frequent, the rest rare. 616874 = undiagnosed.
ORPHACODES = ["ORPHA:616874", "ORPHA:586", "ORPHA:558", "ORPHA:98896", "ORPHA:273", "ORPHA:778",
              "ORPHA:355", "ORPHA:399", "ORPHA:636", "ORPHA:79445", "ORPHA:791", "ORPHA:98473", "ORPHA:881",
              "ORPHA:648", "ORPHA:803", "ORPHA:908", "ORPHA:206", "ORPHA:1656", "ORPHA:65", "ORPHA:117",
              "ORPHA:31205", "ORPHA:892", "ORPHA:280", "ORPHA:3157", "ORPHA:2398", "ORPHA:552", "ORPHA:3208",
              "ORPHA:79271", "ORPHA:139", "ORPHA:731", "ORPHA:96", "ORPHA:324", "ORPHA:1331", "ORPHA:50",
              "ORPHA:99", "ORPHA:161", "ORPHA:2322", "ORPHA:110", "ORPHA:262", "ORPHA:64"]
STATUSES = ["CONFIRMED", "CONFIRMED", "CONFIRMED", "PROBABLE", "ONGOING", "UNDETERMINED"]
