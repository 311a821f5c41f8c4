/**
 * armada's own lint rules, for what no-restricted-imports cannot see: the import graph between
 * folders, and what a module's opening comment claims.
 */
import folderCycles from './folder-cycles.js';
import pureClaim from './pure-claim.js';

export default { rules: { 'folder-cycles': folderCycles, 'pure-claim': pureClaim } };
