// Writes configs/config.schema.json from the config definition (src/io/config-schema.ts).
// Run by `npm run schema`; a test checks that the committed file is up to date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../src/io/config-schema';

writeFileSync(join(__dirname, '../configs/config.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
