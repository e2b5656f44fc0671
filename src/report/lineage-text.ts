/** `scaletune lineage` as text: the study's PBT settings, every exploit decision, each member's end, and the winner's schedule. */
import type { StudyRecord } from '../storage/types.js';
import { fmtNum, fmtParams } from './format.js';
import type { LineageModel } from './lineage.js';

/** `member` set: the schedule shown is that member's, not the winner's; `cmdHint` words the replay command for the database in use. */
export function formatLineage(study: StudyRecord, m: LineageModel, member?: number, cmdHint: (args: string) => string = (args) => `scaletune ${args}`): string {
  const o = study.config.pbt!;
  const metric = study.config.metric?.name ?? 'value';
  const unit = o.unit ?? 'steps';
  const out: string[] = [];
  out.push(`study ${study.name}: ${study.config.method}, population ${o.population}, interval ${o.interval} ${unit}, budget ${o.maxSteps} ${unit}${o.synch ? ', synch' : ''}`);
  out.push(`decisions (${m.lineage.length}):`);
  for (const e of m.lineage) {
    const changed = Object.keys(e.paramsAfter).filter((k) => JSON.stringify(e.paramsAfter[k]) !== JSON.stringify(e.paramsBefore[k]));
    const diff = changed.map((k) => `${k} ${fmtNum(e.paramsBefore[k] as number)} → ${fmtNum(e.paramsAfter[k] as number)}`).join(', ');
    const who = e.kind === 'retry' ? 'retried from its last checkpoint' : `${e.kind === 'replace' ? 'replaced by' : '←'} member ${e.donor} (step ${e.donorStep})`;
    out.push(`  step ${String(e.step).padEnd(6)} member ${e.member} ${who}${diff ? `   ${diff}` : ''}`);
  }
  out.push('members:');
  for (const x of m.members) out.push(`  member ${x.member}  step ${x.step}  ${metric} ${fmtNum(x.score)}  exploits ${x.exploits}`);
  if (m.winner) {
    out.push(`${member !== undefined ? 'member' : 'winner: member'} ${m.winner.member} (${metric} ${fmtNum(m.winner.score)}); its schedule from step 0 (replay it: ${cmdHint(`replay ${study.name} --member ${m.winner.member}`)}):`);
    for (const p of m.schedule) out.push(`  steps ${`${p.from}–${p.to}`.padEnd(12)} trained by member ${p.member}   ${fmtParams(p.params)}`);
  } else out.push('no member has finished yet');
  return `${out.join('\n')}\n`;
}
