"""Name lists for synthetic French-looking patients. Invented combinations: any resemblance to
a real person is chance.

Lists are comma-separated strings, most frequent first (the order sets the skew). French
surnames get a long generated tail (root + ending, Breton, particles, saints, double names),
because France has about a million surnames and a short list would make different patients
share a name far too often.
"""
from __future__ import annotations


def _split(text: str) -> tuple[str, ...]:
    # dict.fromkeys drops repeats and keeps the order (the order is the frequency rank).
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


# --- surnames by origin ------------------------------------------------------------------
FR_SURNAMES = _split("""
Martin, Bernard, Thomas, Petit, Robert, Richard, Durand, Dubois, Moreau, Laurent, Simon, Michel,
Lefèvre, Leroy, Roux, David, Bertrand, Morel, Fournier, Girard, Bonnet, Dupont, Lambert, Fontaine,
Rousseau, Vincent, Lefebvre, Faure, André, Mercier, Blanc, Guérin, Boyer, Garnier, Chevalier,
François, Legrand, Gauthier, Perrin, Robin, Clément, Morin, Nicolas, Henry, Roussel, Mathieu,
Gautier, Masson, Marchand, Duval, Denis, Dumont, Marie, Lemaire, Noël, Meyer, Dufour, Meunier,
Brun, Blanchard, Giraud, Joly, Rivière, Lucas, Brunet, Gaillard, Barbier, Arnaud, Gérard, Roche,
Renard, Schmitt, Roy, Leroux, Colin, Vidal, Caron, Picard, Roger, Fabre, Aubert, Lemoine, Renaud,
Dumas, Lacroix, Olivier, Philippe, Bourgeois, Pierre, Benoît, Rey, Leclerc, Payet, Rolland,
Leclercq, Guillaume, Lecomte, Lopez, Jean, Dupuy, Guillot, Hubert, Berger, Carpentier, Sanchez,
Dupuis, Moulin, Louis, Deschamps, Huet, Vasseur, Perez, Boucher, Fleury, Royer, Klein, Jacquet,
Adam, Paris, Poirier, Marty, Aubry, Guyot, Carré, Charles, Renault, Charpentier, Ménard, Maillard,
Baron, Bertin, Bailly, Hervé, Schneider, Fernandez, Le Gall, Collet, Léger, Bouvier, Julien,
Prévost, Millet, Perrot, Daniel, Le Roux, Cousin, Germain, Breton, Besson, Langlois, Rémy, Le Goff,
Pelletier, Lévêque, Perrier, Leblanc, Barré, Lebrun, Marchal, Weber, Mallet, Hamon, Boulanger,
Jacob, Monnier, Michaud, Rodriguez, Guichard, Gillet, Étienne, Grondin, Poulain, Tessier, Chevallier,
Collin, Chauvin, Da Silva, Bouchet, Gay, Lemaître, Bénard, Maréchal, Humbert, Reynaud, Antoine,
Hoarau, Perret, Barthélemy, Cordier, Pichon, Lejeune, Gilbert, Lamy, Delaunay, Pasquier, Carlier,
Laporte, Gaubert, Hoareau, Lebon, Buisson, Riviere, Jourdan, Chauvet, Leconte, Vallée, Godard,
Lemercier, Boutin, Gauthier-Lamy, Dumoulin, Devaux, Chrétien, Texier, Gilles, Marechal, Laine,
Courtois, Rault, Le Bihan, Joubert, Bigot, Hardy, Bazin, Lebreton, Ferrand, Brunel, Fabre, Ollivier,
Lecoq, Pons, Marion, Blondel, Lacombe, Deschamps, Lefort, Thibault, Verdier, Roques, Raynaud,
Chauveau, Coulon, Delmas, Le Corre, Besnard, Blin, Leroux, Bourdon, Guillou, Peltier, Morvan,
Le Floch, Le Guen, Tanguy, Cadiou, Kerjean, Le Borgne, Le Meur, Quéré, Jaouen, Corre, Le Du,
Thébault, Barreau, Camus, Lebas, Lesage, Navarro, Carrière, Hamel, Bouvet, Guillon, Mathis, Colas,
Barbe, Fouquet, Charrier, Giraud, Valentin, Grégoire, Jacques, Paul, Gros, Sauvage, Lemaire,
Riou, Poulet, Dupré, Vaillant, Bouchard, Sabatier, Granger, Favre, Delattre, Laurent-Petit,
Cros, Tournier, Bourgeois, Gomez, Ferré, Besançon, Leduc, Pascal, Bruneau, Guillet, Rouxel, Hébert,
Chevrier, Labbé, Allard, Tessier, Masse, Bodin, Grenier, Ribeiro, Clerc, Jolly, Guérin-Leroy,
Pineau, Aubin, Lefèbvre, Laroche, Chartier, Drouet, Ferrier, Arnould, Baudry, Thierry, Marin,
Prat, Mas, Pujol, Delorme, Maury, Lemonnier, Lacoste, Lagarde, Baudet, Delage, Rossignol, Parent,
Devos, Vandenberghe, Lemaire, Dewaele, Desmet, Vermeulen, Wagner, Muller, Koenig, Becker, Hoffmann,
Kieffer, Fischer, Huber, Zimmermann, Walter, Ehrhart, Schaeffer, Jung, Frey, Keller, Lang, Mayer,
Œuvray, Bœuf, Lœuillet, Cœur, Desrosiers, Delacroix, Delahaye, Lamotte, Laval, Chabert, Chapuis,
Cordonnier, Forestier, Fontenelle, Gallet, Jacquot, Jourdain, Lacour, Lagrange, Lamarque, Levasseur,
Marais, Mignot, Monnet, Moret, Pages, Pagès, Paillard, Peyre, Picot, Potier, Raymond, Rigaud, Rivet,
Ruiz, Salmon, Tissot, Turpin, Vallet, Vial, Voisin, Coste, Astier, Bouchez, Bonnin, Brochard,
Charbonnier, Chopin, Combes, Couturier, Delmotte, Denoyelle, Duhamel, Duret, Fabien, Foucher,
Gervais, Gimenez, Hamelin, Imbert, Jeanne, Josse, Lebeau, Leclère, Lemarchand, Letellier, Loiseau,
Mahé, Martel, Mathé, Maurin, Merle, Millot, Mounier, Nguyen, Pasquet, Pottier, Prudhomme, Ricard,
Rocher, Rolland, Roudaut, Sauvageot, Serre, Thiery, Toussaint, Vidal, Villard, Viard, Bellanger,
L'Hôte, L'Huillier, D'Hondt, D'Aubigny, D'Arcy, D'Amico, D'Angelo, L'Herminier, de Villiers,
de La Roche, de Saint-Just, du Plessis, de Lattre, de Montalembert, de Rohan, Le Pennec,
Saint-Martin, Saint-Jean, Sainte-Marie, Saint-Germain, Saint-Pierre, Grand-Pierre, Petit-Jean,
Ducrocq, Ducasse, Dubreuil, Dubourg, Duchêne, Dufresne, Dugué, Dujardin, Dumesnil, Dupin, Duquesne,
Etcheverry, Etchegaray, Iriarte, Harriet, Elizondo, Larralde, Oçafrain, Irigoyen, Bidegain,
Santoni, Casanova, Albertini, Luciani, Paoli, Colonna, Giacomoni, Orsini, Pietri, Ceccaldi,
""")
MAGHREB_SURNAMES = _split("""
Benali, Belkacem, Ben Saïd, Bensaïd, Haddad, Brahimi, Boukhari, Mansouri, Benamar, Cherif, Djebbar,
El Amrani, El Idrissi, Bouzid, Hamidi, Kaci, Meziane, Saïdi, Zerrouki, Amrani, Belhadj, Benmoussa,
Lahlou, Chaoui, Ouali, Rahmani, Taleb, Yahiaoui, Aït Ahmed, Aït-Ali, Hadjadj, Benchikh, Bouaziz,
Ferhat, Guerroudj, Benyahia, Boudjema, Chérifi, Dahmani, Hamdi, Kaddour, Khelifi, Laouar, Mokrani,
Naït-Sidi, Ouhib, Rezki, Slimani, Tahri, Zaoui, Benabdallah, El Fassi, Berrada, Tazi, Alaoui,
Bennani, Chraïbi, El Khoury, Ben Youssef, Trabelsi, Gharbi, Jebali, Mejri, Ayari, Hammami,
""")
SOUTH_EUROPE_SURNAMES = _split("""
Da Silva, Dos Santos, Pereira, Ferreira, Rodrigues, Fernandes, Gonçalves, Lopes, Martins, Oliveira,
Sousa, Teixeira, Carvalho, Ribeiro, De Almeida, Moreira, Pinto, Gomes, Da Costa, Mendes, Marques,
Garcia, Martinez, Lopez, Sanchez, Fernandez, Gonzalez, Perez, Rodriguez, Hernandez, Ruiz, Jiménez,
Navarro, Romero, Ortega, Muñoz, Álvarez, Castillo, Rossi, Russo, Ferrari, Bianchi, Romano, Colombo,
Ricci, Marino, Greco, Bruno, Gallo, Conti, De Luca, Costa, Giordano, Mancini, Lombardi, Esposito,
D'Agostino, Di Stefano, Lo Presti, Caruso, Fontana, Moretti, Barbieri, Santoro, Rinaldi,
""")
AFRICA_SURNAMES = _split("""
N'Diaye, Diallo, Traoré, Diop, Sow, Ba, Camara, Keita, Koné, Coulibaly, Touré, Cissé, Sylla, Fofana,
Kouassi, Konaté, Ndiaye, Sarr, Faye, Gueye, Mendy, Sagna, Diakité, Doumbia, Bamba, Kanté, Ouattara,
Yao, N'Guessan, Mbemba, Nkounkou, Makaya, Tshibangu, Kabongo, Mukendi, Ngoma, Essomba, Mballa,
""")
ASIA_SURNAMES = _split("""
Nguyen, Tran, Le, Pham, Huynh, Hoang, Phan, Vu, Dang, Bui, Do, Ho, Ngo, Duong, Ly, Truong, Wang,
Chen, Zhang, Li, Liu, Lin, Huang, Wu, Zhou, Kim, Lee, Chau, Lam, Tan, Vong, Sok, Chhun, Keo,
""")
OTHER_SURNAMES = _split("""
Kowalski, Nowak, Wiśniewski, Lewandowski, Wójcik, Kamiński, Popescu, Ionescu, Popa, Constantin,
Petrov, Ivanov, Horvat, Kovač, Müller, Schmidt, Fischer, Wagner, Hoffmann, Schäfer, Neumann,
Petrossian, Hovhannessian, Karapetian, Sarkissian, Manoukian, Yılmaz, Kaya, Demir, Şahin, Çelik,
Yıldız, Öztürk, Aydın, Arslan, Doğan, Smith, O'Brien, O'Connor, McDonald, Jansen, De Vries,
""")

