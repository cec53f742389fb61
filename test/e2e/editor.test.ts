import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { launchChromium } from './browser';
import { startHub, type RunningHub } from './hub-process';

/**
 * What an integrator sees: the editor with the "CRM Hub" palette and the hub flow deployed.
 * Screenshots go to CRM_HUB_SCREENSHOTS (docs/images when refreshing the README) or a temp folder.
 */
describe('the editor in Chromium', () => {
  let hub: RunningHub;
  let browser: Browser;
  const shots = process.env.CRM_HUB_SCREENSHOTS || fs.mkdtempSync('/tmp/crm-hub-shots-');

  beforeAll(async () => {
    hub = await startHub({ AMQP_URL: '', DATABASE_URL: '' });
    browser = await launchChromium();
  }, 150000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  /** The editor, once the palette is there, on the flow tab with this label. */
  async function openTab(label: string) {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(hub.url, { waitUntil: 'domcontentloaded' });
    await page.locator('#red-ui-palette-base-category-CRM_Hub').waitFor({ timeout: 30000 });
    await page.locator('#red-ui-workspace-tabs').getByText(label).click();
    return page;
  }

  it('shows the CRM Hub palette category with our nodes and the deployed hub flow', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(hub.url, { waitUntil: 'domcontentloaded' });
    const category = page.locator('#red-ui-palette-base-category-CRM_Hub');
    await category.waitFor({ timeout: 30000 });
    const types = await category
      .locator('.red-ui-palette-node')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-palette-type')));
    expect(types).toEqual(
      expect.arrayContaining([
        'soap-in',
        'soap-response',
        'to-canonical',
        'amqp-out',
        'amqp-in',
        'policy-engine',
        'policy',
        'channel-action',
      ]),
    );
    // the hub flow is on the workspace: its nodes are drawn
    await page.locator('.red-ui-flow-node-group').first().waitFor({ timeout: 30000 });
    const labels = await page.locator('.red-ui-flow-node-label text').allTextContents();
    expect(labels.join(' ')).toContain('address change → mortgage');
    await page.waitForTimeout(500); // let the status dots settle for the picture
    const file = path.join(shots, 'editor-hub-flow.png');
    await page.screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(10000);
    await page.close();
  }, 150000);

  it('runs the demo: clicking "Anna Schmidt moves" puts a mortgage offer on her web page', async () => {
    const page = await openTab('Demo: simulated legacy systems');
    const button = page.locator('[id="demo-move"] .red-ui-flow-node-button');
    await button.waitFor({ timeout: 30000 });
    await button.click();
    let offers: { offer: string }[] = [];
    for (let i = 0; i < 100 && !offers.length; i++) {
      await page.waitForTimeout(100);
      const res = await fetch(`${hub.url}/api/v1/customers/crm:4711/offers?channel=web`);
      offers = ((await res.json()) as { offers: { offer: string }[] }).offers;
    }
    expect(offers[0]).toMatchObject({ offer: 'mortgage' });
    await page
      .locator('[id="demo-reply"] .red-ui-flow-node-status-label')
      .getByText('200')
      .waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(shots, 'editor-demo.png') });
    await page.close();
  }, 60000);

  it('previews a mapping in the legacy-system dialog: "Try it" shows the canonical event or the error', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(hub.url, { waitUntil: 'domcontentloaded' });
    await page.locator('#red-ui-palette-base-category-CRM_Hub').waitFor({ timeout: 30000 });
    // open "crm → canonical" and, from its System field, the legacy-system dialog, as a person would
    const node = page.locator('[id="map-crm"] .red-ui-flow-node');
    await node.waitFor({ timeout: 30000 });
    await node.dblclick();
    await page.locator('#node-input-btn-system-edit').click();
    const sample = page.locator('#node-config-legacy-preview-sample');
    await sample.waitFor({ timeout: 10000 });
    const envelope = (country: string) =>
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:crm="urn:crm-hub:crm"><soapenv:Body>' +
      '<crm:ReportAddressChange><crm:customerNumber>4711</crm:customerNumber><crm:street>Leopoldstraße 12</crm:street>' +
      `<crm:postalCode>80802</crm:postalCode><crm:city>München</crm:city><crm:country>${country}</crm:country>` +
      '</crm:ReportAddressChange></soapenv:Body></soapenv:Envelope>';
    const result = page.locator('#node-config-legacy-preview-result');

    await sample.fill(envelope('Germany'));
    await page.locator('#node-config-legacy-preview-run').click();
    expect(await textWith(result, 'data.address.country')).toContain('(from country) [pattern]');

    await sample.fill(envelope('DE'));
    await page.locator('#node-config-legacy-preview-run').click();
    expect(await textWith(result, '"address-changed"')).not.toContain('data.address.country');
    expect(await result.textContent()).toContain('"ref": "crm:4711"');
    await result.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'editor-try-it.png') });
    await page.close();
  }, 60000);

  it("shows amqp-in's Output in words, and the Record sync tab taking crm.golden as a buffer", async () => {
    const page = await openTab('Record sync');
    const node = page.locator('[id="sync-golden-in-sap"] .red-ui-flow-node');
    await node.waitFor({ timeout: 30000 });
    await node.dblclick();
    const output = page.locator('#node-input-output');
    await output.waitFor({ timeout: 10000 });
    expect(await output.inputValue()).toBe('buffer');
    const choices = await output.locator('option').allTextContents();
    expect(choices).toEqual([
      'auto: JSON parsed, text as string',
      'a Buffer, as it came',
      'a String, as it came',
    ]);
    expect(await page.locator('label[for="node-input-output"]').textContent()).toContain('Output');
    await page.screenshot({ path: path.join(shots, 'editor-amqp-in-output.png') });
    await page.close();
  }, 60000);

  it('lays every tab out so each node and comment can be read: inside the canvas, none on another', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(hub.url, { waitUntil: 'domcontentloaded' });
    await page.locator('#red-ui-palette-base-category-CRM_Hub').waitFor({ timeout: 30000 });
    const problems: string[] = [];
    for (const tab of await page.evaluate(() => {
      const tabs: string[] = [];
      (window as unknown as EditorWindow).RED.nodes.eachWorkspace((w) => tabs.push(w.id));
      return tabs;
    })) {
      // Node-RED sizes a node from its label only once its tab is drawn
      await page.evaluate((id) => (window as unknown as EditorWindow).RED.workspaces.show(id), tab);
      await page.waitForTimeout(300);
      const boxes = await page.evaluate((id) => {
        const found: { id: string; l: number; r: number; t: number; b: number }[] = [];
        const { RED } = window as unknown as EditorWindow;
        RED.nodes.eachNode((n) => {
          if (n.z === id && n.w !== undefined && n.h !== undefined) {
            // an inject's or debug's button is drawn 25 px out of the node, on the side of its icon
            const type = RED.nodes.getType(n.type);
            const left = type?.button && type.align !== 'right' ? 25 : 0;
            const right = type?.button && type.align === 'right' ? 25 : 0;
            const [l, r, t, b] = [n.x - n.w / 2 - left, n.x + n.w / 2 + right, n.y - n.h / 2, n.y + n.h / 2];
            found.push({ id: n.id, l, r, t, b });
          }
        });
        return found;
      }, tab);
      for (const box of boxes) {
        // the editor scrolls no further left or up than 0: what lies beyond is cut off for good
        if (box.l < 0 || box.t < 0) problems.push(`${tab}: ${box.id} starts at ${box.l}, ${box.t}`);
      }
      // ports reach 5 px out of a node: closer than 10 px, two nodes' ports and labels collide
      const gap = 10;
      boxes.forEach((a, i) =>
        boxes.slice(i + 1).forEach((c) => {
          if (a.l - gap < c.r && c.l - gap < a.r && a.t - gap < c.b && c.t - gap < a.b) {
            problems.push(`${tab}: ${a.id} and ${c.id} are less than ${gap} px apart`);
          }
        }),
      );
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 60000);
});

/** The part of the editor's global RED that the layout check reads. */
interface EditorWindow {
  RED: {
    nodes: {
      eachWorkspace(fn: (w: { id: string }) => void): void;
      eachNode(
        fn: (n: {
          id: string;
          type: string;
          z?: string;
          x: number;
          y: number;
          w?: number;
          h?: number;
        }) => void,
      ): void;
      getType(type: string): { button?: unknown; align?: string } | undefined;
    };
    workspaces: { show(id: string): void };
  };
}

/** The element's text once it contains `part` (polled, bounded), for results that arrive over HTTP. */
async function textWith(locator: Locator, part: string): Promise<string> {
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = (await locator.textContent()) ?? '';
    if (text.includes(part)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${part}; the element shows: ${text}`);
}
