/**
 * Samples a process's resident set and CPU time from /proc (Linux), so that the benchmark
 * measures the operator process itself, not the one that drives it.
 */
import { readFileSync } from 'node:fs';

/** One reading: resident set in bytes, user + system CPU in seconds. */
export interface ProcessReading {
  at: number;
  rssBytes: number;
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** Reads /proc/PID/status (VmRSS) and /proc/PID/stat (utime, stime); undefined once the process is gone. */
export function readProcess(pid: number): ProcessReading | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { at: Date.now(), rssBytes: rssKiB * 1024, cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** Reads the process every `intervalMs` and keeps the peak resident set. */
export class ProcessSampler {
  private timer: NodeJS.Timeout | undefined;
  peakRssBytes = 0;
  last: ProcessReading | undefined;

  constructor(private readonly pid: number, private readonly intervalMs = 250) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** A reading now (also counted for the peak). */
  sample(): ProcessReading | undefined {
    const reading = readProcess(this.pid);
    if (reading) {
      this.last = reading;
      this.peakRssBytes = Math.max(this.peakRssBytes, reading.rssBytes);
    }
    return reading;
  }

  resetPeak(): void {
    this.peakRssBytes = this.last?.rssBytes ?? 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
