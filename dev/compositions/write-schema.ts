// `npm run compositions:schema`: writes the JSON Schema of the compositions file that ships in docs/ (a unit
// test fails when the shipped copy and the zod schema it comes from disagree).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { compositionsJsonSchema } from '../../composition/file/schema';

const SHIPPED_SCHEMA = fileURLToPath(new URL('../../docs/compositions.schema.json', import.meta.url));

// In the repository's own format, so that the written file passes `npm run lint` as it is.
const text = await format(JSON.stringify(compositionsJsonSchema()), { ...(await resolveConfig(SHIPPED_SCHEMA)), filepath: SHIPPED_SCHEMA });
await writeFile(SHIPPED_SCHEMA, text);
console.log(`wrote ${SHIPPED_SCHEMA}`);
