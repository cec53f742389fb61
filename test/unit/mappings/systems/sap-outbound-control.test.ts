/**
 * What SAP's ALE inbound needs of the DEBMAS07 the hub sends: the sales area's key with KDGRP (read
 * from the IDoc SAP sent, kept by the target record), and a control record with client, a number of
 * its own per IDoc, and sender and receiver port, partner type and partner. The written IDoc holds
 * only fields and segments of the DEBMAS07 structure the IDoc writer knows (idoc-catalogue.ts) and is
 * well-formed XML (xmllint).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIdocXml, writeIdocXml } from '../../../../formats/idoc/idoc';
import { CONTROL_FIELDS, SEGMENT_FIELDS } from '../../../../formats/idoc/idoc-catalogue';
import {
  documentNumberOf,
  idocToRecord,
  recordToIdoc,
  withDocumentNumber,
} from '../../../../formats/idoc/idoc-record';
import type { Customer } from '../../../../mappings/canonical/types';
import {
  compileMapping,
  compileOutbound,
  loadSystemSpec,
  resolveSpecOverride,
} from '../../../../mappings/engine';
import { targetView } from '../../../../records/golden-fan-out';

const dir = path.join(__dirname, '../../../fixtures/legacy/sap');
const spec = loadSystemSpec('sap');
const inbound = compileMapping(spec, 'DEBMAS');
const outbound = compileOutbound(spec, 'DEBMAS');

/** the change IDoc of the fixtures (KDGRP 03, silver, in sales area 1000/10/00), as the hub keeps it */
function fromSap(): Customer {
  const [doc] = parseIdocXml(fs.readFileSync(path.join(dir, 'debmas07-change.xml')));
  const mapped = inbound.map(idocToRecord(doc));
  if (!mapped.ok) throw new Error(mapped.error.message);
  return mapped.value as unknown as Customer;
}

function written(customer: Customer, id: string): string {
  const mapped = outbound.map(customer);
  if (!mapped.ok) throw new Error(mapped.error.message);
  return writeIdocXml(recordToIdoc(withDocumentNumber(mapped.value, id)), { segmentNames: 'type' });
}

