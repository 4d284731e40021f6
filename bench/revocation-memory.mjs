// What an instance's memory of recent revocations costs: RSS and heap before and after it
// holds `sessions` revoked sessions and `blocked` blocklisted tokens (what one access-token
// lifetime of revocations would leave), and a full cache of `users` users.
//
//   npm run build && node --expose-gc bench/revocation-memory.mjs [sessions] [blocked] [users]
import { randomUUID } from 'node:crypto';
import { RecentRevocations } from '../dist/src/bearer/recent-revocations.js';
import { UserCache } from '../dist/src/bearer/user-cache.js';

const sessions = Number(process.argv[2] ?? 100_000);
const blocked = Number(process.argv[3] ?? 100_000);
const users = Number(process.argv[4] ?? 10_000);
const now = Date.now();
// As the feed gets them from JSON.parse: flat strings (randomUUID's are ropes of small pieces).
const uuid = () => JSON.parse(`"${randomUUID()}"`);

function measure() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const before = measure();
const revocations = new RecentRevocations(960_000);
for (let i = 0; i < sessions; i++) {
  revocations.apply(
    {
      kind: 'session',
      subject: uuid(),
      userId: uuid(),
      revokedAt: now,
      expiresAt: now + 7 * 86_400_000,
      deleted: false,
    },
    now,
  );
}
for (let i = 0; i < blocked; i++) {
  revocations.apply({
    kind: 'token',
    subject: uuid(),
    expiresAt: now + 900_000,
    deleted: false,
  });
}
const cache = new UserCache(users);
for (let i = 0; i < users; i++) {
  cache.remember(cache.version, {
    id: uuid(),
    email: `user${i}@example.com`,
    username: `user_${i}`,
    name: i % 2 ? `User Number ${i}` : null,
    role: 'user',
    isActive: true,
    emailVerified: true,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
}
const after = measure();

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
console.log({ ...revocations.size, users: cache.size });
console.log(
  `RSS ${mib(before.rss)} -> ${mib(after.rss)} (+${mib(after.rss - before.rss)}); ` +
    `heap ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} (+${mib(after.heapUsed - before.heapUsed)})`,
);
