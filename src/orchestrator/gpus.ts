/**
 * GPUs per trial (`resources:`): which devices a study may use, how they split into slots (a slot is
 * what one trial gets as CUDA_VISIBLE_DEVICES), and which slot runs which trial. The plan and the pool
 * are pure; only `findDevices` reads the machine (`nvidia-smi -L`).
 */
import { execFileSync } from 'node:child_process';
import { isNum, isObj, type OptionSpec } from '../core/options.js';

export interface ResourcesConfig {
  /** device ids as CUDA_VISIBLE_DEVICES takes them (index, GPU-… or MIG-… UUID), or auto */
  gpus: string[] | 'auto';
  /** GPUs per trial: 1, a fraction (several small proxies share a GPU), or a whole number above 1 */
  perTrial: number;
}

const KEYS = ['gpus', 'per_trial'];
/** A fraction packs 1/per_trial trials on a GPU: past 64 of them the share means nothing. */
const MIN_SHARE = 1 / 64;
const DEVICE_ID = /^(\d+|GPU-[0-9A-Za-z-]+|MIG-[0-9A-Za-z/-]+)$/;

export const resourcesOptions: OptionSpec<ResourcesConfig> = {
  parse(raw, _ctx, issues) {
    if (!isObj(raw)) return void issues.bad('resources', raw, 'a mapping {gpus: [0, 1] | auto, per_trial: 1}');
    for (const k of Object.keys(raw)) if (!KEYS.includes(k)) issues.add(`resources.${k}`, `unknown key; allowed: ${KEYS.join(', ')}`);
    const before = issues.count;
    let gpus: ResourcesConfig['gpus'] = 'auto';
    const allowed = 'auto, or a list of device ids as CUDA_VISIBLE_DEVICES takes them (0, 1, GPU-<uuid>, MIG-<uuid>), each once';
    if (raw.gpus === undefined) issues.add('resources.gpus', `missing; allowed: ${allowed}`);
    else if (raw.gpus !== 'auto') {
      const list = typeof raw.gpus === 'string' ? raw.gpus.split(',').map((s) => s.trim()) : raw.gpus;
      if (!Array.isArray(list) || list.length === 0) issues.bad('resources.gpus', raw.gpus, allowed);
      else {
        const ids = list.map((g) => (typeof g === 'number' && Number.isInteger(g) && g >= 0 ? String(g) : g));
        ids.forEach((g, i) => {
          if (typeof g !== 'string' || !DEVICE_ID.test(g)) issues.bad(`resources.gpus[${i}]`, list[i], allowed);
          else if (ids.indexOf(g) !== i) issues.bad(`resources.gpus[${i}]`, list[i], `${allowed}; ${g} is listed twice`);
        });
        gpus = ids as string[];
      }
    }
    let perTrial = 1;
    const shareAllowed = `a fraction of a GPU (0.5: two trials share one; at least 1/64), 1, or a whole number of GPUs`;
    if (raw.per_trial !== undefined) {
      const p = raw.per_trial;
      if (!isNum(p) || p < MIN_SHARE || (p > 1 && !Number.isInteger(p))) issues.bad('resources.per_trial', p, shareAllowed);
      else perTrial = p;
    }
    if (Array.isArray(gpus) && perTrial > gpus.length) issues.bad('resources.per_trial', perTrial, `at most the ${gpus.length} GPU(s) listed in resources.gpus`);
    return issues.count > before ? undefined : { gpus, perTrial };
  },
  schema: () => ({
    type: 'object',
    additionalProperties: false,
    required: ['gpus'],
    description: 'GPUs for the trials: each trial gets CUDA_VISIBLE_DEVICES for its share, and parallel is capped by the slots',
    properties: {
      gpus: {
        oneOf: [
          { const: 'auto', description: 'the GPUs nvidia-smi -L lists, within an inherited CUDA_VISIBLE_DEVICES' },
          { type: 'array', minItems: 1, uniqueItems: true, items: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: DEVICE_ID.source }] } },
          { type: 'string', description: 'comma-separated device ids, as CUDA_VISIBLE_DEVICES' },
        ],
      },
      per_trial: { type: 'number', minimum: MIN_SHARE, default: 1, description: 'GPUs per trial: 0.5 packs two trials on a GPU, 2 gives each trial two' },
    },
  }),
};

