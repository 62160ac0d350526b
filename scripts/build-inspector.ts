/*
 * Bundles inspector/ into one self-contained page (script and style inline, no network), written to
 * dist/inspector/index.html where startInspector finds it. Run by `npm run build` and by the tests'
 * globalSetup, so no test depends on a manual build.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const INSPECTOR_PAGE = join(ROOT, 'dist', 'inspector', 'index.html');

export async function buildInspectorPage(
  outFile: string = INSPECTOR_PAGE,
): Promise<{ file: string; bytes: number }> {
  const result = await build({
    entryPoints: [join(ROOT, 'inspector', 'src', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no output for inspector/src/main.ts');
  const [template, css] = await Promise.all([
    readFile(join(ROOT, 'inspector', 'index.html'), 'utf8'),
    readFile(join(ROOT, 'inspector', 'style.css'), 'utf8'),
  ]);
  // Inline text must not close its own element early; a function replacement keeps `$` literal.
  const html = template
    .replace('/*STYLE*/', () => css.replaceAll('</style', '<\\/style'))
    .replace('/*SCRIPT*/', () => js.trimEnd().replaceAll('</script', '<\\/script'));
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, html);
  return { file: outFile, bytes: Buffer.byteLength(html) };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await buildInspectorPage();
  console.log(`inspector page: ${file} (${(bytes / 1024).toFixed(1)} KiB)`);
}
