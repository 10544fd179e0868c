// Workflow histories as JSON files (the protojson form `temporal workflow show --output json` writes).
// The SDK's own historyToJSON/historyFromJSON fail here ("type must be a Type"): @temporalio/common
// and @temporalio/proto each get a private copy of protobufjs 8, and protojson from one copy rejects
// the other's types. So these use protojson from the copy that @temporalio/proto itself loads.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Proto from '@temporalio/proto';

type History = Proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const require = createRequire(import.meta.url);
const proto = require('@temporalio/proto') as typeof Proto;
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown };
};
const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

export const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2) + '\n';
}

export function historyFromJSON(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a workflow history');
  return history;
}

/** Every recorded history, named after its file (the path of the saga it took). */
export function loadHistories(dir = historiesDir): { workflowId: string; history: History }[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ workflowId: basename(file, '.json'), history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))) }));
}
