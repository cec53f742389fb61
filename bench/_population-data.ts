/**
 * The vocabulary of the generated population (bench/_population.ts): given and family names by
 * origin, roughly in order of frequency, German cities with their real postal code ranges and area
 * codes, and street names. Written out here so that nothing is fetched at run time.
 */

/** Comma-separated names written as a block of text, one list. */
function list(text: string): string[] {
  return text.trim().split(/\s*,\s*/);
}

export interface Origin {
  name: string;
  /** share of the population */
  share: number;
  male: readonly string[];
  female: readonly string[];
  family: readonly string[];
  /** other spellings of the same name that sources use (transliteration), by name */
  variants?: Readonly<Record<string, readonly string[]>>;
}

export const ORIGINS: readonly Origin[] = [
  {
    name: 'german',
    share: 0.7,
    male: list(`
      Thomas, Michael, Andreas, Stefan, Christian, Peter, Klaus, Wolfgang, Jürgen, Frank, Uwe, Markus,
      Matthias, Alexander, Martin, Hans, Johannes, Sebastian, Daniel, Tobias, Florian, Lukas, Jonas,
      Leon, Finn, Paul, Maximilian, Felix, Jan, Tim, Niklas, Dieter, Manfred, Heinz, Günter, Horst,
      Helmut, Gerhard, Werner, Rainer, Joachim, Bernd, Josef, Friedrich, Wilhelm, Heinrich, Ulrich,
      Sven, Jörg, Dirk, Holger, Oliver, Torsten, Björn, Kai, Nils, Moritz, Benedikt, Benjamin, Dominik,
      Patrick, Philipp, Simon, David, Fabian, Julian, Till, Ole, Bernhard, Rudolf, Christoph, Ludwig,
      Georg, Konrad, Anton
    `),
    female: list(`
      Anna, Maria, Ursula, Monika, Petra, Elisabeth, Sabine, Renate, Helga, Karin, Brigitte, Ingrid,
      Erika, Andrea, Gisela, Claudia, Susanne, Gabriele, Christa, Christine, Stefanie, Julia,
      Katharina, Laura, Lena, Lea, Sophie, Marie, Hannah, Emma, Mia, Lina, Johanna, Charlotte,
      Franziska, Nicole, Sandra, Melanie, Birgit, Heike, Anja, Silke, Kerstin, Tanja, Nadine, Jessica,
      Sarah, Lisa, Jana, Katrin, Jennifer, Barbara, Margarete, Dorothea, Theresia, Jutta, Hildegard,
      Gertrud, Waltraud, Magdalena, Friederike, Cornelia, Ulrike, Veronika, Annemarie, Ingeborg,
      Antonia, Alexandra, Daniela, Christina
    `),
    family: list(`
      Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer,
      Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger,
      Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid, Schulze,
      Maier, Köhler, Herrmann, König, Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang, Scholz,
      Möller, Weiß, Jung, Hahn, Schubert, Vogel, Friedrich, Keller, Günther, Frank, Berger, Winkler,
      Roth, Beck, Lorenz, Baumann, Franke, Albrecht, Schuster, Simon, Ludwig, Böhm, Winter, Kraus,
      Martin, Schumacher, Krämer, Vogt, Stein, Jäger, Otto, Sommer, Groß, Seidel, Heinrich, Brandt,
      Haas, Schreiber, Graf, Schulte, Dietrich, Ziegler, Kuhn, Kühn, Pohl, Engel, Horn, Busch,
      Bergmann, Thomas, Voigt, Sauer, Arnold, Wolff, Pfeiffer, Hübner, Kramer, Fiedler, Jansen,
      Lindner, Ernst, Grimm, Brinkmann, Ebert, Kuhlmann, Dreher, Rieger, Oswald, Nagel, Straub, Wendt,
      Wirth, Heller, Beyer, Funke, Thiel, Blum, von Bülow, von der Heide, Müller-Lüdenscheidt,
      Schulze-Wessel, zu Stolberg, Oberndörfer, Leutheusser, Wiedemann, Eichhorn, Rosenthal,
      Achterberg, Quast
    `),
  },
  {
    name: 'turkish',
    share: 0.08,
    male: list(`
      Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, Emre, Murat, Yusuf, Burak, Can
    `),
    female: list(`
      Fatma, Ayşe, Emine, Hatice, Zeynep, Elif, Meryem, Özlem, Esra, Selin
    `),
    family: list(`
      Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, Doğan,
      Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Polat
    `),
  },
  {
    name: 'polish',
    share: 0.05,
    male: list(`
      Piotr, Krzysztof, Andrzej, Tomasz, Paweł, Michał, Marcin, Jakub, Łukasz
    `),
    female: list(`
      Katarzyna, Małgorzata, Agnieszka, Joanna, Magdalena, Monika, Ewa, Anna
    `),
    family: list(`
      Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański,
      Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur
    `),
  },
  {
    name: 'italian',
    share: 0.04,
    male: list(`
      Giuseppe, Giovanni, Antonio, Marco, Francesco, Luca, Alessandro, Matteo
    `),
    female: list(`
      Giulia, Francesca, Chiara, Maria, Sara, Valentina, Federica
    `),
    family: list(`
      Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, De Luca
    `),
  },
  {
    name: 'russian',
    share: 0.05,
    male: list(`
      Sergej, Alexej, Dmitri, Wladimir, Nikolai, Andrej, Jewgeni, Juri
    `),
    female: list(`
      Olga, Tatjana, Natalja, Jelena, Irina, Swetlana, Ljudmila, Anastasia
    `),
    family: list(`
      Iwanow, Smirnow, Petrow, Kusnezow, Popow, Sokolow, Lebedew, Koslow, Nowikow, Morosow, Wolkow
    `),
    variants: {
      Sergej: ['Sergei', 'Sergey'],
      Alexej: ['Alexei', 'Aleksey'],
      Dmitri: ['Dmitrij', 'Dmitry'],
      Wladimir: ['Vladimir'],
      Jewgeni: ['Evgeny', 'Jewgenij'],
      Juri: ['Yuri', 'Jurij'],
      Tatjana: ['Tatiana', 'Tatyana'],
      Natalja: ['Natalia', 'Natalya'],
      Jelena: ['Elena', 'Yelena'],
      Swetlana: ['Svetlana'],
      Ljudmila: ['Lyudmila', 'Ludmila'],
      Iwanow: ['Ivanov'],
      Smirnow: ['Smirnov'],
      Petrow: ['Petrov'],
      Kusnezow: ['Kuznetsov', 'Kusnezov'],
      Popow: ['Popov'],
      Sokolow: ['Sokolov'],
      Lebedew: ['Lebedev'],
      Koslow: ['Kozlov'],
      Nowikow: ['Novikov'],
      Morosow: ['Morozov'],
      Wolkow: ['Volkov'],
    },
  },
  {
    name: 'english',
    share: 0.04,
    male: list(`
      James, John, Robert, Michael, William, David, Richard, Joseph, Charles, Edward
    `),
    female: list(`
      Mary, Patricia, Jennifer, Linda, Elizabeth, Susan, Jessica, Sarah, Karen, Margaret
    `),
    family: list(`
      Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Taylor, Clark, O'Brien, McDonald
    `),
  },
  {
    name: 'arabic',
    share: 0.04,
    male: list(`
      Mohammed, Ahmad, Omar, Youssef, Khaled, Karim, Samir, Tarek
    `),
    female: ['Fatima', 'Aisha', 'Leila', 'Noor', 'Yasmin', 'Mariam', 'Rania'],
    family: list(`
      Al-Hassan, Haddad, Khalil, Nasser, Saleh, Mansour, Hamdan, Abbas, El-Sayed
    `),
    variants: {
      Mohammed: ['Mohamed', 'Muhammad', 'Mohammad'],
      Ahmad: ['Ahmed'],
      Youssef: ['Yusuf', 'Youssif'],
      Khaled: ['Khalid'],
      Tarek: ['Tariq'],
      Aisha: ['Aischa', 'Ayesha'],
      Yasmin: ['Jasmin'],
      Mariam: ['Maryam'],
      'El-Sayed': ['Elsayed', 'El Sayed'],
      'Al-Hassan': ['Al Hassan', 'Alhassan'],
    },
  },
];

