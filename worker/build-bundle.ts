// `npm run build`: bundles the workflows once so production workers start fast and run exactly this code.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { otelWorkflowInterceptorModule } from './tracing';
import { failureConverterPath } from '../lib/payload-codec';
import { defaultBundlePath, workflowsPath } from './workflow-source';

const out = process.argv[2] ?? defaultBundlePath;
// The OpenTelemetry workflow interceptors are always in: a worker without tracing gives them a no-op sink.
const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath, workflowInterceptorModules: [otelWorkflowInterceptorModule] });
await mkdir(dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
