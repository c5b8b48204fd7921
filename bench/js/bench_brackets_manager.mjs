// Peer benchmark: brackets-manager.js creating elimination stages in memory.
//
// Usage: node bench_brackets_manager.mjs [--runs 5] [--sizes 1024,4096]
// Prints one JSON line per case: {"case": ..., "median_ms": ..., ...}.
// Each timed run builds a fresh InMemoryDatabase + BracketsManager and awaits
// manager.create.stage(); 1 untimed warm-up run per case, then the median of
// `runs` timed runs (performance.now()).
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

import managerPkg from 'brackets-manager';
import memoryDbPkg from 'brackets-memory-db';

const { BracketsManager } = managerPkg;
const { InMemoryDatabase } = memoryDbPkg;
const require = createRequire(import.meta.url);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const RUNS = Number(arg('runs', '5'));
const SIZES = arg('sizes', '1024,4096').split(',').map(Number);

const CASES = [
  { name: 'single_elimination', type: 'single_elimination', settings: {} },
  { name: 'double_elimination_reset', type: 'double_elimination', settings: { grandFinal: 'double' } },
];

async function createOnce(kase, seeding) {
  const storage = new InMemoryDatabase();
  const manager = new BracketsManager(storage);
  const start = performance.now();
  await manager.create.stage({
    tournamentId: 0,
    name: `${kase.name} ${seeding.length}`,
    type: kase.type,
    seeding,
    settings: kase.settings,
  });
  const elapsed = performance.now() - start;
  return { elapsed, storage };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const versions = {
  'brackets-manager': require('brackets-manager/package.json').version,
  'brackets-memory-db': require('brackets-memory-db/package.json').version,
};

for (const size of SIZES) {
  const seeding = Array.from({ length: size }, (_, i) => `Team ${i + 1}`);
  for (const kase of CASES) {
    const warm = await createOnce(kase, seeding); // warm-up (also a sanity check)
    const matches = (await warm.storage.select('match')).length;
    const times = [];
    for (let r = 0; r < RUNS; r++) times.push((await createOnce(kase, seeding)).elapsed);
    console.log(JSON.stringify({
      case: `${kase.name}/${size}`,
      median_ms: Number(median(times).toFixed(3)),
      runs: RUNS,
      matches,
      versions,
    }));
  }
}
