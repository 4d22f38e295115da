// Self time of a V8 .cpuprofile (node --cpu-prof), by function or by file, largest first.
//   node scripts/profile-summary.mjs <file.cpuprofile> [--files] [rows]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const byFile = args.includes('--files');
const [file, rowsArg] = args.filter((a) => a !== '--files');
if (!file) throw new Error('usage: profile-summary.mjs <file.cpuprofile> [--files] [rows]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const total = profile.timeDeltas.reduce((a, b) => a + b, 0);
const self = new Map();
profile.samples.forEach((id, i) => {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const where = url.replace(/.*\/(packages|apps)\//, '').replace('/dist/', '/');
  const key = byFile ? where || functionName : `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]);
});
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 30))) {
  console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
