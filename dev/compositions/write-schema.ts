// `npm run compositions:schema`: writes the JSON Schema of the compositions file that ships in docs/ (a unit
// test fails when the shipped copy and the zod schema it comes from disagree).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compositionsJsonSchema } from '../../composition/file/schema';

const SHIPPED_SCHEMA = fileURLToPath(new URL('../../docs/compositions.schema.json', import.meta.url));

await writeFile(SHIPPED_SCHEMA, `${JSON.stringify(compositionsJsonSchema(), null, 2)}\n`);
console.log(`wrote ${SHIPPED_SCHEMA}`);
