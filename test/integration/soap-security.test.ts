import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as soap from 'soap';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { SoapCall, SoapReply } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { usernameTokenHeader, type UsernameTokenInput } from '../../connectors/soap/ws-security';

const run = promisify(execFile);
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const HUB = 'urn:crm-hub:hub:v1';
const MAX_BYTES = 32 * 1024;
const USERS: Record<string, string> = { crm: 'corr3ct horse' };
const NBO_REPLY = { explanation: 'no offer today' };

const body =
  '<h:GetNextBestOffer><h:customerRef>crm:4711</h:customerRef><h:channel>web</h:channel></h:GetNextBestOffer>';

function envelope(security: string, inner = body, env = S11): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${env}" xmlns:h="${HUB}">` +
    `<s:Header>${security}</s:Header><s:Body>${inner}</s:Body></s:Envelope>`
  );
}

function token(input: Partial<UsernameTokenInput> = {}): string {
  return usernameTokenHeader({ username: 'crm', password: USERS.crm, type: 'PasswordDigest', ...input });
}

/** Some line of /etc/passwd that must never come back to a client. */
const PASSWD_LINE = readFileSync('/etc/passwd', 'utf8').split('\n')[0];

describe('SoapServer with WS-Security UsernameToken', () => {
  let server: http.Server;
  let base: string;
  const calls: SoapCall[] = [];
  const responses: string[] = [];

  beforeAll(async () => {
    const def = loadWsdlFileSync(join(__dirname, '../../connectors/soap/wsdl/hub.wsdl'));
    const handler = async (call: SoapCall): Promise<SoapReply> => {
      calls.push(call);
      return { ok: true, body: NBO_REPLY };
    };
    const soapServer = new SoapServer({ mountPath: '/soap' });
    const users = (name: string): string | undefined => USERS[name];
    soapServer.addService('hub', def, handler, {
      maxBytes: MAX_BYTES,
      security: { users, allowPasswordText: true, windowSeconds: 300 },
    });
    soapServer.addService('hub-digest', def, handler, {
      maxBytes: MAX_BYTES,
      security: { users, allowPasswordText: false },
    });
    server = http.createServer((req, res) => {
      req.url = (req.url ?? '/').replace(/^\/soap/, '');
      void soapServer.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/hub`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function post(
    xml: string,
    url = base,
    contentType = 'text/xml; charset=utf-8',
  ): Promise<{ status: number; text: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, soapaction: `"${HUB}/GetNextBestOffer"` },
      body: xml,
    });
    const text = await res.text();
    responses.push(text);
    return { status: res.status, text };
  }

  /** The fault a bad request gets, after which a good request must still be answered. */
  async function faultThenHealthy(xml: string, url = base): Promise<{ status: number; text: string }> {
    const before = calls.length;
    const bad = await post(xml, url);
    expect(bad.text).toContain('<faultcode>soap:Client</faultcode>');
    expect(calls.length).toBe(before);
    const good = await post(envelope(token()), url);
    expect(good.status).toBe(200);
    expect(good.text).toContain('<tns:explanation>no offer today</tns:explanation>');
    return bad;
  }

  it('accepts a PasswordDigest token we build and hands the principal, not the header, to the flow', async () => {
    const before = calls.length;
    const res = await post(envelope(token()));
    expect(res.status).toBe(200);
    expect(calls[before].principal).toBe('crm');
    expect(calls[before].headers).toEqual({});
  });

  it('accepts node-soap WSSecurity with PasswordDigest', async () => {
    const client = await soap.createClientAsync(`${base}?wsdl`);
    client.setSecurity(new soap.WSSecurity('crm', USERS.crm, { passwordType: 'PasswordDigest' }));
    const before = calls.length;
    const [result] = (await client.GetNextBestOfferAsync({ customerRef: 'crm:4711', channel: 'web' })) as [
      Record<string, unknown>,
    ];
    expect(result.explanation).toBe('no offer today');
    expect(calls[before]).toMatchObject({ principal: 'crm', operation: 'GetNextBestOffer' });
  });

  it('accepts python zeep UsernameToken with use_digest=True and refuses it with a wrong password', async () => {
    const script = `
import sys, zeep
from zeep.wsse.username import UsernameToken
def call(password):
    client = zeep.Client(sys.argv[1] + "?wsdl", wsse=UsernameToken("crm", password, use_digest=True))
    try:
        return client.service.GetNextBestOffer(customerRef="crm:4711", channel="web").explanation
    except zeep.exceptions.Fault as f:
        return "fault: " + f.message
print(call(sys.argv[2]))
print(call("wrong"))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, `${base}-digest`, USERS.crm]);
    expect(stdout.trim().split('\n')).toEqual([
      'no offer today',
      'fault: authentication failed: unknown username or wrong password',
    ]);
  });

  it('accepts PasswordText where allowed and refuses it where only digests are', async () => {
    const client = await soap.createClientAsync(`${base}?wsdl`);
    client.setSecurity(new soap.WSSecurity('crm', USERS.crm, { passwordType: 'PasswordText' }));
    const [result] = (await client.GetNextBestOfferAsync({ customerRef: 'crm:4711', channel: 'web' })) as [
      Record<string, unknown>,
    ];
    expect(result.explanation).toBe('no offer today');

    const digestOnly = `${base}-digest`;
    const refused = await faultThenHealthy(envelope(token({ type: 'PasswordText' })), digestOnly);
    expect(refused.text).toContain('PasswordText is not accepted by this service: send a PasswordDigest');
    expect(refused.text).toContain('<f:securityFault>wsse:UnsupportedSecurityToken</f:securityFault>');
  });

  it('faults a request without a token and keeps serving', async () => {
    const res = await faultThenHealthy(envelope(''));
    expect(res.status).toBe(500);
    expect(res.text).toContain('WS-Security required: send a wsse:Security header with a wsse:UsernameToken');
    expect(res.text).toContain('<f:securityFault>wsse:InvalidSecurity</f:securityFault>');
  });

  it('faults a wrong password and an unknown user alike, leaking nothing about the user', async () => {
    const wrong = await faultThenHealthy(envelope(token({ password: 'Tr0ub4dor' })));
    const unknown = await faultThenHealthy(envelope(token({ username: 'mallory', password: 'x' })));
    expect(wrong.text).toContain('authentication failed: unknown username or wrong password');
    expect(wrong.text).toContain('<f:securityFault>wsse:FailedAuthentication</f:securityFault>');
    expect(unknown.text).toBe(wrong.text);
  });

  it('faults a replayed nonce', async () => {
    const once = envelope(token());
    expect((await post(once)).status).toBe(200);
    const replay = await faultThenHealthy(once);
    expect(replay.text).toContain(
      'replayed nonce: this wsse:Nonce was already used within the replay window',
    );
  });

  it('faults an expired timestamp (Created 10 minutes ago)', async () => {
    const res = await faultThenHealthy(envelope(token({ created: new Date(Date.now() - 10 * 60_000) })));
    expect(res.text).toMatch(
      /expired timestamp: wsse:UsernameToken\/wsu:Created is older than the replay window/,
    );
    expect(res.text).toContain('<f:securityFault>wsse:MessageExpired</f:securityFault>');
  });

  it('answers SOAP 1.2 security faults with Sender', async () => {
    const res = await post(envelope('', body, S12), base, 'application/soap+xml; charset=utf-8');
    // SOAP 1.2 part 2 §7.5.2.2: a Sender fault is 400
    expect(res.status).toBe(400);
    expect(res.text).toContain('<env:Value>env:Sender</env:Value>');
    expect(res.text).toContain('WS-Security required');
  });

  it('answers an oversize body with 413 and keeps serving', async () => {
    const huge = envelope(token(), body.replace('web', 'w'.repeat(MAX_BYTES)));
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(res.text).toContain(`request body exceeds the limit of ${MAX_BYTES} bytes`);
    await faultThenHealthy(envelope(''));
  });

  it('refuses a billion-laughs payload before parsing and keeps serving', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">' +
      '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>' +
      envelope(token(), body.replace('web', '&lol4;')).replace('<?xml version="1.0" encoding="utf-8"?>', '');
    const res = await faultThenHealthy(laughs);
    expect(res.text).toContain('&lt;!DOCTYPE&gt; declarations are not allowed');
    expect(res.text).not.toContain('lollol');
  });

  it('refuses an external entity (XXE) and never returns /etc/passwd', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      envelope(token(), body.replace('web', '&x;')).replace('<?xml version="1.0" encoding="utf-8"?>', '');
    const res = await faultThenHealthy(xxe);
    expect(res.text).toContain('declarations are not allowed');
    // an entity reference inside the token itself must not reach a parser either
    await faultThenHealthy(
      xxe.replace('<wsse:Username>crm</wsse:Username>', '<wsse:Username>&x;</wsse:Username>'),
    );
  });

  it('never returned a line of /etc/passwd in any answer of this suite', () => {
    expect(responses.length).toBeGreaterThan(20);
    for (const text of responses) expect(text).not.toContain(PASSWD_LINE);
  });
});
