/**
 * A policy card in plain German or English, for marketers who never read the card grammar:
 *
 *   when: event withdrawal where amount > 10000 / if: customer.tier == "platinum" / then: call-task to sales-rep within 1d
 *   -> "When a platinum customer withdraws more than 10,000 EUR, a sales rep calls the customer within 1 day."
 *   -> "Wenn ein Platin-Kunde mehr als 10.000 EUR abhebt, ruft ein Vertriebsmitarbeiter den Kunden innerhalb eines Tages an."
 *
 * An amount always shows its currency: the one written after it, else the base currency the card is
 * compiled with (money.ts).
 *
 * It reads the card as written, not compiled, so a card still being edited renders too. Whatever the
 * small dictionaries below do not know is shown as the raw term in quotes, and nothing here throws for
 * a card the compiler accepts: an unreadable part falls back to its text.
 */
import type { CompiledPolicy, PolicyCard, PolicyLimits } from './card';
import type { EscalationSpec } from './escalation-card';
import { baseCurrencyOf, DEFAULT_BASE_CURRENCY } from './money';
import type { ScheduleSpec } from './schedule';
import type { ScoreSpec } from './score';

export type PlainLanguage = 'de' | 'en';
export interface PlainCard {
  title: string;
  sentence: string;
  details: string[];
}

type Lang = PlainLanguage;

// ---- dictionaries ----------------------------------------------------------------------------------

interface EventWords {
  /** clause after the subject, e.g. "withdraws money"; de is verb-final: "Geld abhebt" */
  en: string;
  de: string;
  /** the same with an amount folded in: q is e.g. "more than 10,000" */
  amount?: { en: (q: string) => string; de: (q: string) => string };
  /** "a complaint" / "eine Beschwerde" (accusative), "no complaint" / "keine Beschwerde" (nominative) */
  noun: { en: string; de: string; deNone: string; enPlural: string; dePlural: string };
}

const EVENTS: Record<string, EventWords> = {
  withdrawal: {
    en: 'withdraws money',
    de: 'Geld abhebt',
    amount: { en: (q) => `withdraws ${q}`, de: (q) => `${q} abhebt` },
    noun: {
      en: 'a withdrawal',
      de: 'eine Abhebung',
      deNone: 'keine Abhebung',
      enPlural: 'withdrawals',
      dePlural: 'Abhebungen',
    },
  },
  deposit: {
    en: 'deposits money',
    de: 'Geld einzahlt',
    amount: { en: (q) => `deposits ${q}`, de: (q) => `${q} einzahlt` },
    noun: {
      en: 'a deposit',
      de: 'eine Einzahlung',
      deNone: 'keine Einzahlung',
      enPlural: 'deposits',
      dePlural: 'Einzahlungen',
    },
  },
  transfer: {
    en: 'makes a transfer',
    de: 'eine Überweisung tätigt',
    amount: { en: (q) => `transfers ${q}`, de: (q) => `${q} überweist` },
    noun: {
      en: 'a transfer',
      de: 'eine Überweisung',
      deNone: 'keine Überweisung',
      enPlural: 'transfers',
      dePlural: 'Überweisungen',
    },
  },
  purchase: {
    en: 'makes a purchase',
    de: 'etwas kauft',
    amount: { en: (q) => `buys for ${q}`, de: (q) => `für ${q} einkauft` },
    noun: {
      en: 'a purchase',
      de: 'einen Kauf',
      deNone: 'kein Kauf',
      enPlural: 'purchases',
      dePlural: 'Käufe',
    },
  },
  'address-changed': {
    en: 'changes their address',
    de: 'seine Adresse ändert',
    noun: {
      en: 'an address change',
      de: 'eine Adressänderung',
      deNone: 'keine Adressänderung',
      enPlural: 'address changes',
      dePlural: 'Adressänderungen',
    },
  },
  complaint: {
    en: 'complains',
    de: 'sich beschwert',
    noun: {
      en: 'a complaint',
      de: 'eine Beschwerde',
      deNone: 'keine Beschwerde',
      enPlural: 'complaints',
      dePlural: 'Beschwerden',
    },
  },
  'complaint-answered': {
    en: 'gets an answer to a complaint',
    de: 'eine Antwort auf eine Beschwerde erhält',
    noun: {
      en: 'an answer to the complaint',
      de: 'eine Antwort auf die Beschwerde',
      deNone: 'keine Antwort auf die Beschwerde',
      enPlural: 'answers to complaints',
      dePlural: 'Antworten auf Beschwerden',
    },
  },
  'web-visit': {
    en: 'visits the website',
    de: 'die Webseite besucht',
    noun: {
      en: 'a website visit',
      de: 'einen Webseitenbesuch',
      deNone: 'kein Webseitenbesuch',
      enPlural: 'website visits',
      dePlural: 'Webseitenbesuche',
    },
  },
  login: {
    en: 'logs in',
    de: 'sich anmeldet',
    noun: {
      en: 'a login',
      de: 'eine Anmeldung',
      deNone: 'keine Anmeldung',
      enPlural: 'logins',
      dePlural: 'Anmeldungen',
    },
  },
  'flight-delayed': {
    en: 'has a delayed flight',
    de: 'einen verspäteten Flug hat',
    noun: {
      en: 'a delayed flight',
      de: 'einen verspäteten Flug',
      deNone: 'kein verspäteter Flug',
      enPlural: 'delayed flights',
      dePlural: 'verspätete Flüge',
    },
  },
  'delivery-delayed': {
    en: 'has a delayed delivery',
    de: 'eine verspätete Lieferung hat',
    noun: {
      en: 'a delayed delivery',
      de: 'eine verspätete Lieferung',
      deNone: 'keine verspätete Lieferung',
      enPlural: 'delayed deliveries',
      dePlural: 'verspätete Lieferungen',
    },
  },
  'offer-rejected': {
    en: 'rejects an offer',
    de: 'ein Angebot ablehnt',
    noun: {
      en: 'a rejected offer',
      de: 'ein abgelehntes Angebot',
      deNone: 'kein abgelehntes Angebot',
      enPlural: 'rejected offers',
      dePlural: 'abgelehnte Angebote',
    },
  },
};

function eventWords(type: string): EventWords {
  const known = EVENTS[type];
  if (known) return known;
  return {
    en: `has a ${quote('en', type)} event`,
    de: `ein Ereignis ${quote('de', type)} hat`,
    noun: {
      en: `a ${quote('en', type)} event`,
      de: `ein Ereignis ${quote('de', type)}`,
      deNone: `kein Ereignis ${quote('de', type)}`,
      enPlural: `${quote('en', type)} events`,
      dePlural: `Ereignisse ${quote('de', type)}`,
    },
  };
}

