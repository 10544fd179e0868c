import { z } from '@hono/zod-openapi';
import type { AppConfig } from './deps';

/** Where a resource lives in Baton, and its run's page in the Temporal Web UI. */
export const Links = z.object({ self: z.string(), temporalUi: z.string().url() });

/** The run's page in the Temporal Web UI. */
export function temporalUiLink(config: Pick<AppConfig, 'temporalUiUrl' | 'namespace'>, workflowId: string, runId?: string): string {
  const base = `${config.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
