import type { Customer, PersonName } from '../../mappings/canonical/types';
import { GoldenIntake } from '../../records/golden-intake';
import type { HubStore } from '../../records/store';
import { storeBackends } from './store-backends';

/**
 * Opposite-sex twins, as a steward found them merged on the real hub: Peter and Petra Meyer, Paul
 * and Paula Berger, one birth date and one address each pair, an e-mail address of their own. Their
 * given names are one name's male and female form, alike enough to pass for a typo; taken in through
 * the golden intake (the golden-record node's library), on both stores, each twin keeps a golden
 * record of their own and the pair waits in the review band.
 */
const twin = (ref: string, person: PersonName, updatedAt: string): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person,
    birthDate: '1994-08-17',
    addresses: [
      {
        type: 'home',
        street: 'Rosenstraße',
        houseNumber: '14',
        postalCode: '90402',
        city: 'Nürnberg',
        country: 'DE',
      },
    ],
    emails: [
      {
        type: 'home',
        address: `${person.givenName?.toLowerCase()}.${person.familyName?.toLowerCase()}@example.de`,
      },
    ],
    identifiers: [{ system, id }],
    updatedAt,
    source: { system },
  };
};

const backends = storeBackends('twins');

describe.each(backends)('golden intake, %s: opposite-sex twins', (_name, backend) => {
  let place: ReturnType<typeof backend>;
  let store: HubStore;
  let intake: GoldenIntake;

  beforeEach(async () => {
    place = backend();
    store = await place.open();
    intake = new GoldenIntake(store);
  });

  afterEach(async () => {
    await place.cleanup();
  });

  it.each([
    ['without salutations', 'Peter', 'Petra', 'Meyer', {}, {}],
    ['without salutations', 'Paul', 'Paula', 'Berger', {}, {}],
    ['with Herr and Frau', 'Peter', 'Petra', 'Meyer', { salutation: 'Herr' }, { salutation: 'Frau' }],
    ['with Mr. and Ms.', 'Paul', 'Paula', 'Berger', { salutation: 'Mr.' }, { salutation: 'Ms.' }],
  ])(
    '%s: %s and %s %s keep a golden record each, the pair in review',
    async (_how, he, she, family, his, hers) => {
      const brother = twin('crm:1001', { ...his, givenName: he, familyName: family }, '2026-03-01T09:00:00Z');
      const sister = twin(
        'sap:2002',
        { ...hers, givenName: she, familyName: family },
        '2026-03-01T09:05:00Z',
      );
      await intake.takeCustomer(brother);
      const taken = await intake.takeCustomer(sister);
      expect(taken).toMatchObject({ status: 'applied', reviews: [expect.any(String)] });
      expect(taken).not.toHaveProperty('matched');
      const brothers = await store.resolveGoldenId('crm:1001');
      const sisters = await store.resolveGoldenId('sap:2002');
      expect(sisters).not.toBe(brothers);
      expect((await store.getGolden(sisters as string))?.record.document.person?.givenName).toBe(she);
      expect((await store.getGolden(brothers as string))?.record.document.person?.givenName).toBe(he);

      const open = await store.listReviews({ status: 'open' });
      expect(open.map((item) => [item.a, item.b].sort())).toEqual([['crm:1001', 'sap:2002']]);
      expect(open[0].explanation.conflicts).toEqual(['givenName']);
      expect(open[0].explanation.summary).toContain('would link, but the given names differ: review');
    },
  );

  it('still takes a second record of the sister into her golden record, not her brother’s', async () => {
    await intake.takeCustomer(
      twin(
        'crm:1001',
        { salutation: 'Herr', givenName: 'Peter', familyName: 'Meyer' },
        '2026-03-01T09:00:00Z',
      ),
    );
    await intake.takeCustomer(
      twin(
        'sap:2002',
        { salutation: 'Frau', givenName: 'Petra', familyName: 'Meyer' },
        '2026-03-01T09:05:00Z',
      ),
    );
    // the web shop's record has a typo in her name, and her own e-mail address
    const again = await intake.takeCustomer(
      twin('web:77', { givenName: 'Pettra', familyName: 'Meyer' }, '2026-03-01T09:10:00Z'),
    );
    expect(again).toMatchObject({ status: 'applied', matched: { ref: 'sap:2002' } });
    expect(await store.resolveGoldenId('web:77')).toBe(await store.resolveGoldenId('sap:2002'));
  });
});
