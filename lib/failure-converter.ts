// Loaded by path (DataConverter.failureConverterPath) in the worker, the client and the workflow
// bundle. Failure messages and stack traces carry downstream answers ("customer … is declined"), so
// they are moved into an encoded attribute that the payload codec encrypts like any payload; the
// history keeps only "Encoded failure". Decoding needs no option: every converter reads them back.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
