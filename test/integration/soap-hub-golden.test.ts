import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderResponse } from '../../connectors/soap/serialize';
import type { WsdlDefinition } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { encodeElement } from '../../connectors/soap/xsd/encode';

const run = promisify(execFile);
const HUB = 'urn:crm-hub:hub:v1';
const GOLDEN_ID = 'g-0123456789abcdefghjkmnpqrs';

/** GetCustomer360 of the golden record: the request by golden id, the answer with the new trailing elements. */
describe('hub.wsdl GetCustomer360 with the golden record', () => {
  let dir: string;
  let def: WsdlDefinition;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soap-hub-golden-'));
    def = loadWsdlFileSync(join(__dirname, '../../connectors/soap/wsdl/hub.wsdl'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const op = () => def.operations.get('GetCustomer360')!;
  const reply = {
    customer: {
      customerRef: `hub:${GOLDEN_ID}`,
      sourceSystem: 'hub',
      sourceId: GOLDEN_ID,
      kind: 'person',
      tier: 'platinum',
    },
    offers: [],
    lastInteractions: [],
    goldenId: GOLDEN_ID,
    xrefs: ['crm:4711', 'sap:100001'],
    lineage: [
      { attribute: 'tier', system: 'sap', sourceId: '100001', rule: 'trust', at: '2026-11-20T10:00:00.000Z' },
      {
        attribute: 'addresses[0]',
        system: 'crm',
        sourceId: '6f1c2a4e-8b1d-4c3e-9a7f-2d5e8c9b0a11',
        rule: 'event',
        at: '2026-11-22T09:00:00.000Z',
        via: 'call-center',
        note: 'reported via call-center',
      },
    ],
  };

  it('takes a golden id or a source ref, and refuses anything else naming customerRef', () => {
    const check = (body: unknown) => {
      const result = encodeElement(def.schemas, op().input.decl, body);
      return result.ok ? [] : result.errors.map((e) => e.field);
    };
    expect(check({ customerRef: GOLDEN_ID, withGolden: true })).toEqual([]);
    expect(check({ customerRef: 'crm:4711' })).toEqual([]);
    expect(check({ customerRef: 'g-too-short' })).toEqual(['customerRef']);
    expect(check({ customerRef: '4711' })).toEqual(['customerRef']);
  });

  it('renders goldenId, xrefs and lineage after the elements earlier clients know, valid for xmllint', async () => {
    const xml = renderResponse(def, op(), reply, '1.1');
    const order = ['<tns:customer>', '<tns:goldenId>', '<tns:xrefs>', '<tns:lineage>'].map((t) =>
      xml.indexOf(t),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(xml.match(/<tns:lineage>/g)).toHaveLength(2);
    expect(xml).toContain('<tns:via>call-center</tns:via>');

    const schema = /<xsd:schema[\s\S]*<\/xsd:schema>/.exec(def.text)?.[0] ?? '';
    writeFileSync(
      join(dir, 'hub.xsd'),
      schema.replace(
        '<xsd:schema',
        `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${HUB}"`,
      ),
    );
    const answer = /<tns:GetCustomer360Response[\s\S]*<\/tns:GetCustomer360Response>/.exec(xml)?.[0] ?? '';
    writeFileSync(join(dir, 'answer.xml'), answer);
    writeFileSync(
      join(dir, 'request.xml'),
      `<h:GetCustomer360 xmlns:h="${HUB}"><h:customerRef>${GOLDEN_ID}</h:customerRef><h:withGolden>true</h:withGolden></h:GetCustomer360>`,
    );
    const files = [join(dir, 'answer.xml'), join(dir, 'request.xml')];
    const { stderr } = await run('xmllint', ['--noout', '--schema', join(dir, 'hub.xsd'), ...files]);
    for (const file of files) expect(stderr).toContain(`${file} validates`);
  });

  it('is still read by gSOAP wsdl2h, with the new elements optional', async () => {
    const out = join(dir, 'hub.h');
    const wsdl = join(__dirname, '../../connectors/soap/wsdl/hub.wsdl');
    const { stdout, stderr } = await run('wsdl2h', ['-o', out, wsdl], { cwd: dir });
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
    const header = (await run('cat', [out])).stdout;
    // C++ by default: the new elements are an optional pointer and vectors that may stay empty
    expect(header).toMatch(/ns1__GoldenId\*\s+goldenId\s+0;/);
    expect(header).toMatch(/std::vector<ns1__CustomerRef\s*>\s+xrefs\s+0;/);
    expect(header).toMatch(/std::vector<ns1__AttributeLineage\*\s*>\s+lineage\s+0;/);
    expect(header).toMatch(/bool\*\s+withGolden\s+0;/);
  });
});
