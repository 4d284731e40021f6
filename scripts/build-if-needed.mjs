// `npm start` compiles only when dist/ is missing or older than a source file.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const entry = 'dist/src/main.js';

function newestSource(folders) {
  let newest = 0;
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && /\.(ts|mjs)$/.test(entry.name)) {
        newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
  }
  return Math.max(newest, statSync('package.json').mtimeMs, statSync('tsconfig.json').mtimeMs);
}

if (!existsSync(entry) || statSync(entry).mtimeMs < newestSource(['src', 'migrations'])) {
  console.error('Building (dist/ is missing or out of date)...');
  execSync('npm run build', { stdio: 'inherit' });
}
