import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import {
  expectProblem,
  Http,
  login,
  registerUser,
  type TestUser,
  type Tokens,
} from './support/app.js';
import { createSeparateDatabase, sql, type TestDatabase } from './support/database.js';
import { sleep, within } from './support/poll.js';
import { buildOnce, type Server, startServer } from './support/server.js';
import { algorithm, claimsOf, headerOf, signWithAppKey } from './support/tokens.js';

const ME = '/api/v1/users/me';
const KEYS = '/api/v1/admin/signing-keys';
const JWKS = '/.well-known/jwks.json';
const TTL = 10;
const AHEAD = 2;
const MAX_AGE = 1;
/** Past its successor's activation, a key verifies for the access-token lifetime and 5 s more. */
const LINGER_MS = TTL * 1000 + 5000;
const asymmetric = algorithm !== 'HS256';
const ADMIN = {
  email: 'keys-admin@example.com',
  username: 'keys_admin',
  password: 'an admin passphrase',
};
const SHORT = {
  JWT_ACCESS_TTL: String(TTL),
  JWT_KEY_PUBLISH_AHEAD: String(AHEAD),
  JWKS_MAX_AGE: String(MAX_AGE),
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
};

interface Issued {
  token: string;
  kid: string;
  at: number;
  on: 'a' | 'b';
}

/** A relying party that caches the JWKS for exactly its max-age and never refetches early. */
class CachingVerifier {
  private keys?: JSONWebKeySet;
  private fetchedAt = 0;
  private maxAgeMs = 0;
  private turn = 0;
  readonly failures: string[] = [];

  constructor(private readonly servers: Http[]) {}

  async verify({ token, kid }: Issued): Promise<void> {
    if (!this.keys || Date.now() - this.fetchedAt >= this.maxAgeMs) {
      const from = this.servers[this.turn++ % this.servers.length];
      const reply = await from.get(JWKS);
      this.keys = reply.body as JSONWebKeySet;
      this.maxAgeMs =
        Number(/max-age=(\d+)/.exec(String(reply.headers['cache-control']))![1]) * 1000;
      this.fetchedAt = Date.now();
    }
    await jwtVerify(token, createLocalJWKSet(this.keys), { typ: 'at+jwt' }).catch((error: Error) =>
      this.failures.push(`${kid}: ${error.message}`),
    );
  }
}

const kidsOf = async (http: Http): Promise<string[]> =>
  ((await http.get(JWKS)).body.keys as { kid: string }[]).map((key) => key.kid);

