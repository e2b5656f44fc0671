/**
 * A real single-node Slurm cluster for the tests: munged (started if not running), slurmctld and
 * slurmd with a generated slurm.conf on loopback ports, all as root (as CI runs). Without Slurm or
 * root the Slurm tests are skipped locally, and fail in CI (.ci/run installs slurm-wlm and munge).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tmpDir } from './fixtures.js';

export const HAVE_SLURM = ['slurmctld', 'slurmd', 'sbatch', 'munged'].every((c) => spawnSync('sh', ['-c', `command -v ${c} || test -x /usr/sbin/${c}`]).status === 0) && process.getuid?.() === 0;

export interface Cluster {
  conf: string;
  env: Record<string, string>;
  stop(): void;
}

function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
}

export async function startCluster(): Promise<Cluster> {
  // munge: one daemon per machine; reuse a running one
  if (!existsSync('/run/munge/munge.socket.2') || spawnSync('sh', ['-c', 'munge -n | unmunge']).status !== 0) {
    mkdirSync('/run/munge', { recursive: true });
    sh('chown munge:munge /run/munge; test -f /etc/munge/munge.key || (dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null && chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key)');
    sh('su munge -s /bin/sh -c /usr/sbin/munged');
  }
  const dir = tmpDir('scaletune-slurm-');
  for (const d of ['state', 'spool', 'log']) mkdirSync(path.join(dir, d));
  const host = os.hostname().split('.')[0]!;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = path.join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=scaletune-test',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      'AuthType=auth/munge',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'SlurmUser=root',
      'SlurmdUser=root',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'MinJobAge=600',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${Math.max(2, os.cpus().length)} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES`,
      '',
    ].join('\n'),
  );
  const env = { SLURM_CONF: conf };
  sh(`SLURM_CONF=${conf} slurmctld -c -f ${conf} && SLURM_CONF=${conf} slurmd -f ${conf}`);
  // the node must be up before jobs are submitted
  for (let i = 0; i < 60; i++) {
    const s = spawnSync('sinfo', ['-h', '-o', '%t'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (s.status === 0 && /^(idle|mix|alloc)/m.test(s.stdout)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    conf,
    env,
    stop: () => {
      for (const f of ['slurmd.pid', 'slurmctld.pid']) {
        try {
          process.kill(Number(readFileSync(path.join(dir, f), 'utf8')), 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}
