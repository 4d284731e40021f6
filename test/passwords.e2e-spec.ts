import { describe, expect, it } from '@jest/globals';
import { PasswordPool } from '../src/users/password.pool.js';
import { expectProblem, Http, registerUser, withApp } from './support/app.js';
import { within } from './support/poll.js';

function wrongLogin(http: Http, name: string) {
  return http.post('/api/v1/auth/login', {
    body: { email: `${name}@example.com`, password: 'wrong password' },
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('Password hashing off the event loop (e2e)', () => {
  it('keeps an authenticated GET fast while a storm of logins runs', async () => {
    // Cost 10: on the event loop, eight clients posting wrong passwords held GET /users/me back
    // for more than a second per request.
    // Two threads whatever the machine, so that eight clients are a storm on any of them.
    await withApp({ BCRYPT_ROUNDS: '10', PASSWORD_WORKERS: '2' }, async (http, app) => {
      const pool = app.get(PasswordPool);
      // Every thread busy and logins waiting for one: what a storm is.
      const saturated = () => {
        const { running, threads, queued } = pool.stats();
        return running === threads && queued > 0;
      };
      const user = await registerUser(http);
      const login = await http.post('/api/v1/auth/login', {
        body: { username: user.username, password: user.password },
      });
      expect(login.status).toBe(200);
      const token = login.body.access_token as string;

      let storming = true;
      let answered = 0;
      const storm = Array.from({ length: 8 }, async (_, client) => {
        for (let i = 0; storming; i++) {
          expect((await wrongLogin(http, `storm-${client}-${i}`)).status).toBe(401);
          answered += 1;
        }
      });
      // The storm has filled the hashing threads and their queue before anything is measured.
      await within(10_000, () => Promise.resolve(saturated()), {
        every: 10,
        message: 'the storm never filled the password pool',
      });

      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const reply = await http.get('/api/v1/users/me', { token });
        latencies.push(performance.now() - started);
        expect(reply.status).toBe(200);
        // Measured under the storm: still full once the answer came.
        expect(saturated()).toBe(true);
        // Pacing, not synchronisation: samples spread over half a second of the storm.
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      storming = false;
      await Promise.all(storm);

      expect(answered).toBeGreaterThan(8);
      // Generous for a shared machine; on the event loop the median was over a second.
      expect(median(latencies)).toBeLessThan(250);
    });
  });

  it('answers 503 with Retry-After at once when the hashing queue is full', async () => {
    const env = { BCRYPT_ROUNDS: '10', PASSWORD_WORKERS: '1', PASSWORD_QUEUE_LIMIT: '1' };
    await withApp(env, async (http) => {
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => wrongLogin(http, `queue-${i}`)),
      );
      const refused = replies.filter((reply) => reply.status === 503);
      const checked = replies.filter((reply) => reply.status === 401);
      // One comparison runs and one waits; the others find the queue full.
      expect(checked.length).toBeGreaterThanOrEqual(2);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(checked.length + refused.length).toBe(12);
      for (const reply of refused) {
        expectProblem(reply, 503, 'service-unavailable');
        expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }

      // Once the queue has drained, logins are checked again.
      expect((await wrongLogin(http, 'after-the-storm')).status).toBe(401);
    });
  });
});
