// Resident memory of another process, read from /proc (Linux): what the kernel charges it, the
// figure an operator's monitoring shows, not what V8 reports inside it.
import { existsSync, readFileSync } from 'node:fs';

/** A field of /proc/PID/status in bytes (VmRSS: now; VmHWM: the peak since the process started); 0 once it has ended. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const path = `/proc/${pid}/status`;
  try {
    if (!existsSync(path)) return 0;
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(path, 'utf8'))?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    // The process ended between the two reads: it holds nothing.
    return 0;
  }
}

/** RSS of a process and its children, now. */
export function treeRss(pid: number): number {
  let total = statusBytes(pid, 'VmRSS');
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean)) total += treeRss(Number(child));
  } catch {
    // Ended meanwhile.
  }
  return total;
}

/** The kernel's high-water mark of the process's RSS since it started (its children not included). */
export const peakRssSinceStart = (pid: number) => statusBytes(pid, 'VmHWM');

export interface RssSummary {
  samples: number;
  peak: number;
  median: number;
}

/** Samples a process's RSS (with its children) every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs = 500): { summary(): RssSummary; stop(): RssSummary } {
  const samples: number[] = [];
  const take = () => {
    const rss = treeRss(pid);
    if (rss > 0) samples.push(rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  const summary = (): RssSummary => {
    const sorted = [...samples].sort((a, b) => a - b);
    return { samples: sorted.length, peak: sorted.at(-1) ?? 0, median: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0 };
  };
  return {
    summary,
    stop: () => {
      clearInterval(timer);
      take();
      return summary();
    },
  };
}
