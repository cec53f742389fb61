import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { checkBaseUrl } from '../../../connectors/http/request';
import { checkNoUserinfo } from '../../../connectors/soap/userinfo';
import {
  savedInFlow,
  secretHeaderNames,
  urlHasUserinfo,
  urlHoldsSecret,
  urlListHoldsSecret,
} from '../../../nodes/shared/secrets-in-flow';

/**
 * A password in a broker or database URL, or a token in a default header, is saved in the flow JSON in
 * the clear. The runtime module and the editor's validators (plain JavaScript in the node's HTML) must
 * agree on what counts, so both run the same cases here.
 */
const URLS: [string, boolean][] = [
  ['amqp://guest:URLSECRET1@127.0.0.1:5672/vhost', true],
  ['amqps://u:p@rabbit.example.org', true],
  ['postgres://postgres:URLSECRET2@127.0.0.1:5432/crm', true],
  ['postgresql://hub@db/crm?password=URLSECRET4', true],
  ['postgres://hub@db/crm?sslpassword=x&sslmode=require', true],
  ['amqp://127.0.0.1:5672', false],
  ['amqp://guest@127.0.0.1:5672/vhost', false],
  ['amqp://guest:@127.0.0.1', false],
  ['postgres://hub@127.0.0.1:5432/crm?statement_timeout=5000', false],
  ['amqp://host/path@with-at', false],
];

/** http(s) URLs the rest-client and soap-client refuse: any user, with or without a password. */
const USERINFO: [string, boolean][] = [
  ['https://u:p4ss@gw.example/api', true],
  ['http://wsdluser:WsdlSecret12@127.0.0.1:1881/soap/crm?wsdl', true],
  ['http://epuser@127.0.0.1:18817/soap', true],
  ['https://u%40corp:p@gw.example', true],
  ['https://gw.example/api', false],
  ['https://gw.example/api/@me?x=a@b#c@d', false],
  ['http://127.0.0.1:1881/soap/crm?wsdl', false],
  ['https://@gw.example/api', false],
  ['https://:@gw.example/api', false],
];

const HEADERS: [string, string[]][] = [
  ['Authorization: Bearer HDRSECRET3', ['Authorization']],
  ['Accept: application/json\nproxy-authorization: Basic eDp5', ['proxy-authorization']],
  ['Cookie: session=abc', ['Cookie']],
  ['X-Api-Key: k1\nX-API_KEY: k2\napikey: k3', ['X-Api-Key', 'X-API_KEY', 'apikey']],
  ['X-Auth-Token: t\nX-Client-Secret: s\nX-Password: p', ['X-Auth-Token', 'X-Client-Secret', 'X-Password']],
  ['Accept: application/json\nX-Tenant: 42', []],
  ['Authorization: ${SMS_GATEWAY_AUTH}', []],
  ['Authorization:', []],
  ['# Authorization: Bearer old', []],
  ['', []],
];

describe('what counts as a secret in the flow JSON', () => {
  it.each(URLS)('%s holds a password: %s', (url, secret) => {
    expect(urlHoldsSecret(url)).toBe(secret);
  });

  it.each(USERINFO)('%s names a user: %s, as the REST and SOAP runtimes judge it', (url, named) => {
    expect(urlHasUserinfo(url)).toBe(named);
    const refusedBy = (check: () => unknown) => {
      try {
        check();
        return false;
      } catch (err) {
        return /must not contain a user or password/.test(String(err));
      }
    };
    expect(refusedBy(() => checkBaseUrl(url))).toBe(named);
    expect(refusedBy(() => checkNoUserinfo('wsdl', url))).toBe(named);
    expect(refusedBy(() => checkNoUserinfo('endpoint', url))).toBe(named);
  });

  it('a URL list holds one when any entry does; ${VAR} entries and empty lines do not', () => {
    expect(urlListHoldsSecret('amqp://a:5672\namqp://guest:pw@b:5672')).toBe(true);
    expect(urlListHoldsSecret('amqp://a:5672, amqp://b:5672\n\n${AMQP_URL}')).toBe(false);
    expect(urlListHoldsSecret('')).toBe(false);
  });

  it.each(HEADERS)('default headers %j carry credentials in %j', (lines, names) => {
    expect(secretHeaderNames(lines)).toEqual(names);
  });

  it('a value Node-RED took from an environment variable is not in the flow', () => {
    const env = { AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' };
    expect(savedInFlow('amqp://guest:guest@127.0.0.1:5672', env)).toBe('');
    expect(savedInFlow(' amqp://guest:other@127.0.0.1:5672 ', env)).toBe('amqp://guest:other@127.0.0.1:5672');
    expect(savedInFlow(undefined, env)).toBe('');
  });
});

/** The validator the node's editor script registers for a field, run as Node-RED's editor runs it. */
function editorCheck(type: string, field: string): (v: string) => unknown {
  const html = fs.readFileSync(path.resolve(__dirname, '../../../nodes', type, `${type}.html`), 'utf8');
  const defs: Record<string, { defaults: Record<string, { validate?: unknown }> }> = {};
  const RED = {
    nodes: { registerType: (name: string, def: (typeof defs)[string]) => (defs[name] = def) },
    validators: { number: () => () => true, regex: (re: RegExp) => (v: unknown) => re.test(String(v)) },
  };
  for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g))
    vm.runInNewContext(m[1], { RED });
  const validate = defs[type].defaults[field].validate as (this: object, v: string, opt: object) => unknown;
  return (v) => validate.call({ _: (key: string) => key }, v, {});
}

