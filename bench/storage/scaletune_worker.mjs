// One benchmark process: N trials of (claim, 10 intermediate metrics, complete) on a shared database
// (a SQLite file or a postgres:// URL), each report in its own transaction, as a trainer's reports
// arrive one by one. With a run cap as a fifth argument, claims stop at the study's global cap.
import { openStorage } from '../../dist/src/storage/index.js';

const [file, studyName, n, startAt, cap] = process.argv.slice(2);
const s = openStorage(file);
const study = await s.getStudy(studyName);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
let locked = 0;
let done = 0;
const t0 = performance.now();
for (let i = 0; i < Number(n); i++) {
  try {
    const lr = 10 ** (-4 + 3 * Math.random());
    const t = await s.createRunning(study.id, { params: { lr }, worker: `bench-${process.pid}` }, cap ? { runCap: Number(cap) } : {});
    if (!t) break; // the global cap is reached
    for (let step = 0; step < 10; step++) await s.addMetrics(t.id, [{ step, name: 'loss', value: 3 - step * 0.1 }]);
    // a loss that depends on lr, so that an open dashboard has a parameter importance to fit, as in a real study
    await s.finishTrial(t.id, { state: 'COMPLETE', value: 2 + (Math.log10(lr) + 2.5) ** 2 });
    done++;
  } catch (e) {
    if (/locked|busy/i.test(String(e))) locked++;
    else throw e;
  }
}
const secs = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ done, locked, secs, end: Date.now() }));
await s.close();