/**
 * Germany's family names have a long tail: beyond the common ones, most people carry a name few
 * others share, many of them compounds like these ("Steinhauser", "Lindner", "Holzkamp").
 */
export const FAMILY_NAME_STEMS = list(`
  Brink, Eich, Lind, Schwarz, Weißen, Hof, Berg, Stein, Wald, Feld, Bach, Busch, Kirch, Mühl, Holz,
  Rosen, Sonnen, Grün, Fleisch, Acker, Wester, Oster, Kling, Tann, Eisen, Gold, Silber, Kessel,
  Kalt, Hart, Lang, Kurz, Alt, Neu, Rein, Ober, Nieder, Hoch, Tal, Moor, Heid, Linden, Ham, Brüg
`);
export const FAMILY_NAME_ENDINGS = list(`
  mann, er, ner, hoff, hofer, berger, inger, meier, müller, bauer, kamp, kötter, hauser, hausen,
  feld, stein, bach, brink, holz, wald, huber, reiter, schmidt, ling, ke, rath, dorf, mayr
`);

/**
 * Nicknames a source may write in place of the given name. Most are in the matcher's table
 * (records/matching/nicknames.ts); some on purpose are not (Wolle, Jogi, Didi, Memo, Dima, ...),
 * because real data holds pet forms no table knows.
 */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  Johannes: ['Hans', 'Hannes'],
  Josef: ['Sepp', 'Jupp'],
  Friedrich: ['Fritz'],
  Heinrich: ['Heinz'],
  Wilhelm: ['Willi'],
  Andreas: ['Andi'],
  Sebastian: ['Basti'],
  Matthias: ['Matze'],
  Maximilian: ['Max'],
  Alexander: ['Alex', 'Sascha'],
  Christian: ['Chris'],
  Christoph: ['Chris'],
  Michael: ['Micha', 'Mike'],
  Thomas: ['Tom'],
  Ulrich: ['Uli'],
  Rudolf: ['Rudi'],
  Manfred: ['Manni'],
  Bernhard: ['Bernd'],
  Gerhard: ['Gerd'],
  Joachim: ['Achim'],
  Benjamin: ['Ben'],
  Florian: ['Flo'],
  Tobias: ['Tobi'],
  Daniel: ['Dani'],
  Dominik: ['Nik'],
  Anton: ['Toni'],
  Ludwig: ['Lutz'],
  Georg: ['Schorsch'],
  Wolfgang: ['Wolle'],
  Jürgen: ['Jogi'],
  Dieter: ['Didi'],
  Elisabeth: ['Lisa', 'Liesel'],
  Katharina: ['Kathi', 'Katja'],
  Margarete: ['Grete'],
  Susanne: ['Susi'],
  Gabriele: ['Gabi'],
  Monika: ['Moni'],
  Franziska: ['Franzi'],
  Stefanie: ['Steffi'],
  Johanna: ['Hanna'],
  Cornelia: ['Conny'],
  Theresia: ['Resi'],
  Friederike: ['Rike'],
  Veronika: ['Vroni'],
  Christina: ['Tina'],
  Barbara: ['Babsi'],
  Mehmet: ['Memo'],
  Dmitri: ['Dima'],
  Alexej: ['Ljoscha'],
  Giuseppe: ['Beppe'],
  William: ['Bill', 'Will'],
  Robert: ['Bob', 'Rob'],
  Richard: ['Rick'],
  James: ['Jim', 'Jimmy'],
  Joseph: ['Joe'],
  Edward: ['Ed', 'Ted'],
  Charles: ['Charlie'],
  Elizabeth: ['Liz', 'Beth'],
  Jennifer: ['Jenny'],
  Patricia: ['Patty'],
  Margaret: ['Peggy', 'Maggie'],
  Susan: ['Sue'],
};

