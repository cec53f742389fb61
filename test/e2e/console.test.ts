import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import * as soap from 'soap';
import { launchChromium } from './browser';
import { eventually, startHub, type RunningHub } from './hub-process';

/**
 * The marketers' policy console in Chromium, against the real hub process (`npm start`'s command,
 * settings.js, flows/hub.json, embedded bus and store) with an integrator and a marketer configured
 * from the environment. Customers reach the golden record through SOAP UpsertCustomer and events come
 * in through POST /api/v1/events, as a legacy CRM and a web shop would send them.
 * Screenshots go to CRM_HUB_SCREENSHOTS (docs/images when refreshing the README) or a temp folder.
 */

const ADMIN = { username: 'admin', password: 'integrator-secret-1' };
const MARKETER = { username: 'maria', password: 'marketing-secret-1' };
const PLATINUM = 'platinum-large-withdrawal';
const ADVENT = 'advent-calendar';

interface Evaluation {
  outcome: string;
  event: { eventId: string };
}

describe('the policy console in Chromium', () => {
  let hub: RunningHub;
  let browser: Browser;
  const shots = process.env.CRM_HUB_SCREENSHOTS || fs.mkdtempSync('/tmp/crm-hub-shots-');
  const run = String(Date.now()).slice(-6);
  /** customer refs of this run, so no number depends on another test's customers */
  const ref = (name: string) => `crm:${name}-${run}`;

  beforeAll(async () => {
    hub = await startHub({
      AMQP_URL: '',
      DATABASE_URL: '',
      CRM_HUB_ADMIN_USER: ADMIN.username,
      CRM_HUB_ADMIN_PASSWORD: ADMIN.password,
      CRM_HUB_MARKETER_USER: MARKETER.username,
      CRM_HUB_MARKETER_PASSWORD: MARKETER.password,
    });
    browser = await launchChromium();
  }, 150000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  async function logIn(user: { username: string; password: string }, locale = 'en-GB') {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale });
    const page = await context.newPage();
    await page.goto(`${hub.url}/console`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('login-username').fill(user.username);
    await page.getByTestId('login-password').fill(user.password);
    await page.getByTestId('login-submit').click();
    await policyEntry(page, PLATINUM).waitFor({ timeout: 30000 });
    return { context, page };
  }

  const policyEntry = (page: Page, policyId: string) => page.locator(`article[data-policy-id="${policyId}"]`);

  /** A customer as the legacy CRM sends it over SOAP, once the golden record has it. */
  /** Anna, Ben and Carla: each a person of their own, so matching links only Ben's two source records */
  const PEOPLE: Record<string, { birthDate: string; phone: string; street: string; houseNumber: string }> = {
    Anna: { birthDate: '1979-03-02', phone: '+4989100001', street: 'Leopoldstraße', houseNumber: '12' },
    Ben: { birthDate: '1984-06-12', phone: '+4989200002', street: 'Hohenzollernstraße', houseNumber: '7' },
    Carla: { birthDate: '1991-11-23', phone: '+4989300003', street: 'Belgradstraße', houseNumber: '31' },
  };

  async function customer(customerRef: string, tier: string, givenName: string, familyName: string) {
    const client = (await soap.createClientAsync(`${hub.url}/soap/hub?wsdl`)) as unknown as Record<
      string,
      (args: unknown) => Promise<[Record<string, unknown>]>
    >;
    const [answer] = await client.UpsertCustomerAsync({
      customer: {
        customerRef,
        sourceSystem: customerRef.split(':')[0],
        sourceId: customerRef.split(':')[1],
        kind: 'person',
        givenName,
        familyName,
        tier,
        ...PEOPLE[givenName],
        email: `${givenName}.${familyName}@example.de`.toLowerCase(),
        postalCode: '80802',
        city: 'München',
        country: 'DE',
        consents: [{ channel: 'phone', purpose: 'marketing', status: 'granted' }],
      },
    });
    expect(answer).toMatchObject({ accepted: true });
    await eventually(async () => {
      const res = await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(customerRef)}`);
      if (res.status !== 200) return undefined;
      const view = (await res.json()) as { customer?: { document?: { tier?: string } } };
      return view.customer?.document?.tier === tier ? true : undefined;
    }, `customer ${customerRef} in the golden record`);
  }

  /** A withdrawal at the branch, through the REST API; resolves once the engine judged it. */
  async function withdrawal(customerRef: string, amount: number): Promise<Evaluation> {
    const eventId = randomUUID();
    const res = await fetch(`${hub.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        eventId,
        schemaVersion: '1.0',
        type: 'withdrawal',
        occurredAt: new Date().toISOString(),
        channel: 'branch',
        source: { system: 'e2e' },
        customer: { ref: customerRef, identifiers: [{ system: 'crm', id: customerRef.split(':')[1] }] },
        amount: { value: amount, currency: 'EUR' },
        data: {},
      }),
    });
    expect(res.status).toBe(202);
    return eventually(async () => {
      const answer = await fetch(
        `${hub.url}/api/v1/policies/${PLATINUM}/explain?customer=${encodeURIComponent(customerRef)}`,
      );
      if (answer.status !== 200) return undefined;
      const { evaluations } = (await answer.json()) as { evaluations: Evaluation[] };
      return evaluations.find((e) => e.event.eventId === eventId);
    }, `the engine's evaluation of ${eventId}`);
  }

  it('a marketer switches a shipped policy off and on; a fire shows live, without a reload', async () => {
    const anna = ref('anna');
    await customer(anna, 'platinum', 'Anna', 'Schmidt');
    const { context, page } = await logIn(MARKETER);
    const entry = policyEntry(page, PLATINUM);
    const toggle = entry.getByRole('switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    // a marketer gets no way into the flow editor
    expect(await page.getByTestId('editor-link').count()).toBe(0);
    // set a mark on the page: a reload would lose it
    await page.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
    const firesToday = entry.getByTestId('fires-today');
    await page.getByTestId('live-status').and(page.locator('[data-status="connected"]')).waitFor();
    const before = Number(await firesToday.textContent());

    await toggle.click();
    await entry.locator('[role="switch"][aria-checked="false"]').waitFor();
    const state = await fetch(`${hub.url}/api/v1/policies/${PLATINUM}`);
    expect(((await state.json()) as { enabled: boolean }).enabled).toBe(false);
    const fired = page.locator(`[data-testid="feed-decision"][data-policy-id="${PLATINUM}"]`);
    expect((await withdrawal(anna, 12000)).outcome).toBe('switched-off');
    expect(await fired.count()).toBe(0);
    expect(Number(await firesToday.textContent())).toBe(before);

    await toggle.click();
    await entry.locator('[role="switch"][aria-checked="true"]').waitFor();
    expect((await withdrawal(anna, 13000)).outcome).toBe('fired');
    await fired.filter({ hasText: anna }).waitFor({ timeout: 10000 });
    expect(await textWith(firesToday, String(before + 1))).toBe(String(before + 1));
    expect(await fired.count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded)).toBe(true);
    // both switches are in the feed and in the audit trail, with the marketer's name
    expect(await page.getByTestId('feed-toggle').count()).toBe(2);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, 'console-en.png') });

    await page.getByTestId('lang-de').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    expect(await entry.getByRole('switch').getAttribute('aria-label')).toContain('ein- oder ausschalten');
    expect(await entry.textContent()).toContain('Ausgelöst heute');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, 'console-de.png') });
    // the choice is kept for the next visit
    expect(await page.evaluate(() => localStorage.getItem('crmhub.lang'))).toBe('de');
    // the chart over 30 days, read for this policy alone: today's fire is its last day
    await entry.getByTestId('chart-range-30').click();
    const chart = entry.getByTestId('policy-chart');
    await entry.locator('[data-testid="policy-chart"][aria-label*="über 30 Tage"]').waitFor();
    expect(await chart.getAttribute('aria-label')).toMatch(/(0, ){29}1$/);

    await page.getByTestId('nav-audit').click();
    const audit = page.locator(`[data-testid="audit-entry"][data-policy-id="${PLATINUM}"]`);
    await audit.first().waitFor();
    const rows = await audit.allTextContents();
    expect(rows.slice(0, 2)).toEqual([
      expect.stringMatching(/maria.*eingeschaltet.*Konsole/),
      expect.stringMatching(/maria.*ausgeschaltet.*Konsole/),
    ]);
    await context.close();
  }, 120000);

  it('a marketer can open neither the editor nor the admin API: not with the console session, not at /auth/token', async () => {
    const { context, page } = await logIn(MARKETER);
    const cookies = await context.cookies(hub.url + '/console');
    const session = cookies.find((c) => c.name === 'crmhub_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    const cookie = `${session?.name}=${session?.value}`;
    // the browser does not send the console cookie outside /console; sent by hand it opens nothing either
    expect((await page.request.get(`${hub.url}/flows`)).status()).toBe(401);
    const attempts: Record<string, string>[] = [{ cookie }, { authorization: `Bearer ${session?.value}` }];
    for (const headers of attempts) {
      expect((await fetch(`${hub.url}/flows`, { headers })).status).toBe(401);
      expect((await fetch(`${hub.url}/settings/user`, { headers })).status).toBe(401);
    }

    const token = (user: { username: string; password: string }) =>
      fetch(`${hub.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'node-red-editor',
          grant_type: 'password',
          scope: '*',
          username: user.username,
          password: user.password,
        }).toString(),
      });
    const refused = await token(MARKETER);
    // Node-RED's token endpoint answers a wrong grant with 403
    expect([401, 403]).toContain(refused.status);
    expect(await refused.text()).not.toContain('access_token');
    // the same endpoint hands the integrator a token, so the refusal above is about the marketer
    const granted = await token(ADMIN);
    expect(granted.status).toBe(200);
    expect(((await granted.json()) as { access_token?: string }).access_token).toEqual(expect.any(String));
    await context.close();

    // an integrator's console links to the editor
    const integrator = await logIn(ADMIN);
    expect(await integrator.page.getByTestId('editor-link').getAttribute('href')).toBe('/');
    await integrator.context.close();
  }, 60000);

  it('a marketer runs a dry-run and an explain and reads the numbers the events make', async () => {
    const ben = ref('ben');
    const carla = ref('carla');
    await customer(ben, 'platinum', 'Ben', 'Hoffmann');
    await customer(carla, 'gold', 'Carla', 'Neumann');
    // one at a time, so the engine sees them in this order
    expect((await withdrawal(ben, 500)).outcome).toBe('not-matched');
    expect((await withdrawal(ben, 60000)).outcome).toBe('fired');
    expect((await withdrawal(ben, 70000)).outcome).toBe('capped');
    expect((await withdrawal(carla, 80000)).outcome).toBe('not-matched');

    const { context, page } = await logIn(MARKETER);
    const messages: string[] = [];
    page.on('console', (message) => messages.push(message.text()));
    await page.getByTestId('nav-dry-run').click();
    const form = page.getByTestId('dry-run-form');
    await form.waitFor();
    await page.getByTestId('dry-run-policy').selectOption(PLATINUM);
    await page.getByTestId('dry-run-submit').click();
    const result = page.getByTestId('dry-run-result');
    // Ben: the 60,000 would fire, the 70,000 hits the card's "1 per 7d"; Carla is gold, so she is not listed
    const benRow = result.locator(`[data-testid="dry-run-customer-table"] tr[data-customer="${ben}"]`);
    await benRow.waitFor({ timeout: 30000 });
    expect(cells(await benRow.locator('td').allTextContents())).toEqual([ben, '1', 'cap 1']);
    expect(await result.locator(`tr[data-customer="${carla}"]`).count()).toBe(0);

    // a draft card nobody switched on: only withdrawals over 50,000 by platinum customers
    await page.getByTestId('dry-run-source-draft').check();
    await page
      .getByTestId('dry-run-card')
      .fill(
        [
          'policy: draft-very-large-withdrawal',
          'title: { de: "Platin-Kunde hebt mehr als 50.000 ab", en: "Platinum customer withdraws over 50,000" }',
          'when: event withdrawal where amount > 50000',
          'if: customer.tier == "platinum"',
          'then: call-task to sales-rep within 1d',
          'limits: { per-customer: 1 per 7d }',
          'priority: 85',
        ].join('\n'),
      );
    await page.getByTestId('dry-run-submit').click();
    await result.getByText('draft-very-large-withdrawal').waitFor({ timeout: 30000 });
    expect(await result.getByTestId('dry-run-would-fire').textContent()).toBe('1');
    expect(await result.getByTestId('dry-run-stopped').textContent()).toBe('1');
    expect(await result.getByTestId('dry-run-customers').textContent()).toBe('1');
    expect(cells(await result.locator(`tr[data-customer="${ben}"] td`).allTextContents())).toEqual([
      ben,
      '1',
      'cap 1',
    ]);
    expect(
      await result.locator('[data-testid="dry-run-stopped-by"] tr[data-reason="cap"] td').allTextContents(),
    ).toEqual(['cap', 'the card', '1']);
    expect(await result.getByTestId('dry-run-pending').textContent()).toBe('0');
    await page.screenshot({ path: path.join(shots, 'console-dry-run.png'), fullPage: true });

    // a card that waits 2 days for no deposit: the period ends before any wait does
    await page
      .getByTestId('dry-run-card')
      .fill(
        [
          'policy: draft-no-deposit-after-withdrawal',
          'title: { de: "Große Abhebung ohne Einzahlung", en: "Large withdrawal, no deposit after it" }',
          'when: event withdrawal where amount > 50000',
          'history: no deposit within 2d',
          'then: call-task to sales-rep within 1d',
          'priority: 75',
        ].join('\n'),
      );
    await page.getByTestId('dry-run-submit').click();
    await result.getByText('draft-no-deposit-after-withdrawal').waitFor({ timeout: 30000 });
    // Ben's 60,000 and 70,000 and Carla's 80,000
    expect(await result.getByTestId('dry-run-pending').textContent()).toBe('3');
    expect(await result.getByTestId('dry-run-would-fire').textContent()).toBe('0');
    const pendingTile = result.locator('.stat').filter({ has: page.getByTestId('dry-run-pending') });
    expect(await pendingTile.textContent()).toContain('"no B within T" window');
    // the notes in the console's language: the hub sends their keys beside its English sentences
    await page.getByTestId('lang-de').click();
    await result.locator('.notes li').first().waitFor();
    expect(await result.locator('.notes li').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Die Karte läuft allein: /)]),
    );
    await page.getByTestId('lang-en').click();
    await result.getByText('The card is replayed alone', { exact: false }).waitFor();

    // explain: Ben's last withdrawal was capped, with the values the card saw
    await page.getByTestId('nav-explain').click();
    // the field takes what the hub takes: a ref with a slash and blanks, a golden id
    const field = page.getByTestId('explain-customer');
    const valid = (text: string) =>
      field.fill(text).then(() => field.evaluate((input: HTMLInputElement) => input.validity.valid));
    expect(await valid('crm:A/B C#1')).toBe(true);
    expect(await valid('g-2c5bvydw7xvwwamx84xqgq1jsx')).toBe(true);
    expect(await valid('4711')).toBe(false);
    await page.getByTestId('explain-customer').fill(ben);
    await page.getByTestId('explain-submit').click();
    const platinum = page.locator(`[data-testid="explain-policy"][data-policy-id="${PLATINUM}"]`);
    const latest = platinum.getByTestId('explain-evaluation').first();
    await latest.waitFor({ timeout: 30000 });
    expect(await latest.getAttribute('data-outcome')).toBe('capped');
    expect(await latest.getByTestId('check-actual').allTextContents()).toEqual(
      expect.arrayContaining(['70000', '"platinum"']),
    );
    expect(await latest.getByTestId('explain-cap').textContent()).toMatch(
      /per-customer.*1 per 7d.*1 already/,
    );
    expect(await latest.locator('.evaluation-reason').textContent()).toBe(
      'The conditions held, but the card’s cap is reached.',
    );
    expect(await platinum.locator('details.older > summary').textContent()).toContain(
      '2 earlier evaluations',
    );
    expect(await page.getByTestId('explain-consent').textContent()).toContain('granted');
    // the earlier ones: the 60,000 fired, the 500 did not match
    await platinum.locator('details.older > summary').click();
    expect(
      await platinum
        .getByTestId('explain-evaluation')
        .evaluateAll((els) => els.map((e) => e.dataset.outcome)),
    ).toEqual(['capped', 'fired', 'not-matched']);
    await page.screenshot({ path: path.join(shots, 'console-explain.png'), fullPage: true });

    // and Carla was not matched, because she is gold
    await page.getByTestId('explain-customer').fill(carla);
    await page.getByTestId('explain-submit').click();
    const carlaLatest = page
      .locator(`[data-testid="explain-policy"][data-policy-id="${PLATINUM}"]`)
      .getByTestId('explain-evaluation')
      .first();
    await carlaLatest.getByTestId('check-actual').getByText('"gold"').waitFor({ timeout: 30000 });
    expect(await carlaLatest.getAttribute('data-outcome')).toBe('not-matched');
    expect(await carlaLatest.locator('tr.failed').textContent()).toContain('"gold"');
    expect(await carlaLatest.locator('.evaluation-reason').textContent()).toMatch(
      /^Not matched: 1 of \d conditions did not hold\.$/,
    );
    // and in German, the engine's reason is said in German, not in the hub's English
    await page.getByTestId('lang-de').click();
    await carlaLatest.locator('.evaluation-reason').getByText('Nicht erfüllt', { exact: false }).waitFor();
    await page.getByTestId('lang-en').click();
    await carlaLatest.locator('.evaluation-reason').getByText('Not matched', { exact: false }).waitFor();

    // Ben is in SAP too: the golden record joins both source records
    // a KUNNR as the hub keys it: the run's digits may start with 0, which SAP's numbers drop
    const benInSap = `sap:${Number(run)}`;
    await customer(benInSap, 'platinum', 'Ben', 'Hoffmann');
    await eventually(async () => {
      const res = await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(ben)}`);
      const view = (await res.json()) as { xrefs?: string[] };
      return view.xrefs?.includes(benInSap) ? true : undefined;
    }, 'the SAP record in the golden record');

    // the customer 360 of Ben, as the call center sees it
    await page.getByTestId('nav-customer').click();
    await page.getByTestId('customer-customer').fill(ben);
    await page.getByTestId('customer-submit').click();
    await page.getByTestId('customer-name').getByText('Ben Hoffmann').waitFor({ timeout: 30000 });
    expect(await page.getByTestId('customer-tier').textContent()).toBe('platinum');
    // the service level the agent serves Ben at, with its reason on hover
    const level = page.getByTestId('customer-service-level');
    expect(await level.textContent()).toBe('premium');
    expect(await level.getAttribute('title')).toContain('tier platinum: premium');
    expect(await page.getByTestId('customer-xrefs').locator('li').allTextContents()).toEqual([ben, benInSap]);
    expect(await page.getByTestId('customer-lineage').textContent()).toContain(benInSap);
    await page.screenshot({ path: path.join(shots, 'console-customer.png'), fullPage: true });

    // opened by golden id, the customer page's explain link explains Ben's first source record
    const { goldenId } = (await (
      await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(ben)}`)
    ).json()) as { goldenId: string };
    await page.goto(`${hub.url}/console/#/customer/${goldenId}`);
    await page.getByTestId('customer-name').getByText('Ben Hoffmann').waitFor({ timeout: 30000 });
    await page.getByRole('link', { name: 'Explain this customer' }).click();
    const golden = page.getByTestId('explain-golden');
    await golden.waitFor({ timeout: 30000 });
    expect(await golden.textContent()).toContain(`Golden record ${goldenId}`);
    expect(await golden.textContent()).toContain(ben);
    expect(
      await page
        .locator(`[data-testid="explain-policy"][data-policy-id="${PLATINUM}"]`)
        .getByTestId('explain-evaluation')
        .first()
        .getAttribute('data-outcome'),
    ).toBe('capped');
    expect(await page.locator('.note-error').count()).toBe(0);
    // Chromium says so on the console when it cannot compile an input's pattern
    expect(messages.filter((m) => /pattern/i.test(m))).toEqual([]);
    await context.close();
  }, 120000);

  it("a card's limits, schedule and control group show in plain words, and a card out of its schedule says so", async () => {
    const token = await adminToken();
    // a campaign that has not begun: on, but it fires nothing yet
    const deployed = await fetch(`${hub.url}/flow`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'Node-RED-Deployment-Type': 'flows',
      },
      body: JSON.stringify({
        label: 'e2e advent campaign',
        nodes: [
          {
            id: `policy-advent-${run}`,
            type: 'policy',
            x: 180,
            y: 80,
            name: 'advent',
            engine: 'engine',
            policyId: ADVENT,
            titleEn: 'Advent calendar offer',
            titleDe: 'Adventskalender-Angebot',
            when: 'event withdrawal',
            then: 'web-offer advent to web within 1d',
            perCustomer: '1 per 1d',
            scheduleFrom: '2099-12-01',
            scheduleTo: '2099-12-31',
            scheduleTimeZone: 'Europe/Berlin',
            holdout: '50%',
            priority: '40',
            mode: 'trigger',
            active: true,
            wires: [[]],
          },
        ],
      }),
    });
    expect(deployed.status).toBe(200);

    const { context, page } = await logIn(MARKETER);
    const advent = policyEntry(page, ADVENT);
    await advent.waitFor({ timeout: 30000 });
    expect(await advent.getByRole('switch').getAttribute('aria-checked')).toBe('true');
    expect(await advent.getByTestId('policy-schedule').textContent()).toBe('Not started yet: fires nothing');
    expect(await advent.getByTestId('policy-details').locator('li').allTextContents()).toEqual(
      expect.arrayContaining([
        'Per customer: at most 1 action per day',
        'Active from December 1, 2099 to December 31, 2099 (Europe/Berlin)',
        'Control group: 50% of customers get no action',
      ]),
    );
    // a card without a schedule says nothing about one; its limits show all the same
    const platinum = policyEntry(page, PLATINUM);
    expect(await platinum.getByTestId('policy-schedule').count()).toBe(0);
    expect(await platinum.getByTestId('policy-details').textContent()).toContain(
      'Per customer: at most 1 action in 7 days',
    );

    await page.getByTestId('lang-de').click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    await advent.getByText('Noch nicht gestartet: löst nichts aus').waitFor();
    expect(await advent.getByTestId('policy-details').locator('li').allTextContents()).toEqual(
      expect.arrayContaining([
        'Aktiv vom 1. Dezember 2099 bis 31. Dezember 2099 (Europe/Berlin)',
        'Kontrollgruppe: 50 % der Kunden erhalten keine Aktion',
      ]),
    );
    await context.close();
  }, 60000);

  it('fits a narrow window: one column, charts inside their cards, the log-out on screen', async () => {
    const { context, page } = await logIn(MARKETER);
    for (const width of [800, 400]) {
      await page.setViewportSize({ width, height: 800 });
      await page.evaluate(() => window.scrollTo(0, 0));
      const entry = policyEntry(page, PLATINUM);
      // the chart follows its card's width: wait until it has
      await eventually(async () => {
        const card = await entry.boundingBox();
        const chart = await entry.getByTestId('policy-chart').boundingBox();
        return card && chart && chart.x + chart.width <= card.x + card.width ? true : undefined;
      }, `the chart inside its card at ${width} px`);
      const layout = await page.evaluate(() => {
        const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
        return {
          scrollWidth: document.documentElement.scrollWidth,
          logoutRight: box('[data-testid="logout"]').right,
          userRight: box('[data-testid="user-name"]').right,
          listBottom: box('[data-testid="policy-list"]').bottom,
          feedTop: box('[data-testid="live-feed"]').top,
          cardWidth: box('[data-testid="policy"]').width,
        };
      });
      expect([width, layout.scrollWidth]).toEqual([width, width]);
      expect(layout.logoutRight).toBeLessThanOrEqual(width);
      expect(layout.userRight).toBeLessThanOrEqual(width);
      // one column: the live feed below the policies, not over them
      expect(layout.feedTop).toBeGreaterThanOrEqual(layout.listBottom);
      expect(layout.cardWidth).toBeGreaterThan(width - 60);
      await page.screenshot({ path: path.join(shots, `console-${width}px.png`) });
    }
    await context.close();
  }, 60000);

  it('an address with a % that starts no escape opens the customer view with it, never a blank page', async () => {
    const { context, page } = await logIn(MARKETER);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // a customer ref may hold a '%' of its own, typed into the address as it is
    await page.goto(`${hub.url}/console/#/customer/crm:100%`);
    const field = page.getByTestId('customer-customer');
    await field.waitFor({ timeout: 30000 });
    expect(await field.inputValue()).toBe('crm:100%');
    await page.getByText('The hub knows no such customer.').waitFor({ timeout: 30000 });
    // and on a hash change inside the running page, the route follows
    await page.evaluate(() => (window.location.hash = '#/explain'));
    await page.getByTestId('explain-customer').waitFor();
    await page.evaluate(() => (window.location.hash = '#/customer/crm:%E0%A4%A'));
    await field.waitFor();
    expect(await field.inputValue()).toBe('crm:%E0%A4%A');
    expect(errors).toEqual([]);
    await context.close();
  }, 60000);

  it("the German console says the errors of its own forms in German, keeping a card's line and field", async () => {
    const { context, page } = await logIn(MARKETER, 'de-DE');
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    // the hub away while a marketer switches
    const entry = policyEntry(page, PLATINUM);
    await page.route('**/console/api/policies/*/state', (route) => route.abort());
    await entry.getByRole('switch').click();
    expect(await entry.getByRole('alert').textContent()).toBe(
      'Schalten fehlgeschlagen: Der Hub ist nicht erreichbar. Bitte Verbindung prüfen und erneut versuchen.',
    );
    await page.unroute('**/console/api/policies/*/state');
    expect(await entry.getByRole('switch').getAttribute('aria-checked')).toBe('true');

    await page.getByTestId('nav-dry-run').click();
    await page.getByTestId('dry-run-policy').selectOption(PLATINUM);
    const note = page.locator('.note-error');
    let dryRuns = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/console/api/dry-run')) dryRuns += 1;
    });
    // a year of two digits is no year of the 20th century: the console says so and asks the hub nothing
    await page.getByTestId('dry-run-from').fill('0002-01-01');
    await page.getByTestId('dry-run-submit').click();
    await note.waitFor();
    expect(await note.textContent()).toBe(
      'Ein Probelauf nimmt Daten ab dem Jahr 1900. Bitte das Jahr prüfen.',
    );
    expect(dryRuns).toBe(0);
    // longer than the hub replays
    await page.getByTestId('dry-run-from').fill('2020-01-01');
    await page.getByTestId('dry-run-submit').click();
    await note.getByText('Ein Probelauf spielt höchstens 93 Tage ab', { exact: false }).waitFor();
    expect(await note.textContent()).toBe(
      'Ein Probelauf spielt höchstens 93 Tage ab. Bitte den Zeitraum teilen.',
    );

    // a draft with a mistake: the frame in German, the line and the field kept
    await page.getByTestId('dry-run-source-draft').check();
    await page.getByRole('button', { name: 'Heute' }).click();
    const card = page.getByTestId('dry-run-card');
    await card.fill(
      [
        'policy: draft-german-errors',
        'title: { de: "Entwurf", en: "Draft" }',
        'when: event withdrawal',
        'then: call-task to sales-rep within 1d',
        'priority: high',
      ].join('\n'),
    );
    await page.getByTestId('dry-run-submit').click();
    await note.getByText('Die Karte hat einen Fehler', { exact: false }).waitFor({ timeout: 30000 });
    expect(await note.textContent()).toMatch(/^Die Karte hat einen Fehler in Zeile 5, Feld „priority“: \S/);
    // a card larger than a console request may be
    await card.fill(`# ${'x'.repeat(17000)}\n`);
    await page.getByTestId('dry-run-submit').click();
    await note.getByText('zu groß', { exact: false }).waitFor({ timeout: 30000 });
    expect(await note.textContent()).toBe(
      'Die Anfrage ist zu groß: Die Konsole nimmt höchstens 16.384 Bytes je Anfrage. Bitte die Karte kürzen.',
    );
    await context.close();
  }, 60000);

  it("the German customer view says the hub's words in German: address type, rule, gaps, a process's status", async () => {
    const dora = ref('dora');
    // no birth date, no street: gaps in the data quality
    await customer(dora, 'gold', 'Dora', 'Berg');
    const processed = await fetch(`${hub.url}/api/v1/customers/${dora}/processes/${randomUUID()}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'mortgage-application', lastChannel: 'web', step: 'income', data: {} }),
    });
    expect(processed.status).toBeLessThan(300);
    const { context, page } = await logIn(MARKETER, 'de-DE');
    await page.goto(`${hub.url}/console/#/customer/${encodeURIComponent(dora)}`);
    await page.getByTestId('customer-name').getByText('Dora Berg').waitFor({ timeout: 30000 });
    const contact = await page.getByTestId('customer-contact').textContent();
    expect(contact).toContain('Wohnadresse');
    expect(contact).not.toMatch(/\bhome\b/);
    const rules = await page.locator('[data-testid="customer-lineage"] td.rule').allTextContents();
    expect(rules).toContain('einzige Quelle');
    expect(rules).not.toContain('sole-source');
    expect(await page.getByTestId('customer-gaps').textContent()).toContain('Geburtsdatum');
    expect(await page.getByTestId('customer-processes').textContent()).toContain('(offen)');
    await context.close();
  }, 60000);

  it('a session that ended on the hub sends the console back to its log-in with a note, also in a hidden tab', async () => {
    const { context, page } = await logIn(MARKETER);
    await page.getByTestId('live-status').and(page.locator('[data-status="connected"]')).waitFor();
    // a tab in the background: the console's refresh every minute skips it
    await page.evaluate(() =>
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }),
    );
    // the session ends on the hub, as a restart ends all of them (they are kept in memory)
    const session = (await (await context.request.get(`${hub.url}/console/api/session`)).json()) as {
      csrfToken: string;
    };
    const loggedOut = await context.request.post(`${hub.url}/console/api/logout`, {
      headers: { 'x-csrf-token': session.csrfToken },
    });
    expect(loggedOut.status()).toBe(204);
    await page.getByTestId('login-form').waitFor({ timeout: 30000 });
    expect(await page.getByTestId('login-notice').textContent()).toBe(
      'Your session has ended (the hub was restarted, or you were logged out). Sign in again.',
    );
    await context.close();
  }, 60000);

  it('a switch keeps the keyboard focus while it switches and takes no second press meanwhile', async () => {
    const { context, page } = await logIn(MARKETER);
    const toggle = policyEntry(page, PLATINUM).getByRole('switch');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let puts = 0;
    await page.route('**/console/api/policies/*/state', async (route) => {
      puts += 1;
      await held;
      await route.continue();
    });
    await toggle.focus();
    await page.keyboard.press('Space');
    await policyEntry(page, PLATINUM).locator('[role="switch"][aria-busy="true"]').waitFor();
    // pressed again while the hub has not answered: nothing more is sent
    await page.keyboard.press('Space');
    release();
    await policyEntry(page, PLATINUM)
      .locator('[role="switch"][aria-checked="false"]:not([aria-busy])')
      .waitFor();
    expect(puts).toBe(1);
    expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.unroute('**/console/api/policies/*/state');
    await page.keyboard.press('Space');
    await policyEntry(page, PLATINUM)
      .locator('[role="switch"][aria-checked="true"]:not([aria-busy])')
      .waitFor();
    expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
    await context.close();
  }, 60000);

  it("Back from a card's dry-run finds the policy filter as it was; the customer tab starts empty", async () => {
    const { context, page } = await logIn(MARKETER);
    await page.getByTestId('policy-filter').fill('platinum');
    await page.getByTestId('policy').first().waitFor();
    await policyEntry(page, PLATINUM)
      .getByRole('link', { name: /Dry-run/ })
      .click();
    await page.getByTestId('dry-run-form').waitFor();
    await page.goBack();
    await policyEntry(page, PLATINUM).waitFor();
    expect(await page.getByTestId('policy-filter').inputValue()).toBe('platinum');
    const shown = await page.getByTestId('policy').evaluateAll((els) => els.map((e) => e.dataset.policyId));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((id) => !id?.includes('platinum'))).toEqual([]);

    // an unknown customer, then the Customer tab again: an empty field, and no answer about the last one
    await page.getByTestId('nav-customer').click();
    await page.getByTestId('customer-customer').fill(ref('nobody'));
    await page.getByTestId('customer-submit').click();
    await page.getByText('The hub knows no such customer.').waitFor({ timeout: 30000 });
    await page.getByTestId('nav-customer').click();
    await page.locator('.note-error').waitFor({ state: 'detached' });
    expect(await page.getByTestId('customer-customer').inputValue()).toBe('');
    await context.close();
  }, 60000);

  /** A Node-RED admin token for the integrator, to deploy a flow as the editor would. */
  async function adminToken(): Promise<string> {
    const res = await fetch(`${hub.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: '*',
        username: ADMIN.username,
        password: ADMIN.password,
      }).toString(),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }
});

/** table cells without the layout's whitespace */
function cells(texts: string[]): string[] {
  return texts.map((t) => t.replace(/\s+/g, ' ').trim());
}

/** The element's text once it equals `wanted` (polled, bounded), for numbers the live stream moves. */
async function textWith(locator: Locator, wanted: string): Promise<string> {
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = ((await locator.textContent()) ?? '').trim();
    if (text === wanted) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${wanted}; the element shows: ${text}`);
}
