import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/**
 * The browser side of passkeys, as a client developer writes it: fetch the options, hand them
 * to the WebAuthn API through the JSON helpers, post `credential.toJSON()` back. `base` is the
 * API's path prefix on this page's origin (`/a/api/v1`: the proxy forwards it to instance a).
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>passkeys</title>
<script>
async function api(path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const reply = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
  const text = await reply.text();
  return { status: reply.status, body: text ? JSON.parse(text) : null };
}
async function createPasskey(base, token, name) {
  const options = await api(base + '/auth/passkeys/registration/options', {}, token);
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.body);
  const credential = await navigator.credentials.create({ publicKey });
  return credential.toJSON();
}
async function registerPasskey(base, token, name) {
  const response = await createPasskey(base, token, name);
  return api(base + '/auth/passkeys/registration', { response, name }, token);
}
async function assertPasskey(base) {
  const options = await api(base + '/auth/passkeys/authentication/options');
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.body);
  const credential = await navigator.credentials.get({ publicKey });
  return credential.toJSON();
}
async function secondFactor(base, mfaToken) {
  const options = await api(base + '/auth/passkeys/authentication/options', { mfaToken });
  if (options.status !== 200) return options;
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.body);
  const credential = await navigator.credentials.get({ publicKey });
  return api(base + '/auth/passkeys/authentication', { response: credential.toJSON(), mfaToken });
}
async function signIn(base) {
  const response = await assertPasskey(base);
  return api(base + '/auth/passkeys/authentication', { response });
}
</script>`;

export interface ApiReply {
  status: number;
  body: any;
}

/**
 * Serves the page on http://localhost:<port> (a secure context, RP ID `localhost`) and forwards
 * `/<name>/...` to the API instance registered under that name, so the page calls the API on
 * its own origin, as it would behind one site.
 */
export class PasskeyPage {
  private readonly instances = new Map<string, string>();
  private server?: Server;
  private page?: Page;
  private cdp?: CDPSession;
  private authenticatorId?: string;
  port = 0;

  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  async listen(): Promise<void> {
    this.server = createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Requests to `/<name>/...` go to `url` + `/...`. */
  route(name: string, url: string): void {
    this.instances.set(name, url);
  }

  /** Opens the page in `context` (from `useBrowser`, which closes it with the browser). */
  async open(context: BrowserContext): Promise<void> {
    this.page = await context.newPage();
    await this.page.goto(`${this.origin}/`);
    this.cdp = await this.page.context().newCDPSession(this.page);
    await this.cdp.send('WebAuthn.enable');
  }

  /**
   * A new virtual platform authenticator (CTAP2, resident keys, user verification), replacing
   * the last one: each test starts from an authenticator that holds no passkey.
   */
  async freshAuthenticator({ userVerified = true } = {}): Promise<void> {
    const cdp = this.cdp!;
    if (this.authenticatorId) {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', {
        authenticatorId: this.authenticatorId,
      });
    }
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: userVerified,
        automaticPresenceSimulation: true,
      },
    });
    this.authenticatorId = authenticatorId;
  }

  /** The passkeys the authenticator holds, with their signature counters. */
  async credentials(): Promise<{ credentialId: string; signCount: number }[]> {
    const { credentials } = await this.cdp!.send('WebAuthn.getCredentials', {
      authenticatorId: this.authenticatorId!,
    });
    return credentials;
  }

  /**
   * Makes the authenticator's passkey a clone taken when its counter was `signCount`: the
   * credential is put back, same key, with that counter (CDP sets no counter in place).
   */
  async rewindCounter(signCount: number): Promise<void> {
    const cdp = this.cdp!;
    const authenticatorId = this.authenticatorId!;
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const [credential] = credentials;
    await cdp.send('WebAuthn.removeCredential', {
      authenticatorId,
      credentialId: credential.credentialId,
    });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: { ...credential, signCount },
    });
  }

  registerPasskey(base: string, token: string, name?: string): Promise<ApiReply> {
    return this.page!.evaluate(([b, t, n]) => (globalThis as any).registerPasskey(b, t, n), [
      base,
      token,
      name,
    ] as const);
  }

  /** The browser's answer to creation options, not posted. */
  createPasskey(base: string, token: string): Promise<Record<string, any>> {
    return this.page!.evaluate(([b, t]) => (globalThis as any).createPasskey(b, t), [base, token]);
  }

  /** An assertion for fresh request options from `base`, not posted. */
  assertPasskey(base: string): Promise<Record<string, any>> {
    return this.page!.evaluate((b) => (globalThis as any).assertPasskey(b), base);
  }

  signIn(base: string): Promise<ApiReply> {
    return this.page!.evaluate((b) => (globalThis as any).signIn(b), base);
  }

  /** A password login's second step: options and assertion with its `mfaToken`. */
  secondFactor(base: string, mfaToken: string): Promise<ApiReply> {
    return this.page!.evaluate(([b, t]) => (globalThis as any).secondFactor(b, t), [
      base,
      mfaToken,
    ] as const);
  }

  /** Posts from the page, as its script would. */
  post(path: string, body: unknown, token?: string): Promise<ApiReply> {
    return this.page!.evaluate(
      ([p, b, t]) => (globalThis as any).api(p, b, t),
      [path, body, token],
    );
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '/';
    if (url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    const [, name, ...rest] = url.split('/');
    const target = this.instances.get(name);
    if (!target) {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const header of ['content-type', 'authorization', 'user-agent']) {
      const value = request.headers[header];
      if (typeof value === 'string') headers[header] = value;
    }
    try {
      const reply = await fetch(`${target}/${rest.join('/')}`, {
        method: request.method,
        headers,
        body: ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : Buffer.concat(chunks),
      });
      response.writeHead(reply.status, {
        'content-type': reply.headers.get('content-type') ?? 'text/plain',
      });
      response.end(Buffer.from(await reply.arrayBuffer()));
    } catch (error) {
      response.writeHead(502).end(String(error));
    }
  }
}
