import type { AppConfig } from './deps';

/** The run's page in the Temporal Web UI. */
export function temporalUiLink(config: Pick<AppConfig, 'temporalUiUrl' | 'namespace'>, workflowId: string, runId?: string): string {
  const base = `${config.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
