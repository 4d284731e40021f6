import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentVariables } from './environment-variables.js';

describe(environmentVariables.name, () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'dotenv-'));
    await writeFile(join(folder, '.env'), '# a comment\nPORT=4000\nLOG_LEVEL=debug\n');
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("reads the .env file under the process's own variables", () => {
    expect(environmentVariables({ PORT: '5000' }, join(folder, '.env'))).toEqual({
      PORT: '5000',
      LOG_LEVEL: 'debug',
    });
  });

  it('is the process environment alone without a .env file', () => {
    expect(environmentVariables({ PORT: '5000' }, join(folder, 'missing.env'))).toEqual({
      PORT: '5000',
    });
  });

  it('never writes into the environment it is given', () => {
    const processEnv = { PORT: '5000' };
    environmentVariables(processEnv, join(folder, '.env'));
    expect(processEnv).toEqual({ PORT: '5000' });
  });
});