/** channels: "via the call center" / "über das Call-Center"; where an offer shows: "on the website" */
const CHANNELS: Record<
  string,
  { en: string; de: string; enAt: string; deAt: string; enBy: string; deBy: string }
> = {
  'call-center': {
    en: 'the call center',
    de: 'das Call-Center',
    enAt: 'in the call center',
    deAt: 'im Call-Center',
    enBy: 'through the call center',
    deBy: 'über das Call-Center',
  },
  web: {
    en: 'the website',
    de: 'die Webseite',
    enAt: 'on the website',
    deAt: 'auf der Webseite',
    enBy: 'on the website',
    deBy: 'auf der Webseite',
  },
  app: {
    en: 'the app',
    de: 'die App',
    enAt: 'in the app',
    deAt: 'in der App',
    enBy: 'in the app',
    deBy: 'in der App',
  },
  branch: {
    en: 'a branch',
    de: 'eine Filiale',
    enAt: 'in the branch',
    deAt: 'in der Filiale',
    enBy: 'in the branch',
    deBy: 'in der Filiale',
  },
  erp: {
    en: 'the ERP',
    de: 'das ERP',
    enAt: 'in the ERP',
    deAt: 'im ERP',
    enBy: 'via the ERP',
    deBy: 'über das ERP',
  },
  'core-banking': {
    en: 'core banking',
    de: 'das Kernbankensystem',
    enAt: 'in core banking',
    deAt: 'im Kernbankensystem',
    enBy: 'via core banking',
    deBy: 'über das Kernbankensystem',
  },
  email: {
    en: 'e-mail',
    de: 'E-Mail',
    enAt: 'by e-mail',
    deAt: 'per E-Mail',
    enBy: 'by e-mail',
    deBy: 'per E-Mail',
  },
  sms: { en: 'SMS', de: 'SMS', enAt: 'by SMS', deAt: 'per SMS', enBy: 'by SMS', deBy: 'per SMS' },
};

function channelName(lang: Lang, channel: string): string {
  return CHANNELS[channel]?.[lang] ?? quote(lang, channel);
}

/** people who get a task or a case; de nominative and accusative */
const RECIPIENTS: Record<string, { en: string; de: string; deAcc: string }> = {
  'sales-rep': { en: 'a sales rep', de: 'ein Vertriebsmitarbeiter', deAcc: 'einen Vertriebsmitarbeiter' },
  advisor: { en: 'an advisor', de: 'ein Berater', deAcc: 'einen Berater' },
  'branch-manager': { en: 'the branch manager', de: 'die Filialleitung', deAcc: 'die Filialleitung' },
  'regional-manager': { en: 'the regional manager', de: 'die Regionalleitung', deAcc: 'die Regionalleitung' },
  'head-of-service': { en: 'the head of service', de: 'die Serviceleitung', deAcc: 'die Serviceleitung' },
  'call-center': { en: 'the call center', de: 'das Call-Center', deAcc: 'das Call-Center' },
  'service-team': { en: 'the service team', de: 'das Serviceteam', deAcc: 'das Serviceteam' },
};

function recipient(lang: Lang, to: string, accusative = false): string {
  const known = RECIPIENTS[to];
  if (!known) return quote(lang, to);
  if (lang === 'en') return known.en;
  return accusative ? known.deAcc : known.de;
}

/** offers, with article, as an object */
const OFFERS: Record<string, { en: string; de: string }> = {
  mortgage: { en: 'a mortgage offer', de: 'ein Hypothekenangebot' },
  'delay-apology': { en: 'an apology', de: 'eine Entschuldigung' },
  'credit-card': { en: 'a credit card offer', de: 'ein Kreditkartenangebot' },
  'savings-plan': { en: 'a savings plan offer', de: 'ein Sparplan-Angebot' },
  insurance: { en: 'an insurance offer', de: 'ein Versicherungsangebot' },
  loan: { en: 'a loan offer', de: 'ein Kreditangebot' },
};

function offerName(lang: Lang, offer: string | undefined): string {
  if (offer === undefined) return lang === 'en' ? 'an offer' : 'ein Angebot';
  return (
    OFFERS[offer]?.[lang] ??
    (lang === 'en' ? `the offer ${quote('en', offer)}` : `das Angebot ${quote('de', offer)}`)
  );
}

interface FieldWords {
  en: string;
  de: string;
  /** de takes "sind"/"enthalten" */
  plural?: boolean;
  unit?: { en: string; de: string };
  /** how values of this field read, e.g. tiers or channels */
  values?: (lang: Lang, value: string) => string | undefined;
}

const TIERS: Record<string, { en: string; de: string }> = {
  basic: { en: 'basic', de: 'Basis' },
  silver: { en: 'silver', de: 'Silber' },
  gold: { en: 'gold', de: 'Gold' },
  platinum: { en: 'platinum', de: 'Platin' },
};

const tierValue = (lang: Lang, value: string): string | undefined => TIERS[value]?.[lang];
const channelValue = (lang: Lang, value: string): string | undefined => CHANNELS[value]?.[lang];

/** keyed by the path without a leading "event." (where-paths start at the event) */
const FIELDS: Record<string, FieldWords> = {
  'customer.tier': { en: "the customer's tier", de: 'der Kundenstatus', values: tierValue },
  'customer.segment': { en: "the customer's segment", de: 'das Kundensegment' },
  'customer.segments': { en: "the customer's segments", de: 'die Kundensegmente', plural: true },
  'customer.tags': { en: "the customer's tags", de: 'die Kundenmerkmale', plural: true },
  'customer.age': {
    en: "the customer's age",
    de: 'das Alter des Kunden',
    unit: { en: 'years', de: 'Jahre' },
  },
  'customer.language': { en: "the customer's language", de: 'die Sprache des Kunden' },
  'customer.country': { en: "the customer's country", de: 'das Land des Kunden' },
  'customer.address.country': { en: "the customer's country", de: 'das Land des Kunden' },
  'customer.city': { en: "the customer's city", de: 'der Wohnort des Kunden' },
  'customer.address.city': { en: "the customer's city", de: 'der Wohnort des Kunden' },
  'customer.balance': { en: "the customer's balance", de: 'der Kontostand des Kunden' },
  'customer.clv': { en: "the customer's lifetime value", de: 'der Kundenwert' },
  amount: { en: 'the amount', de: 'der Betrag' },
  'amount.value': { en: 'the amount', de: 'der Betrag' },
  'amount.currency': { en: 'the currency', de: 'die Währung' },
  channel: { en: 'the channel', de: 'der Kanal', values: channelValue },
  type: { en: 'the event type', de: 'der Ereignistyp' },
  source: { en: 'the source system', de: 'das Quellsystem' },
  'source.system': { en: 'the source system', de: 'das Quellsystem' },
  account: { en: 'the account', de: 'das Konto' },
  'data.delayMinutes': { en: 'the delay', de: 'die Verspätung', unit: { en: 'minutes', de: 'Minuten' } },
};

