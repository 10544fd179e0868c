// Prints which Temporal binaries Baton will use; `which-temporal.ts cli` exits 1 if the CLI would be downloaded.
import { resolveTemporalCli, resolveTestServer } from './temporal-binaries';

const cli = resolveTemporalCli();
const testServer = resolveTestServer();
const only = process.argv[2];
if (only === 'cli') process.exit(cli.executable.type === 'existing-path' ? 0 : 1);
console.log(`[setup] Temporal CLI (dev server): ${cli.source}`);
console.log(`[setup] time-skipping test server: ${testServer.source}`);