describe('the editor marks a secret in the flow invalid and says where it belongs', () => {
  const urls = editorCheck('amqp-broker', 'urls');
  const databaseUrl = editorCheck('hub-store', 'databaseUrl');
  const headers = editorCheck('rest-client', 'headers');
  const baseUrl = editorCheck('rest-client', 'baseUrl');
  const wsdl = editorCheck('soap-client', 'wsdl');
  const endpoint = editorCheck('soap-client', 'endpoint');

  it.each(USERINFO)('rest-client baseUrl and soap-client wsdl and endpoint %s', (url, named) => {
    expect(baseUrl(url)).toBe(named ? 'rest-client.errors.userinfo-in-url' : true);
    expect(wsdl(url)).toBe(named ? 'soap-client.errors.userinfo-in-url' : true);
    expect(endpoint(url)).toBe(named ? 'soap-client.errors.userinfo-in-url' : true);
  });

  it('the URL fields keep their other checks: a base URL is http(s) or ${VAR}, a WSDL has no spaces', () => {
    expect(baseUrl('gw.example/api')).toBe(false);
    expect(baseUrl('${SMS_GATEWAY_URL}/v1')).toBe(true);
    expect(wsdl('my crm.wsdl')).toBe(false);
    expect(wsdl('builtin:crm')).toBe(true);
    expect(wsdl('wsdl/user@crm.wsdl')).toBe(true);
    expect(endpoint('')).toBe(true);
  });

  it.each(URLS.filter(([url]) => url.startsWith('amqp')))('amqp-broker urls %s', (url, secret) => {
    expect(urls(url)).toBe(secret ? 'amqp-broker.errors.secret-in-url' : true);
    expect(urls(`amqp://other:5672\n${url}`)).toBe(secret ? 'amqp-broker.errors.secret-in-url' : true);
  });

  it.each(URLS.filter(([url]) => url.startsWith('postgres')))('hub-store databaseUrl %s', (url, secret) => {
    expect(databaseUrl(url)).toBe(secret ? 'hub-store.errors.secret-in-url' : true);
  });

  it('a ${VAR} stays valid: its secret is in the environment', () => {
    expect(urls('${AMQP_URL}')).toBe(true);
    expect(databaseUrl('${DATABASE_URL}')).toBe(true);
    expect(headers('${GATEWAY_HEADERS}')).toBe(true);
  });

  it.each(HEADERS)('rest-client headers %j', (lines, names) => {
    expect(headers(lines)).toBe(names.length ? 'rest-client.errors.secret-in-headers' : true);
  });

  it('the messages name the credential field or ${ENV_VAR}, in English and German', () => {
    const text = (type: string, lang: string, key: string) => {
      const file = path.resolve(__dirname, '../../../nodes', type, 'locales', lang, `${type}.json`);
      const catalog = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<
        string,
        Record<string, Record<string, string>>
      >;
      return catalog[type][key.split('.')[0]][key.split('.')[1]];
    };
    for (const lang of ['en-US', 'de']) {
      expect(text('amqp-broker', lang, 'errors.secret-in-url')).toMatch(/Passw(or)?[dt].*\$\{AMQP_URL\}/);
      expect(text('hub-store', lang, 'errors.secret-in-url')).toMatch(/Passw(or)?[dt].*\$\{DATABASE_URL\}/);
      expect(text('rest-client', lang, 'errors.secret-in-headers')).toMatch(/Auth/);
      expect(text('rest-client', lang, 'errors.userinfo-in-url')).toMatch(/Auth Basic/);
      expect(text('soap-client', lang, 'errors.userinfo-in-url')).toMatch(/HTTP[- ]Auth Basic/i);
      expect(text('amqp-broker', lang, 'log.secret-in-flow')).toBeTruthy();
      expect(text('hub-store', lang, 'log.secret-in-flow')).toBeTruthy();
      expect(text('rest-client', lang, 'log.secret-in-flow')).toContain('__headers__');
    }
  });
});