const AMOUNT_PATHS = ['amount', 'amount.value'];

function fieldWords(path: string): FieldWords {
  const key = path.startsWith('event.') ? path.slice('event.'.length) : path;
  return (
    FIELDS[key] ?? {
      en: `the field ${quote('en', path)}`,
      de: `das Feld ${quote('de', path)}`,
    }
  );
}

// ---- small formatting helpers ----------------------------------------------------------------------

function quote(lang: Lang, text: string): string {
  return lang === 'de' ? `„${text}“` : `"${text}"`;
}

function number(lang: Lang, value: number): string {
  return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-US', { maximumFractionDigits: 6 }).format(value);
}

/** "a, b or c" / "a, b oder c" */
function list(lang: Lang, items: string[], word: 'or' | 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  const joiner = lang === 'de' ? (word === 'or' ? 'oder' : 'und') : word;
  return `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1]}`;
}

const UNITS: Record<string, { en: [string, string]; de: [string, string, string]; deOne: string }> = {
  s: { en: ['second', 'seconds'], de: ['Sekunde', 'Sekunden', 'Sekunden'], deOne: 'einer Sekunde' },
  m: { en: ['minute', 'minutes'], de: ['Minute', 'Minuten', 'Minuten'], deOne: 'einer Minute' },
  h: { en: ['hour', 'hours'], de: ['Stunde', 'Stunden', 'Stunden'], deOne: 'einer Stunde' },
  d: { en: ['day', 'days'], de: ['Tag', 'Tage', 'Tagen'], deOne: 'eines Tages' },
  w: { en: ['week', 'weeks'], de: ['Woche', 'Wochen', 'Wochen'], deOne: 'einer Woche' },
};
const UNIT_WORDS: Record<string, string> = {
  second: 's',
  seconds: 's',
  minute: 'm',
  minutes: 'm',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
  week: 'w',
  weeks: 'w',
};

interface Span {
  count: number;
  unit: string;
}

/** "7d", "7 days", "day" as parseDuration reads them; undefined for anything else */
function span(text: string): Span | undefined {
  const match = /^(\d+)?\s*([a-z]+)$/.exec(String(text).trim());
  if (!match) return undefined;
  const unit = UNIT_WORDS[match[2]] ?? match[2];
  const count = match[1] === undefined ? 1 : Number(match[1]);
  if (!Object.hasOwn(UNITS, unit) || count <= 0) return undefined;
  return { count, unit };
}

/** "7 days" / "7 Tage" (de case: nominative or dative plural) */
function spanWords(lang: Lang, s: Span, dative = false): string {
  const unit = UNITS[s.unit];
  if (lang === 'en') return `${number(lang, s.count)} ${unit.en[s.count === 1 ? 0 : 1]}`;
  return `${number(lang, s.count)} ${s.count === 1 ? unit.de[0] : unit.de[dative ? 2 : 1]}`;
}

/** "within 2 days" / "innerhalb von 2 Tagen", "innerhalb eines Tages" */
function within(lang: Lang, text: string): string {
  const s = span(text);
  if (!s) return lang === 'en' ? `within ${quote('en', text)}` : `innerhalb von ${quote('de', text)}`;
  if (lang === 'en') return `within ${spanWords('en', s)}`;
  return s.count === 1 ? `innerhalb ${UNITS[s.unit].deOne}` : `innerhalb von ${spanWords('de', s, true)}`;
}

/** "for 30 days" / "30 Tage lang" */
function during(lang: Lang, text: string): string {
  const s = span(text);
  if (!s) return lang === 'en' ? `for ${quote('en', text)}` : `${quote('de', text)} lang`;
  if (lang === 'en') return `for ${spanWords('en', s)}`;
  const one = s.unit === 'd' ? 'einen Tag' : `eine ${UNITS[s.unit].de[0]}`;
  return s.count === 1 ? `${one} lang` : `${spanWords('de', s)} lang`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function texts(value: string | string[] | undefined): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item) => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
}

// ---- conditions ------------------------------------------------------------------------------------

type Value = string | number | boolean | null | Value[];
type Cond =
  | { kind: 'and' | 'or'; items: Cond[] }
  | { kind: 'compare'; path: string; op: string; value: Value; currency?: string }
  | { kind: 'raw'; text: string };

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(-?\d[\d_]*(?:\.\d[\d_]*)?)(?![A-Za-z_])|([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*)|(==|!=|>=|<=|>|<)|([()[\],]))/y;

type Tok = { kind: 'string' | 'number' | 'word' | 'op' | 'punct'; text: string; value?: string | number };

