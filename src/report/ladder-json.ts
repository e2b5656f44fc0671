/** A ladder summary as JSON: everything but the parameter draws behind the intervals. */
import type { LadderSummary, LawSummary, VerifyResult } from '../../fitters/ladder/index.js';

export function ladderJson(s: LadderSummary): Omit<LadderSummary, 'laws'> & { laws: Record<'lr' | 'batch' | 'loss', Omit<LawSummary, 'samples'> | null> } {
  const strip = (l: LawSummary | null): Omit<LawSummary, 'samples'> | null => {
    if (!l) return null;
    const { samples: _samples, ...rest } = l;
    return rest;
  };
  return { ...s, laws: { lr: strip(s.laws.lr), batch: strip(s.laws.batch), loss: strip(s.laws.loss) } };
}

/** A verify run as machine output shows it: its trial's state in lower case, as every trial state is. */
export function verifyJson(v: VerifyResult): Omit<VerifyResult, 'state'> & { state: string } {
  return { ...v, state: v.state.toLowerCase() };
}
