/**
 * The anchor of the next-best-offer benchmark: a bare node:http server (no express, no routing) that
 * answers every request with the JSON body the hub gave in the check, in a process of its own as the
 * hub is, so it does not share an event loop with the autocannon client. It reads the body as one
 * line of JSON on stdin and prints `listening` once it accepts connections.
 *
 * Usage: node _nbo-bare-server.js <port>  (body on stdin)
 */
import http from 'node:http';

const port = Number(process.argv[2]);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', () => {
  const body = Buffer.from(input, 'utf8');
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
});
