/**
 * The anchor of the SOAP benchmark: a bare node-soap server answering UpsertCustomer of the hub's own
 * WSDL, in a process of its own as the hub is. Usage: node _node-soap-server.js <port> <wsdl file>
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import * as soap from 'soap';

const [port, wsdlFile] = process.argv.slice(2);
const wsdl = fs.readFileSync(wsdlFile, 'utf8');
interface UpsertArgs {
  customer: { sourceSystem: string; sourceId: string; customerRef?: string };
}
const upsert = (args: UpsertArgs) => ({
  customerRef: args.customer.customerRef ?? `${args.customer.sourceSystem}:${args.customer.sourceId}`,
  eventId: randomUUID(),
  accepted: true,
});
const service = {
  CrmHubService: { CrmHubSoap: { UpsertCustomer: upsert }, CrmHubSoap12: { UpsertCustomer: upsert } },
};
const server = http.createServer((_req, res) => {
  res.statusCode = 404;
  res.end();
});
server.listen(Number(port), '127.0.0.1', () => {
  soap.listen(server, '/soap/hub', service, wsdl);
  console.log('listening');
});