# Generated French tail: ~20,000 distinct surnames drawn flat.
FR_ROOTS = _split("""
Bouch, Chaum, Pell, Mart, Lamb, Rob, Gaill, Tess, Vaill, Chabr, Brun, Cour, Fourn, Mich, Piqu,
Rouss, Grang, Ferr, Mass, Charp, Bonn, Bourd, Chapel, Cham, Coud, Dauph, Desc, Fauch, Gren, Jacqu,
Lap, Lav, Marc, Mar, Mor, Pag, Pan, Poir, Pouj, Rab, Rag, Rich, Rign, Rouv, Sauv, Taill, Teyss,
Thom, Vach, Vern, Bard, Barth, Bess, Blanch, Boiss, Bourr, Brach, Brou, Cabr, Carr, Chast, Chauv,
Clav, Cott, Dall, Daub, Dell, Dev, Fav, Fouc, Gard, Gasc, Gauth, Gerb, Gouj, Guill, Hug, Jouv,
Laf, Lanc, Lebr, Lim, Maill, Malh, Marqu, Mont, Mouch, Noir, Paill, Pasc, Pell, Perr, Peyr, Pich,
Pont, Quint, Ray, Renou, Rey, Rol, Sabl, Sarr, Sen, Soul, Tard, Tourn, Trouv, Vaud, Verg, Vill,
Boul, Chanc, Dum, Fleur, Gob, Grim, Jaun, Lang, Liz, Mall, Mén, Ném, Pér, Rém, Sér, Vérd,
""")
FR_ENDINGS = _split("""
ard, aud, el, elin, et, ette, eau, ier, ière, in, ot, on, oux, y, as, é, ès, onnet, illon, ereau,
ault, ant, ez, ac, at, ignac, erie, ou, ouin, ichon, assier, eron, aille, ol, olle, ugue, eix, oz,
""")
BRETON_ENDINGS = _split("""
Goff, Gall, Bihan, Floch, Borgne, Corre, Guen, Meur, Du, Bris, Lann, Moal, Quéré, Scanff, Saux,
Cam, Dantec, Fur, Gac, Hénaff, Roy, Bars, Berre, Coz, Drézen, Gléau, Goïc, Louarn, Men, Nédélec,
""")
KER_ENDINGS = _split("""
ouredan, vella, dreux, guelen, mabon, marrec, hervé, gonan, boriou, brat, dilès, galet, jean, lann,
leroux, marec, mel, nevez, oas, rien, vern, zerho, gall, guen, lo, maria, aval, doncuff, hoas, ivin,
""")
PLACE_WORDS = _split("""
Bois, Pont, Val, Mont, Chêne, Moulin, Plessis, Fresne, Mesnil, Bourg, Puy, Pré, Roc, Lac, Marais,
Champ, Vergier, Chastel, Breuil, Jardin, Verger, Vivier, Hamel, Chesnay, Fay, Perron, Rivau, Bosc,
""")

