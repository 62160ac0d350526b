// The SQL migrations are read at run time from beside the compiled store code, so the build copies them.
import { cpSync, existsSync } from 'node:fs';

for (const engine of ['postgres', 'sqlite']) {
  const from = `src/store/${engine}/migrations`;
  if (existsSync(from)) cpSync(from, `dist/store/${engine}/migrations`, { recursive: true, force: true });
}
