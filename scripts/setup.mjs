#!/usr/bin/env node
// Set-up that `npm test` and `npm start` do for themselves on a fresh clone: install the exact
// dependencies from the lockfile when node_modules is missing or stale, and check the system
// tools the emulators need, saying what to install when one is missing. Plain Node, no deps.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'node_modules', '.syntropism-lockfile-hash');
const lockHash = createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.log('setup: installing dependencies from package-lock.json (npm ci)…');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
  writeFileSync(stamp, lockHash);
}

const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
if (spawnSync(java, ['-version'], { stdio: 'ignore' }).status !== 0) {
  console.error(
    'setup: DynamoDB Local needs a Java runtime (17 or newer) and none was found.\n' +
      '       On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless\n' +
      '       Or set JAVA_HOME to an existing JDK/JRE.',
  );
  process.exit(1);
}

// Agent code is hostile: it runs only in a bubblewrap sandbox. `npm start` refuses to run agents
// without one (and says so); the tests check the sandbox for real, so they need it.
if (process.argv.includes('--sandbox') && spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error(
    'setup: agents run in a bubblewrap sandbox, and the tests check it for real; `bwrap` was not found.\n' +
      '       On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y bubblewrap',
  );
  process.exit(1);
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (process.argv.includes('--browser') && !existsSync(chromium)) {
  console.error(
    `setup: the browser test drives Chromium at ${chromium} and it is not there.\n` +
      '       On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium\n' +
      '       Or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
  process.exit(1);
}
