// The baseline's one activity: a JSON POST over a shared undici keep-alive pool, body returned as is.
import { Agent } from 'undici';

export type RawService = 'payments' | 'inventory' | 'shipping';

export function createRawActivities(urls: Record<RawService, string>) {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  return {
    post: async (service: RawService, path: string, idempotencyKey: string, body: unknown): Promise<unknown> => {
      const res = await agent.request({
        origin: urls[service],
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
      });
      const answer: unknown = await res.body.json();
      if (res.statusCode >= 300) throw new Error(`${service} answered ${res.statusCode}`);
      return answer;
    },
    close: () => agent.close(),
  };
}

export type RawActivities = Pick<ReturnType<typeof createRawActivities>, 'post'>;
