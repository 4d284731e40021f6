import { createHmac, createPrivateKey, hkdfSync } from 'node:crypto';
import type { Environment } from '../config/environment.js';

/** The keys MFA keeps its secrets under, both derived from one 32-byte master key. */
export interface MfaKeys {
  /** AES-256-GCM key of the TOTP secrets. */
  readonly sealing: Buffer;
  /** HMAC key of the recovery-code hashes: the table alone does not let anyone test guesses. */
  readonly codeHashing: Buffer;
}

export const MFA_KEYS = Symbol('MFA_KEYS');

const SEALING_INFO = 'auth-service mfa totp-secret v1';
const CODE_HASHING_INFO = 'auth-service mfa recovery-code v1';
const DEVELOPMENT_INFO = 'auth-service mfa development master v1';

/**
 * MFA_ENCRYPTION_KEY when set; otherwise the master key is derived from the signing key, so a
 * setup without it still works (MfaModule warns in production). HKDF labels keep the uses apart.
 */
export function mfaKeys(
  env: Pick<Environment, 'MFA_ENCRYPTION_KEY' | 'JWT_ALGORITHM' | 'JWT_SECRET' | 'JWT_PRIVATE_KEY'>,
): MfaKeys {
  const master = env.MFA_ENCRYPTION_KEY
    ? decodeMasterKey(env.MFA_ENCRYPTION_KEY)
    : derive(signingMaterial(env), DEVELOPMENT_INFO);
  return { sealing: derive(master, SEALING_INFO), codeHashing: derive(master, CODE_HASHING_INFO) };
}

export function decodeMasterKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw new Error('MFA_ENCRYPTION_KEY must be 32 bytes');
  return key;
}

function signingMaterial(
  env: Pick<Environment, 'JWT_ALGORITHM' | 'JWT_SECRET' | 'JWT_PRIVATE_KEY'>,
): Buffer {
  if (env.JWT_ALGORITHM === 'HS256') return Buffer.from(env.JWT_SECRET ?? '', 'utf8');
  return createPrivateKey(env.JWT_PRIVATE_KEY ?? '').export({ format: 'der', type: 'pkcs8' });
}

function derive(material: Buffer, info: string): Buffer {
  if (material.length === 0) throw new Error('MFA_ENCRYPTION_KEY or a signing key is required');
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), info, 32));
}

/** A recovery code's stored form: hex HMAC-SHA-256 of its normalized text. */
export function hashRecoveryCode(keys: MfaKeys, normalized: string): string {
  return createHmac('sha256', keys.codeHashing).update(normalized, 'utf8').digest('hex');
}
