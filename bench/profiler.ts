/**
 * CPU profiles of a worker inside workerd, through its V8 inspector (Miniflare's `inspectorPort`):
 * `BENCH_PROFILE=dcr_registration npm run bench` wraps that job in Profiler.start/stop, writes
 * `bench/profiles/<job>.cpuprofile` (open it in Chrome DevTools' Performance panel) and prints the
 * functions with the most self and total time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One CDP session with a worker: `send` resolves with the method's result. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }
  static async open(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }
  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, (result) => resolve(result as T));
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): void {
    this.socket.close();
  }
}

export async function profileWorker<T>(
  inspectorPort: number,
  worker: string,
  job: string,
  run: () => Promise<T>,
): Promise<T> {
  const inspector = await Inspector.open(`ws://127.0.0.1:${inspectorPort}/core:user:${worker}`);
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: 50 });
  await inspector.send('Profiler.start');
  const result = await run();
  const { profile } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
  inspector.close();
  mkdirSync('bench/profiles', { recursive: true });
  const file = `bench/profiles/${job}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));
  console.log(`\n${job}: profile written to ${file}`);
  printSummary(profile);
  return result;
}

const frameName = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.slice(url.lastIndexOf('/') + 1);
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
};

/** Self and total milliseconds per function (total counts a function once per sample). */
export function summarise(profile: CpuProfile): { name: string; self: number; total: number }[] {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((sample, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(sample);
    if (!leaf) return;
    const leafName = frameName(leaf);
    self.set(leafName, (self.get(leafName) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node) break;
      const name = frameName(node);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  return [...total.entries()].map(([name, t]) => ({ name, self: self.get(name) ?? 0, total: t }));
}

function printSummary(profile: CpuProfile): void {
  const rows = summarise(profile);
  const wall = (profile.endTime - profile.startTime) / 1000;
  const idle = rows.find((r) => r.name.startsWith('(idle)'))?.self ?? 0;
  console.log(`sampled ${wall.toFixed(0)} ms, idle ${idle.toFixed(0)} ms`);
  const show = (title: string, key: 'self' | 'total') => {
    console.log(title);
    console.table(
      rows
        .filter((r) => !r.name.startsWith('(idle)') && !r.name.startsWith('(root)'))
        .sort((a, b) => b[key] - a[key])
        .slice(0, 25)
        .map((r) => ({
          function: r.name,
          'self ms': +r.self.toFixed(1),
          'total ms': +r.total.toFixed(1),
        })),
    );
  };
  show('by self time', 'self');
  show('by total time', 'total');
}