function tokens(source: string): Tok[] | undefined {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(source);
    if (!match) return undefined;
    index = TOKEN.lastIndex;
    const [, str, num, word, op, punct] = match;
    if (str !== undefined)
      out.push({ kind: 'string', text: str, value: str.slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (num !== undefined) out.push({ kind: 'number', text: num, value: Number(num.replace(/_/g, '')) });
    else if (word !== undefined) out.push({ kind: 'word', text: word });
    else if (op !== undefined) out.push({ kind: 'op', text: op });
    else out.push({ kind: 'punct', text: punct });
  }
  return out;
}

/**
 * The condition grammar of expression.ts, read again into a tree: the compiled condition keeps only
 * closures and its top-level and-chain, and a sentence needs the or-groups too.
 */
function parseCondition(source: string): Cond {
  const toks = tokens(source);
  if (!toks || toks.length === 0) return { kind: 'raw', text: source };
  let i = 0;
  const word = (w: string): boolean => toks[i]?.kind === 'word' && toks[i].text === w;
  const fail = (): never => {
    throw new SyntaxError(source);
  };
  const literal = (): Value => {
    const t = toks[i++];
    if (!t) return fail();
    if (t.kind === 'string' || t.kind === 'number') return t.value as string | number;
    if (t.kind === 'word' && t.text === 'true') return true;
    if (t.kind === 'word' && t.text === 'false') return false;
    if (t.kind === 'word' && t.text === 'null') return null;
    if (t.kind === 'punct' && t.text === '[') {
      const items: Value[] = [];
      if (toks[i]?.text === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(literal());
        const next = toks[i++];
        if (next?.text === ']') return items;
        if (next?.text !== ',') return fail();
      }
    }
    return fail();
  };
  const primary = (): Cond => {
    if (toks[i]?.text === '(') {
      i++;
      const inner = or();
      if (toks[i++]?.text !== ')') fail();
      return inner;
    }
    const path = toks[i++];
    if (path?.kind !== 'word') return fail();
    const op = toks[i++];
    if (!op || !(op.kind === 'op' || (op.kind === 'word' && (op.text === 'in' || op.text === 'contains')))) {
      return fail();
    }
    const value = literal();
    const code = toks[i];
    if (typeof value === 'number' && code?.kind === 'word' && /^[A-Z]{3}$/.test(code.text)) {
      i++;
      return { kind: 'compare', path: path.text, op: op.text, value, currency: code.text };
    }
    return { kind: 'compare', path: path.text, op: op.text, value };
  };
  const chain = (kind: 'and' | 'or', next: () => Cond): Cond => {
    const items = [next()];
    while (word(kind)) {
      i++;
      items.push(next());
    }
    return items.length === 1 ? items[0] : { kind, items };
  };
  const and = (): Cond => chain('and', primary);
  const or = (): Cond => chain('or', and);
  try {
    const tree = or();
    return i === toks.length ? tree : { kind: 'raw', text: source };
  } catch {
    return { kind: 'raw', text: source };
  }
}

/** an amount compared with a bare number is in the base currency: the sentence says which */
function withBaseCurrency(cond: Cond, base: string): Cond {
  if (cond.kind === 'raw') return cond;
  if (cond.kind !== 'compare')
    return { ...cond, items: cond.items.map((item) => withBaseCurrency(item, base)) };
  const amount = AMOUNT_PATHS.includes(cond.path.replace(/^event\./, ''));
  return amount && typeof cond.value === 'number' && cond.currency === undefined
    ? { ...cond, currency: base }
    : cond;
}

/** the top-level and-chain of a list of condition texts */
function conjuncts(sources: string[]): Cond[] {
  const out: Cond[] = [];
  for (const source of sources) {
    const tree = parseCondition(source);
    if (tree.kind === 'and') out.push(...tree.items);
    else out.push(tree);
  }
  return out;
}

function valueWords(lang: Lang, field: FieldWords, value: Value, currency?: string): string {
  if (Array.isArray(value))
    return list(
      lang,
      value.map((item) => valueWords(lang, field, item)),
      'or',
    );
  if (value === null) return lang === 'en' ? 'empty' : 'leer';
  if (typeof value === 'boolean') return lang === 'en' ? (value ? 'yes' : 'no') : value ? 'ja' : 'nein';
  if (typeof value === 'number') {
    const text = number(lang, value);
    if (currency !== undefined) return `${text} ${currency}`;
    return field.unit ? `${text} ${field.unit[lang]}` : text;
  }
  return field.values?.(lang, value) ?? quote(lang, value);
}

const EN_OPS: Record<string, string> = {
  '==': 'is',
  '!=': 'is not',
  '>': 'is more than',
  '>=': 'is at least',
  '<': 'is less than',
  '<=': 'is at most',
  in: 'is',
  contains: 'contains',
};
const DE_OPS: Record<string, string> = {
  '==': '',
  '!=': 'nicht',
  '>': 'größer als',
  '>=': 'mindestens',
  '<': 'kleiner als',
  '<=': 'höchstens',
  in: '',
};

/** one comparison as a clause; de is verb-final for the subordinate clause it ends up in */
function compareWords(lang: Lang, path: string, op: string, value: Value, currency?: string): string {
  const field = fieldWords(path);
  const v = valueWords(lang, field, value, currency);
  if (lang === 'en') {
    const verb = field.plural
      ? (EN_OPS[op] ?? op).replace(/^is/, 'are').replace(/^contains/, 'contain')
      : EN_OPS[op];
    if (value === null && (op === '==' || op === '!='))
      return `${field.en} ${op === '==' ? 'is empty' : 'is not empty'}`;
    return `${field.en} ${verb ?? quote('en', op)} ${v}`;
  }
  if (op === 'contains') return `${field.de} ${v} ${field.plural ? 'enthalten' : 'enthält'}`;
  const words = DE_OPS[op];
  const verb = field.plural ? 'sind' : 'ist';
  if (words === undefined) return `${field.de} ${quote('de', op)} ${v} ${verb}`;
  return `${field.de} ${words ? `${words} ` : ''}${v} ${verb}`;
}

function condWords(lang: Lang, cond: Cond, nested = false): string {
  if (cond.kind === 'raw')
    return lang === 'en' ? `${quote('en', cond.text)} holds` : `${quote('de', cond.text)} gilt`;
  if (cond.kind === 'compare') return compareWords(lang, cond.path, cond.op, cond.value, cond.currency);
  const text = list(
    lang,
    cond.items.map((item) => condWords(lang, item, true)),
    cond.kind,
  );
  return nested ? `(${text})` : text;
}

/** the "amount" comparison folded into "withdraws more than 10,000" */
function amountWords(lang: Lang, op: string, value: number, currency?: string): string | undefined {
  const n = currency === undefined ? number(lang, value) : `${number(lang, value)} ${currency}`;
  const en: Record<string, string> = {
    '>': 'more than',
    '>=': 'at least',
    '<': 'less than',
    '<=': 'at most',
    '==': 'exactly',
  };
  const de: Record<string, string> = {
    '>': 'mehr als',
    '>=': 'mindestens',
    '<': 'weniger als',
    '<=': 'höchstens',
    '==': 'genau',
  };
  const words = (lang === 'en' ? en : de)[op];
  return words ? `${words} ${n}` : undefined;
}

/** customer.tier == "x" / in [...] folded into "a platinum customer" / "ein Platin-Kunde" */
function tierSubject(lang: Lang, cond: Cond): string | undefined {
  if (cond.kind !== 'compare' || !['customer.tier', 'event.customer.tier'].includes(cond.path))
    return undefined;
  const values =
    cond.op === '==' && typeof cond.value === 'string'
      ? [cond.value]
      : cond.op === 'in' && Array.isArray(cond.value)
        ? cond.value
        : undefined;
  if (!values || values.length === 0 || !values.every((v) => typeof v === 'string' && TIERS[v]))
    return undefined;
  const names = values.map((v) => TIERS[v as string][lang]);
  if (lang === 'en') return `${/^[aeiou]/.test(names[0]) ? 'an' : 'a'} ${list('en', names, 'or')} customer`;
  return `ein ${list(
    'de',
    names.map((name, index) => (index === names.length - 1 ? `${name}-Kunde` : `${name}-`)),
    'or',
  )}`;
}

// ---- history ---------------------------------------------------------------------------------------

const COMPARE_WORDS: Record<string, { en: string; de: string }> = {
  '>': { en: 'more than', de: 'mehr als' },
  '>=': { en: 'at least', de: 'mindestens' },
  '<': { en: 'fewer than', de: 'weniger als' },
  '<=': { en: 'at most', de: 'höchstens' },
  '==': { en: 'exactly', de: 'genau' },
  '!=': { en: 'other than', de: 'nicht' },
};

function times(lang: Lang, n: number): string {
  if (lang === 'en') return n === 1 ? 'once' : n === 2 ? 'twice' : `${number('en', n)} times`;
  const words = ['', 'einmal', 'zweimal', 'dreimal'];
  return words[n] ?? `${number('de', n)}-mal`;
}

const TYPE = '[a-z0-9]+(?:-[a-z0-9]+)*';
const HISTORY_COUNT = new RegExp(
  `^count\\s+(${TYPE})\\s+within\\s+(.+?)\\s+(>=|<=|==|!=|>|<)\\s*(-?\\d[\\d_]*(?:\\.\\d+)?)$`,
);
const HISTORY_SUM = new RegExp(
  `^sum\\s+(${TYPE})\\.(\\S+)\\s+within\\s+(.+?)\\s+(>=|<=|==|!=|>|<)\\s*(-?\\d[\\d_]*(?:\\.\\d+)?)(?:\\s+([A-Z]{3}))?$`,
);
const HISTORY_SEQUENCE = new RegExp(`^(${TYPE})\\s+then\\s+(${TYPE})\\s+within\\s+(.+?)$`);
const HISTORY_ABSENCE = new RegExp(`^no\\s+(${TYPE})\\s+within\\s+(.+?)$`);

/** one history condition as a clause joined with "and"; de verb-final */
function historyWords(lang: Lang, text: string, base: string): string {
  const source = text.trim().replace(/\s+/g, ' ');
  let m = HISTORY_COUNT.exec(source);
  if (m) {
    const [, type, window, op, n] = m;
    const noun = eventWords(type).noun;
    const count = Number(n.replace(/_/g, ''));
    const cmp = COMPARE_WORDS[op][lang];
    if (lang === 'en')
      return `the customer has had ${noun.en} ${cmp} ${times('en', count)} ${within('en', window)}`;
    return `der Kunde ${within('de', window)} ${cmp} ${times('de', count)} ${noun.de} hatte`;
  }
  m = HISTORY_SUM.exec(source);
  if (m) {
    const [, type, path, window, op, n, written] = m;
    const noun = eventWords(type).noun;
    const field = fieldWords(path);
    const cmp = COMPARE_WORDS[op][lang];
    // the amount is what a sum usually adds up; other fields are named
    const named = !AMOUNT_PATHS.includes(path);
    const currency = written ?? (named ? undefined : base);
    const value = `${number(lang, Number(n.replace(/_/g, '')))}${currency ? ` ${currency}` : ''}`;
    if (lang === 'en') {
      const of = named ? `${field.en.replace(/^the /, '')} of the` : 'of the';
      return `the total ${of} customer's ${noun.enPlural} ${within('en', window)} is ${cmp} ${value}`;
    }
    const of = named ? ` (${field.de.replace(/^(der|die|das) /, '')})` : '';
    return `die Summe der ${noun.dePlural}${of} ${within('de', window)} ${cmp} ${value} ist`;
  }
  m = HISTORY_SEQUENCE.exec(source);
  if (m) {
    const [, first, then, window] = m;
    const a = eventWords(first).noun;
    const b = eventWords(then).noun;
    if (lang === 'en') return `the customer had ${a.en} followed by ${b.en} ${within('en', window)}`;
    return `der Kunde erst ${a.de} und ${within('de', window)} danach ${b.de} hatte`;
  }
  m = HISTORY_ABSENCE.exec(source);
  if (m) {
    const [, type, window] = m;
    const noun = eventWords(type).noun;
    if (lang === 'en') return `no ${noun.en.replace(/^(a|an) /, '')} follows ${within('en', window)}`;
    return `${within('de', window)} danach ${noun.deNone} folgt`;
  }
  return lang === 'en' ? `${quote('en', source)} holds` : `${quote('de', source)} gilt`;
}

// ---- actions ---------------------------------------------------------------------------------------

interface ActionText {
  action: string;
  offer?: string;
  to: string;
  within?: string;
  raw: string;
}

const ACTION = /^([a-z][a-z0-9-]*)(?:\s+(\S+))?\s+to\s+(\S+)(?:\s+within\s+(\S+))?$/;

function actionsOf(then: string | string[]): ActionText[] {
  const parts = Array.isArray(then) ? then : typeof then === 'string' ? then.split(';') : [];
  return parts
    .filter((part) => typeof part === 'string' && part.trim() !== '')
    .map((part) => {
      const raw = part.trim();
      const m = ACTION.exec(raw);
      if (!m) return { action: '', to: '', raw };
      const [, action, offer, to, limit] = m;
      return { action, offer, to, within: limit, raw };
    });
}

/** en: one clause; de: verb-second after "Wenn …," (inverted) and after "und" (normal) */
interface ActionWords {
  en: string;
  deInverted: string;
  deNormal: string;
}

function actionWords(a: ActionText): ActionWords {
  const enW = a.within ? ` ${within('en', a.within)}` : '';
  const deW = a.within ? ` ${within('de', a.within)}` : '';
  switch (a.action) {
    case 'call-task': {
      const who = { en: recipient('en', a.to), de: recipient('de', a.to) };
      const about = a.offer
        ? { en: ` about ${offerName('en', a.offer)}`, de: ` wegen ${quote('de', a.offer)}` }
        : { en: '', de: '' };
      return {
        en: `${who.en} calls the customer${about.en}${enW}`,
        deInverted: `ruft ${who.de} den Kunden${deW}${about.de} an`,
        deNormal: `${who.de} ruft den Kunden${deW}${about.de} an`,
      };
    }
    case 'web-offer':
    case 'app-offer':
    case 'offer': {
      const where = CHANNELS[a.to];
      const enAt = where ? where.enAt : `on ${quote('en', a.to)}`;
      const deAt = where ? where.deAt : `auf ${quote('de', a.to)}`;
      const enFor = a.within ? ` ${during('en', a.within)}` : '';
      const deFor = a.within ? ` ${during('de', a.within)}` : '';
      return {
        en: `the customer sees ${offerName('en', a.offer)} ${enAt}${enFor}`,
        deInverted: `sieht der Kunde${deFor} ${offerName('de', a.offer)} ${deAt}`,
        deNormal: `der Kunde sieht${deFor} ${offerName('de', a.offer)} ${deAt}`,
      };
    }
    case 'sms':
    case 'email':
    case 'e-mail': {
      const by = a.action === 'sms' ? CHANNELS.sms : CHANNELS.email;
      const en = `the customer gets ${offerName('en', a.offer)} ${by.enBy}${enW}`;
      const deTail = `${deW} ${offerName('de', a.offer)} ${by.deBy}`;
      return { en, deInverted: `erhält der Kunde${deTail}`, deNormal: `der Kunde erhält${deTail}` };
    }
    case 'escalation': {
      const en = `the case goes to ${recipient('en', a.to)}${a.within ? `, who must answer ${within('en', a.within)}` : ''}`;
      const deTail = `an ${recipient('de', a.to, true)}${a.within ? ` (Antwort ${within('de', a.within)})` : ''}`;
      return { en, deInverted: `geht der Fall ${deTail}`, deNormal: `der Fall geht ${deTail}` };
    }
    default: {
      if (!a.action) {
        return {
          en: `${quote('en', a.raw)} happens`,
          deInverted: `geschieht ${quote('de', a.raw)}`,
          deNormal: `${quote('de', a.raw)} geschieht`,
        };
      }
      const to = CHANNELS[a.to] ? channelName('en', a.to) : recipient('en', a.to);
      const deTo = CHANNELS[a.to] ? channelName('de', a.to) : recipient('de', a.to, true);
      const enOffer = a.offer ? ` with ${offerName('en', a.offer)}` : '';
      const deOffer = a.offer ? ` mit ${quote('de', a.offer)}` : '';
      return {
        en: `the action ${quote('en', a.action)}${enOffer} goes to ${to}${enW}`,
        deInverted: `geht die Aktion ${quote('de', a.action)}${deOffer}${deW} an ${deTo}`,
        deNormal: `die Aktion ${quote('de', a.action)}${deOffer} geht${deW} an ${deTo}`,
      };
    }
  }
}

// ---- the sentence ----------------------------------------------------------------------------------

const WHEN = /^(?:event\s+(.+?)|(contact))(?:\s+via\s+(.+?))?(?:\s+where\s+([\s\S]+))?$/;
const LIST_SEPARATOR = /\s*,\s*|\s+or\s+/;

interface Trigger {
  /** empty: any contact */
  types: string[];
  channels: string[];
  where: Cond[];
  raw?: string;
}

function triggerOf(when: string | undefined): Trigger {
  const text = typeof when === 'string' ? when.trim() : '';
  if (text === '') return { types: [], channels: [], where: [] };
  const m = WHEN.exec(text);
  if (!m) return { types: [], channels: [], where: [], raw: text };
  const [, typeText, , channelText, whereText] = m;
  const split = (value: string | undefined): string[] =>
    value === undefined ? [] : [...new Set(value.split(LIST_SEPARATOR).filter(Boolean))];
  return {
    types: split(typeText),
    channels: split(channelText),
    where: whereText ? conjuncts([whereText]) : [],
  };
}

function sentence(card: PolicyCard, lang: Lang, base: string): string {
  const lurking = card.mode === 'lurking';
  const parsed = triggerOf(card.when);
  const trigger = { ...parsed, where: parsed.where.map((c) => withBaseCurrency(c, base)) };
  const customer = conjuncts(texts(card.if)).map((c) => withBaseCurrency(c, base));

  // The subject: "a platinum customer", when a tier condition allows it.
  let subject = lang === 'en' ? 'a customer' : 'ein Kunde';
  const tierIndex = customer.findIndex((cond) => tierSubject(lang, cond) !== undefined);
  if (tierIndex >= 0) {
    subject = tierSubject(lang, customer[tierIndex]) as string;
    customer.splice(tierIndex, 1);
  }

  // What the customer does: "withdraws more than 10,000".
  let where = trigger.where;
  let doing: string;
  if (trigger.raw !== undefined) {
    doing = lang === 'en' ? `does ${quote('en', trigger.raw)}` : `${quote('de', trigger.raw)} auslöst`;
  } else if (trigger.types.length === 0) {
    doing = lang === 'en' ? 'makes contact' : 'Kontakt aufnimmt';
  } else {
    const single = trigger.types.length === 1 ? EVENTS[trigger.types[0]] : undefined;
    const amountIndex = single?.amount
      ? where.findIndex(
          (c) =>
            c.kind === 'compare' &&
            AMOUNT_PATHS.includes(c.path.replace(/^event\./, '')) &&
            typeof c.value === 'number' &&
            amountWords(lang, c.op, c.value) !== undefined,
        )
      : -1;
    if (single?.amount && amountIndex >= 0) {
      const c = where[amountIndex] as Extract<Cond, { kind: 'compare' }>;
      doing = single.amount[lang](amountWords(lang, c.op, c.value as number, c.currency) as string);
      where = where.filter((_, index) => index !== amountIndex);
    } else {
      doing = list(
        lang,
        trigger.types.map((type) => eventWords(type)[lang]),
        'or',
      );
    }
  }

  const via = trigger.channels.length
    ? list(
        lang,
        trigger.channels.map((c) => channelName(lang, c)),
        'or',
      )
    : undefined;
  const anyChannel = lurking && !via;

  const conditions = [
    // an or-group joined by "and" needs brackets to keep its meaning
    ...where.map((c) => condWords(lang, c, c.kind === 'or')),
    ...customer.map((c) => condWords(lang, c, c.kind === 'or')),
    ...texts(card.history).map((h) => historyWords(lang, h, base)),
  ];

  const actions = actionsOf(card.then).map(actionWords);
  if (actions.length === 0) actions.push(actionWords({ action: '', to: '', raw: String(card.then) }));

  if (lang === 'en') {
    const place = via ? ` via ${via}` : anyChannel ? ' (any channel)' : '';
    const clause = `${subject} ${lurking ? 'next ' : ''}${doing}${place}${conditions.map((c) => ` and ${c}`).join('')}`;
    const then = list(
      'en',
      actions.map((a) => a.en),
      'and',
    );
    return lurking ? `Waits until ${clause}; then ${then}.` : `When ${clause}, ${then}.`;
  }
  const place = via ? ` über ${via}` : anyChannel ? ' (auf einem beliebigen Kanal)' : '';
  // a reflexive verb keeps its "sich" before the place: "sich über die App beschwert"
  const reflexive = place && doing.startsWith('sich ') ? 'sich ' : '';
  const verb = reflexive ? doing.slice('sich '.length) : doing;
  const clause = `${subject}${lurking ? ' das nächste Mal' : ''} ${reflexive}${place.trim()}${place ? ' ' : ''}${verb}${conditions.map((c) => ` und ${c}`).join('')}`;
  const then = [actions[0].deInverted, ...actions.slice(1).map((a) => a.deNormal)];
  const thenText = list('de', then, 'and');
  return lurking ? `Wartet, bis ${clause}; dann ${thenText}.` : `Wenn ${clause}, ${thenText}.`;
}

// ---- details ---------------------------------------------------------------------------------------

function limitWords(lang: Lang, text: string): string {
  const m = /^(\d+)\s+per\s+(.+)$/.exec(String(text).trim());
  const s = m ? span(m[2]) : undefined;
  if (!m || !s) return quote(lang, String(text));
  const count = number(lang, Number(m[1]));
  if (lang === 'en') {
    const noun = Number(m[1]) === 1 ? 'action' : 'actions';
    return `at most ${count} ${noun} ${s.count === 1 ? `per ${UNITS[s.unit].en[0]}` : `in ${spanWords('en', s)}`}`;
  }
  const noun = Number(m[1]) === 1 ? 'Aktion' : 'Aktionen';
  return `höchstens ${count} ${noun} ${s.count === 1 ? `pro ${UNITS[s.unit].de[0]}` : `in ${spanWords('de', s, true)}`}`;
}

const OUTCOMES: Record<string, { en: string; de: string }> = {
  reject: { en: 'rejects', de: 'abgelehnt' },
  rejected: { en: 'rejects', de: 'abgelehnt' },
  rejection: { en: 'rejects', de: 'abgelehnt' },
  decline: { en: 'rejects', de: 'abgelehnt' },
  declined: { en: 'rejects', de: 'abgelehnt' },
  ignore: { en: 'ignores', de: 'ignoriert' },
  ignored: { en: 'ignores', de: 'ignoriert' },
  accept: { en: 'accepts', de: 'angenommen' },
  accepted: { en: 'accepts', de: 'angenommen' },
  click: { en: 'clicks', de: 'angeklickt' },
  clicked: { en: 'clicks', de: 'angeklickt' },
};

function cooldownWords(lang: Lang, text: string): string {
  const m = /^(.+?) after (?:an? )?(.+)$/.exec(String(text).trim().replace(/\s+/g, ' '));
  const s = m ? span(m[1]) : undefined;
  const words = m ? m[2].split(LIST_SEPARATOR).map((w) => OUTCOMES[w]) : [];
  if (!m || !s || words.some((w) => w === undefined)) {
    return lang === 'en' ? `Cooldown: ${quote('en', text)}` : `Pause: ${quote('de', text)}`;
  }
  const outcomes = [...new Set(words.map((w) => w[lang]))];
  if (lang === 'en') {
    return `Cooldown: no action for ${spanWords('en', s)} after the customer ${list('en', outcomes, 'or')} it`;
  }
  return `Pause: ${spanWords('de', s)} lang keine Aktion, nachdem der Kunde sie ${list('de', outcomes, 'or')} hat`;
}

function limitDetails(lang: Lang, limits: PolicyLimits | undefined): string[] {
  if (!limits || typeof limits !== 'object') return [];
  const out: string[] = [];
  const label = (en: string, de: string): string => (lang === 'en' ? en : de);
  if (limits['per-customer']) {
    out.push(`${label('Per customer', 'Pro Kunde')}: ${limitWords(lang, limits['per-customer'])}`);
  }
  const perChannel = limits['per-channel'];
  if (typeof perChannel === 'string' && perChannel.trim()) {
    out.push(`${label('Per channel', 'Pro Kanal')}: ${limitWords(lang, perChannel)}`);
  } else if (perChannel && typeof perChannel === 'object') {
    for (const [channel, text] of Object.entries(perChannel)) {
      out.push(
        `${label('Per channel', 'Pro Kanal')} (${channelName(lang, channel)}): ${limitWords(lang, text)}`,
      );
    }
  }
  if (limits.global)
    out.push(
      `${label('For all customers together', 'Für alle Kunden zusammen')}: ${limitWords(lang, limits.global)}`,
    );
  if (limits.cooldown) out.push(cooldownWords(lang, limits.cooldown));
  return out;
}

const DAY_WORDS: Record<string, { en: string; de: string }> = {
  mon: { en: 'Mon', de: 'Mo' },
  tue: { en: 'Tue', de: 'Di' },
  wed: { en: 'Wed', de: 'Mi' },
  thu: { en: 'Thu', de: 'Do' },
  fri: { en: 'Fri', de: 'Fr' },
  sat: { en: 'Sat', de: 'Sa' },
  sun: { en: 'Sun', de: 'So' },
};

function dateWords(lang: Lang, text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const date = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return text;
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-US', {
    dateStyle: 'long',
    timeZone: 'UTC',
  }).format(date);
}

