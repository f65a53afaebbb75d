import * as http from 'http';
import { AddressInfo } from 'net';

/**
 * A real HTTP server on the loopback interface standing in for the Jupyter server's
 * `scheduler/jobs/{id}` and `scheduler/jobs/{id}/logs` routes. Tests set what each answers;
 * requests are recorded.
 */
export class LogServer {
  job: { status: number; body: string } = { status: 404, body: '{"message":"not found"}' };
  log: { status: number; body: string; type: string } = { status: 404, body: '', type: 'text/plain' };
  readonly requests: string[] = [];
  private server = http.createServer((req, res) => {
    const url = req.url ?? '';
    this.requests.push(url);
    const answer = url.split('?')[0].endsWith('/logs')
      ? this.log
      : { ...this.job, type: 'application/json' };
    res.writeHead(answer.status, { 'Content-Type': answer.type });
    res.end(answer.body);
  });

  async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  answerJob(status: number, body: unknown): void {
    this.job = { status, body: JSON.stringify(body) };
  }

  answerLog(status: number, body: unknown): void {
    this.log =
      typeof body === 'string'
        ? { status, body, type: 'text/plain; charset=utf-8' }
        : { status, body: JSON.stringify(body), type: 'application/json' };
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }
}
