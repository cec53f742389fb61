import { classifySoapError, SoapCallError, SoapClientPool } from '../../../../connectors/soap/client';
import { SharedSoapClient } from '../../../../connectors/soap/shared-client';
import { checkNoUserinfo, withoutUserinfo } from '../../../../connectors/soap/userinfo';

/**
 * A password in a WSDL or endpoint URL would be in the flow JSON and, quoted by an error, in the log,
 * the node status and a Catch node's msg.error. The client refuses such URLs, and what its errors
 * quote of a URL never carries a user or password.
 */
describe('user and password in a SOAP client URL', () => {
  const breaker = { breaker: { failureThreshold: 1, resetTimeoutMs: 1 } };

  it('the shared client refuses them at once, naming the field and where they go instead', () => {
    expect(
      () =>
        new SharedSoapClient({ wsdl: 'http://wsdluser:WsdlSecret12@127.0.0.1:1881/soap/crm?wsdl' }, breaker),
    ).toThrow('wsdl URL must not contain a user or password: put them in the HTTP auth settings');
    expect(
      () =>
        new SharedSoapClient(
          { wsdl: 'builtin:crm', endpoint: 'http://epuser:EpSecret13@127.0.0.1:18817/soap' },
          breaker,
        ),
    ).toThrow('endpoint URL must not contain a user or password');
  });

  it('the pool refuses them too (the editor listing its operations), without quoting the URL', async () => {
    const err = await new SoapClientPool()
      .acquire({ wsdl: 'http://wsdluser:WsdlSecret12@127.0.0.1:1/x?wsdl' })
      .catch((e: unknown) => e);
    expect(String(err)).toContain('must not contain a user or password');
    expect(String(err)).not.toContain('WsdlSecret12');
  });

  it('files, builtin: WSDLs and URLs without a user pass', () => {
    for (const location of [
      'crm.wsdl',
      'wsdl/a@b.wsdl',
      'builtin:crm',
      'https://crm.example/x?wsdl',
      undefined,
    ])
      expect(() => checkNoUserinfo('wsdl', location)).not.toThrow();
  });

  it('an error that quotes a URL loses its user and password, in message and stack', () => {
    const err = new SoapCallError(
      'cannot load WSDL http://wsdluser:WsdlSecret12@127.0.0.1:1881/soap/crm?wsdl: connect ECONNREFUSED',
      'wsdl',
      true,
    );
    expect(err.message).toBe('cannot load WSDL http://127.0.0.1:1881/soap/crm?wsdl: connect ECONNREFUSED');
    expect(err.stack).not.toContain('WsdlSecret12');
    const classified = classifySoapError({
      code: 'ECONNREFUSED',
      message: 'request to https://epuser:Ep@Secret13@crm.example/soap failed',
    });
    expect(classified.message).toBe('network error: request to https://crm.example/soap failed');
  });

  it('takes out only userinfo: an @ in a path, a query or a mail address stays', () => {
    expect(withoutUserinfo('see https://crm.example/a@b?to=x@y.de and ops@crm.example')).toBe(
      'see https://crm.example/a@b?to=x@y.de and ops@crm.example',
    );
    expect(withoutUserinfo('a http://u:p@h/x and https://v@k')).toBe('a http://h/x and https://k');
  });
});
