/**
 * The flag of each option domain messages name (src/option-names.ts). The seed flags are their
 * option names in kebab case; the others are listed because they are not.
 */
import type { OptionName } from '../option-names.js';

const irregular: Partial<Record<OptionName, string>> = {
  allowAnyBus: '--dangerously-allow-any-bus',
  noBmap: '--no-bmap',
};

export function flagName(name: OptionName): string {
  return irregular[name] ?? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