/** One line of `nvidia-smi -L`: a GPU, or a MIG instance of the GPU listed above it. */
export interface ListedDevice {
  kind: 'gpu' | 'mig';
  /** the GPU's index (for a MIG instance, its parent's) */
  index: number;
  uuid: string;
}

/** Parse `nvidia-smi -L`: `GPU 0: NVIDIA H200 (UUID: GPU-…)` lines, each followed by its `MIG … Device N: (UUID: MIG-…)` lines. */
export function parseNvidiaSmiList(text: string): ListedDevice[] {
  const out: ListedDevice[] = [];
  let gpu = -1;
  for (const line of text.split(/\r?\n/)) {
    const g = /^\s*GPU\s+(\d+):.*\(UUID:\s*(GPU-[^)\s]+)\)/.exec(line);
    if (g) {
      gpu = Number(g[1]);
      out.push({ kind: 'gpu', index: gpu, uuid: g[2]! });
      continue;
    }
    const m = /^\s*MIG\b.*\(UUID:\s*(MIG-[^)\s]+)\)/.exec(line);
    if (m && gpu >= 0) out.push({ kind: 'mig', index: gpu, uuid: m[1]! });
  }
  return out;
}

/**
 * What `auto` may use. An inherited CUDA_VISIBLE_DEVICES (a Slurm allocation, a shell's choice) is the
 * bound: its entries are used as written (index, UUID or MIG form), so each Slurm worker splits its own
 * allocation. Otherwise every listed GPU, by index, or by its MIG instances where it is partitioned
 * (a partitioned GPU can only be used through its instances).
 */
export function autoDevices(listed: readonly ListedDevice[], inherited: string | undefined): string[] {
  if (inherited !== undefined && inherited.trim() !== '') {
    return inherited
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== '-1' && s !== 'NoDevFiles');
  }
  const out: string[] = [];
  for (const d of listed) {
    if (d.kind === 'mig') out.push(d.uuid);
    else if (!listed.some((x) => x.kind === 'mig' && x.index === d.index)) out.push(String(d.index));
  }
  return out;
}

/** The devices of a study's `resources:`: as listed, or found on this machine. Throws with what was tried when auto finds none. */
export function findDevices(cfg: ResourcesConfig, env: Record<string, string | undefined> = process.env): string[] {
  if (cfg.gpus !== 'auto') return cfg.gpus;
  const inherited = env.CUDA_VISIBLE_DEVICES;
  if (inherited !== undefined && inherited.trim() !== '') {
    const bound = autoDevices([], inherited);
    if (bound.length === 0) throw new Error(`resources.gpus is auto, but the inherited CUDA_VISIBLE_DEVICES=${JSON.stringify(inherited)} allows no GPU`);
    return bound;
  }
  let text: string;
  try {
    text = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'], env: env as NodeJS.ProcessEnv });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'nvidia-smi is not on PATH' : `nvidia-smi -L failed: ${(e as Error).message.split('\n')[0]}`;
    throw new Error(`resources.gpus is auto, but ${why}; allowed: a list of device ids (resources.gpus: [0, 1]) on a machine without nvidia-smi`);
  }
  const devices = autoDevices(parseNvidiaSmiList(text), undefined);
  if (devices.length === 0) throw new Error(`resources.gpus is auto, but nvidia-smi -L listed no GPU${text.trim() ? ` (it printed: ${text.trim().split('\n')[0]})` : ''}`);
  return devices;
}

