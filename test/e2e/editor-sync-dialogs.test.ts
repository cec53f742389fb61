import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startHub, type RunningHub } from './hub-process';

/**
 * The record-sync path as an integrator edits it, in the real editor: what each dialog shows for the
 * choice made in it, and what the canvas says of the golden record before any record came.
 */
describe('the record-sync nodes in the editor', () => {
  let hub: RunningHub;
  let browser: Browser;

  beforeAll(async () => {
    hub = await startHub({ AMQP_URL: '', DATABASE_URL: '' });
    browser = await launchChromium();
  }, 150000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  /** The editor with the hub flow drawn, on the Record sync tab. */
  async function syncTab(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(hub.url, { waitUntil: 'domcontentloaded' });
    await page.locator('#red-ui-palette-base-category-CRM_Hub').waitFor({ timeout: 30000 });
    await page.locator('#red-ui-workspace-tabs').getByText('Record sync').click();
    await page.locator('.red-ui-flow-node-group').first().waitFor({ timeout: 30000 });
    return page;
  }

  /** Opens the node's edit dialog as a double click does. */
  async function edit(page: Page, id: string): Promise<void> {
    await page.evaluate((nodeId) => {
      const RED = (
        window as unknown as {
          RED: { nodes: { node(id: string): unknown }; editor: { edit(n: unknown): void } };
        }
      ).RED;
      RED.editor.edit(RED.nodes.node(nodeId));
    }, id);
    await page.locator('.red-ui-tray .form-tips').first().waitFor({ state: 'attached', timeout: 10000 });
  }

  const visibleTips = (page: Page) =>
    page
      .locator('.red-ui-tray .form-tips')
      .evaluateAll((els) =>
        els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => e.textContent ?? ''),
      );

  it('amqp-out to a queue explains the queue, not the routing key it does not use', async () => {
    const page = await syncTab();
    await edit(page, 'sync-out-sap');
    const tips = (await visibleTips(page)).join(' ');
    expect(tips).toContain('crm.out.<system>');
    expect(tips).toContain('msg.queue');
    expect(tips).not.toContain('Routing key template');
    // to an exchange: the routing key's tip, and not the queue's
    await page.locator('#node-input-destination').selectOption('exchange');
    const exchangeTips = (await visibleTips(page)).join(' ');
    expect(exchangeTips).toContain('Routing key template');
    expect(exchangeTips).not.toContain('msg.queue');
    await page.close();
  });

  it('amqp-in checks the queue against the topology chosen in the dialog, and hides the fields a topology does not use', async () => {
    const page = await syncTab();
    await edit(page, 'sync-golden-in-sap');
    const queue = page.locator('#node-input-queue');
    const bindings = page.locator('#node-input-bindings');
    const singleActive = page.locator('#node-input-singleActive');
    // as typing does: Node-RED checks a field on its change and keyup events
    const type = async (text: string) => {
      await queue.fill(text);
      await queue.dispatchEvent('change');
    };
    const invalid = async () =>
      (await queue.getAttribute('class'))?.split(/\s+/).includes('input-error') ?? false;
    await bindings.waitFor({ state: 'visible' });
    expect(await invalid()).toBe(false);

    await page.locator('#node-input-topology').selectOption('sync-target');
    // the saved queue crm-hub.sync-out.sap is no crm.out.<system>: marked at once, before Done
    expect(await invalid()).toBe(true);
    expect(await bindings.isVisible()).toBe(false);
    expect(await singleActive.isVisible()).toBe(false);
    await type('crm.out.SAP');
    expect(await invalid()).toBe(true);
    await type('crm.out.sap');
    expect(await invalid()).toBe(false);

    await page.locator('#node-input-topology').selectOption('');
    await type('crm.out.SAP');
    expect(await invalid()).toBe(false);
    expect(await bindings.isVisible()).toBe(true);
    await page.close();
  });

  it('shows the golden record and crm.out.sap "ready" before any record came, not the broker\'s "connected"', async () => {
    const page = await syncTab();
    const statuses = await page.evaluate(() => {
      const RED = (
        window as unknown as { RED: { nodes: { node(id: string): { status?: { text?: string } } } } }
      ).RED;
      return ['svc-golden', 'sync-out-sap'].map((id) => RED.nodes.node(id).status?.text);
    });
    expect(statuses).toEqual(['ready', 'ready']);
    await page.close();
  });
});
