// What the in-memory revocation state costs: RSS and heap before and after loading 100,000
// live sessions (each of its own user, the worst case) and 100,000 blocklisted tokens.
//
//   npm run build && node --expose-gc bench/revocation-memory.mjs [sessions] [blocked]
import { randomUUID } from 'node:crypto';
import { RevocationState } from '../dist/src/auth/revocation-state.js';
import { User } from '../dist/src/users/user.entity.js';

const sessions = Number(process.argv[2] ?? 100_000);
const blocked = Number(process.argv[3] ?? 100_000);
const now = Date.now();

function measure() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const before = measure();
const users = [];
const sessionEntries = [];
for (let i = 0; i < sessions; i++) {
  const user = Object.assign(new User(), {
    id: randomUUID(),
    email: `user${i}@example.com`,
    username: `user_${i}`,
    name: i % 2 ? `User Number ${i}` : null,
    role: 'user',
    isActive: true,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
  users.push(user);
  sessionEntries.push([
    randomUUID(),
    { userId: user.id, expiresAt: now + 7 * 86_400_000, revokedAt: null },
  ]);
}
const blockedEntries = Array.from({ length: blocked }, () => [randomUUID(), now + 900_000]);
const state = new RevocationState(900_000);
state.replace({ users, sessions: sessionEntries, blocked: blockedEntries }, now);
users.length = 0;
sessionEntries.length = 0;
blockedEntries.length = 0;
const after = measure();

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
console.log(state.size);
console.log(
  `RSS ${mib(before.rss)} -> ${mib(after.rss)} (+${mib(after.rss - before.rss)}); ` +
    `heap ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} (+${mib(after.heapUsed - before.heapUsed)})`,
);