describe('DEBMAS07 to SAP: sales area and control record', () => {
  it('keeps the sales area the tier was read from', () => {
    expect(fromSap()).toMatchObject({
      tier: 'silver',
      salesArea: { salesOrg: '1000', distributionChannel: '10', division: '00' },
    });
  });

  it("sends KDGRP in the target record's own sales area, the golden tier in SAP's key", () => {
    const held = fromSap();
    // the golden document merges no sales area: the target's record gives it
    const { salesArea: _none, ...golden } = { ...held, tier: 'platinum' as const };
    const view = targetView(golden, { system: 'sap', sourceId: '4711' }, held);
    const mapped = outbound.map(view);
    if (!mapped.ok) throw new Error(mapped.error.message);
    const e1knvvm = (mapped.value.E1KNA1M as { E1KNVVM: Record<string, string>[] }).E1KNVVM;
    expect(e1knvvm).toEqual([{ VKORG: '1000', VTWEG: '10', SPART: '00', KDGRP: expect.any(String) }]);
    expect(e1knvvm[0].KDGRP).not.toBe('03');
  });

  it('sends no KDGRP without a sales area to post it in', () => {
    const { salesArea: _none, ...customer } = fromSap();
    const mapped = outbound.map(customer);
    if (!mapped.ok) throw new Error(mapped.error.message);
    expect((mapped.value.E1KNA1M as Record<string, unknown>).E1KNVVM).toBeUndefined();
  });

  it('fills the control record: client, 16-digit number per update, sender and receiver', () => {
    const xml = written(fromSap(), 'evt-1:sap:4711');
    const [doc] = parseIdocXml(Buffer.from(xml));
    expect(doc.control).toMatchObject({
      TABNAM: 'EDI_DC40',
      MANDT: '100',
      DOCNUM: documentNumberOf('evt-1:sap:4711'),
      DIRECT: '2',
      IDOCTYP: 'DEBMAS07',
      MESTYP: 'DEBMAS',
      SNDPOR: 'CRMHUB',
      SNDPRT: 'LS',
      SNDPRN: 'CRMHUB',
      RCVPOR: 'SAP',
      RCVPRT: 'LS',
      RCVPRN: 'SAP',
    });
    expect(doc.control.DOCNUM).toMatch(/^\d{16}$/);
    // the same update again (a redelivery) is the same IDoc; another update another one
    expect(documentNumberOf('evt-1:sap:4711')).toBe(doc.control.DOCNUM);
    expect(documentNumberOf('evt-2:sap:4711')).not.toBe(doc.control.DOCNUM);
    expect(documentNumberOf('evt-1:sap:4712')).not.toBe(doc.control.DOCNUM);
    // a number the record has already is kept
    const numbered = withDocumentNumber({ EDI_DC40: { DOCNUM: '0000000000000042' } }, 'x');
    expect(numbered.EDI_DC40.DOCNUM).toBe('0000000000000042');
  });

  it('writes only fields and segments of the DEBMAS07 structure, as well-formed XML', () => {
    const xml = written(fromSap(), 'evt-1:sap:4711');
    const [doc] = parseIdocXml(Buffer.from(xml));
    expect(Object.keys(doc.control).filter((f) => !CONTROL_FIELDS.includes(f))).toEqual([]);
    expect(Object.keys(doc.segments)).toEqual(['E1KNA1M']);
    const [kna1] = doc.segments.E1KNA1M;
    const unknown = (segment: Record<string, unknown>, type: string) =>
      Object.entries(segment)
        .filter(([, v]) => typeof v === 'string')
        .map(([f]) => f)
        .filter((f) => !SEGMENT_FIELDS[type].includes(f));
    expect(unknown(kna1 as unknown as Record<string, unknown>, 'E1KNA1M')).toEqual([]);
    const knvvm = (kna1 as unknown as { E1KNVVM: Record<string, unknown>[] }).E1KNVVM;
    expect(knvvm).toHaveLength(1);
    expect(unknown(knvvm[0], 'E1KNVVM')).toEqual([]);
    // the field order SAP's structure gives: the key before KDGRP
    expect(xml.indexOf('<VKORG>')).toBeLessThan(xml.indexOf('<KDGRP>'));
    expect(xml.indexOf('<MANDT>')).toBeLessThan(xml.indexOf('<DOCNUM>'));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-debmas-')), 'out.xml');
    fs.writeFileSync(file, xml);
    expect(() => execFileSync('xmllint', ['--noout', file], { stdio: 'pipe' })).not.toThrow();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});

describe('a site states its partners and client as an override of the shipped spec', () => {
  it('merges "extends": "sap" with the values it changes, keeping the rest of sap.json', () => {
    const site = resolveSpecOverride({
      extends: 'sap',
      outbound: {
        DEBMAS: {
          set: { 'EDI_DC40.MANDT': '200', 'EDI_DC40.RCVPOR': 'SAPPE1', 'EDI_DC40.RCVPRN': 'PE1CLNT200' },
        },
      },
    });
    expect(site.system).toBe('sap');
    const mapped = compileOutbound(site, 'DEBMAS').map(fromSap());
    if (!mapped.ok) throw new Error(mapped.error.message);
    expect(mapped.value.EDI_DC40).toMatchObject({
      MANDT: '200',
      RCVPOR: 'SAPPE1',
      RCVPRN: 'PE1CLNT200',
      SNDPRN: 'CRMHUB',
      IDOCTYP: 'DEBMAS07',
    });
    expect((mapped.value.E1KNA1M as Record<string, unknown>).KUNNR).toBe('0000004711');
    expect(() => resolveSpecOverride({ extends: 'sap', system: 'crm' })).toThrow(
      /cannot change its "system"/,
    );
    expect(() => resolveSpecOverride({ extends: 'nope' })).toThrow(/no shipped mapping spec/);
  });
});
