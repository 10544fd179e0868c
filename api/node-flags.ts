/**
 * The V8 flags the API process runs with. package.json's `api` script, the Dockerfile, docker-compose.yml
 * and `npm start` pass them; test/unit/deploy/api-node-flags.test.ts keeps those copies equal to this one.
 *
 * Semi-spaces of 64 MiB instead of Node's 16: every request allocates a few kilobytes that die with it
 * (the request, its context, headers, promises, the downstream bodies), and with the default young
 * generation a busy API scavenges so often that objects still in flight get promoted and collected again
 * by the old generation. Measured on the composition routes: about a quarter less CPU per request, for up
 * to 96 MiB more memory under load (docs/benchmark-journal.md, docs/decisions/0008-api-young-generation.md).
 * The flags cannot be set from inside the process: V8 sizes its heap before any code runs.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
