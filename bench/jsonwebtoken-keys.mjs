// HS256 verifications a second by jsonwebtoken (as @nestjs/jwt and passport-jwt call it) given
// the secret as a string and as a KeyObject made once.
//
//   node bench/jsonwebtoken-keys.mjs [seconds per case]
import jwt from 'jsonwebtoken';
import { createSecretKey, randomBytes } from 'node:crypto';

const seconds = Number(process.argv[2] ?? 3);
const secret = randomBytes(32).toString('hex');
const key = createSecretKey(Buffer.from(secret, 'utf8'));
const token = jwt.sign({ sub: 'bench', sid: 'x' }, key, { algorithm: 'HS256', expiresIn: 900 });
const options = { algorithms: ['HS256'] };

function rate(title, verify) {
  for (let i = 0; i < 2000; i++) verify();
  const until = performance.now() + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) verify();
    count += 100;
  }
  return { title, 'verifies/s': Math.round(count / seconds) };
}

const results = [
  rate('string secret', () => jwt.verify(token, secret, options)),
  rate('KeyObject (createSecretKey)', () => jwt.verify(token, key, options)),
];
console.table(results);
console.log(
  `KeyObject / string = ${(results[1]['verifies/s'] / results[0]['verifies/s']).toFixed(1)}x`,
);