/** What one trial gets: the devices of its CUDA_VISIBLE_DEVICES. */
export interface GpuSlot {
  id: number;
  devices: string[];
}

/**
 * The slots of `devices` for a share of `perTrial`. A fraction gives each GPU ⌊1/share⌋ slots, ordered
 * GPU by GPU in rounds so that a study running fewer trials than slots spreads them over the GPUs
 * before it packs any; a whole number above 1 groups the GPUs, and GPUs left over are said in `unused`.
 */
export function planSlots(devices: readonly string[], perTrial: number): { slots: GpuSlot[]; unused: string[] } {
  const slots: GpuSlot[] = [];
  if (perTrial <= 1) {
    const perGpu = Math.max(1, Math.floor(1 / perTrial + 1e-9));
    for (let round = 0; round < perGpu; round++) for (const d of devices) slots.push({ id: slots.length, devices: [d] });
    return { slots, unused: [] };
  }
  const groups = Math.floor(devices.length / perTrial);
  for (let g = 0; g < groups; g++) slots.push({ id: g, devices: devices.slice(g * perTrial, (g + 1) * perTrial) });
  return { slots, unused: devices.slice(groups * perTrial) };
}

/** Does a failed trial's error read as the GPU's fault rather than the trainer's? */
export function isCudaFailure(error: string | null): boolean {
  return error !== null && /CUDA error|CUDA out of memory|cudaError|CUBLAS_STATUS|CUDNN_STATUS|NCCL (error|WARN)|device-side assert|no CUDA-capable device|CUDA driver|Xid/i.test(error);
}

/** CUDA failures in a row on one device after which it is reported and left out, while another device is left. */
export const FAILING_AFTER = 2;

/**
 * Which slot runs which trial, and how each device's trials end. A device whose trials fail with CUDA
 * errors FAILING_AFTER times in a row is reported once and gets no more trials (while any other device
 * is left, so that a study never stops for it alone).
 */
export class GpuPool {
  private readonly free: GpuSlot[];
  private readonly held = new Map<number, GpuSlot>();
  private readonly streak = new Map<string, number>();
  private readonly failing = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(readonly slots: readonly GpuSlot[]) {
    this.free = [...slots];
  }

  get size(): number {
    return this.slots.filter((s) => this.usable(s)).length;
  }

  private usable(s: GpuSlot): boolean {
    return !s.devices.some((d) => this.failing.has(d));
  }

  hasFree(): boolean {
    return this.free.some((s) => this.usable(s));
  }

  /** A free slot for a trial, or null when every usable one is taken. */
  acquire(trialId: number): GpuSlot | null {
    const i = this.free.findIndex((s) => this.usable(s));
    if (i < 0) return null;
    const [slot] = this.free.splice(i, 1);
    this.held.set(trialId, slot!);
    return slot!;
  }

  /**
   * The trial's end: its slot is free again. Returns the devices that have just become failing (for the
   * study's log), each once.
   */
  release(trialId: number, cudaFailure: boolean): string[] {
    const slot = this.held.get(trialId);
    if (!slot) return [];
    this.held.delete(trialId);
    // slots keep their order, so that the spread over GPUs holds after trials end
    const at = this.free.findIndex((s) => s.id > slot.id);
    this.free.splice(at < 0 ? this.free.length : at, 0, slot);
    const newly: string[] = [];
    for (const d of slot.devices) {
      const n = cudaFailure ? (this.streak.get(d) ?? 0) + 1 : 0;
      this.streak.set(d, n);
      if (n >= FAILING_AFTER && !this.reported.has(d)) {
        this.reported.add(d);
        if (this.slots.some((s) => !s.devices.includes(d) && this.usable(s))) this.failing.add(d);
        newly.push(d);
      }
    }
    return newly;
  }

  /** Whether the device was left out (false: reported, but it is the last one left). */
  leftOut(device: string): boolean {
    return this.failing.has(device);
  }
}