# --- given names (most frequent first) ---------------------------------------------------
FEMALE_OLD = _split("""
Marie, Jeanne, Françoise, Monique, Catherine, Nicole, Jacqueline, Anne, Sylvie, Martine, Christiane,
Denise, Suzanne, Madeleine, Simone, Yvonne, Germaine, Paulette, Micheline, Josette, Colette, Odette,
Ginette, Renée, Hélène, Marguerite, Louise, Andrée, Lucienne, Danielle, Christine, Chantal,
Michèle, Brigitte, Annie, Bernadette, Geneviève, Évelyne, Dominique, Claudine, Éliane, Arlette,
Huguette, Lucette, Mauricette, Gisèle, Raymonde, Thérèse, Yvette, Marcelle, Berthe, Marie-Thérèse,
Marie-France, Anne-Marie, Marie-Claude, Marie-Christine, Marie-Josée, Janine, Liliane, Jocelyne,
Elisabeth, Régine, Solange, Viviane, Roselyne, Mireille, Nadine, Josiane, Maryse, Rolande, Agnès,
Claire, Odile, Agathe, Blanche, Henriette, Juliette, Léonie, Paule, Reine, Aline, Édith, Irène,
Noëlle, Pierrette, Rosine, Sabine, Yolande, Marthe, Lucie, Cécile, Élise, Emma, Alice, Rose,
""")
FEMALE_MID = _split("""
Nathalie, Isabelle, Sandrine, Valérie, Stéphanie, Céline, Sophie, Virginie, Christelle, Karine,
Laurence, Véronique, Sylvie, Aurélie, Émilie, Julie, Caroline, Audrey, Élodie, Mélanie, Laetitia,
Vanessa, Séverine, Delphine, Corinne, Patricia, Pascale, Florence, Hélène, Cécile, Anne, Magali,
Estelle, Nadia, Fabienne, Carole, Muriel, Élisabeth, Emmanuelle, Amandine, Jessica, Marion, Claire,
Alexandra, Laure, Ingrid, Gaëlle, Maud, Sabrina, Agnès, Béatrice, Frédérique, Myriam, Sonia,
Christine, Catherine, Marie, Anaïs, Charlotte, Sarah, Camille, Claudia, Natacha, Peggy, Cindy,
Sarah, Aude, Bérengère, Blandine, Coralie, Elsa, Fanny, Gwenaëlle, Hélèna, Joëlle, Katia, Lydie,
Mathilde, Nelly, Noémie, Olivia, Perrine, Rachel, Solène, Tiphaine, Vinciane, Anne-Sophie,
Marie-Laure, Marie-Hélène, Anne-Laure, Marie-Pierre, Marie-Anne, Sandra, Adeline, Annabelle, Armelle,
""")
FEMALE_NEW = _split("""
Emma, Léa, Manon, Chloé, Camille, Inès, Jade, Louise, Zoé, Lina, Anaïs, Sarah, Juliette, Clémence,
Océane, Maëlle, Lola, Lucie, Alice, Rose, Anna, Ambre, Mia, Léna, Julia, Romane, Eva, Lou, Mathilde,
Agathe, Margaux, Pauline, Marine, Laura, Justine, Morgane, Mélissa, Noémie, Lisa, Élise, Clara,
Louna, Maëlys, Nina, Iris, Capucine, Victoire, Héloïse, Alix, Margot, Salomé, Léonie, Adèle,
Charlotte, Émilie, Jeanne, Lilou, Lily, Mila, Romy, Anaëlle, Apolline, Axelle, Candice, Célia,
Constance, Éloïse, Emy, Enora, Faustine, Gabrielle, Inaya, Jeanne-Marie, Joséphine, Kenza, Léane,
Lana, Lise, Lou-Anne, Lucile, Luna, Maelle, Marie-Lou, Maya, Méline, Nour, Ophélie, Paloma, Soline,
Suzanne, Thaïs, Valentine, Yasmine, Zélie, Albane, Ainhoa, Alicia, Amélie, Bérénice, Blanche,
""")
MALE_OLD = _split("""
Jean, Pierre, Michel, André, Jacques, Bernard, René, Marcel, Louis, Roger, Claude, Robert, Paul,
Henri, Georges, Daniel, Alain, Gérard, Maurice, Raymond, Guy, Lucien, Joseph, Roland, Jean-Claude,
Jean-Pierre, Christian, Yves, Gilbert, Francis, Serge, Jean-Louis, Jean-Marie, Gabriel, Fernand,
Albert, Émile, Léon, Charles, Édouard, Gaston, Armand, Marc, Jean-Paul, Jean-Jacques, Jacky,
Jean-Michel, Patrick, Philippe, Didier, François, Marius, Eugène, Félix, Auguste, Victor, Julien,
Camille, Clément, Denis, Étienne, Georges-Henri, Hubert, Jules, Lucien, Noël, Norbert, Pascal,
Raoul, Rémy, Robert-Louis, Sylvain, Thierry, Vincent, Xavier, Yvon, Antoine, Bruno, Dominique,
Guy-Marie, Hervé, Jean-Baptiste, Jean-François, Jean-Luc, Maxime, Olivier, Paul-Henri, Régis,
""")
MALE_MID = _split("""
Nicolas, Sébastien, Christophe, Stéphane, Frédéric, Laurent, Julien, Olivier, David, Éric, Thierry,
Pascal, Cédric, Jérôme, Franck, Vincent, Mathieu, Arnaud, Guillaume, Romain, Anthony, Fabrice,
Benoît, Grégory, Ludovic, Sylvain, Thomas, Damien, Jean-François, Emmanuel, Xavier, Hervé, Bruno,
Dominique, Gilles, Patrice, Lionel, Raphaël, Alexandre, Yann, Loïc, Jean-Christophe, Florent,
Jonathan, Kevin, Jérémy, Maxime, Adrien, Aurélien, Mickaël, Cyril, Fabien, Antoine, Benjamin, Rémi,
Samuel, Vivien, Yohann, Arnaud, Bertrand, Cyrille, Denis, Didier, Erwan, Fabrice, Gaël, Gauthier,
Gwendal, Hugues, Jean-Baptiste, Jean-Marc, Jean-Philippe, Joël, Karim, Laurent, Marc-Antoine,
Matthieu, Michaël, Nicolas, Pierre-Yves, Pierre-Alexandre, Renaud, Rodolphe, Sylvère, Tanguy,
Teddy, Timothée, Tristan, Vianney, Yoann, Stéphan, Franck, Marc, Pascal, Philippe, Patrick, Alain,
""")
MALE_NEW = _split("""
Lucas, Hugo, Louis, Gabriel, Arthur, Raphaël, Jules, Adam, Nathan, Théo, Mathéo, Noé, Léo, Enzo,
Tom, Ethan, Paul, Maël, Timéo, Sacha, Nolan, Aaron, Liam, Mathis, Clément, Baptiste, Alexis,
Quentin, Valentin, Maxime, Antoine, Thomas, Victor, Martin, Samuel, Axel, Bastien, Corentin, Dylan,
Florian, Kylian, Evan, Loïc, Gaspard, Éliott, Oscar, Côme, Marius, Léon, Malo, Tristan, Titouan,
Noah, Yanis, Rayan, Ilyès, Anatole, Augustin, Benjamin, Célestin, Charles, Elouan, Émile, Esteban,
Eden, Ewen, Félix, Gabin, Isaac, Jean, Joseph, Kenzo, Lenny, Lorenzo, Louka, Lyam, Marceau, Matteo,
Milo, Nino, Noam, Pierre, Robin, Romain, Ruben, Simon, Soan, Timothé, Ulysse, Valentin, Yann, Zacharie,
Mathys, Hugo-Alexandre, Louis-Marie, Pierre-Louis, Jean-Baptiste, Aurèle, Basile, Constant, Darius,
""")
MAGHREB_FEMALE = _split("""
Fatima, Khadija, Yasmina, Nadia, Samira, Leïla, Malika, Amina, Nora, Sonia, Karima, Rachida, Myriam,
Inès, Lina, Yasmine, Sarah, Nour, Aïcha, Salma, Imane, Meriem, Sabrina, Souad, Zohra, Farida,
Djamila, Hanane, Naïma, Latifa, Hafsa, Rania, Sofia, Assia, Wassila, Sihem, Kahina, Dounia,
""")
MAGHREB_MALE = _split("""
Mohamed, Ahmed, Karim, Mehdi, Rachid, Youssef, Ali, Omar, Samir, Nabil, Bilal, Hamza, Rayan, Yanis,
Sofiane, Amine, Walid, Mourad, Kamel, Farid, Abdelkader, Mustapha, Hakim, Nassim, Ilyes, Adam,
Ayoub, Redouane, Saïd, Brahim, Djamel, Hocine, Lyès, Malik, Nordine, Réda, Sami, Tarik, Zinédine,
""")
SOUTH_EUROPE_FEMALE = _split("""
Maria, Ana, Sofia, Inês, Carmen, Dolores, Rosa, Giulia, Francesca, Isabel, Lucía, Teresa, Manuela,
Fernanda, Graça, Conceição, Alessandra, Chiara, Paola, Elena, Raquel, Beatriz, Marta, Luísa,
""")
SOUTH_EUROPE_MALE = _split("""
João, José, Manuel, António, Carlos, Antonio, Pedro, Giuseppe, Marco, Luca, Francisco, Joaquim,
Fernando, Paulo, Rui, Miguel, Javier, Alejandro, Giovanni, Salvatore, Matteo, Alessandro, Sergio,
""")
AFRICA_FEMALE = _split("""
Awa, Aminata, Fatoumata, Mariam, Kadiatou, Aïssatou, Binta, Fanta, Hawa, Oumou, Christelle, Grâce,
Merveille, Ramatoulaye, Coumba, Adama, Safiatou, Nafissatou, Aya, Prisca, Divine, Esther,
""")
AFRICA_MALE = _split("""
Mamadou, Moussa, Ibrahima, Ousmane, Abdoulaye, Amadou, Issa, Seydou, Bakary, Cheikh, Modibo,
Souleymane, Boubacar, Lassana, Exaucé, Prince, Jordy, Christ, Dieudonné, Fabrice, Serge, Aboubacar,
""")
ASIA_FEMALE = _split("""
Linh, Lan, Mai, Hoa, Thi Lan, Thi Mai, Ngoc Anh, Anh, Jing, Xin, Mei, Li Na, Ji-woo, Sophea,
Chanthy, Thu Trang, Kim, Hương, Yến, Thảo,
""")
ASIA_MALE = _split("""
Minh, Hung, Tuan, Duc, Long, Van Minh, Van Hung, Quang, Wei, Hao, Jun, Yu, Min-jun, Sokha, Vannak,
Thanh, Quốc Bảo, Đức Anh, Huy, Khanh,
""")
OTHER_FEMALE = _split("""
Anna, Olga, Ewa, Katarzyna, Agnieszka, Elena, Ioana, Tatiana, Ayşe, Fatma, Emine, Elif, Zeynep,
Anahit, Gayané, Mary, Sarah, Emily, Hanna, Ingrid, Małgorzata, Svetlana,
""")
OTHER_MALE = _split("""
Piotr, Andrzej, Krzysztof, Ion, Mihai, Sergei, Dmitri, Mehmet, Mustafa, Hüseyin, Ahmet, Murat,
Aram, Hagop, Vartan, John, Michael, Patrick, Sean, Hans, Klaus, Łukasz, Tomasz,
""")
