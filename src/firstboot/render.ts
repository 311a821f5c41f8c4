/**
 * render(name, data): one handlebars template from src/templates/ as a string. Every output is a
 * shell script, systemd unit or config file, never HTML, so nothing is HTML-escaped (noEscape);
 * the planner validates the few values that go in. `strict` makes a missing value an error
 * instead of an empty string in a boot script.
 */
import Handlebars from 'handlebars';
import { InternalError } from '../errors.js';
import { readPartials, readTemplate } from './templates.js';

export type TemplateName =
  | 'firstboot.sh'
  | 'update-resolv-conf.sh'
  | 'systemd/armada-firstboot.service'
  | 'systemd/armada-runcmd.service'
  | 'systemd/armada-interfaces.service'
  | 'systemd/armada-resolv.path'
  | 'systemd/armada-resolv.service'
  | 'systemd/armada-swarm-hint.service'
  | 'systemd/armada-swarm-hint.timer'
  | 'systemd/armada-docker-insecure.socket'
  | 'systemd/armada-docker-insecure.service'
  | 'systemd/docker-armada.conf'
  | 'docker/daemon.json'
  | 'avahi/docker.service'
  | 'network/90-armada-ethernet.network'
  | 'etc/resolv.conf'
  | 'etc/image.env'
  | 'apt/auto-upgrades.conf'
  | 'apt/security-updates.conf'
  | 'journald/armada.conf'
  /** A partial on its own, e.g. `partials/seed-parser.sh` (tests run the seed parser alone). */
  | `partials/${string}`;

const hb = Handlebars.create();
type Compiled = ReturnType<typeof hb.compile>;
let partialsRegistered = false;
const compiled = new Map<string, Compiled>();

function template(name: TemplateName): Compiled {
  if (!partialsRegistered) {
    for (const [partial, source] of Object.entries(readPartials()))
      hb.registerPartial(partial, source);
    partialsRegistered = true;
  }
  let t = compiled.get(name);
  if (!t) {
    t = hb.compile(readTemplate(name), { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t;
}

export function render(name: TemplateName, data: object): string {
  try {
    return template(name)(data);
  } catch (error) {
    if (error instanceof InternalError) throw error;
    throw new InternalError(
      `template ${name} did not render: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