// Two processes on one database, with short settings: a 10 s access TTL, a 2 s publish-ahead,
// a 1 s JWKS max-age.
describe(`Signing keys that rotate (e2e, ${algorithm})`, () => {
  let database: TestDatabase;
  let first: Server;
  let second: Server;
  let a: Http;
  let b: Http;
  let user: TestUser;
  let configuredKid: string;

  const adminToken = async () => (await login(a, ADMIN)).access_token;

  beforeAll(async () => {
    buildOnce();
    database = await createSeparateDatabase();
    const env = { ...(database as TestDatabase & { env: Record<string, string> }).env, ...SHORT };
    [first, second] = await Promise.all([startServer(env), startServer(env)]);
    a = new Http(first.url);
    b = new Http(second.url);
    user = await registerUser(a);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await database?.drop();
  });

  it('starts with the configured key, which still verifies tokens that carry no kid', async () => {
    const list = await a.get(KEYS, { token: await adminToken() });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      {
        kid: expect.any(String),
        alg: algorithm,
        status: 'current',
        createdAt: expect.any(String),
        activatesAt: expect.any(String),
        retiresAt: null,
      },
    ]);
    configuredKid = list.body[0].kid;
    const tokens = await login(b, user);
    expect(headerOf(tokens.access_token)).toEqual({
      alg: algorithm,
      typ: 'at+jwt',
      kid: configuredKid,
    });

    // As issued before keys rotated: the same claims, signed with JWT_SECRET / JWT_PRIVATE_KEY.
    const legacy = await signWithAppKey(claimsOf(tokens.access_token));
    expect(headerOf(legacy).kid).toBeUndefined();
    expect((await a.get(ME, { token: legacy })).status).toBe(200);
    expect((await b.get(ME, { token: legacy })).status).toBe(200);
  });

  it('keeps the private parts sealed in the database', async () => {
    const { rows } = await sql(database.url, 'SELECT private_key FROM signing_keys');
    for (const { private_key: sealed } of rows) {
      expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(sealed).not.toContain('PRIVATE KEY');
      expect(sealed).not.toContain(String(process.env.JWT_SECRET));
      expect(sealed).not.toContain(
        Buffer.from(String(process.env.JWT_SECRET)).toString('base64url'),
      );
    }
    const jwks = await a.get(JWKS);
    expect(jwks.headers['cache-control']).toBe(`public, max-age=${MAX_AGE}`);
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d"|"p"|"q"|"k"/);
  });

  it('rotates with no token refused that should live, on either instance or by any relying party', async () => {
    const issued: Issued[] = [];
    const refusedByInstances: string[] = [];
    const caching = new CachingVerifier([a, b]);
    const remote = createRemoteJWKSet(new URL(JWKS, first.url), { cacheMaxAge: MAX_AGE * 1000 });
    const remoteFailures: string[] = [];
    const seen: Record<'a' | 'b', number | undefined> = { a: undefined, b: undefined };
    let stop = false;
    let newKid = '';

    const issuing = (async () => {
      for (let turn = 0; !stop; turn++) {
        const on: Issued['on'] = turn % 2 ? 'b' : 'a';
        const { access_token: token } = await login(on === 'a' ? a : b, user);
        const entry: Issued = { token, kid: String(headerOf(token).kid), at: Date.now(), on };
        issued.push(entry);
        // Checked by the other instance, and by two relying parties when keys are published.
        const other = on === 'a' ? b : a;
        const reply = await other.get(ME, { token });
        if (reply.status !== 200) refusedByInstances.push(`${entry.kid}: ${reply.status}`);
        if (asymmetric) {
          await caching.verify(entry);
          await jwtVerify(token, remote, { typ: 'at+jwt' }).catch((error: Error) =>
            remoteFailures.push(`${entry.kid}: ${error.message}`),
          );
        }
        await sleep(100);
      }
    })();
    const watching = (async () => {
      while (!stop) {
        if (newKid && asymmetric) {
          for (const [name, http] of [
            ['a', a],
            ['b', b],
          ] as const) {
            if (seen[name] === undefined && (await kidsOf(http)).includes(newKid)) {
              seen[name] = Date.now();
            }
          }
        }
        await sleep(50);
      }
    })();

    try {
      await sleep(1000);
      const rotated = await a.post(`${KEYS}/rotate`, { token: await adminToken() });
      const rotatedAt = Date.now();
      expect(rotated.status).toBe(202);
      expect(rotated.body).toEqual(
        expect.objectContaining({ alg: algorithm, status: 'next', retiresAt: null }),
      );
      newKid = rotated.body.kid;
      const activatesAt = Date.parse(rotated.body.activatesAt);
      expect(activatesAt - rotatedAt).toBeGreaterThan(AHEAD * 1000 - 500);
      expect(activatesAt - rotatedAt).toBeLessThanOrEqual(AHEAD * 1000);

      // Published on both instances within a second, before it signs.
      if (asymmetric) {
        await within(1000, () => Promise.resolve(seen.a !== undefined && seen.b !== undefined));
        expect(Math.max(seen.a!, seen.b!)).toBeLessThan(activatesAt);
      }
      const list = await b.get(KEYS, { token: await adminToken() });
      expect(
        list.body.map((key: { kid: string; status: string }) => [key.kid, key.status]),
      ).toEqual([
        [newKid, 'next'],
        [configuredKid, 'current'],
      ]);
      expect(list.body[1].retiresAt).toBe(rotated.body.activatesAt);

      // Both instances sign with the new key within a second of its activation.
      await sleep(activatesAt + 1000 - Date.now());
      const [onA, onB] = [await login(a, user), await login(b, user)];
      expect([headerOf(onA.access_token).kid, headerOf(onB.access_token).kid]).toEqual([
        newKid,
        newKid,
      ]);
      await sleep(1000);
    } finally {
      stop = true;
      await Promise.all([issuing, watching]);
    }

    const withNew = issued.filter((entry) => entry.kid === newKid);
    const withOld = issued.filter((entry) => entry.kid === configuredKid);
    expect(withOld.length).toBeGreaterThan(5);
    expect(withNew.length).toBeGreaterThan(5);
    expect(issued.every((entry) => entry.kid === newKid || entry.kid === configuredKid)).toBe(true);
    // No token carried the new kid before every instance published it.
    if (asymmetric) expect(withNew[0].at).toBeGreaterThan(Math.max(seen.a!, seen.b!));
    expect(refusedByInstances).toEqual([]);
    expect(caching.failures).toEqual([]);
    expect(remoteFailures).toEqual([]);

    // A token of the old key lives until its exp, on both instances.
    const lastOld = withOld.at(-1)!.token;
    for (const http of [a, b]) expect((await http.get(ME, { token: lastOld })).status).toBe(200);
    const exp = Number(claimsOf(lastOld).exp) * 1000;
    await sleep(exp - 1500 - Date.now());
    for (const http of [a, b]) expect((await http.get(ME, { token: lastOld })).status).toBe(200);

    // Then the old key leaves the JWKS and the list, on both instances.
    const list = await a.get(KEYS, { token: await adminToken() });
    const leavesAt =
      Date.parse(list.body.find((key: { kid: string }) => key.kid === configuredKid).retiresAt) +
      LINGER_MS;
    await sleep(leavesAt + 1000 - Date.now());
    for (const http of [a, b]) {
      if (asymmetric) expect(await kidsOf(http)).toEqual([newKid]);
      const keys = (await http.get(KEYS, { token: await adminToken() })).body;
      expect(keys.map((key: { kid: string }) => key.kid)).toEqual([newKid]);
    }
    // A token with no kid was the configured key's: refused now that it has left.
    const fresh = await login(a, user);
    const legacy = await signWithAppKey({ ...claimsOf(fresh.access_token) });
    expectProblem(await b.get(ME, { token: legacy }), 401, 'token-invalid');

    const { rows } = await sql(
      database.url,
      `SELECT details FROM security_events WHERE type = 'signing_key.rotated'`,
    );
    expect(rows.map((row) => row.details.kid)).toEqual([newKid]);
  }, 60_000);

  it("refuses a revoked key's tokens on both instances within a second; another key signs at once", async () => {
    const tokens: Tokens = await login(a, user);
    const kid = String(headerOf(tokens.access_token).kid);
    for (const http of [a, b])
      expect((await http.get(ME, { token: tokens.access_token })).status).toBe(200);

    const revoked = await b.post(`${KEYS}/${kid}/revoke`, { token: await adminToken() });
    expect(revoked.status).toBe(204);
    const took = await within(1000, async () => {
      const replies = await Promise.all(
        [a, b].map((http) => http.get(ME, { token: tokens.access_token })),
      );
      return replies.every(
        (reply) => reply.status === 401 && reply.body.type === '/problems/token-invalid',
      );
    });
    expect(took).toBeLessThan(1000);

    const onA = await login(a, user);
    const onB = await login(b, user);
    const takeover = headerOf(onA.access_token).kid;
    expect(takeover).not.toBe(kid);
    expect(headerOf(onB.access_token).kid).toBe(takeover);
    expect((await b.get(ME, { token: onA.access_token })).status).toBe(200);
    if (asymmetric) {
      for (const http of [a, b]) expect(await kidsOf(http)).toEqual([takeover]);
    }
    const list = (await a.get(KEYS, { token: await adminToken() })).body as {
      kid: string;
      status: string;
    }[];
    expect(list.map((key) => [key.kid, key.status])).toEqual([
      [takeover, 'current'],
      [kid, 'revoked'],
    ]);

    const { rows } = await sql(
      database.url,
      'SELECT private_key FROM signing_keys WHERE kid = $1',
      [kid],
    );
    expect(rows[0].private_key).toBeNull();
    const events = await sql(
      database.url,
      `SELECT actor_id, details FROM security_events WHERE type = 'signing_key.revoked'`,
    );
    expect(events.rows).toEqual([
      { actor_id: expect.any(String), details: { kid, algorithm, replacedBy: takeover } },
    ]);
    // Again: nothing changes; an unknown kid is 404, a malformed one 400.
    const admin = await adminToken();
    expect((await a.post(`${KEYS}/${kid}/revoke`, { token: admin })).status).toBe(204);
    expectProblem(await a.post(`${KEYS}/unknownkid/revoke`, { token: admin }), 404, 'not-found');
    expectProblem(
      await a.post(`${KEYS}/bad%20kid!/revoke`, { token: admin }),
      400,
      'validation-failed',
    );
  }, 30_000);

  it('is for admins only', async () => {
    const { access_token: token } = await login(a, user);
    expectProblem(await a.get(KEYS, { token }), 403, 'forbidden');
    expectProblem(await a.post(`${KEYS}/rotate`, { token }), 403, 'forbidden');
    expectProblem(await a.get(KEYS), 401, 'token-missing');
  });
});

describe(`Automatic rotation under concurrent starts (e2e, ${algorithm})`, () => {
  let database: TestDatabase & { env: Record<string, string> };
  const servers: Server[] = [];

  beforeAll(() => buildOnce());

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  it('happens once however many instances start at once', async () => {
    database = await createSeparateDatabase();
    const env = { ...database.env, JWT_KEY_ROTATION_DAYS: '30' };
    // A first start makes the first key; it is then 31 days old.
    const once = await startServer(env);
    await once.stop();
    await sql(
      database.url,
      `UPDATE signing_keys SET created_at = now() - interval '31 days',
                               activates_at = now() - interval '31 days'`,
    );
    servers.push(...(await Promise.all([startServer(env), startServer(env)])));

    const { rows } = await sql(database.url, 'SELECT kid, activates_at FROM signing_keys');
    expect(rows).toHaveLength(2);
    const events = await sql(
      database.url,
      `SELECT actor_id, details FROM security_events WHERE type = 'signing_key.rotated'`,
    );
    expect(events.rows).toEqual([
      {
        actor_id: null,
        details: expect.objectContaining({ reason: 'scheduled', algorithm }),
      },
    ]);
  }, 120_000);
});
