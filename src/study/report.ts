/** A study's report model read from storage: what `report`, `check` and the dashboard draw. */
import { buildReport, type ReportInput, type ReportModel } from '../report/model.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { noteOf } from './manage.js';

export async function studyReport(storage: Storage, study: StudyRecord, o: Pick<ReportInput, 'now' | 'importance'> = {}): Promise<ReportModel> {
  return buildReport({
    study,
    trials: await storage.getTrials(study.id),
    metrics: await storage.getMetrics(study.id),
    lineage: await storage.getLineage(study.id),
    note: await noteOf(storage, study),
    ...o,
  });
}