export interface City {
  name: string;
  country: 'DE' | 'AT' | 'CH';
  /** inclusive range of postal codes, as numbers */
  postalCodes: [number, number];
  /** landline area code without the leading 0 */
  areaCode: string;
  /** spellings sources use besides the name */
  variants?: readonly string[];
}

export const CITIES: readonly City[] = [
  { name: 'Berlin', country: 'DE', postalCodes: [10115, 14199], areaCode: '30' },
  { name: 'Hamburg', country: 'DE', postalCodes: [20095, 22769], areaCode: '40' },
  {
    name: 'München',
    country: 'DE',
    postalCodes: [80331, 81929],
    areaCode: '89',
    variants: ['Muenchen', 'Munich'],
  },
  {
    name: 'Köln',
    country: 'DE',
    postalCodes: [50667, 51149],
    areaCode: '221',
    variants: ['Koeln', 'Cologne'],
  },
  {
    name: 'Frankfurt am Main',
    country: 'DE',
    postalCodes: [60306, 60599],
    areaCode: '69',
    variants: ['Frankfurt a. M.', 'Frankfurt/Main', 'Frankfurt'],
  },
  { name: 'Stuttgart', country: 'DE', postalCodes: [70173, 70629], areaCode: '711' },
  {
    name: 'Düsseldorf',
    country: 'DE',
    postalCodes: [40210, 40629],
    areaCode: '211',
    variants: ['Duesseldorf'],
  },
  { name: 'Leipzig', country: 'DE', postalCodes: [4103, 4357], areaCode: '341' },
  { name: 'Dortmund', country: 'DE', postalCodes: [44135, 44388], areaCode: '231' },
  { name: 'Essen', country: 'DE', postalCodes: [45127, 45359], areaCode: '201' },
  { name: 'Bremen', country: 'DE', postalCodes: [28195, 28779], areaCode: '421' },
  { name: 'Dresden', country: 'DE', postalCodes: [1067, 1328], areaCode: '351' },
  { name: 'Hannover', country: 'DE', postalCodes: [30159, 30669], areaCode: '511' },
  { name: 'Nürnberg', country: 'DE', postalCodes: [90402, 90491], areaCode: '911', variants: ['Nuernberg'] },
  { name: 'Duisburg', country: 'DE', postalCodes: [47051, 47279], areaCode: '203' },
  { name: 'Bochum', country: 'DE', postalCodes: [44787, 44894], areaCode: '234' },
  { name: 'Wuppertal', country: 'DE', postalCodes: [42103, 42399], areaCode: '202' },
  { name: 'Bielefeld', country: 'DE', postalCodes: [33602, 33739], areaCode: '521' },
  { name: 'Bonn', country: 'DE', postalCodes: [53111, 53229], areaCode: '228' },
  { name: 'Münster', country: 'DE', postalCodes: [48143, 48167], areaCode: '251' },
  { name: 'Augsburg', country: 'DE', postalCodes: [86150, 86199], areaCode: '821' },
  {
    name: 'Freiburg im Breisgau',
    country: 'DE',
    postalCodes: [79098, 79117],
    areaCode: '761',
    variants: ['Freiburg'],
  },
  { name: 'Regensburg', country: 'DE', postalCodes: [93047, 93059], areaCode: '941' },
  { name: 'Würzburg', country: 'DE', postalCodes: [97070, 97084], areaCode: '931' },
  { name: 'Erfurt', country: 'DE', postalCodes: [99084, 99099], areaCode: '361' },
  { name: 'Rostock', country: 'DE', postalCodes: [18055, 18147], areaCode: '381' },
  { name: 'Kiel', country: 'DE', postalCodes: [24103, 24159], areaCode: '431' },
  { name: 'Mainz', country: 'DE', postalCodes: [55116, 55131], areaCode: '6131' },
  { name: 'Chemnitz', country: 'DE', postalCodes: [9111, 9247], areaCode: '371' },
  { name: 'Potsdam', country: 'DE', postalCodes: [14467, 14482], areaCode: '331' },
  { name: 'Wien', country: 'AT', postalCodes: [1010, 1230], areaCode: '1', variants: ['Vienna'] },
  {
    name: 'Zürich',
    country: 'CH',
    postalCodes: [8001, 8057],
    areaCode: '44',
    variants: ['Zuerich', 'Zurich'],
  },
];

