// Peer benchmark: brackets-manager.js creating elimination stages in memory.
//
// Usage: node bench_brackets_manager.mjs [--runs 5] [--sizes 1024,4096]
// Prints one JSON line per case: {"case": ..., "median_ms": ..., "times_ms": [...],
// "cpu_ms": [...] (process CPU time per run, all threads), ...}.
// Each timed run builds a fresh InMemoryDatabase + BracketsManager and awaits
// manager.create.stage(); 1 untimed warm-up run per case, then the median of
// `runs` timed runs (performance.now()).
//
// Serve mode (used by bench_brackets.py to interleave the two sides in one run):
//   node bench_brackets_manager.mjs --serve
// reads one JSON request per stdin line, {"case": "double_elimination_reset", "size": 1024,
// "runs": 5, "warmup": 1}, and answers each with one JSON line as above.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

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
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await manager.create.stage({
    tournamentId: 0,
    name: `${kase.name} ${seeding.length}`,
    type: kase.type,
    seeding,
    settings: kase.settings,
  });
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart); // µs, every thread of the process (V8 helpers too)
  return { elapsed, cpu: (cpu.user + cpu.system) / 1000, storage };
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

async function measure(kase, size, runs, warmup) {
  const seeding = Array.from({ length: size }, (_, i) => `Team ${i + 1}`);
  let matches = null;
  for (let w = 0; w < warmup; w++) {
    const warm = await createOnce(kase, seeding); // warm-up (also a sanity check)
    matches = (await warm.storage.select('match')).length;
  }
  const times = [];
  const cpu = [];
  for (let r = 0; r < runs; r++) {
    const run = await createOnce(kase, seeding);
    times.push(run.elapsed);
    cpu.push(run.cpu);
  }
  return {
    case: `${kase.name}/${size}`,
    median_ms: Number(median(times).toFixed(3)),
    times_ms: times.map((t) => Number(t.toFixed(3))),
    cpu_ms: cpu.map((t) => Number(t.toFixed(3))),
    runs,
    matches,
    versions,
  };
}

if (process.argv.includes('--serve')) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    const kase = CASES.find((c) => c.name === req.case);
    if (!kase) {
      console.log(JSON.stringify({ error: `unknown case ${req.case}` }));
      continue;
    }
    console.log(JSON.stringify(await measure(kase, req.size, req.runs ?? RUNS, req.warmup ?? 1)));
  }
} else {
  for (const size of SIZES) {
    for (const kase of CASES) console.log(JSON.stringify(await measure(kase, size, RUNS, 1)));
  }
}
