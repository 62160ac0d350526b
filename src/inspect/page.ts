import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InspectorError } from './inspector-error.js';

/** The bundled page and the CSP hash of its one inline script. */
export interface InspectorPage {
  readonly html: string;
  readonly scriptHash: string;
}

/*
 * `npm run build` writes dist/inspector/index.html next to dist/inspect/. From the TypeScript sources
 * (tests, tsx) the same file is found through the package root.
 */
const CANDIDATES = ['../inspector/', '../../dist/inspector/'];

/** Loads a bundled page: the inspector (`index.html`) or the cockpit (`cockpit.html`). */
export async function loadInspectorPage(
  name: 'index.html' | 'cockpit.html' = 'index.html',
): Promise<InspectorPage> {
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    const file = fileURLToPath(new URL(`${candidate}${name}`, import.meta.url));
    tried.push(file);
    let html: string;
    try {
      html = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    if (script === undefined) {
      throw new InspectorError('page_missing', file, `inspector page ${file} has no inline script`);
    }
    return { html, scriptHash: createHash('sha256').update(script, 'utf8').digest('base64') };
  }
  throw new InspectorError(
    'page_missing',
    tried.join(', '),
    `inspector page not built (looked for ${tried.join(' and ')}); run npm run build`,
  );
}
