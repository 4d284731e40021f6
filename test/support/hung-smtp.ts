import { once } from 'node:events';
import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * A mail server that accepts connections and never says a word: every SMTP client waits for a
 * greeting until its own timeout. Counts the connections open now and the most seen at once.
 */
export class HungSmtpServer {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private port = 0;
  /** Connections accepted so far. */
  accepted = 0;
  /** The most connections open at one moment. */
  mostOpen = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get open(): number {
    return this.sockets.size;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => {
      this.accepted += 1;
      this.sockets.add(socket);
      this.mostOpen = Math.max(this.mostOpen, this.sockets.size);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
