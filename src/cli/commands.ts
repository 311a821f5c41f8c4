import { buildCommand } from './build.js';
import { doctorCommand } from './doctor.js';
import { checkKernelCommand } from './check-kernel.js';
import { flashCommand } from './flash.js';
import { drivesCommand } from './drives.js';
import { verifyCommand } from './verify.js';
import { configureCommand } from './configure.js';
import { caCommand } from './ca.js';
import { connectCommand } from './connect.js';
import { envCommand } from './env.js';
import { discoverCommand } from './discover.js';
import { inspectCommand } from './inspect.js';
import { configCommand } from './config.js';
import { cacheCommand } from './cache.js';
import { swarmCommand } from './swarm.js';

/** Every command, in the order `armada --help` lists them. */
export const commands = [
  buildCommand,
  doctorCommand,
  checkKernelCommand,
  flashCommand,
  drivesCommand,
  verifyCommand,
  configureCommand,
  inspectCommand,
  caCommand,
  connectCommand,
  envCommand,
  discoverCommand,
  swarmCommand,
  configCommand,
  cacheCommand,
] as const;
