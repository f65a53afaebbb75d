import * as http from 'http';
import { AddressInfo } from 'net';

/**
 * A real HTTP server on the loopback interface standing in for the Jupyter server's
 * `scheduler/profiles` route, so that fetchProfiles goes through ServerConnection and
 * fetch for real. Each test sets the answer; requests are recorded.
 */
export class ProfileServer {
  status = 404;
  body: string = JSON.stringify({ message: 'Not Found', reason: null });
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  private server = http.createServer((req, res) => {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(this.status, { 'Content-Type': 'application/json' });
    res.end(this.body);
  });

  async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  answer(status: number, body: unknown): void {
    this.status = status;
    this.body = typeof body === 'string' ? body : JSON.stringify(body);
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }
}
