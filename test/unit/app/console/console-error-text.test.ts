import { ApiFailure } from '../../../../console/src/api';
import { errorText } from '../../../../console/src/error-text';
import { makeI18n } from '../../../../console/src/i18n';

const de = makeI18n('de', () => undefined);
const en = makeI18n('en', () => undefined);

/** every code app/console and the app/api libraries it uses answer the console's page with */
const CODES = [
  'console-misconfigured',
  'csrf',
  'dry-run-busy',
  'internal',
  'invalid-body',
  'invalid-card',
  'invalid-credentials',
  'invalid-customer',
  'invalid-customer-id',
  'invalid-days',
  'invalid-input',
  'invalid-json',
  'invalid-limit',
  'invalid-path',
  'invalid-period',
  'invalid-policy-id',
  'loopback-only',
  'method-not-allowed',
  'no-login',
  'no-policies',
  'no-store',
  'not-found',
  'number-out-of-range',
  'period-too-long',
  'store-failed',
  'store-unavailable',
  'too-deep',
  'too-large',
  'too-many-attempts',
  'too-many-streams',
  'unauthenticated',
  'unknown-customer',
  'unknown-policy',
  'unsupported-media-type',
];

describe("the hub's errors in the console's language", () => {
  it('says a failed fetch in German, not "Failed to fetch"', () => {
    expect(errorText(de, new ApiFailure(0, 'network', 'Failed to fetch'))).toBe(
      'Der Hub ist nicht erreichbar. Bitte Verbindung prüfen und erneut versuchen.',
    );
  });

  it("says the dry-run's period limit and the body limit in German, with the hub's numbers", () => {
    const long = new ApiFailure(
      400,
      'period-too-long',
      'a dry-run replays at most 93 days; split the period',
      {
        field: 'to',
      },
    );
    expect(errorText(de, long)).toBe('Ein Probelauf spielt höchstens 93 Tage ab. Bitte den Zeitraum teilen.');
    expect(errorText(en, long)).toBe('A dry-run replays at most 93 days. Split the period.');
    const large = new ApiFailure(413, 'too-large', 'a console request body has at most 16384 bytes');
    expect(errorText(de, large)).toBe(
      'Die Anfrage ist zu groß: Die Konsole nimmt höchstens 16.384 Bytes je Anfrage. Bitte die Karte kürzen.',
    );
    // the body guard in front of the console (app/api/body-guard.ts) names it its own way
    const guarded = new ApiFailure(
      413,
      'too-large',
      'the request body exceeds the size limit of 16 kB (16384 bytes) here',
    );
    expect(errorText(de, guarded)).toBe(
      'Die Anfrage ist zu groß: Die Konsole nimmt höchstens 16.384 Bytes je Anfrage. Bitte die Karte kürzen.',
    );
    // the parser's own refusal names no limit
    expect(errorText(de, new ApiFailure(413, 'too-large', 'request body exceeds the size limit'))).toBe(
      'Die Anfrage ist zu groß für die Konsole. Bitte die Karte kürzen.',
    );
  });

  it("frames a card's compile error in German and keeps its line, field and problem", () => {
    const card = new ApiFailure(
      400,
      'invalid-card',
      'line 5, field priority: must be a number from 0 to 100',
      {
        field: 'priority',
        line: 5,
      },
    );
    expect(errorText(de, card)).toBe(
      'Die Karte hat einen Fehler in Zeile 5, Feld „priority“: must be a number from 0 to 100',
    );
    expect(errorText(en, card)).toBe(
      'The card has a mistake in line 5, field "priority": must be a number from 0 to 100',
    );
    const noLine = new ApiFailure(400, 'invalid-card', 'card must be YAML text or a card object', {
      field: 'card',
    });
    expect(errorText(de, noLine)).toBe(
      'Die Karte hat einen Fehler im Feld „card“: card must be YAML text or a card object',
    );
  });

  it('names the period field at fault', () => {
    const bad = new ApiFailure(400, 'invalid-period', 'from: 2025-02-30 is no calendar day', {
      field: 'from',
    });
    expect(errorText(de, bad)).toBe('Der Zeitraum ist ungültig (Von). Bitte das Datum prüfen.');
    const order = new ApiFailure(400, 'invalid-period', 'to must be after from', { field: 'to' });
    expect(errorText(de, order)).toBe('Das Ende des Zeitraums muss nach seinem Anfang liegen.');
  });

  it('has a German and an English text for every code the console API answers', () => {
    const english = CODES.map((code) => errorText(en, new ApiFailure(400, code, 'the hub says so')));
    const german = CODES.map((code) => errorText(de, new ApiFailure(400, code, 'the hub says so')));
    // none falls back to the hub's bare English sentence
    expect(german.filter((text) => text.startsWith('Der Hub antwortet:'))).toEqual([]);
    expect(english.filter((text) => text.startsWith('The hub answered:'))).toEqual([]);
    for (let i = 0; i < CODES.length; i++) expect([CODES[i], german[i]]).not.toEqual([CODES[i], english[i]]);
  });

  it("keeps the hub's message for a code it does not know, in a translated frame", () => {
    expect(errorText(de, new ApiFailure(418, 'teapot', 'I am a teapot'))).toBe(
      'Der Hub antwortet: I am a teapot',
    );
    expect(errorText(de, new Error('boom'))).toBe('Der Hub antwortet: boom');
  });
});
