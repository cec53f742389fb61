import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ResilientSoapClient,
  SoapCallError,
  SoapClientPool,
  type SoapClientOptions,
} from '../../connectors/soap/client';
import { ACTIVITY_WSDL, useCrmActivityServer } from '../fixtures/soap-outbound/crm-activity-server';

/**
 * What a legacy CRM answers is read before node-soap sees it: an answer the hub cannot use is a
 * SoapCallError of kind `response` (never retried: the CRM may have acted on the call) that says
 * what is wrong with it, and never a success.
 */
const activity = { customerRef: 'crm:4711', subject: 'Call about mortgage', dueDate: '2026-07-01' };
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';

function envelope(body: string): string {
  return `<soap:Envelope xmlns:soap="${S11}"><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

const answer = (id: string): string =>
  envelope(
    `<a:CreateActivityResponse xmlns:a="urn:crm-hub:test:activity"><a:activityId>${id}</a:activityId></a:CreateActivityResponse>`,
  );

/** CreateActivity's WSDL plus Ping, whose output message has no parts, and Notify, which is one-way. */
const NO_PARTS_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions targetNamespace="urn:p" xmlns:tns="urn:p" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <wsdl:types><xsd:schema targetNamespace="urn:p" elementFormDefault="qualified">
    <xsd:element name="Ping"><xsd:complexType><xsd:sequence><xsd:element name="a" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
  </xsd:schema></wsdl:types>
  <wsdl:message name="PingIn"><wsdl:part name="parameters" element="tns:Ping"/></wsdl:message>
  <wsdl:message name="PingOut"/>
  <wsdl:portType name="PT">
    <wsdl:operation name="Ping"><wsdl:input message="tns:PingIn"/><wsdl:output message="tns:PingOut"/></wsdl:operation>
    <wsdl:operation name="Notify"><wsdl:input message="tns:PingIn"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="B" type="tns:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Ping"><soap:operation soapAction="urn:p/Ping"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
    <wsdl:operation name="Notify"><soap:operation soapAction="urn:p/Notify"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="P" binding="tns:B"><soap:address location="http://127.0.0.1:1/p"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;

const server = useCrmActivityServer();
let pool: SoapClientPool;
const clients: ResilientSoapClient[] = [];
let dir: string;

function resilient(options: Partial<SoapClientOptions> = {}): ResilientSoapClient {
  const c = new ResilientSoapClient(
    pool,
    { wsdl: ACTIVITY_WSDL, endpoint: server().url, ...options },
    {
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 },
      breaker: { failureThreshold: 5, resetTimeoutMs: 30_000 },
      timeoutMs: 5000,
    },
  );
  clients.push(c);
  return c;
}

/** The SoapCallError of kind `response` a call must fail with, after one attempt and one request. */
async function unusable(call: Promise<unknown>): Promise<SoapCallError> {
  const err = await call.then(
    (outcome) => {
      throw new Error(`expected the call to fail, it answered ${JSON.stringify(outcome)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SoapCallError);
  const e = err as SoapCallError;
  expect(e.kind).toBe('response');
  expect(e.transient).toBe(false);
  expect(e.attempts).toBe(1);
  expect(server().posts).toBe(1);
  return e;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soap-answers-'));
  writeFileSync(join(dir, 'p.wsdl'), NO_PARTS_WSDL);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  pool = new SoapClientPool();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

describe('an answer without a usable envelope', () => {
  it('reports an empty HTTP 200 as an unusable answer, not as success, and does not retry it', async () => {
    server().script = [{ kind: 'raw', body: '' }];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toBe(
      'the answer is empty: HTTP 200 without a SOAP envelope, where operation CreateActivity answers with <CreateActivityResponse>',
    );
  });

  it('reports an envelope with an empty Body where the operation answers with an element', async () => {
    server().script = [{ kind: 'raw', body: envelope('') }];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toBe(
      "the answer's Body is empty, where operation CreateActivity answers with <CreateActivityResponse>",
    );
  });

  it('reports a 200 answer that is no SOAP envelope, naming its root element', async () => {
    server().script = [
      { kind: 'raw', contentType: 'text/html', body: '<html><body>Maintenance</body></html>' },
    ];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toBe('the answer is not a SOAP envelope: its root element is <html>');
  });

  it('cuts off an answer larger than the most it reads, saying so, and reads one within it', async () => {
    const big = answer(`A-${'x'.repeat(5000)}`);
    server().script = [{ kind: 'raw', body: big }];
    const err = await unusable(resilient({ maxAnswerBytes: 4096 }).call('CreateActivity', activity));
    expect(err.message).toBe('the answer is larger than 4096 bytes, the most that is read');
    server().script = [{ kind: 'raw', body: big }];
    const outcome = await resilient({ maxAnswerBytes: 8192 }).call('CreateActivity', activity);
    expect(String((outcome.result as { activityId?: unknown }).activityId)).toHaveLength(5002);
  });

  it('takes an empty Body for an operation whose output message has no parts', async () => {
    server().script = [{ kind: 'raw', body: envelope('') }];
    const outcome = await resilient({ wsdl: join(dir, 'p.wsdl') }).call('Ping', { a: 'x' });
    expect(outcome.result).toEqual({});
    expect(outcome.attempts).toBe(1);
  });

  it('takes an empty HTTP 200 for a one-way operation', async () => {
    server().script = [{ kind: 'raw', status: 200, body: '' }];
    const outcome = await resilient({ wsdl: join(dir, 'p.wsdl') }).call('Notify', { a: 'x' });
    expect(outcome.result).toBeNull();
    expect(outcome.attempts).toBe(1);
  });

  it('still reads a proper answer', async () => {
    server().script = [{ kind: 'raw', body: answer('ACT-9') }];
    expect((await resilient().call('CreateActivity', activity)).result).toEqual({ activityId: 'ACT-9' });
  });
});

describe('an answer that is no usable XML, or not the output of the operation', () => {
  it('says that the answer is not well-formed XML, and where', async () => {
    server().script = [
      { kind: 'raw', body: envelope('<a:CreateActivityResponse xmlns:a="urn:crm-hub:test:activity">') },
    ];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toMatch(/^the answer is not well-formed XML: \S/);
    expect(err.message).not.toMatch(/object Object|Cannot read properties/);
  });

  it('refuses an answer with a DOCTYPE, saying so', async () => {
    server().script = [
      {
        kind: 'raw',
        body: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY id "ACT-1">]>${answer('&id;')}`,
      },
    ];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toBe('the answer carries a DOCTYPE, which the hub refuses');
  });

  it('names a body element that is not the output of the operation', async () => {
    server().script = [
      { kind: 'raw', body: envelope('<o:Other xmlns:o="urn:other"><o:a>1</o:a></o:Other>') },
    ];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toBe(
      "the answer's body element <o:Other> is not the output of operation CreateActivity, which answers with <CreateActivityResponse>",
    );
  });

  it('still reads a SOAP Fault answered with HTTP 200 as a fault', async () => {
    server().script = [
      {
        kind: 'raw',
        body: envelope(
          '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>no such customer</faultstring></soap:Fault>',
        ),
      },
    ];
    const err = await resilient()
      .call('CreateActivity', activity)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'fault', fault: { side: 'client', string: 'no such customer' } });
  });
});

describe('the charset of an answer', () => {
  const latin1 = (xml: string): Buffer => Buffer.from(xml, 'latin1');

  it('decodes ISO-8859-1 named by the Content-Type and the XML declaration', async () => {
    server().script = [
      {
        kind: 'raw',
        contentType: 'text/xml; charset=ISO-8859-1',
        body: latin1(`<?xml version="1.0" encoding="ISO-8859-1"?>${answer('Köln')}`),
      },
    ];
    expect((await resilient().call('CreateActivity', activity)).result).toEqual({ activityId: 'Köln' });
  });

  it('decodes by the XML declaration when the Content-Type names no charset', async () => {
    server().script = [
      {
        kind: 'raw',
        contentType: 'text/xml',
        body: latin1(`<?xml version="1.0" encoding="ISO-8859-1"?>${answer('Düsseldorf')}`),
      },
    ];
    expect((await resilient().call('CreateActivity', activity)).result).toEqual({ activityId: 'Düsseldorf' });
  });

  it('decodes UTF-8 with a byte order mark', async () => {
    server().script = [
      {
        kind: 'raw',
        contentType: 'text/xml',
        body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(answer('Köln'))]),
      },
    ];
    expect((await resilient().call('CreateActivity', activity)).result).toEqual({ activityId: 'Köln' });
  });

  it('refuses Latin-1 bytes sent as UTF-8, naming the byte, instead of answering K\uFFFDln', async () => {
    const body = latin1(answer('Köln'));
    server().script = [{ kind: 'raw', contentType: 'text/xml; charset=utf-8', body }];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toBe(
      `the answer cannot be decoded: the XML is not valid UTF-8 at byte ${body.indexOf(0xf6)}: declare its encoding (e.g. <?xml version="1.0" encoding="ISO-8859-1"?>) or send UTF-8`,
    );
  });

  it('refuses a charset it does not know, naming it', async () => {
    server().script = [{ kind: 'raw', contentType: 'text/xml; charset=x-klingon', body: answer('ACT-1') }];
    const err = await unusable(resilient().call('CreateActivity', activity));
    expect(err.message).toMatch(
      /^the answer cannot be decoded: unsupported charset "x-klingon" in the Content-Type/,
    );
  });

  it('decodes the fault string of an ISO-8859-1 fault', async () => {
    server().script = [
      {
        kind: 'raw',
        status: 500,
        contentType: 'text/xml; charset=ISO-8859-1',
        body: latin1(
          envelope(
            '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Kunde in Köln unbekannt</faultstring></soap:Fault>',
          ),
        ),
      },
    ];
    const err = await resilient()
      .call('CreateActivity', activity)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'fault', fault: { string: 'Kunde in Köln unbekannt' } });
  });
});
