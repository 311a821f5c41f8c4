/**
 * The Debian (and Raspbian) suites armada has data for (suites.json): which Debian release each
 * is and what its Docker packages are called. The build's package set and a base image's Docker
 * install both read it.
 */
import suites from './suites.json' with { type: 'json' };

export interface SuiteInfo {
  debian: string;
  why: string;
  /** Docker and its CLI plugins: the names differ between suites. */
  docker: string[];
  gives: Record<string, string>;
}

export const defaultSuite: string = suites.default;
const known: Record<string, SuiteInfo> = suites.suites;
/** What a suite without data of its own is built with. */
export const defaultSuiteInfo: SuiteInfo = known[defaultSuite];

/** The suite's entry, or undefined for a suite armada has no data for (it then uses the default's). */
export function suiteInfo(suite: string): SuiteInfo | undefined {
  return Object.hasOwn(known, suite) ? known[suite] : undefined;
}

export function knownSuites(): string[] {
  return Object.keys(known);
}