function scheduleDetail(lang: Lang, schedule: ScheduleSpec | undefined): string | undefined {
  if (!schedule || typeof schedule !== 'object') return undefined;
  const parts: string[] = [];
  const from = typeof schedule.from === 'string' ? dateWords(lang, schedule.from) : undefined;
  const to = typeof schedule.to === 'string' ? dateWords(lang, schedule.to) : undefined;
  if (from) parts.push(lang === 'en' ? `from ${from}` : `vom ${from}`);
  if (to) parts.push(lang === 'en' ? `to ${to}` : `bis ${to}`);
  if (typeof schedule.hours === 'string' && schedule.hours.trim()) {
    const hours = schedule.hours
      .trim()
      .replace(
        /\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b/gi,
        (day) => DAY_WORDS[day.slice(0, 3).toLowerCase()][lang],
      );
    parts.push(lang === 'en' ? `at ${hours}` : `zu den Zeiten ${hours}`);
  }
  const zone = schedule['time-zone'];
  if (parts.length === 0) return undefined;
  const text = `${lang === 'en' ? 'Active' : 'Aktiv'} ${parts.join(' ')}${typeof zone === 'string' && zone ? ` (${zone})` : ''}`;
  return text;
}

function holdoutDetail(lang: Lang, holdout: string | number | undefined): string | undefined {
  if (holdout === undefined || holdout === null || holdout === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(String(holdout).trim());
  if (!m)
    return lang === 'en'
      ? `Control group: ${quote('en', String(holdout))}`
      : `Kontrollgruppe: ${quote('de', String(holdout))}`;
  const percent = Number(m[1]);
  if (percent === 0) return undefined;
  if (lang === 'en') return `Control group: ${number('en', percent)}% of customers get no action`;
  return `Kontrollgruppe: ${number('de', percent)} % der Kunden erhalten keine Aktion`;
}

function scoreDetail(lang: Lang, score: ScoreSpec | undefined): string | undefined {
  if (!score || typeof score !== 'object') return undefined;
  const value = (v: unknown): string => (typeof v === 'number' ? number(lang, v) : quote(lang, String(v)));
  const parts =
    lang === 'en'
      ? [`propensity ${value(score.propensity)}`, `value ${value(score.value)}`]
      : [`Neigung ${value(score.propensity)}`, `Wert ${value(score.value)}`];
  if (score.weight !== undefined)
    parts.push(`${lang === 'en' ? 'weight' : 'Gewicht'} ${value(score.weight)}`);
  return `Score: ${parts.join(' × ')}`;
}

const STEP = /^(?:to\s+)?(\S+)(?:\s+within\s+(.+))?$/;

function escalationDetail(lang: Lang, card: PolicyCard): string | undefined {
  const spec = card.escalation as EscalationSpec | string | undefined;
  if (spec === undefined || spec === null || spec === '') return undefined;
  let until: string[] = [];
  let steps: string[] = [];
  if (typeof spec === 'string') {
    for (const item of spec
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^until\s+(.+)$/.exec(item);
      if (m) until.push(...m[1].split(LIST_SEPARATOR).filter(Boolean));
      else steps.push(item);
    }
  } else if (typeof spec === 'object') {
    until =
      typeof spec.until === 'string'
        ? spec.until.split(LIST_SEPARATOR).filter(Boolean)
        : Array.isArray(spec.until)
          ? spec.until
          : [];
    steps =
      typeof spec.steps === 'string'
        ? spec.steps
            .split(';')
            .map((s) => s.trim())
            .filter(Boolean)
        : Array.isArray(spec.steps)
          ? spec.steps
          : [];
  }
  const first = actionsOf(card.then).find((a) => a.action === 'escalation');
  const levels: string[] = [];
  const level = (to: string, limit: string | undefined): string =>
    `${recipient(lang, to)}${limit ? ` (${within(lang, limit)})` : ''}`;
  if (first) levels.push(level(first.to, first.within));
  for (const step of steps) {
    const m = STEP.exec(step);
    levels.push(m ? level(m[1], m[2]?.trim()) : quote(lang, step));
  }
  const answers = list(
    lang,
    until.map((type) => eventWords(type)[lang]),
    'or',
  );
  if (lang === 'en') {
    return `Escalation: ${levels.join(', then ')}${answers ? `; stops once the customer ${answers}` : ''}`;
  }
  return `Eskalation: ${levels.join(', dann ')}${answers ? `; endet, sobald der Kunde ${answers}` : ''}`;
}

function details(card: PolicyCard, lang: Lang): string[] {
  const out = limitDetails(lang, card.limits);
  const schedule = scheduleDetail(lang, card.schedule);
  if (schedule) out.push(schedule);
  const holdout = holdoutDetail(lang, card.holdout);
  if (holdout) out.push(holdout);
  if (typeof card.priority === 'number')
    out.push(`${lang === 'en' ? 'Priority' : 'Priorität'}: ${number(lang, card.priority)}`);
  const score = scoreDetail(lang, card.score);
  if (score) out.push(score);
  const escalation = escalationDetail(lang, card);
  if (escalation) out.push(escalation);
  out.push(`Version ${card.version ?? 1}`);
  return out;
}

// ---- entry points ----------------------------------------------------------------------------------

function cardOf(input: PolicyCard | CompiledPolicy): PolicyCard {
  const maybe = input as Partial<CompiledPolicy>;
  return maybe.card && typeof maybe.card === 'object' ? maybe.card : (input as PolicyCard);
}

/** The currency a bare amount of the card is in: the compiled policy's, else the hub's. */
function baseOf(input: PolicyCard | CompiledPolicy, given: string | undefined): string {
  if (given !== undefined) return given;
  const compiled = (input as Partial<CompiledPolicy>).baseCurrency;
  if (typeof compiled === 'string') return compiled;
  try {
    return baseCurrencyOf();
  } catch {
    // a wrong setting is the compiler's to report; the sentence still reads
    return DEFAULT_BASE_CURRENCY;
  }
}

export interface DescribeOptions {
  /** the currency of an amount without one; the compiled policy's, else CRM_HUB_BASE_CURRENCY, else EUR */
  baseCurrency?: string;
}

/** A card (or a compiled policy, through its card) in plain German or English. Never throws for a valid card. */
export function describeCard(
  card: PolicyCard | CompiledPolicy,
  lang: PlainLanguage,
  options: DescribeOptions = {},
): PlainCard {
  const source = cardOf(card);
  const title = source.title?.[lang] || source.title?.[lang === 'de' ? 'en' : 'de'] || source.policy;
  let text: string;
  try {
    text = sentence(source, lang, baseOf(card, options.baseCurrency));
  } catch {
    // A construct this module does not foresee: the marketer still sees the card's own words.
    text = capitalize(`${source.when ?? ''} ${texts(source.if).join(' ')} ${String(source.then)}`.trim());
  }
  let lines: string[];
  try {
    lines = details(source, lang);
  } catch {
    lines = [];
  }
  return { title, sentence: text, details: lines };
}

export function describeCardBoth(
  card: PolicyCard | CompiledPolicy,
  options: DescribeOptions = {},
): { de: PlainCard; en: PlainCard } {
  return { de: describeCard(card, 'de', options), en: describeCard(card, 'en', options) };
}
