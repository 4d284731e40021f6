import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { sha256 } from './sha256.js';

describe('sha256', () => {
  // FIPS 180-2, appendix B.1: the one-block message "abc".
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

  it('gives the digest of the UTF-8 bytes in hex by default', () => {
    expect(sha256('abc')).toBe(abc);
  });

  it('gives the same digest in base64 and base64url', () => {
    expect(sha256('abc', 'base64')).toBe(Buffer.from(abc, 'hex').toString('base64'));
    expect(sha256('abc', 'base64url')).toBe(Buffer.from(abc, 'hex').toString('base64url'));
  });

  it('hashes characters beyond ASCII as UTF-8', () => {
    const digestOf = (bytes: number[]) =>
      createHash('sha256').update(Buffer.from(bytes)).digest('hex');
    expect(sha256('é')).toBe(digestOf([0xc3, 0xa9]));
    expect(sha256('é')).not.toBe(digestOf([0xe9]));
  });
});
