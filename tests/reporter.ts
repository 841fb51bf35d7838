// A job reporter for tests that keeps what it is told: phases, fractions (numbers only) and log lines.
// Standalone (a type import only), so suites that avoid tests/helpers.ts can use it.
import type { JobReporter } from '../electron/core/jobs';

export type RecordingReporter = JobReporter & { phases: string[]; fractions: number[]; lines: string[] };

export function reporter(): RecordingReporter {
  const phases: string[] = [];
  const fractions: number[] = [];
  const lines: string[] = [];
  return {
    id: 'test',
    phases,
    fractions,
    lines,
    phase: (p, f) => {
      phases.push(p);
      if (typeof f === 'number') fractions.push(f);
    },
    fraction: (f) => {
      if (typeof f === 'number') fractions.push(f);
    },
    log: (...l) => void lines.push(...l),
  };
}
