// `npm run build`: bundles the workflows once so production workers start fast and run exactly this code.
import { defaultBundlePath, writeWorkflowBundles } from './workflow-source';

const { traced, untraced } = await writeWorkflowBundles(process.argv[2] ?? defaultBundlePath);
console.log(`workflow bundles written to ${traced} (tracing) and ${untraced}`);