export const STREETS: readonly string[] = list(`
  Hauptstraße, Bahnhofstraße, Schulstraße, Gartenstraße, Dorfstraße, Bergstraße, Lindenstraße,
  Kirchstraße, Waldstraße, Ringstraße, Schillerstraße, Goethestraße, Jahnstraße, Am Markt, Mühlenweg,
  Birkenweg, Lindenallee, Friedrichstraße, Leopoldstraße, Kaiserstraße, Mozartstraße, Beethovenstraße,
  Rosenweg, Am Bahnhof, Marktplatz, Sankt-Martin-Straße, Königsallee, Feldstraße, Blumenstraße,
  Wiesenweg, Talstraße, Poststraße, Parkstraße, Uhlandstraße, Heinrich-Heine-Straße, Rathausplatz,
  Eichendorffstraße, Am Sonnenhang, Gutenbergstraße, Industriestraße, Weinbergstraße, Kastanienallee,
  Schlossstraße, Hochstraße, Turmstraße, Mittelweg, Klosterstraße
`);

export const MAIL_PROVIDERS: readonly string[] = list(`
  gmail.com, web.de, gmx.de, t-online.de, outlook.com, yahoo.de, gmx.net, posteo.de, icloud.com,
  freenet.de
`);

/** German mobile prefixes (without the 0) and the length of the subscriber number after them. */
export const MOBILE_PREFIXES: readonly [string, number][] = [
  ['151', 8],
  ['152', 8],
  ['157', 8],
  ['160', 7],
  ['162', 7],
  ['170', 7],
  ['171', 7],
  ['172', 7],
  ['173', 7],
  ['175', 7],
  ['176', 8],
  ['177', 7],
  ['178', 7],
  ['179', 7],
];
