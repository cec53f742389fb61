import { execFile } from 'node:child_process';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { listWsdlOperations } from '../../connectors/soap/client';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { WsdlDefinition } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { parseXmlTree, type XmlElement } from '../../formats/xml/xml-tree';

/**
 * Public WSDLs of large vendors, governments, payment and logistics providers and standards bodies
 * (test/fixtures/wsdl-corpus/README.md says where each comes from). Each one is deployed, served with
 * its addresses rewritten, answers one operation, and is called by python3-zeep from the served WSDL;
 * the outbound client lists the operations of every one of them, the refused ones too.
 */
const CORPUS = join(__dirname, '../fixtures/wsdl-corpus');

interface Entry {
  slug: string;
  wsdl: string;
  operation: string | null;
  zeepArgs?: Record<string, unknown>;
  zeepService?: string;
  zeepPort?: string;
  reply?: Record<string, unknown>;
  expectRefused: string[];
  note?: string;
}

const entries = JSON.parse(readFileSync(join(CORPUS, 'corpus.json'), 'utf8')) as Entry[];
const served = entries.filter((e) => e.operation !== null);

interface Loaded {
  def?: WsdlDefinition;
  error?: string;
}
const loaded = new Map<string, Loaded>();
for (const entry of entries) {
  try {
    loaded.set(entry.slug, { def: loadWsdlFileSync(join(CORPUS, entry.wsdl)) });
  } catch (err) {
    loaded.set(entry.slug, { error: (err as Error).message });
  }
}
const operationCount = [...loaded.values()].reduce((n, l) => n + (l.def?.operations.size ?? 0), 0);
// a WSDL with nothing to serve is refused whole; its error says how many operations it had
const refusedCount = [...loaded.values()].reduce(
  (n, l) =>
    n + (l.def ? l.def.refused.length : Number(/none of its (\d+) operations/.exec(l.error ?? '')?.[1] ?? 0)),
  0,
);

function addresses(root: XmlElement): string[] {
  const found: string[] = [];
  const walk = (el: XmlElement): void => {
    if (el.local === 'address' && el.attrs.location !== undefined) found.push(el.attrs.location);
    el.children.forEach(walk);
  };
  walk(root);
  return found;
}

/** Text values of a reply that any client shows as they are (not numbers, booleans or dates it converts). */
function textLeaves(value: unknown): string[] {
  if (typeof value === 'string')
    return /[A-Za-z]/.test(value) && !/^(true|false|\d{4}-\d{2}-\d{2}.*)$/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(textLeaves);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => (k === '$ns' || k === '$type' ? [] : textLeaves(v)));
  return [];
}

function run(script: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/python3',
      [script],
      { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
    child.stdin?.end(input);
  });
}

describe(`corpus of ${entries.length} public WSDLs: ${operationCount} operations served, ${refusedCount} refused`, () => {
  let server: http.Server;
  let base: string;
  const soap = new SoapServer({ mountPath: '/soap' });
  const answered = new Map<string, Record<string, unknown>>();
  let zeep: Record<string, { ok: boolean; result?: unknown; error?: string }> = {};

  beforeAll(async () => {
    for (const entry of entries) {
      const def = loaded.get(entry.slug)?.def;
      if (!def) continue;
      soap.addService(entry.slug, def, async (call) => {
        answered.set(entry.slug, call.body);
        return { ok: true, body: entry.reply ?? {} };
      });
    }
    server = http.createServer((req, res) => void soap.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap`;
    const jobs = served
      .filter((e) => loaded.get(e.slug)?.def)
      .map((e) => ({
        slug: e.slug,
        url: `${base}/${e.slug}?wsdl`,
        operation: e.operation,
        args: e.zeepArgs ?? {},
        ...(e.zeepService ? { service: e.zeepService, port: e.zeepPort } : {}),
      }));
    zeep = JSON.parse(
      await run(join(__dirname, 'fixtures/zeep-corpus.py'), JSON.stringify(jobs)),
    ) as typeof zeep;
  }, 600_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  describe.each(entries.map((e) => [`${e.slug} (${e.wsdl})`, e] as const))('%s', (_name, entry) => {
    const def = (): WsdlDefinition => {
      const result = loaded.get(entry.slug)!;
      if (!result.def) throw new Error(`not deployed: ${result.error}`);
      return result.def;
    };

    if (entry.operation === null) {
      it(`refuses every operation, naming why (${entry.expectRefused.length} operations)`, () => {
        const result = loaded.get(entry.slug)!;
        expect(result.def).toBeUndefined();
        for (const name of entry.expectRefused) expect(result.error).toContain(`${name}: `);
      });
      return;
    }

    it(`deploys: ${entry.operation} served, refused exactly ${JSON.stringify(entry.expectRefused)}`, () => {
      expect(def().operations.has(entry.operation!)).toBe(true);
      expect(
        def()
          .refused.map((r) => r.name)
          .sort(),
      ).toEqual([...entry.expectRefused].sort());
    });

    it('serves the WSDL with every soap:address rewritten to the hub', async () => {
      const res = await fetch(`${base}/${entry.slug}?wsdl`);
      expect(res.status).toBe(200);
      const locations = addresses(parseXmlTree(await res.text()));
      expect(locations.length).toBeGreaterThan(0);
      expect(new Set(locations)).toEqual(new Set([`${base}/${entry.slug}`]));
    });

    it(`answers ${entry.operation} called by python3-zeep from the served WSDL`, () => {
      const outcome = zeep[entry.slug];
      expect(outcome?.error).toBeUndefined();
      expect(outcome?.ok).toBe(true);
      expect(answered.has(entry.slug)).toBe(true);
      // zeep read the reply the hub wrote: its text values are in what zeep returned
      const seen = JSON.stringify(outcome?.result);
      for (const text of textLeaves(entry.reply)) expect(seen).toContain(JSON.stringify(text).slice(1, -1));
    });
  });
});

describe(`the outbound client lists the operations of all ${entries.length} WSDLs without the network`, () => {
  // A hub in a DMZ has no route out: a WSDL that imports a well-known schema by its URL (SugarCRM
  // imports SOAP encoding from schemas.xmlsoap.org) must load from what the hub ships. Every host
  // name looked up while loading is recorded and fails, so reaching out fails the test here too.
  const lookups: string[] = [];
  let lookup: jest.SpyInstance;

  beforeAll(() => {
    lookup = jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, ...rest: unknown[]) => {
      lookups.push(hostname);
      const callback = rest[rest.length - 1] as (err: Error) => void;
      const err = Object.assign(
        new Error(`getaddrinfo ENOTFOUND ${hostname} (the test forbids the network)`),
        {
          code: 'ENOTFOUND',
        },
      );
      process.nextTick(() => callback(err));
    }) as unknown as typeof dns.lookup);
  });

  afterAll(() => {
    lookup.mockRestore();
  });

  it.each(entries.map((e) => [`${e.slug} (${e.wsdl})`, e] as const))('%s', async (_name, entry) => {
    const listed = (await listWsdlOperations({ wsdl: join(CORPUS, entry.wsdl) })).map((o) => o.operation);
    // the operation the server answers, or, for a WSDL it refuses whole, each operation it names
    expect(listed).toEqual(expect.arrayContaining(entry.operation ? [entry.operation] : entry.expectRefused));
    expect(lookups).toEqual([]);
  });
});
