/**
 * Progress lines for people: bytes, speed and time left. Pure.
 */
import { formatBytes } from '../format-bytes.js';

export interface ProgressSample {
  done: number;
  /** undefined while the total is unknown (a stream without size). */
  total?: number;
  elapsedMs: number;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function rate(bytes: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (bytes / elapsedMs) * 1000 : 0;
}

export function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

/** '1.2 GB of 2.0 GB (60%) · 45.3 MB/s · 0:18 left' */
export function formatProgress(p: ProgressSample): string {
  const speed = rate(p.done, p.elapsedMs);
  const parts = [
    p.total
      ? `${formatBytes(p.done)} of ${formatBytes(p.total)} (${Math.floor((p.done / p.total) * 100)}%)`
      : formatBytes(p.done),
  ];
  if (p.elapsedMs >= 1000) parts.push(formatRate(speed));
  if (p.total && speed > 0 && p.elapsedMs >= 2000)
    parts.push(`${formatDuration((p.total - p.done) / speed)} left`);
  return parts.join(' · ');
}
