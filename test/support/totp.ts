import { Secret, TOTP } from 'otpauth';

const PERIOD_MS = 30_000;

/** The RFC 6238 time step of now. */
export const currentStep = () => Math.floor(Date.now() / PERIOD_MS);

/** The code an authenticator app shows for `secret` at time step `step`, computed here. */
export function codeAt(secret: string, step: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: step * PERIOD_MS,
  });
}

/**
 * Waits, when fewer than `marginMs` are left of the current step, for the next one: a test that
 * names steps relative to "now" must not see now move to another step halfway.
 */
export async function awayFromStepBoundary(marginMs = 5_000): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
