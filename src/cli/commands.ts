import { doctorCommand } from './doctor.js';

/** Every command, in the order `armada --help` lists them. */
export const commands = [doctorCommand] as const;
