// Failures reach Temporal's history encoded (lib/failure-converter.ts): the message reads "Encoded failure"
// and the words are in an encrypted payload. What the API shows a person is the decoded message, through
// the client's own data converter (the same keys that encrypted it).
import type { Client } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';

type Failure = temporal.api.failure.v1.IFailure;

/** The failure's message and its cause's, decoded; the raw message when it cannot be decoded (a key since retired). */
export async function failureMessage(client: Client, failure: Failure | null | undefined): Promise<string | undefined> {
  if (!failure) return undefined;
  try {
    const error = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failure);
    if (!error) return undefined;
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return cause ? `${error.message}: ${cause}` : error.message;
  } catch {
    return failure.cause?.message ? `${failure.message}: ${failure.cause.message}` : (failure.message ?? undefined);
  }
}
